//! Every way a login fails, classified for the edge, and the limit on what a login carries
//! through (RelayState).

use crate::saml::authn_request::RequestError;
use crate::saml::binding::BindingError;
use crate::saml::issue::IssueError;
use crate::saml::request_signature::SignatureRefusal;
use crate::saml::sp::TargetError;

use super::{Classified, FaultKind};

/// Longest RelayState carried through. saml-bindings 3.4.3 says 80 bytes, which many SPs
/// exceed with a return URL; this only stops abuse.
pub const MAX_RELAY_STATE: usize = 8 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("no SAMLRequest parameter; service providers send users here with one (HTTP-Redirect: ?SAMLRequest=...; HTTP-POST: a SAMLRequest form field)")]
    MissingRequest,
    #[error("{0}")]
    Binding(#[from] BindingError),
    #[error("{0}")]
    Request(#[from] RequestError),
    #[error("{0}")]
    Target(#[from] TargetError),
    #[error("no sp parameter: IdP-initiated login needs the entity ID of a registered service provider ({0})")]
    MissingSp(String),
    #[error("no user given; choose one of: {0}")]
    MissingUser(String),
    #[error("unknown user {0:?}; choose one of: {1}")]
    UnknownUser(String, String),
    #[error("{field} {value:?} is not one of: {allowed}")]
    BadChoice {
        field: &'static str,
        value: String,
        allowed: String,
    },
    #[error("RelayState is {0} bytes; at most {MAX_RELAY_STATE} are carried")]
    RelayStateTooLong(usize),
    #[error("the request body or query string could not be read: {0}")]
    Malformed(String),
    #[error("there is no previous response to {0} to replay: log in once first")]
    NothingToReplay(String),
    #[error("this scenario answers the request {0} sent before this one, and there is none: log in once first")]
    NoPreviousRequest(String),
    #[error("{0}")]
    Issue(IssueError),
    #[error("{0}")]
    Signature(#[from] SignatureRefusal),
    /// Encryption asked for where it cannot be done: no certificate, or a scenario it hides.
    #[error("{0}")]
    Encryption(IssueError),
    /// A signature method the IdP's key cannot make, chosen for this login or by a scenario.
    #[error("{0}")]
    AlgorithmForKey(String),
}

impl From<IssueError> for LoginError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::NoEncryptionCertificate(_) | IssueError::EncryptionConflict(_) => {
                LoginError::Encryption(e)
            }
            IssueError::AlgorithmNeedsOtherKey { .. } => LoginError::AlgorithmForKey(e.to_string()),
            other => LoginError::Issue(other),
        }
    }
}

impl Classified for LoginError {
    fn kind(&self) -> FaultKind {
        match self {
            LoginError::Issue(_) => FaultKind::Internal,
            _ if self.is_refusal() => FaultKind::Refused,
            _ => FaultKind::BadInput,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            LoginError::MissingRequest | LoginError::Binding(_) => "No usable SAMLRequest",
            LoginError::Request(_) => "The AuthnRequest is not valid",
            LoginError::Target(
                TargetError::UnregisteredSp(_) | TargetError::UnregisteredAcs { .. },
            ) => "Refused in strict mode",
            LoginError::Target(_) | LoginError::MissingSp(_) => "No place to send the response",
            LoginError::MissingUser(_) | LoginError::UnknownUser(..) => "Unknown user",
            LoginError::BadChoice { .. }
            | LoginError::RelayStateTooLong(_)
            | LoginError::Malformed(_) => "Bad request",
            LoginError::Issue(_) => "The response could not be issued",
            LoginError::Encryption(_) => "The assertion cannot be encrypted",
            LoginError::AlgorithmForKey(_) => "The signature algorithm does not fit the IdP's key",
            LoginError::NothingToReplay(_) | LoginError::NoPreviousRequest(_) => {
                "Nothing to replay yet"
            }
            LoginError::Signature(_) => "Request signature refused in strict mode",
        }
    }

    fn hint(&self) -> Option<&'static str> {
        match self {
            LoginError::MissingRequest => {
                Some("start the login at the service provider, or see the home page for the API")
            }
            LoginError::Binding(_) => {
                Some("HTTP-Redirect carries base64 of raw DEFLATE; HTTP-POST carries base64 of the XML")
            }
            LoginError::Target(TargetError::UnregisteredSp(_) | TargetError::UnregisteredAcs { .. }) => {
                Some("register the service provider and its ACS URL in the file given to --sps, or run without --strict")
            }
            LoginError::Target(_) => Some(
                "the AuthnRequest must name its Issuer and an AssertionConsumerServiceURL, or the service provider must be registered (--sps)",
            ),
            LoginError::Signature(_) => Some(
                "have the service provider sign its AuthnRequests with the key of the certificate registered for it (certificate: in the --sps file, or its metadata), or run without --strict to answer with a warning",
            ),
            _ => None,
        }
    }
}

impl LoginError {
    /// Refusals of strict mode, as opposed to malformed input.
    fn is_refusal(&self) -> bool {
        matches!(
            self,
            LoginError::Target(
                TargetError::UnregisteredSp(_) | TargetError::UnregisteredAcs { .. }
            )
        )
    }
}

pub fn check_relay_state(relay_state: Option<&str>) -> Result<(), LoginError> {
    match relay_state {
        Some(r) if r.len() > MAX_RELAY_STATE => Err(LoginError::RelayStateTooLong(r.len())),
        _ => Ok(()),
    }
}
