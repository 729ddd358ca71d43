//! Enveloped signing of a tree: the pieces of a `ds:Signature` (Reference, SignedInfo,
//! SignatureValue), [`sign_enveloped`] putting them together, and the edits scenarios make to a
//! signature afterwards ([`resign`], [`set_signature_value`]).

use base64::Engine as _;
use openssl::pkey::PKey;
use openssl::sign::Signer as OsslSigner;

use super::{ds, Algorithms, DigestAlgorithm, DsigError, KeyInfoStyle, SignatureAlgorithm, Signer};
use crate::saml::b64::STANDARD as B64;
use crate::saml::ns::{self, alg};
use crate::saml::xml::c14n::{canonicalize, write_document};
use crate::saml::xml::{Element, Node};

/// The transforms of a SAML signature's Reference (saml-core 5.4.4): enveloped-signature, then
/// exc-c14n.
pub fn saml_transforms() -> Element {
    ds("Transforms")
        .child(ds("Transform").attr("Algorithm", alg::ENVELOPED_SIGNATURE))
        .child(ds("Transform").attr("Algorithm", alg::EXC_C14N))
}

/// A `ds:Reference` to `uri` with these `transforms` and the digest `value` computed with
/// `digest`.
pub fn reference(uri: &str, transforms: Element, digest: DigestAlgorithm, value: &[u8]) -> Element {
    ds("Reference")
        .attr("URI", uri)
        .child(transforms)
        .child(ds("DigestMethod").attr("Algorithm", digest.uri()))
        .child(ds("DigestValue").text(B64.encode(value)))
}

/// A `ds:SignedInfo` canonicalised with exc-c14n, for the SignatureMethod URI `method` and
/// these references.
pub fn signed_info(method: &str, references: impl IntoIterator<Item = Element>) -> Element {
    let mut si = ds("SignedInfo")
        .child(ds("CanonicalizationMethod").attr("Algorithm", alg::EXC_C14N))
        .child(ds("SignatureMethod").attr("Algorithm", method));
    for r in references {
        si = si.child(r);
    }
    si
}

/// A `ds:Signature` from its parts: SignedInfo, the SignatureValue bytes, and an optional
/// KeyInfo.
pub fn signature(signed_info: Element, value: &[u8], key_info: Option<Element>) -> Element {
    let sig = ds("Signature")
        .child(signed_info)
        .child(ds("SignatureValue").text(B64.encode(value)));
    match key_info {
        Some(k) => sig.child(k),
        None => sig,
    }
}

/// The digest of `el`'s canonical form (as an apex element). For an element that holds the
/// signature being computed, pass it without that signature (the enveloped-signature transform).
pub fn digest(el: &Element, algorithm: DigestAlgorithm) -> Result<Vec<u8>, DsigError> {
    Ok(algorithm.hash(canonicalize(el).as_bytes())?)
}

/// HMAC of `signed_info`'s canonical form with `key` and the hash `md` (XML-DSig 1.0 section
/// 6.3.1).
pub fn hmac_signed_info(
    md: DigestAlgorithm,
    key: &[u8],
    signed_info: &Element,
) -> Result<Vec<u8>, DsigError> {
    let key = PKey::hmac(key)?;
    let mut s = OsslSigner::new(md.message_digest(), &key)?;
    s.update(canonicalize(signed_info).as_bytes())?;
    Ok(s.sign_to_vec()?)
}

/// Recomputes the SignatureValue of `signature` over its (first) SignedInfo as it now stands:
/// after a Reference, a transform or a digest was edited, the value matches again.
pub fn resign(
    signature: &mut Element,
    algorithm: SignatureAlgorithm,
    signer: &Signer,
) -> Result<(), DsigError> {
    let value = match signature.first(ns::DSIG, "SignedInfo") {
        Some(si) => signer.sign_signed_info(algorithm, si)?,
        None => return Err(DsigError::Malformed("no SignedInfo")),
    };
    set_signature_value(signature, &value)
}

/// Replaces the text of `signature`'s SignatureValue with base64 of `value`.
pub fn set_signature_value(signature: &mut Element, value: &[u8]) -> Result<(), DsigError> {
    let sv = signature
        .children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(e) if e.name.is(ns::DSIG, "SignatureValue") => Some(e),
            _ => None,
        })
        .ok_or(DsigError::Malformed("no SignatureValue"))?;
    sv.children = vec![Node::Text(B64.encode(value))];
    Ok(())
}

