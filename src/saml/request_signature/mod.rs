//! Signatures on the requests SPs send us (AuthnRequest, LogoutRequest, LogoutResponse),
//! checked with the SP's own certificate, never with a key the message carries.
//!
//! - HTTP-Redirect (saml-bindings 3.4.4.1): [`verify_redirect`] checks `Signature` over the
//!   octets `SAMLRequest=<v>&RelayState=<v>&SigAlg=<v>` (or `SAMLResponse=...`; RelayState only
//!   when present), built from the values *exactly as they appear in the raw query string*, in
//!   that order whatever their order in the query. Nothing is decoded and re-encoded: SPs differ
//!   in how they percent-encode (`+` or `%20`, upper- or lower-case hex), and the spec requires
//!   the verifier to use the bytes it received.
//! - HTTP-POST: [`verify_posted`] checks the enveloped `ds:Signature` of the received document
//!   under the SAML profile (saml-core 5.4): the root carries exactly one Signature, whose single
//!   Reference points at the root's ID (no empty URI, no other element, no ID used twice in the
//!   document), with the enveloped-signature and exc-c14n transforms only. exc-c14n may carry an
//!   `ec:InclusiveNamespaces PrefixList` (ruby-saml, OpenSAML and xml-crypto write one); its
//!   prefixes are rendered from the namespaces in scope in the received document.
//!
//! RSA PKCS#1 v1.5 signatures (rsa-sha1, rsa-sha256, rsa-sha384, rsa-sha512) and ecdsa-sha256
//! with a P-256 key are understood, with the sha1/sha256/sha384/sha512 digests. An ECDSA value
//! is the XML-DSig r||s (xmlsec, python3-saml, OpenSAML write it); over HTTP-Redirect, where
//! saml-bindings does not say, DER is accepted too. DSA and the other ECDSA methods are not
//! supported: they are reported as such, never as valid.
//!
//! The namespaces in scope that an InclusiveNamespaces PrefixList needs come from the
//! declarations the reader keeps on a received document's tree
//! ([`reader::parse_keeping_declarations`](super::xml::reader::parse_keeping_declarations)),
//! so the check works from the one tree received. Documents without a PrefixList are checked
//! by [`dsig::verify_enveloped`] after the structural checks made here.
//!
//! The HTTP-Redirect check is in `redirect`, the HTTP-POST one in `posted`, and what the IdP
//! makes of a verdict (the picker's line, what strict mode refuses) in `judgement`; this file
//! holds what they share: the error, the algorithm allow-list and the check of a value.

use openssl::pkey::{PKey, Public};

use super::dsig::{self, DigestAlgorithm, KeyKind, SignatureAlgorithm, VerifyError};
use super::xml::reader::ReadError;

mod judgement;
mod posted;
mod redirect;
#[cfg(test)]
mod tests;

pub use judgement::{Judgement, Requirement, SignatureRefusal, SignatureStatus};
pub use posted::{posted_verdict, verify_posted};
pub use redirect::{
    redirect_is_signed, redirect_signed_octets, redirect_verdict, refuse_duplicate_parameters,
    verify_redirect, REDIRECT_PARAMETERS,
};

