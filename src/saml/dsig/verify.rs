//! The verifier for our own profile of enveloped signatures: [`verify_enveloped`] as a SAML SP
//! checks a signature, [`verify_signature`] as a generic XML-DSig verifier does, and the value
//! checks ([`verify_value`], [`verify_der`]) underneath.

use openssl::pkey::{PKey, Public};
use openssl::sign::Verifier;

use super::signer::ecdsa_raw_to_der;
use super::{DigestAlgorithm, KeyKind, SignatureAlgorithm, P256_FIELD_BYTES};
use crate::saml::b64::decode_padded;
use crate::saml::ns::{self, alg};
use crate::saml::xml::c14n::canonicalize;
use crate::saml::xml::{Element, Node};

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error("no element with ID {0:?}")]
    NoSuchId(String),
    #[error("the element has no ds:Signature child")]
    Unsigned,
    #[error("the signature is malformed: {0}")]
    Malformed(&'static str),
    #[error("the Reference URI {0:?} does not point at the signed element")]
    WrongReference(String),
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    #[error("the digest does not match the element")]
    DigestMismatch,
    #[error("the signature value does not verify with the given key")]
    BadSignature,
    #[error("openssl: {0}")]
    Openssl(String),
}

impl From<openssl::error::ErrorStack> for VerifyError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        VerifyError::Openssl(e.to_string())
    }
}

/// Whether `value` (RSA PKCS#1 v1.5, or ECDSA r||s) is `algorithm`'s signature of `data` by
/// `key`. A key of the wrong kind, or an r||s of the wrong length, is simply not a match.
pub fn verify_value(
    key: &PKey<Public>,
    algorithm: SignatureAlgorithm,
    data: &[u8],
    value: &[u8],
) -> Result<bool, VerifyError> {
    if KeyKind::of(key).ok() != Some(algorithm.key_kind()) {
        return Ok(false);
    }
    let der;
    let value = match algorithm.key_kind() {
        KeyKind::Rsa => value,
        KeyKind::EcP256 => match ecdsa_raw_to_der(value, P256_FIELD_BYTES) {
            Some(d) => {
                der = d;
                &der
            }
            None => return Ok(false),
        },
    };
    verify_der(key, algorithm, data, value)
}

/// [`verify_value`] for an ECDSA signature in DER (what a plain openssl or Node `crypto` signer
/// writes); for RSA the same as [`verify_value`].
pub fn verify_der(
    key: &PKey<Public>,
    algorithm: SignatureAlgorithm,
    data: &[u8],
    value: &[u8],
) -> Result<bool, VerifyError> {
    if KeyKind::of(key).ok() != Some(algorithm.key_kind()) {
        return Ok(false);
    }
    let mut verifier = Verifier::new(algorithm.message_digest(), key)?;
    verifier.update(data)?;
    // openssl reports a malformed signature (wrong length, bad DER) as an error, a wrong one as
    // false: both are a signature that does not verify.
    Ok(verifier.verify(value).unwrap_or(false))
}

/// Verifies the enveloped signature of the element with `ID` = `id` against `key` (never a key
/// carried in the document): the element's own ds:Signature child must reference exactly that
/// element. Only the profile we emit is understood: one SignedInfo with one Reference, the
/// enveloped + exc-c14n transforms, no InclusiveNamespaces.
pub fn verify_enveloped(root: &Element, id: &str, key: &PKey<Public>) -> Result<(), VerifyError> {
    let target = root
        .find_by_id(id)
        .ok_or_else(|| VerifyError::NoSuchId(id.to_owned()))?;
    let sig = target
        .first(ns::DSIG, "Signature")
        .ok_or(VerifyError::Unsigned)?;
    let covered = verify(root, sig, key, Some(&format!("#{id}")))?;
    if std::ptr::eq(covered, target) {
        Ok(())
    } else {
        // Another element earlier in the document carries the same ID.
        Err(VerifyError::WrongReference(format!("#{id}")))
    }
}

/// Verifies one `ds:Signature` (anywhere in `root`) as a generic XML-DSig verifier does, and
/// returns the element its Reference covers: `""` is the whole document, `#id` the first element
/// in document order with that `ID`, as an ID lookup that does not refuse duplicates finds it.
/// The enveloped-signature transform removes `signature` itself when it lies inside that
/// element. Unlike [`verify_enveloped`] it does not ask whether the covered element is the one
/// holding the signature: that is the SAML rule signature-wrapping attacks break, and why this
/// exists (to show what a verifier without it accepts).
pub fn verify_signature<'a>(
    root: &'a Element,
    signature: &Element,
    key: &PKey<Public>,
) -> Result<&'a Element, VerifyError> {
    verify(root, signature, key, None)
}

