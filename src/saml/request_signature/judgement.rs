//! What the IdP makes of a request's signature: its [`SignatureStatus`] (in words for the
//! picker, the API and the log), the [`Judgement`] with the SP's certificate and whether a
//! signature was required, and what strict mode refuses.

use openssl::x509::X509;

use super::posted::{posted_verdict, posted_verdict_parsed};
use super::redirect::{redirect_is_signed, redirect_verdict};
use super::{RequestSignatureError, Verified};
use crate::saml::dsig::SignatureAlgorithm;
use crate::saml::sp::ServiceProvider;
use crate::saml::xml::Element;

/// The status of a request's signature: what the picker shows about it, and what strict mode
/// decides on. (Not to be confused with a scenario's [`Expected`](crate::saml::scenario::Expected)
/// outcome, which is about the responses we send.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// The signature verifies with the SP's certificate.
    Valid { algorithm: SignatureAlgorithm },
    /// The message is signed (or claims to be) and the signature does not hold; `reason` says
    /// why, in words for the page.
    Invalid { reason: String },
    /// The message carries no signature at all.
    Unsigned,
    /// The message is signed, but no certificate is known for the SP, so the signature cannot
    /// be checked. (A signature that breaks the profile's rules is
    /// [`SignatureStatus::Invalid`] even then.)
    NoCertificate,
}

impl SignatureStatus {
    /// `valid`, `invalid`, `unsigned` or `no-certificate`, for the API and logs.
    pub fn id(&self) -> &'static str {
        match self {
            SignatureStatus::Valid { .. } => "valid",
            SignatureStatus::Invalid { .. } => "invalid",
            SignatureStatus::Unsigned => "unsigned",
            SignatureStatus::NoCertificate => "no-certificate",
        }
    }

    /// One line for the picker.
    pub fn describe(&self) -> String {
        match self {
            SignatureStatus::Valid { algorithm } => {
                format!(
                    "signed ({}), verified with the SP's certificate",
                    algorithm.id()
                )
            }
            SignatureStatus::Invalid { reason } => format!("invalid signature: {reason}"),
            SignatureStatus::Unsigned => "unsigned".to_owned(),
            SignatureStatus::NoCertificate => RequestSignatureError::NoKey.to_string(),
        }
    }

    /// One line for the picker, the API and the log, naming the SP whose certificate was used
    /// (or is missing).
    pub fn describe_for(&self, sp: &str) -> String {
        let registered = format!("the certificate registered for {sp}");
        match self {
            SignatureStatus::Valid { algorithm } => {
                format!("signed with {}; verifies with {registered}", algorithm.id())
            }
            SignatureStatus::Invalid { reason } => {
                reason.replace("the SP's certificate", &registered)
            }
            SignatureStatus::Unsigned => "the request carries no signature".to_owned(),
            SignatureStatus::NoCertificate => format!(
                "the request is signed, but no certificate is known for {sp} (registry or SP \
                 metadata), so the signature cannot be checked"
            ),
        }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, SignatureStatus::Valid { .. })
    }
}

impl From<Result<Verified, RequestSignatureError>> for SignatureStatus {
    fn from(result: Result<Verified, RequestSignatureError>) -> Self {
        match result {
            Ok(v) => SignatureStatus::Valid {
                algorithm: v.algorithm,
            },
            Err(RequestSignatureError::Unsigned) => SignatureStatus::Unsigned,
            Err(RequestSignatureError::NoKey) => SignatureStatus::NoCertificate,
            Err(e) => SignatureStatus::Invalid {
                reason: e.to_string(),
            },
        }
    }
}

/// The verdict on a received message with the SP's `certificate` (DER; never a key the message
/// carries): over the raw query string when it arrived signed by HTTP-Redirect, otherwise over
/// the enveloped signature of the decoded XML (HTTP-POST, or a Redirect message whose XML was
/// signed instead of the query). `redirect_query` is the part of the URL after `?`, exactly as
/// received; `xml` is the decoded message, and `tree` the same parsed, when the caller has it
/// already (`xml` is parsed here otherwise): read with
/// [`parse_keeping_declarations`](crate::saml::xml::reader::parse_keeping_declarations), as
/// [`authn_request::parse_with_tree`](crate::saml::authn_request::parse_with_tree) does, since
/// a signature with an InclusiveNamespaces PrefixList needs the declarations. Serves
/// AuthnRequests and logout messages alike.
pub(crate) fn message_verdict(
    redirect_query: Option<&str>,
    xml: &str,
    tree: Option<&Element>,
    certificate: Option<&[u8]>,
) -> SignatureStatus {
    let keys = match certificate.map(|der| X509::from_der(der).and_then(|c| c.public_key())) {
        None => Vec::new(),
        Some(Ok(key)) => vec![key],
        Some(Err(e)) => {
            return SignatureStatus::Invalid {
                reason: format!("the SP's certificate is not usable: {e}"),
            }
        }
    };
    match redirect_query {
        Some(query) if redirect_is_signed(query) => redirect_verdict(query, &keys),
        _ => match tree {
            Some(root) => posted_verdict_parsed(root, &keys),
            None => posted_verdict(xml, &keys),
        },
    }
}

