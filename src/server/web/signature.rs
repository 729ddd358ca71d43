//! The signature on a received AuthnRequest, judged with the SP's certificate (from the
//! registry or the SP's metadata, never from the request): when the request arrives at `/sso`,
//! again when the picker's form comes back to `/sso/login` (from what the form carries: the
//! decoded XML, whose enveloped signature covers it, or the raw Redirect query string, whose
//! signature covers those bytes), and for `/api/sso`. Nothing the form says is believed about
//! the verdict: it is recomputed each time. Strict mode refuses what the judgement says to.
//!
//! Logout messages are checked the same way with
//! `request_signature::message_verdict` and the SP's certificate.

use serde::Serialize;

use crate::saml::binding::{self, Binding};
use crate::saml::request_signature::{Judgement, Verdict};
use crate::saml::sp::Policy;

use super::AppState;
use crate::server::flow::login::{self, Destination, LoginError, Received};

/// Judges `received`'s signature for the SP `destination` names and keeps the judgement on it
/// (for the page, the API, the inspector and the log). In strict mode an invalid signature,
/// or a missing or uncheckable one where a signature is required, is an error.
pub fn judge(
    state: &AppState,
    received: &mut Received,
    destination: &Destination<'_>,
) -> Result<(), LoginError> {
    let judgement = Judgement::of(
        &destination.resolution.target.sp_entity_id,
        destination.sp,
        state.want_signed_requests,
        received.redirect_query.as_deref(),
        &received.xml,
        Some(&received.tree),
    );
    if state.policy == Policy::Strict {
        if let Some(refusal) = judgement.refusal() {
            return Err(refusal.into());
        }
    }
    received.signature = Some(judgement);
    Ok(())
}

/// The judgement as the picker and the API show it.
#[derive(Debug, Serialize)]
pub struct SignatureView {
    /// `valid`, `invalid`, `unsigned` or `no-certificate`.
    pub verdict: &'static str,
    /// Why, in one line naming the SP.
    pub detail: String,
    /// The signature algorithm, when the signature verified.
    pub algorithm: Option<&'static str>,
    /// Whether the SP or this IdP requires signed requests.
    pub required: bool,
}

impl SignatureView {
    pub fn of(received: &Received) -> Option<SignatureView> {
        let j = received.signature.as_ref()?;
        Some(SignatureView {
            verdict: j.verdict.id(),
            detail: j.detail(),
            algorithm: match &j.verdict {
                Verdict::Valid { algorithm } => Some(algorithm.id()),
                _ => None,
            },
            required: j.required.is_some(),
        })
    }
}

/// The request of the picker's form or an API call: from `redirect_query` when given (the raw
/// query string of an HTTP-Redirect URL, or the whole URL), otherwise from `SAMLRequest`.
/// Returns it with the RelayState to send back. When both the query and the separate fields
/// are given they must agree, so that the verdict on the query is a verdict on the request
/// answered.
pub fn received_from(
    saml_request: Option<&str>,
    binding: Option<Binding>,
    redirect_query: Option<&str>,
    relay_state: Option<&str>,
) -> Result<(Received, Option<String>), LoginError> {
    let Some(raw) = redirect_query.filter(|q| !q.trim().is_empty()) else {
        let received = login::receive(saml_request, binding)?;
        return Ok((received, relay_state.map(str::to_owned)));
    };
    let raw = raw.trim();
    let query = if raw.starts_with("http://") || raw.starts_with("https://") {
        raw.split_once('?').map_or("", |(_, q)| q)
    } else {
        raw.strip_prefix('?').unwrap_or(raw)
    };
    let query = query.split('#').next().unwrap_or_default();
    let (mut received, query_relay_state) = from_query(query)?;
    if let Some(field) = saml_request.filter(|s| !s.trim().is_empty()) {
        if binding::decode(field)?.xml != received.xml {
            return Err(LoginError::Malformed(
                "SAMLRequest and the SAMLRequest inside redirect_query differ; give one of them"
                    .into(),
            ));
        }
    }
    let relay_state = match (relay_state, query_relay_state) {
        (Some(field), Some(q)) if field != q => {
            return Err(LoginError::Malformed(
                "RelayState and the RelayState inside redirect_query differ; give one of them"
                    .into(),
            ))
        }
        (Some(field), None) => {
            return Err(LoginError::Malformed(format!(
                "RelayState {field:?} is given, but redirect_query carries none"
            )))
        }
        (_, q) => q,
    };
    login::check_relay_state(relay_state.as_deref())?;
    received.redirect_query = Some(query.to_owned());
    Ok((received, relay_state))
}

#[derive(serde::Deserialize)]
struct RedirectQuery {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

fn from_query(query: &str) -> Result<(Received, Option<String>), LoginError> {
    let q: RedirectQuery = serde_urlencoded::from_str(query)
        .map_err(|e| LoginError::Malformed(format!("redirect_query: {e}")))?;
    let received = login::receive(q.saml_request.as_deref(), Some(Binding::Redirect))?;
    Ok((received, q.relay_state.filter(|r| !r.is_empty())))
}
