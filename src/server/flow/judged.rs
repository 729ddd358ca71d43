//! A received AuthnRequest and the judgement of its signature. [`ReceivedRequest`] is what
//! was decoded and parsed: the XML text, its tree and how it arrived, none of it readable from
//! outside. The only way on is [`ReceivedRequest::judge`], which resolves the SP the request
//! names, checks the signature with that SP's certificate (from the registry or its metadata,
//! never from the request) and returns a [`JudgedRequest`]: so no code can answer, show or
//! record a request whose signature was not judged, and the tree the signature check reads is
//! always the text's own.
//!
//! The judgement is made each time a request is received: when it arrives at `/sso`, again when
//! the picker's form comes back to `/sso/login` (from what the form carries: the decoded XML,
//! whose enveloped signature covers it, or the raw Redirect query string, whose signature
//! covers those bytes), and for `/api/sso`. Nothing the form says is believed about the
//! verdict. Strict mode refuses what the judgement says to.
//!
//! Logout messages are checked the same way, with the SP's registered certificate only
//! (`saml::slo::MessageSignature`, used by `flow::logout`).

use crate::saml::authn_request::{self, AuthnRequest};
use crate::saml::binding::{self, Binding, Encoding};
use crate::saml::request_signature::Judgement;
use crate::saml::sp::Policy;
use crate::saml::xml::Element;
use crate::server::state::AppState;

use super::destination::{destination_for_request, Destination};
use super::login_error::{check_relay_state, LoginError};

/// A decoded, parsed AuthnRequest whose signature is not judged yet. Nothing can be read from
/// it: [`judge`](Self::judge) it first.
pub struct ReceivedRequest {
    xml: String,
    encoding: Encoding,
    binding: Binding,
    request: AuthnRequest,
    /// `xml` parsed, which the signature check reads.
    tree: Element,
    /// HTTP-Redirect: the query string exactly as received (the signature covers these bytes).
    redirect_query: Option<String>,
}

/// A received AuthnRequest with the judgement of its signature.
pub struct JudgedRequest {
    xml: String,
    encoding: Encoding,
    binding: Binding,
    request: AuthnRequest,
    redirect_query: Option<String>,
    judgement: Judgement,
}

impl ReceivedRequest {
    /// Decodes and parses a `SAMLRequest` parameter. `binding` is how it arrived, when known.
    pub fn receive(
        saml_request: Option<&str>,
        binding: Option<Binding>,
    ) -> Result<ReceivedRequest, LoginError> {
        let param = saml_request
            .filter(|s| !s.trim().is_empty())
            .ok_or(LoginError::MissingRequest)?;
        let decoded = binding::decode(param)?;
        let (request, tree) = authn_request::parse_with_tree(&decoded.xml)?;
        Ok(ReceivedRequest {
            binding: binding.unwrap_or(decoded.encoding.likely_binding()),
            encoding: decoded.encoding,
            xml: decoded.xml,
            request,
            tree,
            redirect_query: None,
        })
    }

    /// The request as it reached `/sso`: `redirect_query` is the raw query string of an
    /// HTTP-Redirect request, `None` for HTTP-POST.
    pub fn arrived(
        saml_request: Option<&str>,
        redirect_query: Option<&str>,
    ) -> Result<ReceivedRequest, LoginError> {
        let arrived = match redirect_query {
            Some(_) => Binding::Redirect,
            None => Binding::Post,
        };
        let mut received = ReceivedRequest::receive(saml_request, Some(arrived))?;
        received.redirect_query = redirect_query.map(str::to_owned);
        Ok(received)
    }

    /// The request of the picker's form or an API call: from `redirect_query` when given (the
    /// raw query string of an HTTP-Redirect URL, or the whole URL), otherwise from
    /// `SAMLRequest`. Returns it with the RelayState to send back. When both the query and the
    /// separate fields are given they must agree, so that the verdict on the query is a verdict
    /// on the request answered.
    pub fn carried(
        saml_request: Option<&str>,
        binding: Option<Binding>,
        redirect_query: Option<&str>,
        relay_state: Option<&str>,
    ) -> Result<(ReceivedRequest, Option<String>), LoginError> {
        let Some(raw) = redirect_query.filter(|q| !q.trim().is_empty()) else {
            let received = ReceivedRequest::receive(saml_request, binding)?;
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
        let relay_state =
            match (relay_state, query_relay_state) {
                (Some(field), Some(q)) if field != q => return Err(LoginError::Malformed(
                    "RelayState and the RelayState inside redirect_query differ; give one of them"
                        .into(),
                )),
                (Some(field), None) => {
                    return Err(LoginError::Malformed(format!(
                        "RelayState {field:?} is given, but redirect_query carries none"
                    )))
                }
                (_, q) => q,
            };
        check_relay_state(relay_state.as_deref())?;
        received.redirect_query = Some(query.to_owned());
        Ok((received, relay_state))
    }

    /// Resolves where the answer goes (the SP is the request's issuer) and judges the
    /// signature for that SP. In strict mode an invalid signature, or a missing or uncheckable
    /// one where a signature is required, is an error.
    pub fn judge(self, state: &AppState) -> Result<(JudgedRequest, Destination<'_>), LoginError> {
        let destination = destination_for_request(state, &self.request)?;
        let judgement = Judgement::of(
            &destination.resolution.target.sp_entity_id,
            destination.sp,
            state.want_signed_requests,
            self.redirect_query.as_deref(),
            &self.xml,
            Some(&self.tree),
        );
        if state.policy == Policy::Strict {
            if let Some(refusal) = judgement.refusal() {
                return Err(refusal.into());
            }
        }
        let judged = JudgedRequest {
            xml: self.xml,
            encoding: self.encoding,
            binding: self.binding,
            request: self.request,
            redirect_query: self.redirect_query,
            judgement,
        };
        Ok((judged, destination))
    }
}

impl JudgedRequest {
    pub fn request(&self) -> &AuthnRequest {
        &self.request
    }

    /// The decoded XML.
    pub fn xml(&self) -> &str {
        &self.xml
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// How it arrived.
    pub fn binding(&self) -> Binding {
        self.binding
    }

    /// HTTP-Redirect: the query string exactly as received.
    pub fn redirect_query(&self) -> Option<&str> {
        self.redirect_query.as_deref()
    }

    /// The request's signature, judged with the SP's certificate.
    pub fn judgement(&self) -> &Judgement {
        &self.judgement
    }
}

#[derive(serde::Deserialize)]
struct RedirectQuery {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

fn from_query(query: &str) -> Result<(ReceivedRequest, Option<String>), LoginError> {
    let q: RedirectQuery = serde_urlencoded::from_str(query)
        .map_err(|e| LoginError::Malformed(format!("redirect_query: {e}")))?;
    let received = ReceivedRequest::receive(q.saml_request.as_deref(), Some(Binding::Redirect))?;
    Ok((received, q.relay_state.filter(|r| !r.is_empty())))
}

#[cfg(test)]
#[path = "tests/judged.rs"]
mod tests;
