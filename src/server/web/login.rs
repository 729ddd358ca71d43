//! One login, as the picker form and the API both perform it: decode and parse the request,
//! resolve where the answer goes, look up the user, and run the engine with the real clock and
//! random IDs.

use crate::saml::authn_request::{self, AuthnRequest, RequestError};
use crate::saml::binding::{self, Binding, BindingError, Encoding};
use crate::saml::dsig::SignatureAlgorithm;
use crate::saml::issue::{
    self, Idp, IssueError, IssuedResponse, Login, Options, Sign, Target, TargetError,
};
use crate::saml::scenario::Valid;
use crate::server::clock;

use super::AppState;

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
    #[error("{0}")]
    Issue(#[from] IssueError),
}

impl LoginError {
    pub fn title(&self) -> &'static str {
        match self {
            LoginError::MissingRequest | LoginError::Binding(_) => "No usable SAMLRequest",
            LoginError::Request(_) => "The AuthnRequest is not valid",
            LoginError::Target(_) => "No place to send the response",
            LoginError::MissingUser(_) | LoginError::UnknownUser(..) => "Unknown user",
            LoginError::BadChoice { .. }
            | LoginError::RelayStateTooLong(_)
            | LoginError::Malformed(_) => "Bad request",
            LoginError::Issue(_) => "The response could not be issued",
        }
    }

    pub fn hint(&self) -> Option<&'static str> {
        match self {
            LoginError::MissingRequest => {
                Some("start the login at the service provider, or see the home page for the API")
            }
            LoginError::Binding(_) => Some(
                "HTTP-Redirect carries base64 of raw DEFLATE; HTTP-POST carries base64 of the XML",
            ),
            LoginError::Target(_) => {
                Some("the AuthnRequest must name its Issuer and an AssertionConsumerServiceURL")
            }
            _ => None,
        }
    }
}

/// A decoded, parsed AuthnRequest and how it arrived.
pub struct Received {
    pub xml: String,
    pub encoding: Encoding,
    pub binding: Binding,
    pub request: AuthnRequest,
}

/// Decodes and parses a `SAMLRequest` parameter. `binding` is how it arrived, when known.
pub fn receive(
    saml_request: Option<&str>,
    binding: Option<Binding>,
) -> Result<Received, LoginError> {
    let param = saml_request
        .filter(|s| !s.trim().is_empty())
        .ok_or(LoginError::MissingRequest)?;
    let decoded = binding::decode(param)?;
    let request = authn_request::parse(&decoded.xml)?;
    Ok(Received {
        binding: binding.unwrap_or(decoded.encoding.likely_binding()),
        encoding: decoded.encoding,
        xml: decoded.xml,
        request,
    })
}

pub fn check_relay_state(relay_state: Option<&str>) -> Result<(), LoginError> {
    match relay_state {
        Some(r) if r.len() > MAX_RELAY_STATE => Err(LoginError::RelayStateTooLong(r.len())),
        _ => Ok(()),
    }
}

/// Parses the per-login choices; absent means the default.
pub fn options(sign: Option<&str>, algorithm: Option<&str>) -> Result<Options, LoginError> {
    let sign = match sign.filter(|s| !s.is_empty()) {
        None => Sign::default(),
        Some(v) => Sign::from_id(v).ok_or_else(|| LoginError::BadChoice {
            field: "sign",
            value: v.to_owned(),
            allowed: Sign::ALL.map(Sign::id).join(", "),
        })?,
    };
    let algorithm = match algorithm.filter(|s| !s.is_empty()) {
        None => SignatureAlgorithm::default(),
        Some(v) => SignatureAlgorithm::from_id(v).ok_or_else(|| LoginError::BadChoice {
            field: "algorithm",
            value: v.to_owned(),
            allowed: SignatureAlgorithm::ALL
                .map(SignatureAlgorithm::id)
                .join(", "),
        })?,
    };
    Ok(Options { sign, algorithm })
}

pub fn parse_binding(value: Option<&str>) -> Result<Option<Binding>, LoginError> {
    match value.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => Binding::from_id(v)
            .map(Some)
            .ok_or_else(|| LoginError::BadChoice {
                field: "binding",
                value: v.to_owned(),
                allowed: "redirect, post".to_owned(),
            }),
    }
}

/// Issues the signed response for `user`.
pub fn answer(
    state: &AppState,
    received: &Received,
    user: Option<&str>,
    options: Options,
) -> Result<IssuedResponse, LoginError> {
    let target = Target::from_request(&received.request)?;
    let known = || {
        state
            .directory
            .users()
            .iter()
            .map(|u| u.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let user = user
        .filter(|u| !u.is_empty())
        .ok_or_else(|| LoginError::MissingUser(known()))?;
    let principal = state
        .directory
        .get(user)
        .ok_or_else(|| LoginError::UnknownUser(user.to_owned(), known()))?;
    let idp = Idp {
        entity_id: &state.endpoints.entity_id,
        signer: &state.signer,
        persistent_secret: &state.persistent_secret,
    };
    let login = Login {
        request: Some(&received.request),
        target: &target,
        principal,
        options,
    };
    Ok(issue::issue(
        &login,
        &idp,
        clock::now(),
        &mut clock::RandomIds,
        &Valid,
    )?)
}
