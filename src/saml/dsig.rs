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
use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::{hash, MessageDigest};
use openssl::nid::Nid;
use openssl::pkey::{HasPublic, Id, PKey, PKeyRef, Private, Public};
use openssl::sign::{Signer as OsslSigner, Verifier};
use openssl::x509::X509;

use super::ns::{self, alg};
use super::xml::c14n::canonicalize;
use super::xml::{Element, Name, Node};

/// The kinds of signing key the IdP (and an SP signing its requests) may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyKind {
    #[default]
    Rsa,
    /// ECDSA on NIST P-256 (prime256v1, secp256r1).
    EcP256,
}

impl KeyKind {
    pub const ALL: [KeyKind; 2] = [Self::Rsa, Self::EcP256];

    /// Short name used by `--key-type`.
    pub fn id(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::EcP256 => "ec-p256",
        }
    }

    /// For people: `RSA`, `EC P-256`.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Rsa => "RSA",
            Self::EcP256 => "EC P-256",
        }
    }

    /// The signature method used with this kind of key unless another is chosen.
    pub fn default_algorithm(self) -> SignatureAlgorithm {
        match self {
            Self::Rsa => SignatureAlgorithm::RsaSha256,
            Self::EcP256 => SignatureAlgorithm::EcdsaSha256,
        }
    }

    /// The signature methods a key of this kind can make.
    pub fn algorithms(self) -> impl Iterator<Item = SignatureAlgorithm> {
        SignatureAlgorithm::ALL
            .into_iter()
            .filter(move |a| a.key_kind() == self)
    }

    /// The kind of `key`, or why it is not one we sign or verify with.
    pub fn of<T: HasPublic>(key: &PKeyRef<T>) -> Result<KeyKind, String> {
        match key.id() {
            Id::RSA => Ok(KeyKind::Rsa),
            Id::EC => {
                let curve = key.ec_key().ok().and_then(|ec| ec.group().curve_name());
                match curve {
                    Some(Nid::X9_62_PRIME256V1) => Ok(KeyKind::EcP256),
                    Some(nid) => Err(format!(
                        "it is an EC key on the curve {}; only P-256 (prime256v1) is supported",
                        nid.short_name().unwrap_or("(unnamed)")
                    )),
                    None => Err(
                        "it is an EC key with explicit curve parameters; only the named curve \
                         P-256 (prime256v1) is supported"
                            .to_owned(),
                    ),
                }
            }
            Id::DSA => Err("it is a DSA key; only RSA and EC P-256 keys are supported".to_owned()),
            Id::ED25519 | Id::ED448 => Err(
                "it is an EdDSA key, which SAML SPs do not verify; only RSA and EC P-256 keys \
                 are supported"
                    .to_owned(),
            ),
            _ => Err("it is neither an RSA nor an EC P-256 key".to_owned()),
        }
    }
}

impl std::fmt::Display for KeyKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

/// Bytes of each of r and s in an XML-DSig ECDSA P-256 SignatureValue (RFC 4050, XML-DSig 1.1
/// section 6.4.3: the two integers left-padded to the field size and concatenated, not DER).
pub const P256_FIELD_BYTES: usize = 32;

/// The signature methods a response can be signed with: RSA PKCS#1 v1.5, and ECDSA P-256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureAlgorithm {
    /// rsa-sha1: legacy, what older ADFS relying parties and the Zoho sample use.
    RsaSha1,
    #[default]
    RsaSha256,
    RsaSha384,
    RsaSha512,
    /// ecdsa-sha256 (RFC 6931 section 2.3.6), with an EC P-256 key.
    EcdsaSha256,
}

impl SignatureAlgorithm {
    pub const ALL: [SignatureAlgorithm; 5] = [
        Self::RsaSha1,
        Self::RsaSha256,
        Self::RsaSha384,
        Self::RsaSha512,
        Self::EcdsaSha256,
    ];

    /// The RSA methods only.
    pub const RSA: [SignatureAlgorithm; 4] = [
        Self::RsaSha1,
        Self::RsaSha256,
        Self::RsaSha384,
        Self::RsaSha512,
    ];

    /// The kind of key that makes this signature.
    pub fn key_kind(self) -> KeyKind {
        match self {
            Self::RsaSha1 | Self::RsaSha256 | Self::RsaSha384 | Self::RsaSha512 => KeyKind::Rsa,
            Self::EcdsaSha256 => KeyKind::EcP256,
        }
    }

