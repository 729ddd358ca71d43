//! The web layer: translates HTTP into engine calls and engine results into pages and JSON.
//!
//! The whole URL map is [`routes`]; each endpoint family has its own file; [`error`] is the
//! only place HTTP status codes are chosen; [`render`] holds the templates.

mod api;
mod error;
mod inspector;
mod login;
mod pages;
mod render;
mod review;
mod select;
mod session;
mod signature;
mod slo;
mod sso;

use std::net::TcpListener;

use actix_web::{web, App, HttpServer};

use crate::saml::dsig::{DsigError, Signer};
use crate::saml::scenario::{attacker_signers, Keys};
use crate::saml::sp::{Policy, Registry};
use crate::server::config::Endpoints;
use crate::server::history::History;
use crate::server::inspector::Inspector;
use crate::server::reviews::Reviews;
use crate::server::sessions::Sessions;
use crate::server::users::Directory;

pub use login::LoginError;
use select::Preselection;

/// Why the web layer cannot be prepared.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("preparing the attacker keys of the failure scenarios: {0}")]
    AttackerKeys(#[from] DsigError),
}

/// Everything a request handler may read; built once at start-up, never mutated.
pub struct AppState {
    pub endpoints: Endpoints,
    /// The issuer of ADFS-style responses: `http://<host>/adfs/services/trust` (AD FS writes
    /// `http` even when it is served over https).
    pub adfs_entity_id: String,
    pub signer: Signer,
    /// The attacker's key with its own certificate, and with one cloned from ours.
    attacker: Signer,
    cloned: Signer,
    pub directory: Directory,
    pub registry: Registry,
    pub policy: Policy,
    /// The last response and request per SP, for the replay scenarios.
    pub history: History,
    /// IdP sessions by cookie.
    pub sessions: Sessions,
    /// The recent exchanges, for `/inspector`.
    pub inspector: Inspector,
    /// `--auto-login`: answer every SSO request as this user, without the picker.
    pub auto_login: Option<Preselection>,
    /// `--review`: hold browser logins on the review page (the picker's box starts ticked).
    pub review: bool,
    /// Responses waiting on the review page.
    pub reviews: Reviews,
    /// Keys persistent NameIDs; derived from the signing key so they survive restarts.
    persistent_secret: Vec<u8>,
    /// `--want-signed-requests`: every SP is expected to sign its AuthnRequests, and the
    /// metadata says `WantAuthnRequestsSigned="true"`.
    pub want_signed_requests: bool,
}

impl AppState {
    pub fn new(
        endpoints: Endpoints,
        signer: Signer,
        directory: Directory,
    ) -> Result<AppState, StateError> {
        let persistent_secret = signer.derived_secret("mock-idp persistent NameID");
        render::compile_in_background();
        let (attacker, cloned) = attacker_signers(&signer)?;
        let host = endpoints.base_url.split("://").nth(1).unwrap_or_default();
        let host = host.split('/').next().unwrap_or_default();
        Ok(AppState {
            adfs_entity_id: format!("http://{host}/adfs/services/trust"),
            endpoints,
            signer,
            attacker,
            cloned,
            directory,
            registry: Registry::default(),
            policy: Policy::default(),
            history: History::default(),
            auto_login: None,
            review: false,
            reviews: Reviews::default(),
            sessions: Sessions::default(),
            inspector: Inspector::default(),
            persistent_secret,
            want_signed_requests: false,
        })
    }

    /// Answer every SSO request at once as `user` (with `scenario`), unless a browser's own
    /// preselection says otherwise.
    pub fn with_auto_login(
        mut self,
        user: &str,
        scenario: Option<&str>,
    ) -> Result<Self, LoginError> {
        let p = Preselection {
            user: user.to_owned(),
            scenario: scenario.map(str::to_owned),
            sticky: true,
        };
        self.auto_login = Some(p.validated(&self)?);
        Ok(self)
    }

    /// The registered service providers, and what to do with others.
    pub fn with_registry(mut self, registry: Registry, policy: Policy) -> Self {
        self.registry = registry;
        self.policy = policy;
        self
    }