/// A signature that verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub algorithm: SignatureAlgorithm,
    /// The Reference's digest method (HTTP-POST); `None` for HTTP-Redirect, which has none.
    pub digest: Option<DigestAlgorithm>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestSignatureError {
    #[error("the message carries no signature")]
    Unsigned,
    #[error("no certificate is known for this SP, so its signature cannot be checked")]
    NoKey,

    // HTTP-Redirect
    #[error("the query string carries {0} more than once")]
    DuplicateParameter(&'static str),
    #[error("the query string carries both SAMLRequest and SAMLResponse")]
    TwoMessages,
    #[error("the query string carries neither SAMLRequest nor SAMLResponse")]
    NoMessage,
    #[error("the query string has a {present} parameter but no {missing}")]
    Incomplete {
        present: &'static str,
        missing: &'static str,
    },
    #[error("the {0} parameter is not validly encoded")]
    BadEncoding(&'static str),

    // Both bindings
    #[error(
        "signature algorithm {0} is not supported: only RSA signatures (rsa-sha1, rsa-sha256, \
         rsa-sha384, rsa-sha512) and ecdsa-sha256 with a P-256 key are checked; DSA and other \
         ECDSA methods are not supported"
    )]
    UnsupportedSignatureAlgorithm(String),
    #[error("the SP's certificate holds {found}, which cannot verify a {algorithm} signature")]
    WrongKeyKind {
        algorithm: &'static str,
        found: String,
    },
    #[error("the signature does not verify with the SP's certificate")]
    BadSignature,

    // HTTP-POST
    #[error("the message is not usable XML: {0}")]
    Xml(#[from] ReadError),
    #[error("the root element has no ID attribute to sign")]
    NoId,
    #[error("ID {0:?} appears on more than one element of the document")]
    DuplicateId(String),
    #[error("the root element carries {0} ds:Signature children; exactly one is allowed")]
    SignatureCount(usize),
    #[error("SignedInfo holds {0} References; exactly one is allowed")]
    ReferenceCount(usize),
    #[error("the Reference URI {uri:?} is not \"#{id}\", the ID of the root element")]
    WrongReference { uri: String, id: String },
    #[error("digest algorithm {0} is not supported: only sha1, sha256, sha384 and sha512 are")]
    UnsupportedDigestAlgorithm(String),
    #[error("{0}")]
    UnsupportedTransform(String),
    #[error("the signature is malformed: {0}")]
    Malformed(&'static str),
    #[error(
        "the document was read without its namespace declarations, which its \
         InclusiveNamespaces PrefixList needs"
    )]
    DeclarationsNotKept,
    #[error("the digest does not match the signed content: the message was changed after signing")]
    DigestMismatch,
    #[error("{0}")]
    Dsig(VerifyError),
    #[error("openssl: {0}")]
    Openssl(String),
}

impl From<openssl::error::ErrorStack> for RequestSignatureError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        RequestSignatureError::Openssl(e.to_string())
    }
}

impl From<VerifyError> for RequestSignatureError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::DigestMismatch => RequestSignatureError::DigestMismatch,
            VerifyError::BadSignature => RequestSignatureError::BadSignature,
            VerifyError::Unsigned => RequestSignatureError::Unsigned,
            other => RequestSignatureError::Dsig(other),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Algorithms

fn signature_algorithm(uri: &str) -> Result<SignatureAlgorithm, RequestSignatureError> {
    SignatureAlgorithm::from_uri(uri)
        .ok_or_else(|| RequestSignatureError::UnsupportedSignatureAlgorithm(uri.to_owned()))
}

fn digest_algorithm(uri: &str) -> Result<DigestAlgorithm, RequestSignatureError> {
    DigestAlgorithm::from_uri(uri)
        .ok_or_else(|| RequestSignatureError::UnsupportedDigestAlgorithm(uri.to_owned()))
}

/// Whether `uri` names a DSA or ECDSA signature method (known, but not supported here).
pub fn is_dsa_or_ecdsa(uri: &str) -> bool {
    super::ns::alg::DSA_OR_ECDSA.contains(&uri)
}

/// RSA PKCS#1 v1.5, or ECDSA P-256, over `data` with the hash of `algorithm`. An ECDSA value
/// is the XML-DSig r||s; over HTTP-Redirect (`der_too`) a DER value is accepted as well, as
/// signers built on a plain crypto API (Node's `crypto.sign`) write it.
fn verify_signature_value(
    algorithm: SignatureAlgorithm,
    key: &PKey<Public>,
    data: &[u8],
    signature: &[u8],
    der_too: bool,
) -> Result<(), RequestSignatureError> {
    match KeyKind::of(key) {
        Ok(kind) if kind == algorithm.key_kind() => {}
        found => {
            return Err(RequestSignatureError::WrongKeyKind {
                algorithm: algorithm.id(),
                found: match found {
                    Ok(kind) => format!("an {kind} key"),
                    Err(reason) => reason.trim_start_matches("it is ").to_owned(),
                },
            })
        }
    }
    let ok = dsig::verify_value(key, algorithm, data, signature)
        .map_err(|e| RequestSignatureError::Openssl(e.to_string()))?
        || (der_too
            && algorithm.key_kind() == KeyKind::EcP256
            && dsig::verify_der(key, algorithm, data, signature)
                .map_err(|e| RequestSignatureError::Openssl(e.to_string()))?);
    if ok {
        Ok(())
    } else {
        Err(RequestSignatureError::BadSignature)
    }
}

fn first_valid(
    keys: &[PKey<Public>],
    verify: impl Fn(&PKey<Public>) -> Result<Verified, RequestSignatureError>,
    no_key: impl FnOnce() -> Result<Verified, RequestSignatureError>,
) -> SignatureStatus {
    let mut first_error = None;
    for key in keys {
        match verify(key) {
            Ok(v) => return Ok(v).into(),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e).into(),
        None => no_key().into(),
    }
}
