//! Enveloped XML signatures (XML-DSig 1.0) over our own documents, with openssl.
//!
//! Signing relies on the canonical writer: the digest is taken over [`canonicalize`] of the
//! element before its Signature is inserted, which is what a verifier gets after the
//! enveloped-signature and exc-c14n transforms; SignedInfo is likewise canonicalised as an apex.
//! [`verify_enveloped`] does the verifier's side on a parsed tree; it serves our tests here and
//! the checks of signed requests later, never as proof on its own (xmlsec1 and the SP libraries
//! are the proof).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use openssl::hash::{hash, MessageDigest};
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::{Signer as OsslSigner, Verifier};
use openssl::x509::X509;

use super::ns::{self, alg};
use super::xml::c14n::canonicalize;
use super::xml::{Element, Name, Node};

/// The signature methods a response can be signed with (RSA PKCS#1 v1.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureAlgorithm {
    /// rsa-sha1: legacy, what older ADFS relying parties and the Zoho sample use.
    RsaSha1,
    #[default]
    RsaSha256,
    RsaSha384,
    RsaSha512,
}

impl SignatureAlgorithm {
    pub const ALL: [SignatureAlgorithm; 4] = [
        Self::RsaSha1,
        Self::RsaSha256,
        Self::RsaSha384,
        Self::RsaSha512,
    ];

    /// Short name used in forms, the API and config files.
    pub fn id(self) -> &'static str {
        match self {
            Self::RsaSha1 => "rsa-sha1",
            Self::RsaSha256 => "rsa-sha256",
            Self::RsaSha384 => "rsa-sha384",
            Self::RsaSha512 => "rsa-sha512",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaSha1 => alg::RSA_SHA1,
            Self::RsaSha256 => alg::RSA_SHA256,
            Self::RsaSha384 => alg::RSA_SHA384,
            Self::RsaSha512 => alg::RSA_SHA512,
        }
    }

    /// The digest of the same strength, used for references unless another is chosen.
    pub fn matching_digest(self) -> DigestAlgorithm {
        match self {
            Self::RsaSha1 => DigestAlgorithm::Sha1,
            Self::RsaSha256 => DigestAlgorithm::Sha256,
            Self::RsaSha384 => DigestAlgorithm::Sha384,
            Self::RsaSha512 => DigestAlgorithm::Sha512,
        }
    }

    fn hash(self) -> MessageDigest {
        self.matching_digest().hash()
    }

    fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.uri() == uri)
    }
}

/// The digest methods of signature references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DigestAlgorithm {
    Sha1,
    #[default]
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlgorithm {
    pub const ALL: [DigestAlgorithm; 4] = [Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

    pub fn id(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    pub fn uri(self) -> &'static str {
        match self {
            Self::Sha1 => alg::SHA1,
            Self::Sha256 => alg::SHA256,
            Self::Sha384 => alg::SHA384,
            Self::Sha512 => alg::SHA512,
        }
    }

    fn hash(self) -> MessageDigest {
        match self {
            Self::Sha1 => MessageDigest::sha1(),
            Self::Sha256 => MessageDigest::sha256(),
            Self::Sha384 => MessageDigest::sha384(),
            Self::Sha512 => MessageDigest::sha512(),
        }
    }

    fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.uri() == uri)
    }
}

/// The signature and digest methods of one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Algorithms {
    pub signature: SignatureAlgorithm,
    pub digest: DigestAlgorithm,
}

