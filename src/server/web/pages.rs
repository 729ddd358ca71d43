//! The informational endpoints: the home page, metadata, the certificate, health.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::saml::metadata::{self, IdpDescription};
use crate::saml::scenario::logout as logout_scenarios;
use crate::saml::sp::Policy;
use crate::server::clock;
use crate::server::sessions::COOKIE as SESSION_COOKIE;

use super::error::PageError;
use super::{render, session, AppState};

#[derive(Serialize)]
struct UserRow<'a> {
    id: &'a str,
    display_name: &'a str,
    email: &'a str,
    /// In file order: `{name, value}` with list values joined.
    attributes: Vec<AttributeRow<'a>>,
}

#[derive(Serialize)]
struct AttributeRow<'a> {
    name: &'a str,
    value: String,
}

#[derive(Serialize)]
struct SpRow<'a> {
    entity_id: &'a str,
    name: Option<&'a str>,
    /// The product's name, else its entity ID.
    label: &'a str,
    /// The RelayState its IdP-initiated logins send unless told otherwise.
    relay_state: Option<&'a str>,
    acs_url: Option<&'a str>,
    style: &'static str,
    /// `/sso/idp-initiated?sp=...`, URL-encoded.
    login_url: String,
}

/// This browser's IdP session, for the logout button.
#[derive(Serialize)]
struct SessionView<'a> {
    user: &'a str,
    sps: Vec<String>,
}

#[derive(Serialize)]
struct LogoutScenarioChoice {
    id: &'static str,
    title: &'static str,
}

#[derive(Serialize)]
struct HomePage<'a> {
    slo_url: String,
    /// The plain logout: a redirect that ends this browser's IdP session without SAML.
    plain_logout_url: String,
    session: Option<SessionView<'a>>,
    logout_in_progress: bool,
    logout_scenarios: Vec<LogoutScenarioChoice>,
    version: &'static str,
    entity_id: &'a str,
    sso_url: String,
    metadata_url: String,
    certificate_url: String,
    certificate_pem: String,
    sha1: String,
    sha256: String,
    base_url: &'a str,
    users: Vec<UserRow<'a>>,
    first_user: &'a str,
    sps: Vec<SpRow<'a>>,
    strict: bool,
    adfs_entity_id: &'a str,
    adfs_sso_url: String,
    adfs_metadata_url: String,
}

pub async fn home(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let now = clock::now();
    let current = session::current(&state, &req, now);
    let logout_in_progress = req
        .cookie(SESSION_COOKIE)
        .is_some_and(|c| state.sessions.logout(c.value(), now).is_some());
    let users: Vec<_> = state
        .directory
        .users()
        .iter()
        .map(|u| UserRow {
            id: &u.id,
            display_name: &u.display_name,
            email: &u.email,
            attributes: u
                .attributes
                .iter()
                .map(|a| AttributeRow {
                    name: &a.name,
                    value: a.values.join(", "),
                })
                .collect(),
        })
        .collect();
    let page = HomePage {
        slo_url: state.slo_url(),
        plain_logout_url: format!("{}/logout", state.endpoints.base_url),
        session: current.as_ref().map(|s| SessionView {
            user: state
                .directory
                .get(&s.user)
                .map_or(s.user.as_str(), |u| u.display_name.as_str()),
            sps: s.sps.iter().map(|p| p.sp_entity_id.clone()).collect(),
        }),
        logout_in_progress,
        logout_scenarios: logout_scenarios::ALL
            .iter()
            .map(|s| LogoutScenarioChoice {
                id: s.id,
                title: s.title,
            })
            .collect(),
        version: env!("CARGO_PKG_VERSION"),
        entity_id: &state.endpoints.entity_id,
        sso_url: state.sso_url(),
        metadata_url: state.metadata_url(),
        certificate_url: state.certificate_url(),
        certificate_pem: state.signer.certificate_pem(),
        sha1: state.signer.sha1_fingerprint(),
        sha256: state.signer.sha256_fingerprint(),
        base_url: &state.endpoints.base_url,
        first_user: users.first().map(|u| u.id).unwrap_or_default(),
        users,
        sps: state
            .registry
            .all()
            .iter()
            .map(|sp| SpRow {
                entity_id: &sp.entity_id,
                name: sp.name.as_deref(),
                label: sp.name.as_deref().unwrap_or(&sp.entity_id),
                relay_state: sp.relay_state.as_deref(),
                acs_url: sp.default_acs().map(|e| e.url.as_str()),
                style: sp.style.id(),
                login_url: format!(
                    "/sso/idp-initiated?{}",
                    serde_urlencoded::to_string([("sp", sp.entity_id.as_str())])
                        .unwrap_or_default()
                ),
            })
            .collect(),
        strict: state.policy == Policy::Strict,
        adfs_entity_id: &state.adfs_entity_id,
        adfs_sso_url: format!("{}/adfs/ls/", state.endpoints.base_url),
        adfs_metadata_url: format!("{}{FEDERATION_METADATA}", state.endpoints.base_url),
    };
    let body = render::page("home", &page).map_err(PageError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(body))
}

pub async fn metadata(state: web::Data<AppState>) -> HttpResponse {
    let xml = metadata::idp_metadata(&IdpDescription {
        entity_id: &state.endpoints.entity_id,
        sso_url: &state.sso_url(),
        slo_url: &state.slo_url(),
        signer: &state.signer,
        want_authn_requests_signed: state.want_signed_requests,
    });
    metadata_response(xml)
}

/// Where AD FS publishes its metadata.
pub const FEDERATION_METADATA: &str = "/FederationMetadata/2007-06/FederationMetadata.xml";

/// The metadata of the AD FS face: its `http://<host>/adfs/services/trust` entity ID and the
/// `/adfs/ls/` endpoint, for SPs set up from an AD FS guide.
pub async fn federation_metadata(state: web::Data<AppState>) -> HttpResponse {
    let xml = metadata::idp_metadata(&IdpDescription {
        entity_id: &state.adfs_entity_id,
        sso_url: &format!("{}/adfs/ls/", state.endpoints.base_url),
        slo_url: &format!("{}/adfs/ls/", state.endpoints.base_url),
        signer: &state.signer,
        want_authn_requests_signed: state.want_signed_requests,
    });
    metadata_response(xml)
}

fn metadata_response(xml: String) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/samlmetadata+xml"))
        .body(xml)
}

pub async fn certificate(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/x-pem-file"))
        .insert_header((header::CONTENT_DISPOSITION, "inline; filename=\"idp.crt\""))
        .body(state.signer.certificate_pem())
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, PageError> {
    Err(PageError::not_found(req.path()))
}