/// Signs the element of `root` whose `ID` is `id` with an enveloped signature, inserted right
/// after its Issuer (saml-core 5.4.1: exc-c14n, a single Reference to the element's ID, the
/// enveloped-signature and exc-c14n transforms).
pub fn sign_enveloped(
    root: &mut Element,
    id: &str,
    algorithms: Algorithms,
    signer: &Signer,
    key_info: KeyInfoStyle,
) -> Result<(), DsigError> {
    let target = root
        .find_by_id_mut(id)
        .ok_or_else(|| DsigError::NoSuchId(id.to_owned()))?;
    let canonical = canonicalize(target);
    let sig = enveloped_signature(&canonical, id, algorithms, signer, key_info)?;
    // Response and Assertion both carry a saml:Issuer (assertion namespace).
    target.insert_after_first(ns::ASSERTION, "Issuer", sig);
    Ok(())
}

/// The standard enveloped `ds:Signature` of the element with ID `id`, whose canonical form
/// (without this signature) is `canonical`.
fn enveloped_signature(
    canonical: &str,
    id: &str,
    algorithms: Algorithms,
    signer: &Signer,
    key_info: KeyInfoStyle,
) -> Result<Element, DsigError> {
    let value = algorithms.digest.hash(canonical.as_bytes())?;
    let si = signed_info(
        algorithms.signature.uri(),
        [reference(
            &format!("#{id}"),
            saml_transforms(),
            algorithms.digest,
            &value,
        )],
    );
    let sig_value = signer.sign_signed_info(algorithms.signature, &si)?;
    Ok(signature(si, &sig_value, Some(signer.key_info(key_info))))
}

/// [`sign_enveloped`] for the document's root, returning the signed document as written
/// ([`write_document`]) without serialising it again: the root's canonical form, which its
/// digest needs anyway, with the signature's spliced in after the Issuer. This holds for the
/// responses we build: the Issuer is the root's first child, and the root (`samlp:Response`)
/// renders no binding the Issuer or the Signature use, so both are written in place as they
/// are canonicalised alone; and a tree without comments is written as it is canonicalised. A
/// root whose first child is not an Issuer, a tree with comments, or any mismatch found on
/// the way, is written the usual way.
pub fn sign_root_and_write(
    root: &mut Element,
    algorithms: Algorithms,
    signer: &Signer,
    key_info: KeyInfoStyle,
) -> Result<String, DsigError> {
    let id = root
        .attribute("ID")
        .ok_or(DsigError::Malformed("the root has no ID"))?
        .to_owned();
    let canonical = canonicalize(root);
    let sig = enveloped_signature(&canonical, &id, algorithms, signer, key_info)?;
    let after_issuer = end_of_first_issuer(root, &canonical);
    let signature_text = after_issuer.map(|_| canonicalize(&sig));
    root.insert_after_first(ns::ASSERTION, "Issuer", sig);
    let written = match (after_issuer, signature_text) {
        (Some(at), Some(signature_text)) => {
            let mut out = String::with_capacity(canonical.len() + signature_text.len());
            out.push_str(&canonical[..at]);
            out.push_str(&signature_text);
            out.push_str(&canonical[at..]);
            out
        }
        _ => write_document(root),
    };
    debug_assert_eq!(
        written,
        write_document(root),
        "the spliced document differs"
    );
    Ok(written)
}

/// Where the root's first child, an Issuer, ends in `canonical` (the root's canonical form);
/// `None` if the first child is not an Issuer, the tree has comments, or the Issuer is not
/// written in place as it is canonicalised alone.
fn end_of_first_issuer(root: &Element, canonical: &str) -> Option<usize> {
    let Some(Node::Element(issuer)) = root.children.first() else {
        return None;
    };
    if !issuer.name.is(ns::ASSERTION, "Issuer") || has_comments(root) {
        return None;
    }
    // The root's start tag: its canonical form without children is the start tag and the
    // end tag, and the end tag begins at the last `</` (an attribute value has no raw `<`).
    let bare = Element {
        name: root.name.clone(),
        attrs: root.attrs.clone(),
        children: Vec::new(),
    };
    let bare = canonicalize(&bare);
    let start_tag = bare.rfind("</")?;
    let issuer_text = canonicalize(issuer);
    canonical
        .get(start_tag..)?
        .starts_with(&issuer_text)
        .then_some(start_tag + issuer_text.len())
}

/// Whether the tree holds a comment anywhere (which [`write_document`] keeps and
/// canonicalisation drops).
fn has_comments(el: &Element) -> bool {
    el.children.iter().any(|n| match n {
        Node::Comment(_) => true,
        Node::Element(e) => has_comments(e),
        Node::Text(_) => false,
    })
}