    /// This method if a `kind` key can make it, else that key's default method: what the IdP
    /// signs with when a setting written for another kind of key meets its key.
    pub fn for_key(self, kind: KeyKind) -> SignatureAlgorithm {
        if self.key_kind() == kind {
            self
        } else {
            kind.default_algorithm()
        }
    }

    /// The method of the same key kind with SHA-256.
    pub fn with_sha256(self) -> SignatureAlgorithm {
        self.key_kind().default_algorithm()
    }

    /// Short name used in forms, the API and config files.
    pub fn id(self) -> &'static str {
        match self {
            Self::RsaSha1 => "rsa-sha1",
            Self::RsaSha256 => "rsa-sha256",
            Self::RsaSha384 => "rsa-sha384",
            Self::RsaSha512 => "rsa-sha512",
            Self::EcdsaSha256 => "ecdsa-sha256",
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
            Self::EcdsaSha256 => alg::ECDSA_SHA256,
        }
    }

    /// The digest of the same strength, used for references unless another is chosen.
    pub fn matching_digest(self) -> DigestAlgorithm {
        match self {
            Self::RsaSha1 => DigestAlgorithm::Sha1,
            Self::RsaSha256 => DigestAlgorithm::Sha256,
            Self::RsaSha384 => DigestAlgorithm::Sha384,
            Self::RsaSha512 => DigestAlgorithm::Sha512,
            Self::EcdsaSha256 => DigestAlgorithm::Sha256,
        }
    }

    fn hash(self) -> MessageDigest {
        self.matching_digest().hash()
    }

    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.uri() == uri)
    }
}

