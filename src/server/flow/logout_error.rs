//! Every way a logout flow fails, classified for the edge.

use crate::saml::binding::BindingError;
use crate::saml::logout::LogoutError;
use crate::saml::slo::SloError;
use crate::server::sessions::COOKIE as SESSION_COOKIE;

use super::login::MAX_RELAY_STATE;
use super::{Classified, FaultKind};

#[derive(Debug, thiserror::Error)]
pub enum LogoutFlowError {
    #[error("the request body or query string could not be read: {0}")]
    Malformed(String),
    #[error("no SAMLRequest or SAMLResponse parameter: service providers send a LogoutRequest (SAMLRequest) or answer ours with a LogoutResponse (SAMLResponse), by HTTP-Redirect or HTTP-POST")]
    NoMessage,
    #[error("the message carries both SAMLRequest and SAMLResponse; send one")]
    TwoMessages,
    #[error("{}", .source.to_string().replacen("SAMLRequest", param, 1))]
    Binding {
        param: &'static str,
        source: BindingError,
    },
    #[error("{0}")]
    Message(#[from] LogoutError),
    #[error("RelayState is {0} bytes; at most {MAX_RELAY_STATE} are carried")]
    RelayStateTooLong(usize),
    #[error("{issuer} is not a registered service provider, and strict mode answers only those")]
    Unregistered { issuer: String },
    #[error("no logout URL is known for {issuer}{}, so the LogoutResponse has nowhere to go; nothing was logged out", if *.registered { " (it is registered without slo_url)" } else { " (it is not registered)" })]
    NoSloUrl { issuer: String, registered: bool },
    #[error(
        "strict mode refuses this LogoutRequest from {issuer}: {reason}; nothing was logged out"
    )]
    SignatureRefused { issuer: String, reason: String },
    #[error(
        "the LogoutResponse has no InResponseTo, so it cannot be matched to a logout in progress"
    )]
    NoInResponseTo,
    #[error("the LogoutResponse from {issuer} answers {in_response_to}, which is no LogoutRequest of a logout in progress here (finished, expired after 15 minutes, or never sent)")]
    UnknownResponse {
        issuer: String,
        in_response_to: String,
    },
    #[error("this browser has no IdP session to log out (no {SESSION_COOKIE} cookie naming a live session)")]
    NoSession,
    #[error("this browser has no logout in progress")]
    NoLogout,
    #[error("scenario {0:?} is not a logout scenario; choose one of: {1}")]
    BadScenario(String, String),
    #[error("{0}")]
    Send(#[from] SloError),
    /// The engine could not make a LogoutRequest (its reason, in words).
    #[error("the LogoutRequest could not be made: {0}")]
    Unsendable(String),
    /// A logout page could not be rendered.
    #[error("{0}")]
    Page(String),
}

impl Classified for LogoutFlowError {
    fn kind(&self) -> FaultKind {
        match self {
            LogoutFlowError::Send(_)
            | LogoutFlowError::Unsendable(_)
            | LogoutFlowError::Page(_) => FaultKind::Internal,
            LogoutFlowError::Unregistered { .. } | LogoutFlowError::SignatureRefused { .. } => {
                FaultKind::Refused
            }
            _ => FaultKind::BadInput,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            LogoutFlowError::NoMessage
            | LogoutFlowError::TwoMessages
            | LogoutFlowError::Binding { .. } => "No usable logout message",
            LogoutFlowError::Message(_) => "The logout message is not valid",
            LogoutFlowError::Unregistered { .. } | LogoutFlowError::SignatureRefused { .. } => {
                "Refused in strict mode"
            }
            LogoutFlowError::NoSloUrl { .. } => "No logout URL for this service provider",
            LogoutFlowError::NoInResponseTo | LogoutFlowError::UnknownResponse { .. } => {
                "No logout waits for this answer"
            }
            LogoutFlowError::NoSession | LogoutFlowError::NoLogout => "Nothing to log out",
            LogoutFlowError::Send(_)
            | LogoutFlowError::Unsendable(_)
            | LogoutFlowError::Page(_) => "The logout message could not be made",
            LogoutFlowError::Malformed(_)
            | LogoutFlowError::RelayStateTooLong(_)
            | LogoutFlowError::BadScenario(..) => "Bad request",
        }
    }

    fn hint(&self) -> Option<&'static str> {
        match self {
            LogoutFlowError::NoSloUrl { .. } => Some(
                "register the service provider in the file given to --sps with its logout URL: `entity_id: <its entity ID>` and `slo_url: <its SingleLogoutService URL>`, or `metadata: <its metadata file>` with a SingleLogoutService",
            ),
            LogoutFlowError::Unregistered { .. } => {
                Some("register the service provider, its slo_url and certificate in the file given to --sps, or run without --strict")
            }
            LogoutFlowError::SignatureRefused { .. } => Some(
                "strict mode answers only LogoutRequests signed with the certificate registered for the service provider (saml-profiles 4.4.4.1); register it with `certificate:` in --sps, or run without --strict",
            ),
            LogoutFlowError::NoSession => {
                Some("log in to a service provider first; the home page shows this browser's session")
            }
            LogoutFlowError::Binding { .. } => {
                Some("HTTP-Redirect carries base64 of raw DEFLATE; HTTP-POST carries base64 of the XML")
            }
            _ => None,
        }
    }
}
