//! The judgement of a received request's signature as the picker and the API show it
//! (`flow::judged` makes the judgement).

use serde::Serialize;

use crate::saml::request_signature::SignatureStatus;
use crate::server::flow::judged::JudgedRequest;

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
    pub fn of(received: &JudgedRequest) -> SignatureView {
        let j = received.judgement();
        SignatureView {
            verdict: j.verdict.id(),
            detail: j.detail(),
            algorithm: match &j.verdict {
                SignatureStatus::Valid { algorithm } => Some(algorithm.id()),
                _ => None,
            },
            required: j.required.is_some(),
        }
    }
}
