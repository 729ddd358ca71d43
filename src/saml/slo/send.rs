//! One outgoing logout message: a LogoutRequest to an SP or a LogoutResponse to the SP that
//! asked, shaped by the logout scenario if it breaks that kind of message, then signed (the
//! enveloped signature for HTTP-POST, the query signature for HTTP-Redirect) and encoded.

use crate::saml::b64::STANDARD;
use base64::Engine as _;
use time::OffsetDateTime;

use crate::saml::binding::{self, Binding, EncodeError, MessageParam, QuerySigner};
use crate::saml::dsig::{self, DsigError, SignatureAlgorithm, Signer};
use crate::saml::logout::{
    build_logout_request, build_logout_response, sign_logout_message, LogoutRequestSpec,
    LogoutResponseSpec,
};
use crate::saml::ns;
use crate::saml::scenario::logout::{LogoutScenario, LogoutShapeContext, LogoutSigning};
use crate::saml::xml::c14n::write_document;
use crate::saml::xml::{Element, Node};

#[derive(Debug, thiserror::Error)]
pub enum SloError {
    #[error("signing the logout message failed: {0}")]
    Signing(#[from] DsigError),
    #[error("encoding the logout message failed: {0}")]
    Encoding(#[from] EncodeError),
}

/// How one outgoing logout message is sent.
pub struct Sending<'a> {
    pub binding: Binding,
    pub relay_state: Option<&'a str>,
    pub signer: &'a Signer,
    pub algorithm: SignatureAlgorithm,
    /// The logout scenario of this logout; it breaks the message only if it applies to it.
    pub scenario: Option<&'static LogoutScenario>,
    pub now: OffsetDateTime,
}

/// A logout message ready for the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub binding: Binding,
    pub param: MessageParam,
    /// The SP's SingleLogoutService URL.
    pub destination: String,
    /// The message as sent (unsigned for HTTP-Redirect, whose signature is in the query).
    pub xml: String,
    /// The message's ID.
    pub id: String,
    /// HTTP-Redirect: the whole URL to send the browser to. HTTP-POST: the form's action.
    pub url: String,
    /// HTTP-POST: the form field's value, base64 of the XML.
    pub form_value: Option<String>,
    pub relay_state: Option<String>,
    /// The scenario that broke this message, if one did.
    pub scenario: Option<&'static str>,
}

/// A LogoutRequest to an SP, shaped by the scenario if it breaks requests, signed and encoded.
pub fn send_request(
    mut spec: LogoutRequestSpec,
    sending: &Sending<'_>,
) -> Result<Outgoing, SloError> {
    let scenario = sending.scenario.filter(|s| s.requests);
    if let Some(hook) = scenario.and_then(|s| s.shape_request) {
        hook(&mut spec, &LogoutShapeContext { now: sending.now });
    }
    let doc = build_logout_request(&spec);
    finish(
        doc,
        spec.id,
        spec.destination,
        MessageParam::SamlRequest,
        sending,
        scenario,
    )
}

/// A LogoutResponse to an SP, shaped by the scenario if it breaks responses, signed and
/// encoded.
pub fn send_response(
    mut spec: LogoutResponseSpec,
    sending: &Sending<'_>,
) -> Result<Outgoing, SloError> {
    let scenario = sending.scenario.filter(|s| s.responses);
    if let Some(hook) = scenario.and_then(|s| s.shape_response) {
        hook(&mut spec, &LogoutShapeContext { now: sending.now });
    }
    let doc = build_logout_response(&spec);
    finish(
        doc,
        spec.id,
        spec.destination,
        MessageParam::SamlResponse,
        sending,
        scenario,
    )
}

fn finish(
    mut doc: Element,
    id: String,
    destination: String,
    param: MessageParam,
    sending: &Sending<'_>,
    scenario: Option<&'static LogoutScenario>,
) -> Result<Outgoing, SloError> {
    let signing = scenario.map(|s| s.signing).unwrap_or_default();
    let relay_state = sending.relay_state.map(str::to_owned);
    match sending.binding {
        Binding::Redirect => {
            // saml-bindings 3.4.4.1: the message itself carries no signature; the query does.
            let xml = write_document(&doc);
            let flipped = FlippedQuerySigner(sending.signer);
            let signer: Option<(&dyn QuerySigner, SignatureAlgorithm)> = match signing {
                LogoutSigning::Signed => Some((sending.signer, sending.algorithm)),
                LogoutSigning::Corrupted => Some((&flipped, sending.algorithm)),
                LogoutSigning::Unsigned => None,
            };
            let query = binding::encode_redirect(&xml, param, sending.relay_state, signer)?;
            Ok(Outgoing {
                binding: Binding::Redirect,
                param,
                url: binding::redirect_url(&destination, &query),
                destination,
                xml,
                id,
                form_value: None,
                relay_state,
                scenario: scenario.map(|s| s.id),
            })
        }
        Binding::Post => {
            if signing != LogoutSigning::Unsigned {
                sign_logout_message(&mut doc, sending.algorithm.into(), sending.signer)?;
            }
            if signing == LogoutSigning::Corrupted {
                flip_signature_value(&mut doc)?;
            }
            let xml = write_document(&doc);
            Ok(Outgoing {
                binding: Binding::Post,
                param,
                url: destination.clone(),
                destination,
                form_value: Some(binding::encode_post(&xml).into()),
                xml,
                id,
                relay_state,
                scenario: scenario.map(|s| s.id),
            })
        }
    }
}

/// Flips one bit of a signature: the last byte's lowest.
fn flip(mut signature: Vec<u8>) -> Vec<u8> {
    if let Some(last) = signature.last_mut() {
        *last ^= 1;
    }
    signature
}

/// Signs the query like the IdP, then breaks the signature (`slo-bad-signature`).
struct FlippedQuerySigner<'a>(&'a Signer);

impl QuerySigner for FlippedQuerySigner<'_> {
    fn sign_query(
        &self,
        algorithm: SignatureAlgorithm,
        octets: &[u8],
    ) -> Result<Vec<u8>, DsigError> {
        self.0.sign_query(algorithm, octets).map(flip)
    }
}

/// Flips one bit of the enveloped signature's SignatureValue.
fn flip_signature_value(doc: &mut Element) -> Result<(), DsigError> {
    let signature = doc
        .children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(e) if e.name.is(ns::DSIG, "Signature") => Some(e),
            _ => None,
        })
        .ok_or(DsigError::Malformed("no ds:Signature"))?;
    let value = signature
        .first(ns::DSIG, "SignatureValue")
        .map(Element::text_content)
        .ok_or(DsigError::Malformed("no SignatureValue"))?;
    let bytes = STANDARD
        .decode(value.trim())
        .map_err(|_| DsigError::Malformed("SignatureValue is not base64"))?;
    dsig::set_signature_value(signature, &flip(bytes))
}