/// Checks only the SignatureValue of `signature` over its single SignedInfo with `key`, ignoring
/// what the References say. A signature whose digests were changed after signing fails here;
/// one whose signed content was changed does not.
pub fn verify_signature_value(signature: &Element, key: &PKey<Public>) -> Result<(), VerifyError> {
    let signed_info = single_signed_info(signature)?;
    let method = signed_info
        .first(ns::DSIG, "SignatureMethod")
        .and_then(|e| e.attribute("Algorithm"))
        .ok_or(VerifyError::Malformed("no SignatureMethod"))?;
    let algorithm = SignatureAlgorithm::from_uri(method)
        .ok_or_else(|| VerifyError::UnsupportedAlgorithm(method.to_owned()))?;
    let value = signature
        .first(ns::DSIG, "SignatureValue")
        .map(|e| e.text_content())
        .ok_or(VerifyError::Malformed("no SignatureValue"))?;
    let value = decode_padded(&value)
        .map_err(|_| VerifyError::Malformed("SignatureValue is not base64"))?;
    if verify_value(key, algorithm, canonicalize(signed_info).as_bytes(), &value)? {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

fn single_signed_info(signature: &Element) -> Result<&Element, VerifyError> {
    let mut all = signature.elements_named(ns::DSIG, "SignedInfo");
    let signed_info = all.next().ok_or(VerifyError::Malformed("no SignedInfo"))?;
    if all.next().is_some() {
        return Err(VerifyError::Malformed("more than one SignedInfo"));
    }
    Ok(signed_info)
}

/// The checks in the order a verifier makes them; `expected_uri`, when given, is the only
/// Reference URI accepted.
fn verify<'a>(
    root: &'a Element,
    sig: &Element,
    key: &PKey<Public>,
    expected_uri: Option<&str>,
) -> Result<&'a Element, VerifyError> {
    let signed_info = single_signed_info(sig)?;
    let c14n = signed_info
        .first(ns::DSIG, "CanonicalizationMethod")
        .and_then(|e| e.attribute("Algorithm"))
        .ok_or(VerifyError::Malformed("no CanonicalizationMethod"))?;
    if c14n != alg::EXC_C14N {
        return Err(VerifyError::UnsupportedAlgorithm(c14n.to_owned()));
    }
    let method = signed_info
        .first(ns::DSIG, "SignatureMethod")
        .and_then(|e| e.attribute("Algorithm"))
        .ok_or(VerifyError::Malformed("no SignatureMethod"))?;
    if SignatureAlgorithm::from_uri(method).is_none() {
        return Err(VerifyError::UnsupportedAlgorithm(method.to_owned()));
    }
    let mut refs = signed_info.elements_named(ns::DSIG, "Reference");
    let reference = refs.next().ok_or(VerifyError::Malformed("no Reference"))?;
    if refs.next().is_some() {
        return Err(VerifyError::Malformed("more than one Reference"));
    }
    let uri = reference.attribute("URI").unwrap_or_default();
    if expected_uri.is_some_and(|e| e != uri) {
        return Err(VerifyError::WrongReference(uri.to_owned()));
    }
    let target = match uri.strip_prefix('#') {
        None if uri.is_empty() => root,
        None => return Err(VerifyError::WrongReference(uri.to_owned())),
        Some(id) => root
            .find_by_id(id)
            .ok_or_else(|| VerifyError::NoSuchId(id.to_owned()))?,
    };
    let transforms: Vec<&str> = reference
        .first(ns::DSIG, "Transforms")
        .map(|t| {
            t.elements()
                .filter_map(|e| e.attribute("Algorithm"))
                .collect()
        })
        .unwrap_or_default();
    if transforms != [alg::ENVELOPED_SIGNATURE, alg::EXC_C14N] {
        return Err(VerifyError::Malformed(
            "transforms are not enveloped-signature + exc-c14n",
        ));
    }
    let digest_uri = reference
        .first(ns::DSIG, "DigestMethod")
        .and_then(|e| e.attribute("Algorithm"))
        .ok_or(VerifyError::Malformed("no DigestMethod"))?;
    let digest_algorithm = DigestAlgorithm::from_uri(digest_uri)
        .ok_or_else(|| VerifyError::UnsupportedAlgorithm(digest_uri.to_owned()))?;
    // The element's text only: a comment inside DigestValue is not part of the value.
    let digest_value = reference
        .first(ns::DSIG, "DigestValue")
        .map(|e| e.text_content())
        .ok_or(VerifyError::Malformed("no DigestValue"))?;

    // The enveloped-signature transform: the referenced element without this Signature.
    let without_sig = clone_without(target, sig);
    let digest = digest_algorithm.hash(canonicalize(&without_sig).as_bytes())?;
    let expected = decode_padded(&digest_value)
        .map_err(|_| VerifyError::Malformed("DigestValue is not base64"))?;
    if digest != expected {
        return Err(VerifyError::DigestMismatch);
    }
    verify_signature_value(sig, key)?;
    Ok(target)
}

/// A copy of `el` without the node `skip` (compared by identity, not by value: an identical
/// copy of a signature elsewhere in the element stays).
fn clone_without(el: &Element, skip: &Element) -> Element {
    Element {
        name: el.name.clone(),
        attrs: el.attrs.clone(),
        children: el
            .children
            .iter()
            .filter(|n| !matches!(n, Node::Element(e) if std::ptr::eq(e, skip)))
            .map(|n| match n {
                Node::Element(e) => Node::Element(clone_without(e, skip)),
                other => other.clone(),
            })
            .collect(),
    }
}
