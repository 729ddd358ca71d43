//! HTTP-POST (saml-core 5.4): the enveloped signature on the received document, its
//! structure checked against the SAML profile before any cryptography, and exc-c14n with an
//! InclusiveNamespaces PrefixList where the signer wrote one.

use std::collections::HashSet;

use openssl::pkey::{PKey, Public};

use super::{
    digest_algorithm, first_valid, signature_algorithm, verify_signature_value,
    RequestSignatureError, SignatureStatus, Verified,
};
use crate::saml::b64::decode_b64;
use crate::saml::dsig::{self, DigestAlgorithm, SignatureAlgorithm};
use crate::saml::ns::{self, alg};
use crate::saml::xml::c14n::{in_scope_namespaces, ExcC14n};
use crate::saml::xml::reader::{self, Limits, ReadError};
use crate::saml::xml::Element;

/// `ec:` of `ec:InclusiveNamespaces`: the exc-c14n namespace.
const EXC_C14N_NS: &str = alg::EXC_C14N;

/// The parts of an enveloped signature that passed the profile checks.
pub(super) struct Profile<'a> {
    id: &'a str,
    signature: &'a Element,
    signed_info: &'a Element,
    algorithm: SignatureAlgorithm,
    digest: DigestAlgorithm,
    digest_value: String,
    /// InclusiveNamespaces PrefixList of the Reference's exc-c14n transform.
    reference_prefixes: Option<Vec<String>>,
    /// InclusiveNamespaces PrefixList of SignedInfo's CanonicalizationMethod.
    signed_info_prefixes: Option<Vec<String>>,
}

/// Verifies the enveloped signature of a received document (the XML of an HTTP-POST
/// `SAMLRequest` or `SAMLResponse`) against `key`; KeyInfo is never read.
pub fn verify_posted(xml: &str, key: &PKey<Public>) -> Result<Verified, RequestSignatureError> {
    verify_parsed(&read(xml)?, key)
}

/// A received document as the checks here read it: with its namespace declarations.
fn read(xml: &str) -> Result<Element, ReadError> {
    reader::parse_keeping_declarations(xml.as_bytes(), Limits::default())
}

/// [`verify_posted`] on the document already parsed into `root`.
fn verify_parsed(root: &Element, key: &PKey<Public>) -> Result<Verified, RequestSignatureError> {
    let profile = check_profile(root)?;
    let verified = Verified {
        algorithm: profile.algorithm,
        digest: Some(profile.digest),
    };
    if profile.reference_prefixes.is_none() && profile.signed_info_prefixes.is_none() {
        dsig::verify_enveloped(root, profile.id, key)?;
    } else {
        verify_with_prefix_lists(root, &profile, key)?;
    }
    Ok(verified)
}

/// The verdict on a posted document with the SP's certificates; see [`super::redirect_verdict`].
pub fn posted_verdict(xml: &str, keys: &[PKey<Public>]) -> SignatureStatus {
    match read(xml) {
        Ok(root) => posted_verdict_parsed(&root, keys),
        Err(e) => SignatureStatus::from(Err(RequestSignatureError::from(e))),
    }
}

/// [`posted_verdict`] on the document already parsed into `root`, with its namespace
/// declarations kept ([`reader::parse_keeping_declarations`]).
pub(super) fn posted_verdict_parsed(root: &Element, keys: &[PKey<Public>]) -> SignatureStatus {
    first_valid(
        keys,
        |key| verify_parsed(root, key),
        || {
            check_profile(root)?;
            Err(RequestSignatureError::NoKey)
        },
    )
}

