//! The server's state, built once at start-up and shared by every request: the endpoints, the
//! signing key (and the attacker keys scenarios sign with), the users, the registered SPs and
//! their policy, and the in-memory stores (history, sessions, the inspector, reviews). The web
//! layer hands it to the flows; it names no web framework.

use serde::{Deserialize, Serialize};

use crate::saml::dsig::{DsigError, Signer};
use crate::saml::issue::Idp;
use crate::saml::scenario::{attacker_signers, Keys};
use crate::saml::sp::{Policy, Registry};
use crate::server::config::Endpoints;
use crate::server::history::History;
use crate::server::inspector::Inspector;
use crate::server::reviews::Reviews;
use crate::server::sessions::Sessions;
use crate::server::users::Directory;

/// Why the server's state cannot be prepared.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("preparing the attacker keys of the failure scenarios: {0}")]
    AttackerKeys(#[from] DsigError),
}

/// Who logs in, and how, without the picker (`flow::select` checks one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preselection {
    pub user: String,
    pub scenario: Option<String>,
    /// Keep the cookie after use; otherwise it applies to the next login only.
    #[serde(default)]
    pub sticky: bool,
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

    /// This IdP as the engine issues responses: its entity IDs, keys and NameID secret.
    pub fn idp(&self) -> Idp<'_> {
        Idp {
            entity_id: &self.endpoints.entity_id,
            adfs_entity_id: &self.adfs_entity_id,
            keys: self.keys(),
            persistent_secret: &self.persistent_secret,
        }
    }

    pub fn sso_url(&self) -> String {
        format!("{}/sso", self.endpoints.base_url)
    }

    /// Every URL that takes AuthnRequests: `/sso`, and the AD FS paths, which take both
    /// logins and logouts.
    pub fn sso_urls(&self) -> [String; 3] {
        let base = &self.endpoints.base_url;
        [
            self.sso_url(),
            format!("{base}/adfs/ls/"),
            format!("{base}/adfs/ls"),
        ]
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
