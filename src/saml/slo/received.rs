//! What a received logout message must satisfy: a LogoutRequest's address, lifetime and the
//! session it names (saml-core 3.7.3.2), and what is known of any message's signature, checked
//! with the certificate registered for its SP and nothing else.

use openssl::x509::X509;
use time::OffsetDateTime;

use crate::saml::binding::Binding;
use crate::saml::logout::LogoutRequest;
use crate::saml::nameid::NameId;
use crate::saml::ns;
use crate::saml::request_signature::{self, SignatureStatus};
use crate::saml::response::{format_instant, StatusSpec};

/// A status of the LogoutResponse for a request that cannot be honoured.
fn refused(sub_code: &str, message: String) -> StatusSpec {
    StatusSpec {
        code: ns::status::REQUESTER.into(),
        sub_code: Some(sub_code.into()),
        message: Some(message),
    }
}

/// What the request itself must satisfy before any session is looked at: addressed to one of
/// our logout endpoints, `ours` (saml-bindings 3.4.5.2, 3.5.5.2), and not expired
/// (saml-core 3.7.1). The error is the status to answer with.
pub fn check_request(
    request: &LogoutRequest,
    ours: &[&str],
    now: OffsetDateTime,
) -> Result<(), StatusSpec> {
    if let Some(d) = request.destination.as_deref().filter(|d| !ours.contains(d)) {
        return Err(refused(
            ns::status::REQUEST_DENIED,
            format!(
                "the LogoutRequest's Destination is {d}, not this endpoint ({})",
                ours.join(" or ")
            ),
        ));
    }
    if let Some(t) = request.not_on_or_after.filter(|t| now >= *t) {
        return Err(refused(
            ns::status::REQUEST_DENIED,
            format!(
                "the LogoutRequest expired: NotOnOrAfter {} is not after now ({})",
                format_instant(t),
                format_instant(now)
            ),
        ));
    }
    Ok(())
}

/// Why a LogoutRequest does not name one SP's part in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// The NameID is not the one the SP received.
    OtherPrincipal,
    /// The principal matches but none of the request's SessionIndexes is this session's.
    OtherSession,
}

/// Whether `request` names the principal the SP knows as `name_id` in the session
/// `session_index` (saml-core 3.7.3.2: no SessionIndex means every session of the principal).
pub fn match_participant(
    request: &LogoutRequest,
    name_id: &NameId,
    session_index: &str,
) -> Result<(), Mismatch> {
    if !request.name_id.matches(name_id) {
        Err(Mismatch::OtherPrincipal)
    } else if !request.session_indexes.is_empty()
        && !request.session_indexes.iter().any(|s| s == session_index)
    {
        Err(Mismatch::OtherSession)
    } else {
        Ok(())
    }
}

/// The status for a request that matched no session here.
pub fn no_session_status(request: &LogoutRequest, closest: Option<Mismatch>) -> StatusSpec {
    let message = match closest {
        Some(Mismatch::OtherSession) => format!(
            "the principal {:?} has no session here with SessionIndex {}",
            request.name_id.value,
            request.session_indexes.join(", ")
        ),
        _ => format!(
            "no session of the principal {:?} with {} is known here",
            request.name_id.value, request.issuer
        ),
    };
    refused(ns::status::UNKNOWN_PRINCIPAL, message)
}

/// What is known of a received logout message's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSignature {
    /// `None` when it cannot be checked: no certificate is registered for the SP.
    verdict: Option<SignatureStatus>,
    signed: bool,
}

impl MessageSignature {
    /// Checks the signature of a message that arrived by `arrived`, with the SP's registered
    /// certificate (DER) if it has one: over the raw query string when the query carries a
    /// signature (or a Redirect message carries none in its XML), else the enveloped one.
    pub fn check(
        certificate: Option<&[u8]>,
        arrived: Binding,
        raw_query: &str,
        xml: &str,
        enveloped: bool,
    ) -> Self {
        let in_query =
            arrived == Binding::Redirect && request_signature::redirect_is_signed(raw_query);
        let signed = in_query || enveloped;
        let key = certificate
            .and_then(|der| X509::from_der(der).ok())
            .and_then(|cert| cert.public_key().ok());
        let verdict = key.map(|key| {
            if in_query || (arrived == Binding::Redirect && !enveloped) {
                request_signature::redirect_verdict(raw_query, &[key])
            } else {
                request_signature::posted_verdict(xml, &[key])
            }
        });
        MessageSignature { verdict, signed }
    }

    /// In words, for the log, the inspector and the summary.
    pub fn describe(&self) -> String {
        match (&self.verdict, self.signed) {
            (Some(v), _) => v.describe(),
            (None, true) => "signed, not checked: no certificate is registered for the SP".into(),
            (None, false) => "unsigned".into(),
        }
    }

    /// Why strict mode refuses it, if it does (saml-profiles 4.4.4.1: a LogoutRequest must be
    /// authenticated).
    pub fn strict_refusal(&self) -> Option<String> {
        match (&self.verdict, self.signed) {
            (Some(SignatureStatus::Valid { .. }), _) => None,
            (Some(SignatureStatus::Invalid { reason }), _) => Some(format!("invalid signature: {reason}")),
            (Some(SignatureStatus::Unsigned), _) | (None, false) => Some("it is not signed".into()),
            (Some(SignatureStatus::NoCertificate), _) | (None, true) => Some(
                "no certificate is registered for the service provider, so its signature cannot be checked"
                    .into(),
            ),
        }
    }
}