/// Signs `data` with `key` as `algorithm` says, returning the XML-DSig SignatureValue bytes:
/// PKCS#1 v1.5 for RSA, r||s (not openssl's DER) for ECDSA.
pub fn sign_value(
    key: &PKey<Private>,
    algorithm: SignatureAlgorithm,
    data: &[u8],
) -> Result<Vec<u8>, DsigError> {
    let kind = KeyKind::of(key).map_err(DsigError::UnsupportedKey)?;
    if algorithm.key_kind() != kind {
        return Err(DsigError::AlgorithmKeyMismatch {
            algorithm: algorithm.id(),
            key: kind,
        });
    }
    let mut s = OsslSigner::new(algorithm.hash(), key)?;
    s.update(data)?;
    let value = s.sign_to_vec()?;
    match kind {
        KeyKind::Rsa => Ok(value),
        KeyKind::EcP256 => ecdsa_der_to_raw(&value, P256_FIELD_BYTES),
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
    let mut verifier = Verifier::new(algorithm.hash(), key)?;
    verifier.update(data)?;
    // openssl reports a malformed signature (wrong length, bad DER) as an error, a wrong one as
    // false: both are a signature that does not verify.
    Ok(verifier.verify(value).unwrap_or(false))
}

/// openssl's DER `ECDSA-Sig-Value` as the XML-DSig r||s, each integer left-padded to `width`.
pub fn ecdsa_der_to_raw(der: &[u8], width: usize) -> Result<Vec<u8>, DsigError> {
    let sig = EcdsaSig::from_der(der)?;
    let mut raw = sig.r().to_vec_padded(width as i32)?;
    raw.extend(sig.s().to_vec_padded(width as i32)?);
    Ok(raw)
}

/// The XML-DSig r||s as DER; `None` unless it is exactly two `width`-byte halves.
pub fn ecdsa_raw_to_der(raw: &[u8], width: usize) -> Option<Vec<u8>> {
    if raw.len() != 2 * width {
        return None;
    }
    let (r, s) = raw.split_at(width);
    let sig =
        EcdsaSig::from_private_components(BigNum::from_slice(r).ok()?, BigNum::from_slice(s).ok()?)
            .ok()?;
    sig.to_der().ok()
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

/// The IdP's signing key and certificate, checked to belong together.
pub struct Signer {
    key: PKey<Private>,
    kind: KeyKind,
    cert: X509,
    cert_b64: String,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Signer")
            .field("kind", &self.kind)
            .field("certificate_sha1", &self.sha1_fingerprint())
            .finish()
    }
}

impl Signer {
    pub fn new(key: PKey<Private>, cert: X509) -> Result<Self, DsigError> {
        let kind = KeyKind::of(&key).map_err(DsigError::UnsupportedKey)?;
        if !cert.public_key()?.public_eq(&key) {
            return Err(DsigError::KeyMismatch);
        }
        let cert_b64 = B64.encode(cert.to_der()?);
        Ok(Signer {
            key,
            kind,
            cert,
            cert_b64,
        })
    }

    /// The kind of key this signer holds, which decides the signature methods it can make.
    pub fn kind(&self) -> KeyKind {
        self.kind
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
        sign_value(&self.key, algorithm, data)
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
/// same key, hash and value format as the enveloped signatures (for ECDSA, r||s, as xmlsec and
/// the XML-DSig based libraries verify it).
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

    /// A fixed EC P-256 key and certificate (ECDSA signatures are randomised all the same).
    pub(crate) fn test_ec_signer() -> Signer {
        let key =
            PKey::private_key_from_pem(include_bytes!("../../tests/fixtures/keys/test-ec.key"))
                .unwrap();
        let cert = X509::from_pem(include_bytes!("../../tests/fixtures/keys/test-ec.crt")).unwrap();
        Signer::new(key, cert).unwrap()
    }

    fn signature_value(d: &Element, id: &str) -> Vec<u8> {
        let sv = d
            .find_by_id(id)
            .unwrap()
            .first(ns::DSIG, "Signature")
            .unwrap()
            .first(ns::DSIG, "SignatureValue")
            .unwrap()
            .text_content();
        B64.decode(sv).unwrap()
    }

    #[test]
    fn ecdsa_p256_signs_r_s_and_verifies_after_a_round_trip_through_the_parser() {
        let s = test_ec_signer();
        assert_eq!(s.kind(), KeyKind::EcP256);
        let mut d = doc();
        let algs = Algorithms::from(SignatureAlgorithm::EcdsaSha256);
        sign_enveloped(&mut d, "_a1", algs, &s, KeyInfoStyle::Prefixed).unwrap();
        sign_enveloped(&mut d, "_r1", algs, &s, KeyInfoStyle::Prefixed).unwrap();
        let xml = write_document(&d);
        assert!(xml.contains(
            r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256">"#
        ));
        assert!(xml.contains(alg::SHA256));
        let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
        verify_enveloped(&parsed, "_a1", &public(&s)).unwrap();
        verify_enveloped(&parsed, "_r1", &public(&s)).unwrap();
        // XML-DSig's r||s, 32 bytes each for P-256; never openssl's DER (which starts 0x30 and
        // is 70 to 72 bytes for P-256).
        for id in ["_a1", "_r1"] {
            let value = signature_value(&parsed, id);
            assert_eq!(value.len(), 64, "{id}");
            let der = ecdsa_raw_to_der(&value, P256_FIELD_BYTES).unwrap();
            let key = public(&s);
            let mut v = Verifier::new(MessageDigest::sha256(), &key).unwrap();
            let si = parsed
                .find_by_id(id)
                .unwrap()
                .first(ns::DSIG, "Signature")
                .unwrap()
                .first(ns::DSIG, "SignedInfo")
                .unwrap();
            v.update(canonicalize(si).as_bytes()).unwrap();
            assert!(
                v.verify(&der).unwrap(),
                "{id}: r||s is not the DER signature's r, s"
            );
        }
        // ECDSA is randomised: signing again gives another value, which verifies too.
        let mut again = doc();
        sign_enveloped(&mut again, "_a1", algs, &s, KeyInfoStyle::Prefixed).unwrap();
        assert_ne!(
            signature_value(&again, "_a1"),
            signature_value(&parsed, "_a1")
        );
        verify_enveloped(&again, "_a1", &public(&s)).unwrap();
    }

    #[test]
    fn ecdsa_values_in_der_or_of_the_wrong_length_or_tampered_do_not_verify() {
        let s = test_ec_signer();
        let mut d = doc();
        let algs = Algorithms::from(SignatureAlgorithm::EcdsaSha256);
        sign_enveloped(&mut d, "_a1", algs, &s, KeyInfoStyle::Prefixed).unwrap();
        let raw = signature_value(&d, "_a1");
        let der = ecdsa_raw_to_der(&raw, P256_FIELD_BYTES).unwrap();
        let mut short = raw.clone();
        short.pop();
        let mut flipped = raw.clone();
        flipped[40] ^= 0x01;
        for bad in [der, short, flipped] {
            let mut d = d.clone();
            let sig = signature_mut(assertion_mut(&mut d));
            set_signature_value(sig, &bad).unwrap();
            assert_eq!(
                verify_enveloped(&d, "_a1", &public(&s)),
                Err(VerifyError::BadSignature)
            );
        }
        // An RSA key does not verify an ECDSA signature, nor an EC key an RSA one.
        assert_eq!(
            verify_enveloped(&d, "_a1", &public(&test_signer())),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify_enveloped(&signed("_a1"), "_a1", &public(&s)),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn the_der_r_s_conversion_left_pads_short_integers() {
        // r = 1 and s = 0x0100: DER keeps them short, r||s pads each to 32 bytes.
        let sig = EcdsaSig::from_private_components(
            BigNum::from_u32(1).unwrap(),
            BigNum::from_u32(0x0100).unwrap(),
        )
        .unwrap();
        let der = sig.to_der().unwrap();
        let raw = ecdsa_der_to_raw(&der, 32).unwrap();
        assert_eq!(raw.len(), 64);
        assert_eq!(raw[31], 1);
        assert_eq!(&raw[62..], &[1, 0]);
        assert!(raw[..31].iter().chain(&raw[32..62]).all(|b| *b == 0));
        assert_eq!(ecdsa_raw_to_der(&raw, 32), Some(der));
        assert_eq!(ecdsa_raw_to_der(&raw[1..], 32), None);
    }

    #[test]
    fn an_algorithm_of_the_other_kind_of_key_is_refused_when_signing() {
        let ec = test_ec_signer();
        let err = ec
            .sign_signed_info(
                SignatureAlgorithm::RsaSha256,
                &signed_info(alg::RSA_SHA256, []),
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                DsigError::AlgorithmKeyMismatch {
                    algorithm: "rsa-sha256",
                    key: KeyKind::EcP256
                }
            ),
            "{err}"
        );
        assert!(
            err.to_string().contains("this key signs with ecdsa-sha256"),
            "{err}"
        );
        let rsa = test_signer();
        assert!(matches!(
            rsa.sign_signed_info(
                SignatureAlgorithm::EcdsaSha256,
                &signed_info(alg::ECDSA_SHA256, [])
            ),
            Err(DsigError::AlgorithmKeyMismatch {
                key: KeyKind::Rsa,
                ..
            })
        ));
    }

    #[test]
    fn algorithms_follow_the_kind_of_key() {
        assert_eq!(
            KeyKind::EcP256.algorithms().collect::<Vec<_>>(),
            [SignatureAlgorithm::EcdsaSha256]
        );
        assert_eq!(
            KeyKind::Rsa.algorithms().collect::<Vec<_>>(),
            SignatureAlgorithm::RSA
        );
        assert_eq!(
            SignatureAlgorithm::RsaSha1.for_key(KeyKind::EcP256),
            SignatureAlgorithm::EcdsaSha256
        );
        assert_eq!(
            SignatureAlgorithm::RsaSha512.for_key(KeyKind::Rsa),
            SignatureAlgorithm::RsaSha512
        );
        assert_eq!(
            SignatureAlgorithm::EcdsaSha256.for_key(KeyKind::Rsa),
            SignatureAlgorithm::RsaSha256
        );
        assert_eq!(
            SignatureAlgorithm::from_id("ecdsa-sha256").map(SignatureAlgorithm::uri),
            Some("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256")
        );
    }

    #[test]
    fn keys_other_than_rsa_and_p256_are_refused_with_the_reason() {
        let p384 = openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(Nid::SECP384R1).unwrap(),
        )
        .unwrap();
        let p384 = PKey::from_ec_key(p384).unwrap();
        let err = Signer::new(p384, test_signer().certificate().clone()).unwrap_err();
        assert!(
            err.to_string().contains("curve secp384r1; only P-256"),
            "{err}"
        );
        let ed = PKey::generate_ed25519().unwrap();
        let err = Signer::new(ed, test_signer().certificate().clone()).unwrap_err();
        assert!(err.to_string().contains("EdDSA"), "{err}");
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
        for alg in SignatureAlgorithm::RSA {
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