impl From<SignatureAlgorithm> for Algorithms {
    /// The signature method with the digest of the same strength.
    fn from(signature: SignatureAlgorithm) -> Self {
        Algorithms {
            signature,
            digest: signature.matching_digest(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DsigError {
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
    #[error("the signing key is not an RSA key")]
    NotRsa,
    #[error("no element with ID {0:?} to sign")]
    NoSuchId(String),
    #[error("the signature is malformed: {0}")]
    Malformed(&'static str),
    #[error("openssl: {0}")]
    Openssl(#[from] openssl::error::ErrorStack),
}

/// The IdP's signing key and certificate, checked to belong together.
pub struct Signer {
    key: PKey<Private>,
    cert: X509,
    cert_b64: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Signer")
            .field("certificate_sha1", &self.sha1_fingerprint())
            .finish()
    }
}

impl Signer {
    pub fn new(key: PKey<Private>, cert: X509) -> Result<Self, DsigError> {
        if key.rsa().is_err() {
            return Err(DsigError::NotRsa);
        }
        if !cert.public_key()?.public_eq(&key) {
            return Err(DsigError::KeyMismatch);
        }
        let cert_b64 = B64.encode(cert.to_der()?);
        Ok(Signer {
            key,
            cert,
            cert_b64,
        })
    }

    pub fn certificate(&self) -> &X509 {
        &self.cert
    }

    /// The certificate's DER, base64 without line breaks (as in `ds:X509Certificate`).
    pub fn certificate_base64(&self) -> &str {
        &self.cert_b64
    }

    /// The certificate as PEM text.
    pub fn certificate_pem(&self) -> String {
        self.cert
            .to_pem()
            .map(|p| String::from_utf8_lossy(&p).into_owned())
            .unwrap_or_default()
    }

    /// `AA:BB:...` over the DER certificate, as `openssl x509 -sha1 -fingerprint` prints it.
    pub fn sha1_fingerprint(&self) -> String {
        fingerprint(&self.cert, MessageDigest::sha1())
    }

    /// `AA:BB:...` over the DER certificate with SHA-256.
    pub fn sha256_fingerprint(&self) -> String {
        fingerprint(&self.cert, MessageDigest::sha256())
    }

    /// A secret derived from the private key, stable for as long as the key is: used for
    /// persistent NameIDs, which must survive restarts but reveal nothing about the user.
    pub fn derived_secret(&self, label: &str) -> Vec<u8> {
        let der = self.key.private_key_to_pkcs8().unwrap_or_default();
        let mut input = label.as_bytes().to_vec();
        input.extend_from_slice(&der);
        hash(MessageDigest::sha256(), &input)
            .map(|d| d.to_vec())
            .unwrap_or_default()
    }

    fn sign_bytes(&self, algorithm: SignatureAlgorithm, data: &[u8]) -> Result<Vec<u8>, DsigError> {
        let mut s = OsslSigner::new(algorithm.hash(), &self.key)?;
        s.update(data)?;
        Ok(s.sign_to_vec()?)
    }

    /// The SignatureValue for `signed_info`: its canonical form signed with `algorithm`.
    pub fn sign_signed_info(
        &self,
        algorithm: SignatureAlgorithm,
        signed_info: &Element,
    ) -> Result<Vec<u8>, DsigError> {
        self.sign_bytes(algorithm, canonicalize(signed_info).as_bytes())
    }

    /// `ds:KeyInfo` carrying this signer's certificate, written in `style`.
    pub fn key_info(&self, style: KeyInfoStyle) -> Element {
        let key_info = match style {
            KeyInfoStyle::Prefixed => ds("KeyInfo"),
            KeyInfoStyle::DefaultNamespace => Element::new(Name::default_ns(ns::DSIG, "KeyInfo")),
        };
        key_info.child(ds("X509Data").child(ds("X509Certificate").text(self.certificate_base64())))
    }
}

/// The HTTP-Redirect signature of our outgoing logout messages (saml-bindings 3.4.4.1): the
/// same key and hash as the enveloped signatures.
impl super::binding::QuerySigner for Signer {
    fn sign_query(
        &self,
        algorithm: SignatureAlgorithm,
        octets: &[u8],
    ) -> Result<Vec<u8>, DsigError> {
        self.sign_bytes(algorithm, octets)
    }
}

/// A certificate that copies `original`'s subject, issuer, serial number and validity but
/// carries `key`'s public key and is signed by `key`: what an attacker makes to fool an SP that
/// recognises its IdP's certificate by name (SAML Raider's "clone certificate").
pub fn clone_certificate(original: &X509, key: &PKey<Private>) -> Result<X509, DsigError> {
    let mut b = openssl::x509::X509Builder::new()?;
    b.set_version(original.version())?;
    b.set_serial_number(original.serial_number())?;
    b.set_subject_name(original.subject_name())?;
    b.set_issuer_name(original.issuer_name())?;
    b.set_not_before(original.not_before())?;
    b.set_not_after(original.not_after())?;
    b.set_pubkey(key)?;
    b.sign(key, MessageDigest::sha256())?;
    Ok(b.build())
}

fn fingerprint(cert: &X509, md: MessageDigest) -> String {
    cert.digest(md)
        .map(|d| {
            d.iter()
                .map(|b| format!("{b:02X}"))
                .collect::<Vec<_>>()
                .join(":")
        })
        .unwrap_or_default()
}

fn ds(local: &str) -> Element {
    Element::new(Name::prefixed("ds", ns::DSIG, local))
}

/// How the `KeyInfo` element is written. ADFS writes `<KeyInfo xmlns="...xmldsig#">` with
/// `ds:`-prefixed children; everyone else prefixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyInfoStyle {
    #[default]
    Prefixed,
    DefaultNamespace,
}

/// `hmac-sha1` (XML-DSig 1.0 section 6.3.1). Never used to sign a real response: only to show
/// that an SP refuses a symmetric method keyed with something public (the key-confusion attack).
pub const HMAC_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";

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
    Ok(hash(algorithm.hash(), canonicalize(el).as_bytes())?.to_vec())
}

/// HMAC of `signed_info`'s canonical form with `key` and the hash `md` (XML-DSig 1.0 section
/// 6.3.1).
pub fn hmac_signed_info(
    md: DigestAlgorithm,
    key: &[u8],
    signed_info: &Element,
) -> Result<Vec<u8>, DsigError> {
    let key = PKey::hmac(key)?;
    let mut s = OsslSigner::new(md.hash(), &key)?;
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
    let value = digest(target, algorithms.digest)?;
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
    let sig = signature(si, &sig_value, Some(signer.key_info(key_info)));
    // Response and Assertion both carry a saml:Issuer (assertion namespace).
    target.insert_after_first(ns::ASSERTION, "Issuer", sig);
    Ok(())
}

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
    let value = decode_b64(&value).ok_or(VerifyError::Malformed("SignatureValue is not base64"))?;
    let mut verifier = Verifier::new(algorithm.hash(), key)?;
    verifier.update(canonicalize(signed_info).as_bytes())?;
    if verifier.verify(&value)? {
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
    let md = DigestAlgorithm::from_uri(digest_uri)
        .map(DigestAlgorithm::hash)
        .ok_or_else(|| VerifyError::UnsupportedAlgorithm(digest_uri.to_owned()))?;
    // The element's text only: a comment inside DigestValue is not part of the value.
    let digest_value = reference
        .first(ns::DSIG, "DigestValue")
        .map(|e| e.text_content())
        .ok_or(VerifyError::Malformed("no DigestValue"))?;

    // The enveloped-signature transform: the referenced element without this Signature.
    let without_sig = clone_without(target, sig);
    let digest = hash(md, canonicalize(&without_sig).as_bytes())?;
    let expected =
        decode_b64(&digest_value).ok_or(VerifyError::Malformed("DigestValue is not base64"))?;
    if digest.as_ref() != expected.as_slice() {
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

fn decode_b64(s: &str) -> Option<Vec<u8>> {
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    B64.decode(compact).ok()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::saml::xml::c14n::write_document;
    use crate::saml::xml::reader::{parse, Limits};

    /// A fixed RSA-2048 key and certificate for deterministic tests (tests/fixtures/README.md).
    pub(crate) fn test_signer() -> Signer {
        let key = PKey::private_key_from_pem(include_bytes!("../../tests/fixtures/keys/test.key"))
            .unwrap();
        let cert = X509::from_pem(include_bytes!("../../tests/fixtures/keys/test.crt")).unwrap();
        Signer::new(key, cert).unwrap()
    }

    fn doc() -> Element {
        Element::new(Name::prefixed("samlp", ns::PROTOCOL, "Response"))
            .attr("ID", "_r1")
            .child(Element::new(Name::prefixed("saml", ns::ASSERTION, "Issuer")).text("idp"))
            .child(
                Element::new(Name::prefixed("saml", ns::ASSERTION, "Assertion"))
                    .attr("ID", "_a1")
                    .child(
                        Element::new(Name::prefixed("saml", ns::ASSERTION, "Issuer")).text("idp"),
                    )
                    .child(
                        Element::new(Name::prefixed("saml", ns::ASSERTION, "Subject"))
                            .text("alice"),
                    ),
            )
    }

    fn public(s: &Signer) -> PKey<Public> {
        s.certificate().public_key().unwrap()
    }

    #[test]
    fn signs_after_the_issuer_and_verifies_after_a_round_trip_through_the_parser() {
        let s = test_signer();
        for alg in SignatureAlgorithm::ALL {
            let mut d = doc();
            sign_enveloped(&mut d, "_a1", alg.into(), &s, KeyInfoStyle::Prefixed).unwrap();
            sign_enveloped(&mut d, "_r1", alg.into(), &s, KeyInfoStyle::Prefixed).unwrap();
            let xml = write_document(&d);
            let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
            verify_enveloped(&parsed, "_a1", &public(&s)).unwrap();
            verify_enveloped(&parsed, "_r1", &public(&s)).unwrap();
            let a = parsed.find_by_id("_a1").unwrap();
            let names: Vec<_> = a.elements().map(|e| e.name.local.as_str()).collect();
            assert_eq!(names, ["Issuer", "Signature", "Subject"]);
            assert!(xml.contains(alg.uri()));
        }
    }

    #[test]
    fn a_changed_value_breaks_the_digest() {
        let s = test_signer();
        let mut d = doc();
        sign_enveloped(
            &mut d,
            "_a1",
            SignatureAlgorithm::RsaSha256.into(),
            &s,
            KeyInfoStyle::Prefixed,
        )
        .unwrap();
        let xml = write_document(&d).replace(">alice<", ">mallory<");
        let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
        assert_eq!(
            verify_enveloped(&parsed, "_a1", &public(&s)),
            Err(VerifyError::DigestMismatch)
        );
    }

    #[test]
    fn a_changed_signed_info_breaks_the_signature() {
        let s = test_signer();
        let mut d = doc();
        sign_enveloped(
            &mut d,
            "_a1",
            SignatureAlgorithm::RsaSha256.into(),
            &s,
            KeyInfoStyle::Prefixed,
        )
        .unwrap();
        // Re-point the reference at the same element through a different spelling of the
        // canonicalisation attribute order: any byte change in SignedInfo must fail.
        let xml =
            write_document(&d).replace("<ds:SignatureMethod", "<ds:SignatureMethod Extra=\"1\"");
        let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
        assert_eq!(
            verify_enveloped(&parsed, "_a1", &public(&s)),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn another_key_does_not_verify() {
        let s = test_signer();
        let mut d = doc();
        sign_enveloped(
            &mut d,
            "_a1",
            SignatureAlgorithm::RsaSha256.into(),
            &s,
            KeyInfoStyle::Prefixed,
        )
        .unwrap();
        let other = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let other_pub = PKey::public_key_from_der(&other.public_key_to_der().unwrap()).unwrap();
        assert_eq!(
            verify_enveloped(&d, "_a1", &other_pub),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn adfs_key_info_redeclares_the_default_namespace() {
        let s = test_signer();
        let mut d = doc();
        sign_enveloped(
            &mut d,
            "_a1",
            SignatureAlgorithm::RsaSha1.into(),
            &s,
            KeyInfoStyle::DefaultNamespace,
        )
        .unwrap();
        let xml = write_document(&d);
        assert!(
            xml.contains(r#"<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>"#)
        );
        let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
        verify_enveloped(&parsed, "_a1", &public(&s)).unwrap();
    }

    fn signed(id: &str) -> Element {
        let mut d = doc();
        sign_enveloped(
            &mut d,
            id,
            SignatureAlgorithm::RsaSha256.into(),
            &test_signer(),
            KeyInfoStyle::Prefixed,
        )
        .unwrap();
        d
    }

    fn assertion_mut(d: &mut Element) -> &mut Element {
        d.find_by_id_mut("_a1").unwrap()
    }

    fn signature_mut(el: &mut Element) -> &mut Element {
        el.children
            .iter_mut()
            .find_map(|n| match n {
                Node::Element(e) if e.name.is(ns::DSIG, "Signature") => Some(e),
                _ => None,
            })
            .unwrap()
    }

    fn digest_value_mut(sig: &mut Element) -> &mut Element {
        let si = sig.children.iter_mut().find_map(|n| match n {
            Node::Element(e) if e.name.is(ns::DSIG, "SignedInfo") => Some(e),
            _ => None,
        });
        let r = si.unwrap().children.iter_mut().find_map(|n| match n {
            Node::Element(e) if e.name.is(ns::DSIG, "Reference") => Some(e),
            _ => None,
        });
        r.unwrap()
            .children
            .iter_mut()
            .find_map(|n| match n {
                Node::Element(e) if e.name.is(ns::DSIG, "DigestValue") => Some(e),
                _ => None,
            })
            .unwrap()
    }

    #[test]
    fn the_primitives_compose_into_what_sign_enveloped_writes() {
        let s = test_signer();
        let mut by_hand = doc();
        let a = by_hand.find_by_id("_a1").unwrap();
        let value = digest(a, DigestAlgorithm::Sha256).unwrap();
        let si = signed_info(
            alg::RSA_SHA256,
            [reference(
                "#_a1",
                saml_transforms(),
                DigestAlgorithm::Sha256,
                &value,
            )],
        );
        let sv = s
            .sign_signed_info(SignatureAlgorithm::RsaSha256, &si)
            .unwrap();
        let sig = signature(si, &sv, Some(s.key_info(KeyInfoStyle::Prefixed)));
        assertion_mut(&mut by_hand).insert_after_first(ns::ASSERTION, "Issuer", sig);
        assert_eq!(write_document(&by_hand), write_document(&signed("_a1")));
    }

    #[test]
    fn resign_makes_an_edited_signed_info_verify_again_so_only_the_digest_fails() {
        let s = test_signer();
        let mut d = signed("_a1");
        let sig = signature_mut(assertion_mut(&mut d));
        *digest_value_mut(sig) = ds("DigestValue").text(B64.encode([0u8; 32]));
        let sig = d.find_by_id("_a1").unwrap().first(ns::DSIG, "Signature");
        assert_eq!(
            verify_signature_value(sig.unwrap(), &public(&s)),
            Err(VerifyError::BadSignature)
        );
        resign(
            signature_mut(assertion_mut(&mut d)),
            SignatureAlgorithm::RsaSha256,
            &s,
        )
        .unwrap();
        let sig = d.find_by_id("_a1").unwrap().first(ns::DSIG, "Signature");
        verify_signature_value(sig.unwrap(), &public(&s)).unwrap();
        assert_eq!(
            verify_enveloped(&d, "_a1", &public(&s)),
            Err(VerifyError::DigestMismatch)
        );
    }

    #[test]
    fn a_comment_in_digest_value_is_not_part_of_the_value() {
        let s = test_signer();
        let mut d = signed("_a1");
        let dv = digest_value_mut(signature_mut(assertion_mut(&mut d)));
        dv.children.insert(0, Node::Comment(B64.encode([1u8; 32])));
        let xml = write_document(&d);
        assert!(xml.contains("<ds:DigestValue><!--AQEB"));
        let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
        verify_enveloped(&parsed, "_a1", &public(&s)).unwrap();
    }

    #[test]
    fn verify_signature_reports_what_a_reference_covers() {
        let s = test_signer();
        let key = public(&s);
        // URI="" covers the whole document; the enveloped transform removes the signature.
        let mut d = doc();
        let value = digest(&d, DigestAlgorithm::Sha256).unwrap();
        let si = signed_info(
            alg::RSA_SHA256,
            [reference(
                "",
                saml_transforms(),
                DigestAlgorithm::Sha256,
                &value,
            )],
        );
        let sv = s
            .sign_signed_info(SignatureAlgorithm::RsaSha256, &si)
            .unwrap();
        d.insert_after_first(ns::ASSERTION, "Issuer", signature(si, &sv, None));
        let parsed = parse(write_document(&d).as_bytes(), Limits::default()).unwrap();
        let sig = parsed.first(ns::DSIG, "Signature").unwrap();
        assert!(std::ptr::eq(
            verify_signature(&parsed, sig, &key).unwrap(),
            &parsed
        ));
        assert_eq!(
            verify_enveloped(&parsed, "_r1", &key),
            Err(VerifyError::WrongReference(String::new()))
        );

        // A signature in the Response that references the Assertion: valid, but detached.
        let mut d = doc();
        let a = d.find_by_id("_a1").unwrap();
        let value = digest(a, DigestAlgorithm::Sha256).unwrap();
        let si = signed_info(
            alg::RSA_SHA256,
            [reference(
                "#_a1",
                saml_transforms(),
                DigestAlgorithm::Sha256,
                &value,
            )],
        );
        let sv = s
            .sign_signed_info(SignatureAlgorithm::RsaSha256, &si)
            .unwrap();
        d.insert_after_first(ns::ASSERTION, "Issuer", signature(si, &sv, None));
        let sig = d.first(ns::DSIG, "Signature").unwrap();
        let covered = verify_signature(&d, sig, &key).unwrap();
        assert_eq!(covered.attribute("ID"), Some("_a1"));
        assert_eq!(
            verify_enveloped(&d, "_r1", &key),
            Err(VerifyError::WrongReference("#_a1".into()))
        );
    }

    #[test]
    fn the_enveloped_transform_removes_this_signature_only_not_an_identical_copy() {
        let s = test_signer();
        let mut d = signed("_a1");
        let copy = d
            .find_by_id("_a1")
            .unwrap()
            .first(ns::DSIG, "Signature")
            .unwrap()
            .clone();
        assertion_mut(&mut d).children.push(Node::Element(copy));
        assert_eq!(
            verify_enveloped(&d, "_a1", &public(&s)),
            Err(VerifyError::DigestMismatch)
        );
    }

    #[test]
    fn a_duplicate_id_earlier_in_the_document_hides_the_signed_element_from_verify_enveloped() {
        let s = test_signer();
        let mut d = signed("_a1");
        let mut decoy = d.find_by_id("_a1").unwrap().clone();
        decoy
            .children
            .retain(|n| !matches!(n, Node::Element(e) if e.name.is(ns::DSIG, "Signature")));
        // The unsigned copy comes first: an ID lookup finds it, and it has no signature.
        d.children.insert(1, Node::Element(decoy));
        assert_eq!(
            verify_enveloped(&d, "_a1", &public(&s)),
            Err(VerifyError::Unsigned)
        );
        // The signature still verifies, over the copy found by ID (same content).
        let a = d
            .elements()
            .filter(|e| e.attribute("ID") == Some("_a1"))
            .nth(1)
            .unwrap();
        let covered =
            verify_signature(&d, a.first(ns::DSIG, "Signature").unwrap(), &public(&s)).unwrap();
        assert!(!std::ptr::eq(covered, a));
    }

    #[test]
    fn two_signed_infos_are_refused() {
        let s = test_signer();
        let mut d = signed("_a1");
        let sig = signature_mut(assertion_mut(&mut d));
        let extra = sig.first(ns::DSIG, "SignedInfo").unwrap().clone();
        sig.children.insert(1, Node::Element(extra));
        let sig = d
            .find_by_id("_a1")
            .unwrap()
            .first(ns::DSIG, "Signature")
            .unwrap();
        assert_eq!(
            verify_signature_value(sig, &public(&s)),
            Err(VerifyError::Malformed("more than one SignedInfo"))
        );
        assert_eq!(
            verify_enveloped(&d, "_a1", &public(&s)),
            Err(VerifyError::Malformed("more than one SignedInfo"))
        );
    }

    #[test]
    fn hmac_is_computed_over_the_canonical_signed_info_and_never_verifies() {
        let si = signed_info(HMAC_SHA1, []);
        let mac = hmac_signed_info(DigestAlgorithm::Sha1, b"key", &si).unwrap();
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        // Python: hmac.new(b"key", <canonical SignedInfo>, hashlib.sha1).hexdigest()
        assert_eq!(hex, "8fc1ca1c18c13d553f59e09562e5f63a743ebd9e");
        let sig = signature(si, &mac, None);
        assert_eq!(
            verify_signature_value(&sig, &public(&test_signer())),
            Err(VerifyError::UnsupportedAlgorithm(HMAC_SHA1.into()))
        );
    }

    #[test]
    fn fingerprints_are_colon_separated_upper_hex() {
        let s = test_signer();
        let fp = s.sha1_fingerprint();
        assert_eq!(fp.len(), 20 * 3 - 1);
        assert!(fp
            .chars()
            .all(|c| c == ':' || c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
        assert_eq!(s.sha256_fingerprint().len(), 32 * 3 - 1);
    }

    #[test]
    fn a_cloned_certificate_has_the_same_names_and_serial_but_another_key() {
        let s = test_signer();
        let attacker = PKey::private_key_from_pem(include_bytes!("scenario/attacker.key")).unwrap();
        let clone = clone_certificate(s.certificate(), &attacker).unwrap();
        let original = s.certificate();
        assert_eq!(
            clone.subject_name().to_der().unwrap(),
            original.subject_name().to_der().unwrap()
        );
        assert_eq!(
            clone.serial_number().to_bn().unwrap(),
            original.serial_number().to_bn().unwrap()
        );
        assert!(!clone
            .public_key()
            .unwrap()
            .public_eq(&original.public_key().unwrap()));
        Signer::new(attacker, clone).unwrap();
    }

    #[test]
    fn refuses_a_key_that_is_not_the_certificates() {
        let s = test_signer();
        let other = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        assert!(matches!(
            Signer::new(other, s.certificate().clone()),
            Err(DsigError::KeyMismatch)
        ));
    }
}