/// The structural rules of a signature on a received SAML message, checked before any
/// cryptography.
pub(super) fn check_profile(root: &Element) -> Result<Profile<'_>, RequestSignatureError> {
    let id = root.attribute("ID").ok_or(RequestSignatureError::NoId)?;
    refuse_duplicate_ids(root)?;
    let signatures: Vec<&Element> = root.elements_named(ns::DSIG, "Signature").collect();
    let signature = match signatures.as_slice() {
        [] => return Err(RequestSignatureError::Unsigned),
        [one] => *one,
        more => return Err(RequestSignatureError::SignatureCount(more.len())),
    };
    let signed_info = {
        let mut all = signature.elements_named(ns::DSIG, "SignedInfo");
        let si = all
            .next()
            .ok_or(RequestSignatureError::Malformed("no SignedInfo"))?;
        if all.next().is_some() {
            return Err(RequestSignatureError::Malformed("more than one SignedInfo"));
        }
        si
    };
    let c14n = signed_info
        .first(ns::DSIG, "CanonicalizationMethod")
        .ok_or(RequestSignatureError::Malformed(
            "no CanonicalizationMethod",
        ))?;
    let signed_info_prefixes = exc_c14n_parameters(c14n, "CanonicalizationMethod")?;
    let method = signed_info
        .first(ns::DSIG, "SignatureMethod")
        .and_then(|e| e.attribute("Algorithm"))
        .ok_or(RequestSignatureError::Malformed("no SignatureMethod"))?;
    let algorithm = signature_algorithm(method)?;

    let references: Vec<&Element> = signed_info.elements_named(ns::DSIG, "Reference").collect();
    let reference = match references.as_slice() {
        [one] => *one,
        other => return Err(RequestSignatureError::ReferenceCount(other.len())),
    };
    let uri = reference.attribute("URI").unwrap_or_default();
    if uri.strip_prefix('#') != Some(id) {
        return Err(RequestSignatureError::WrongReference {
            uri: uri.to_owned(),
            id: id.to_owned(),
        });
    }
    let reference_prefixes = check_transforms(reference)?;
    let digest = reference
        .first(ns::DSIG, "DigestMethod")
        .and_then(|e| e.attribute("Algorithm"))
        .ok_or(RequestSignatureError::Malformed("no DigestMethod"))?;
    let digest = digest_algorithm(digest)?;
    let digest_value = reference
        .first(ns::DSIG, "DigestValue")
        .map(Element::text_content)
        .ok_or(RequestSignatureError::Malformed("no DigestValue"))?;
    Ok(Profile {
        id,
        signature,
        signed_info,
        algorithm,
        digest,
        digest_value,
        reference_prefixes,
        signed_info_prefixes,
    })
}

/// Every `ID` attribute value in the document is unique: a second element with the signed ID is
/// how signature-wrapping attacks make a verifier and the code after it look at different
/// elements.
fn refuse_duplicate_ids(root: &Element) -> Result<(), RequestSignatureError> {
    fn walk<'a>(el: &'a Element, seen: &mut HashSet<&'a str>) -> Result<(), RequestSignatureError> {
        if let Some(id) = el.attribute("ID") {
            if !seen.insert(id) {
                return Err(RequestSignatureError::DuplicateId(id.to_owned()));
            }
        }
        el.elements().try_for_each(|e| walk(e, seen))
    }
    walk(root, &mut HashSet::new())
}

/// The Reference's transforms are exactly enveloped-signature then exc-c14n; returns exc-c14n's
/// PrefixList, if any.
fn check_transforms(reference: &Element) -> Result<Option<Vec<String>>, RequestSignatureError> {
    let transforms: Vec<&Element> = reference
        .first(ns::DSIG, "Transforms")
        .map(|t| t.elements().collect())
        .unwrap_or_default();
    let unsupported = || {
        let list: Vec<&str> = transforms
            .iter()
            .map(|t| t.attribute("Algorithm").unwrap_or("(none)"))
            .collect();
        RequestSignatureError::UnsupportedTransform(format!(
            "the Reference's transforms are [{}], not enveloped-signature then exc-c14n",
            list.join(", ")
        ))
    };
    let [enveloped, c14n] = transforms.as_slice() else {
        return Err(unsupported());
    };
    if !enveloped.name.is(ns::DSIG, "Transform")
        || !c14n.name.is(ns::DSIG, "Transform")
        || enveloped.attribute("Algorithm") != Some(alg::ENVELOPED_SIGNATURE)
        || c14n.attribute("Algorithm") != Some(alg::EXC_C14N)
    {
        return Err(unsupported());
    }
    // The enveloped-signature transform has no parameters. xml-crypto copies an
    // InclusiveNamespaces element into every transform when asked for a PrefixList; it means
    // nothing there and xmlsec1 ignores it, so only that is tolerated.
    if enveloped
        .elements()
        .any(|e| e.name.local != "InclusiveNamespaces")
    {
        return Err(RequestSignatureError::UnsupportedTransform(
            "the enveloped-signature transform carries parameters it does not have".to_owned(),
        ));
    }
    exc_c14n_parameters(c14n, "exc-c14n transform")
}

