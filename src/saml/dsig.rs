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
    let digest = hash(algorithms.digest.hash(), canonicalize(target).as_bytes())?;

    let signed_info = ds("SignedInfo")
        .child(ds("CanonicalizationMethod").attr("Algorithm", alg::EXC_C14N))
        .child(ds("SignatureMethod").attr("Algorithm", algorithms.signature.uri()))
        .child(
            ds("Reference")
                .attr("URI", format!("#{id}"))
                .child(
                    ds("Transforms")
                        .child(ds("Transform").attr("Algorithm", alg::ENVELOPED_SIGNATURE))
                        .child(ds("Transform").attr("Algorithm", alg::EXC_C14N)),
                )
                .child(ds("DigestMethod").attr("Algorithm", algorithms.digest.uri()))
                .child(ds("DigestValue").text(B64.encode(digest))),
        );
    let value = signer.sign_bytes(algorithms.signature, canonicalize(&signed_info).as_bytes())?;

    let key_info_el = match key_info {
        KeyInfoStyle::Prefixed => ds("KeyInfo"),
        KeyInfoStyle::DefaultNamespace => Element::new(Name::default_ns(ns::DSIG, "KeyInfo")),
    };
    let signature =
        ds("Signature")
            .child(signed_info)
            .child(ds("SignatureValue").text(B64.encode(value)))
            .child(key_info_el.child(
                ds("X509Data").child(ds("X509Certificate").text(signer.certificate_base64())),
            ));
    // Response and Assertion both carry a saml:Issuer (assertion namespace).
    target.insert_after_first(ns::ASSERTION, "Issuer", signature);
    Ok(())
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
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
/// carried in the document). Only the profile we emit is understood: one Reference, the
/// enveloped + exc-c14n transforms, no InclusiveNamespaces.
pub fn verify_enveloped(root: &Element, id: &str, key: &PKey<Public>) -> Result<(), VerifyError> {
    let target = root
        .find_by_id(id)
        .ok_or_else(|| VerifyError::NoSuchId(id.to_owned()))?;
    let sig = target
        .first(ns::DSIG, "Signature")
        .ok_or(VerifyError::Unsigned)?;
    let signed_info = sig
        .first(ns::DSIG, "SignedInfo")
        .ok_or(VerifyError::Malformed("no SignedInfo"))?;
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
    let algorithm = SignatureAlgorithm::from_uri(method)
        .ok_or_else(|| VerifyError::UnsupportedAlgorithm(method.to_owned()))?;
    let mut refs = signed_info.elements_named(ns::DSIG, "Reference");
    let reference = refs.next().ok_or(VerifyError::Malformed("no Reference"))?;
    if refs.next().is_some() {
        return Err(VerifyError::Malformed("more than one Reference"));
    }
    let uri = reference.attribute("URI").unwrap_or_default();
    if uri != format!("#{id}") {
        return Err(VerifyError::WrongReference(uri.to_owned()));
    }
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
    let digest_value = reference
        .first(ns::DSIG, "DigestValue")
        .map(|e| e.text_content())
        .ok_or(VerifyError::Malformed("no DigestValue"))?;

    // The enveloped-signature transform: the element without this Signature.
    let mut without_sig = target.clone();
    if let Some(pos) = without_sig
        .children
        .iter()
        .position(|n| matches!(n, Node::Element(e) if e.name.is(ns::DSIG, "Signature")))
    {
        without_sig.children.remove(pos);
    }
    let digest = hash(md, canonicalize(&without_sig).as_bytes())?;
    let expected =
        decode_b64(&digest_value).ok_or(VerifyError::Malformed("DigestValue is not base64"))?;
    if digest.as_ref() != expected.as_slice() {
        return Err(VerifyError::DigestMismatch);
    }

    let value = sig
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