/// Why a request has to be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// The SP says it signs its AuthnRequests: `AuthnRequestsSigned="true"` in its metadata, or
    /// `want_signed_requests: true` in the registry.
    Sp,
    /// This IdP wants signed AuthnRequests from every SP (`WantAuthnRequestsSigned="true"` in
    /// its metadata).
    Idp,
}

impl Requirement {
    fn describe(self, sp: &str) -> String {
        match self {
            Requirement::Sp => format!(
                "{sp} is registered as signing its AuthnRequests (AuthnRequestsSigned in its \
                 metadata, or want_signed_requests in the registry)"
            ),
            Requirement::Idp => {
                "this IdP wants signed AuthnRequests (WantAuthnRequestsSigned)".to_owned()
            }
        }
    }
}

/// A received request's signature as the IdP judged it: the verdict, whose certificate it was
/// checked with, and whether a signature was required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub verdict: SignatureStatus,
    /// The SP's entity ID.
    pub sp: String,
    pub required: Option<Requirement>,
}

/// Why strict mode refuses a request.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SignatureRefusal {
    #[error("the AuthnRequest's signature is invalid: {0}")]
    Invalid(String),
    #[error("the AuthnRequest is unsigned, but {0}")]
    Unsigned(String),
    #[error(
        "{requirement}, but no certificate is known for {sp}, so its signature cannot be checked"
    )]
    NoCertificate { sp: String, requirement: String },
}

impl Judgement {
    /// The verdict on the request from `sp` (its entity ID, and its settings when registered).
    /// `idp_wants_signed`: this IdP wants every request signed. `xml` and `tree` as for
    /// `message_verdict`: `tree`, when given, is `xml` parsed.
    pub fn of(
        sp_entity_id: &str,
        sp: Option<&ServiceProvider>,
        idp_wants_signed: bool,
        redirect_query: Option<&str>,
        xml: &str,
        tree: Option<&Element>,
    ) -> Judgement {
        let certificate = sp.and_then(|s| s.certificate.as_deref());
        let required = if sp.is_some_and(|s| s.authn_requests_signed) {
            Some(Requirement::Sp)
        } else if idp_wants_signed {
            Some(Requirement::Idp)
        } else {
            None
        };
        Judgement {
            verdict: message_verdict(redirect_query, xml, tree, certificate),
            sp: sp_entity_id.to_owned(),
            required,
        }
    }

    /// What was found and why, in one line naming the SP.
    pub fn detail(&self) -> String {
        self.verdict.describe_for(&self.sp)
    }

    /// `<verdict>: <detail>`, for the inspector and logs.
    pub fn summary(&self) -> String {
        format!("{}: {}", self.verdict.id(), self.detail())
    }

    /// What strict mode refuses: an invalid signature always; an unsigned request, or one
    /// that cannot be checked, when a signature is required.
    pub fn refusal(&self) -> Option<SignatureRefusal> {
        let requirement = self.required.map(|r| r.describe(&self.sp));
        match (&self.verdict, requirement) {
            (SignatureStatus::Invalid { .. }, _) => Some(SignatureRefusal::Invalid(self.detail())),
            (SignatureStatus::Unsigned, Some(requirement)) => {
                Some(SignatureRefusal::Unsigned(requirement))
            }
            (SignatureStatus::NoCertificate, Some(requirement)) => {
                Some(SignatureRefusal::NoCertificate {
                    sp: self.sp.clone(),
                    requirement,
                })
            }
            _ => None,
        }
    }

    /// What a person should be told before the request is answered anyway (permissive mode,
    /// or what strict mode lets through); `None` when nothing is amiss.
    pub fn warning(&self) -> Option<String> {
        let refused = if self.refusal().is_some() {
            " Answering anyway (permissive mode); strict mode refuses it."
        } else {
            ""
        };
        match &self.verdict {
            SignatureStatus::Valid {
                algorithm: SignatureAlgorithm::RsaSha1,
            } => Some(format!(
                "The request is signed with rsa-sha1; it verifies with the certificate \
                 registered for {}, but SHA-1 signatures are deprecated (XML-DSig 1.1, \
                 saml-v2.0-sha1 errata): rsa-sha256 is what an SP should use.",
                self.sp
            )),
            SignatureStatus::Valid { .. } => None,
            SignatureStatus::Invalid { .. } => Some(format!(
                "Invalid request signature: {}.{refused}",
                self.detail()
            )),
            SignatureStatus::Unsigned => self.required.map(|r| {
                format!(
                    "The request is unsigned, but {}.{refused}",
                    r.describe(&self.sp)
                )
            }),
            SignatureStatus::NoCertificate => Some(format!(
                "The request is signed, but no certificate is known for {} (give one with \
                 certificate: in the registry, or through the SP's metadata), so the signature \
                 is not checked.{refused}",
                self.sp
            )),
        }
    }
}