/// An exc-c14n CanonicalizationMethod or Transform: the right algorithm, and at most an
/// `ec:InclusiveNamespaces` child; returns its PrefixList (`#default` becomes `""`).
fn exc_c14n_parameters(
    el: &Element,
    what: &str,
) -> Result<Option<Vec<String>>, RequestSignatureError> {
    let algorithm = el.attribute("Algorithm").unwrap_or("(none)");
    if algorithm != alg::EXC_C14N {
        return Err(RequestSignatureError::UnsupportedTransform(format!(
            "the {what} is {algorithm}; only exclusive canonicalisation without comments ({}) \
             is supported",
            alg::EXC_C14N
        )));
    }
    let children: Vec<&Element> = el.elements().collect();
    match children.as_slice() {
        [] => Ok(None),
        [inclusive] if inclusive.name.is(EXC_C14N_NS, "InclusiveNamespaces") => {
            let list =
                inclusive
                    .attribute("PrefixList")
                    .ok_or(RequestSignatureError::Malformed(
                        "InclusiveNamespaces without a PrefixList",
                    ))?;
            Ok(Some(
                list.split_ascii_whitespace()
                    .map(|p| if p == "#default" { "" } else { p }.to_owned())
                    .collect(),
            ))
        }
        _ => Err(RequestSignatureError::UnsupportedTransform(format!(
            "the {what} carries elements other than one ec:InclusiveNamespaces"
        ))),
    }
}

/// The signature check of [`dsig::verify_enveloped`], with exc-c14n honouring InclusiveNamespaces
/// PrefixLists (on the Reference and on SignedInfo). `profile` has passed [`check_profile`], so
/// the root is the signed element. The namespaces in scope come from the declarations the
/// reader kept on `root`'s tree.
pub(super) fn verify_with_prefix_lists(
    root: &Element,
    profile: &Profile<'_>,
    key: &PKey<Public>,
) -> Result<(), RequestSignatureError> {
    // The root of a document in a namespace declares it: a root in one without declarations
    // was read without them, and the prefixes listed would silently render as nothing.
    if root.name.ns.is_some() && root.declarations().next().is_none() {
        return Err(RequestSignatureError::DeclarationsNotKept);
    }
    let scopes = in_scope_namespaces(root);
    let no_prefixes = Vec::new();
    let signed = ExcC14n {
        scopes: &scopes,
        inclusive: profile.reference_prefixes.as_ref().unwrap_or(&no_prefixes),
        skip: Some(profile.signature),
    }
    .canonicalize(root, 0);
    let digest = profile.digest.hash(signed.as_bytes())?;
    let expected = decode_b64(&profile.digest_value).ok_or(RequestSignatureError::Malformed(
        "DigestValue is not base64",
    ))?;
    if digest != expected {
        return Err(RequestSignatureError::DigestMismatch);
    }

    let signed_info_index = document_index(root, profile.signed_info).ok_or(
        RequestSignatureError::Malformed("SignedInfo is not in the document"),
    )?;
    let signed_info = ExcC14n {
        scopes: &scopes,
        inclusive: profile
            .signed_info_prefixes
            .as_ref()
            .unwrap_or(&no_prefixes),
        skip: None,
    }
    .canonicalize(profile.signed_info, signed_info_index);
    let value = profile
        .signature
        .first(ns::DSIG, "SignatureValue")
        .map(Element::text_content)
        .ok_or(RequestSignatureError::Malformed("no SignatureValue"))?;
    let value = decode_b64(&value).ok_or(RequestSignatureError::Malformed(
        "SignatureValue is not base64",
    ))?;
    verify_signature_value(
        profile.algorithm,
        key,
        signed_info.as_bytes(),
        &value,
        false,
    )
}

/// The position of `target` (by identity) among the elements of `root` in document order.
pub(super) fn document_index(root: &Element, target: &Element) -> Option<usize> {
    fn walk(el: &Element, target: &Element, next: &mut usize) -> Option<usize> {
        let here = *next;
        *next += 1;
        if std::ptr::eq(el, target) {
            return Some(here);
        }
        el.elements().find_map(|e| walk(e, target, next))
    }
    walk(root, target, &mut 0)
}
