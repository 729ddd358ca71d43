//! Enveloped XML signatures (XML-DSig 1.0) over our own documents, with openssl.
//!
//! Signing relies on the canonical writer: the digest is taken over
//! [`canonicalize`](super::xml::c14n::canonicalize) of the element before its Signature is
//! inserted, which is what a verifier gets after the enveloped-signature and exc-c14n
//! transforms; SignedInfo is likewise canonicalised as an apex.
//! [`verify_enveloped`] does the verifier's side on a parsed tree; it serves our tests here and
//! the checks of signed requests later, never as proof on its own (xmlsec1 and the SP libraries
//! are the proof).
//!
//! One file per job: `algorithms` names the signature and digest methods and their URIs,
//! `signer` holds the key (and checks it), `sign` writes enveloped signatures into a tree,
//! `verify` is the verifier.

mod algorithms;
mod sign;
mod signer;
mod verify;

pub use algorithms::{Algorithms, DigestAlgorithm, KeyKind, SignatureAlgorithm};
pub use sign::{
    digest, hmac_signed_info, reference, resign, saml_transforms, set_signature_value,
    sign_enveloped, sign_root_and_write, signature, signed_info,
};
pub use signer::{
    ecdsa_der_to_raw, ecdsa_raw_to_der, sign_value, KeyInfoStyle, QuerySigner, Signer,
    P256_FIELD_BYTES,
};
pub use verify::{
    verify_der, verify_enveloped, verify_signature, verify_signature_value, verify_value,
    VerifyError,
};

use super::ns;
use super::xml::{Element, Name};

#[derive(Debug, thiserror::Error)]
pub enum DsigError {
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
    #[error("the signing key is not usable: {0}")]
    UnsupportedKey(String),
    #[error("{algorithm} cannot be made with an {key} key: this key signs with {}", .key.default_algorithm().id())]
    AlgorithmKeyMismatch {
        algorithm: &'static str,
        key: KeyKind,
    },
    #[error("no element with ID {0:?} to sign")]
    NoSuchId(String),
    #[error("the signature is malformed: {0}")]
    Malformed(&'static str),
    #[error("openssl: {0}")]
    Openssl(#[from] openssl::error::ErrorStack),
}

fn ds(local: &'static str) -> Element {
    Element::new(Name::prefixed("ds", ns::DSIG, local))
}

#[cfg(test)]
pub(crate) mod tests;