    /// Expect every SP to sign its AuthnRequests (and say so in the metadata).
    pub fn with_signed_requests(mut self, want: bool) -> Self {
        self.want_signed_requests = want;
        self
    }

    /// Hold every browser login on the review page before posting (`--review`).
    pub fn with_review(mut self, review: bool) -> Self {
        self.review = review;
        self
    }

    /// The keys responses may be signed with.
    pub fn keys(&self) -> Keys<'_> {
        Keys {
            idp: &self.signer,
            attacker: &self.attacker,
            cloned: &self.cloned,
        }
    }

    pub fn sso_url(&self) -> String {
        format!("{}/sso", self.endpoints.base_url)
    }

    /// The single logout endpoint, both bindings.
    pub fn slo_url(&self) -> String {
        format!("{}/slo", self.endpoints.base_url)
    }

    /// Every URL that takes logout messages (a message's Destination must be one of them):
    /// `/slo` first, then the AD FS paths.
    pub fn slo_urls(&self) -> [String; 3] {
        let base = &self.endpoints.base_url;
        [
            self.slo_url(),
            format!("{base}/adfs/ls/"),
            format!("{base}/adfs/ls"),
        ]
    }

    pub fn metadata_url(&self) -> String {
        format!("{}/metadata", self.endpoints.base_url)
    }

    pub fn certificate_url(&self) -> String {
        format!("{}/certs/idp.crt", self.endpoints.base_url)
    }
}

/// The public URL map (README "Endpoints" documents each).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::home))
        .route("/metadata", web::get().to(pages::metadata))
        .route("/certs/idp.crt", web::get().to(pages::certificate))
        .route("/healthz", web::get().to(pages::healthz))
        .route("/sso", web::get().to(sso::redirect_binding))
        .route("/sso", web::post().to(sso::post_binding))
        .route("/sso/login", web::post().to(sso::login))
        .route("/sso/idp-initiated", web::get().to(sso::idp_initiated))
        .route("/sso/review", web::post().to(review::post))
        .route("/slo", web::get().to(slo::redirect_binding))
        .route("/slo", web::post().to(slo::post_binding))
        .route("/slo/idp-initiated", web::post().to(slo::idp_initiated))
        .route("/slo/finish", web::post().to(slo::finish_now))
        .route("/slo/status", web::get().to(slo::status))
        .route("/slo/select", web::get().to(slo::select))
        .route("/select", web::get().to(select::select))
        .route("/inspector", web::get().to(inspector::list))
        .route("/inspector/{seq}", web::get().to(inspector::detail))
        .route(
            "/inspector/{seq}/request.xml",
            web::get().to(inspector::request_xml),
        )
        .route(
            "/inspector/{seq}/response.xml",
            web::get().to(inspector::response_xml),
        )
        // AD FS paths, for SPs configured by an AD FS guide (ServiceDesk Plus): sign-in and,
        // for logout messages, sign-out.
        .route("/adfs/ls/", web::get().to(slo::adfs_redirect_binding))
        .route("/adfs/ls/", web::post().to(slo::adfs_post_binding))
        .route("/adfs/ls", web::get().to(slo::adfs_redirect_binding))
        .route("/adfs/ls", web::post().to(slo::adfs_post_binding))
        .route(
            pages::FEDERATION_METADATA,
            web::get().to(pages::federation_metadata),
        )
        .route("/api/sso", web::post().to(api::sso))
        .route("/api/idp-initiated", web::post().to(api::idp_initiated))
        .route("/api/users", web::get().to(api::users))
        .route("/api/scenarios", web::get().to(api::scenarios))
        .default_service(web::to(pages::not_found));
}

/// Serves until SIGINT/SIGTERM; in-flight requests are allowed to finish.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let state = web::Data::new(state);
    HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::ErrorHandlers::new().handler(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                error::body_too_large,
            ))
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(error::MAX_BODY))
            .configure(routes)
    })
    .listen(listener)?
    .run()
    .await
}
