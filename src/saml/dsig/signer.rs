//! The signing key and its certificate ([`Signer`]), the checks that they fit together and that
//! the key is one we sign with, and the raw signature values ([`sign_value`]; ECDSA as r||s).

use base64::Engine as _;
use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::{hash, MessageDigest};
use std::cell::RefCell;

use openssl::error::ErrorStack;
use openssl::pkey::{PKey, PKeyRef, Private};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use openssl::x509::X509;

use super::{ds, DsigError, KeyKind, SignatureAlgorithm};
use crate::saml::b64::STANDARD as B64;
use crate::saml::ns;
use crate::saml::xml::c14n::canonicalize;
use crate::saml::xml::{Element, Name};

/// Bytes of each of r and s in an XML-DSig ECDSA P-256 SignatureValue (RFC 4050, XML-DSig 1.1
/// section 6.4.3: the two integers left-padded to the field size and concatenated, not DER).
pub const P256_FIELD_BYTES: usize = 32;

/// Signs `data` with `key` as `algorithm` says, returning the XML-DSig SignatureValue bytes:
/// PKCS#1 v1.5 for RSA, r||s (not openssl's DER) for ECDSA.
///
/// `data` is hashed here and the digest signed with a signing context this thread keeps per
/// key and method ([`with_sign_context`]): setting one up makes OpenSSL look up the algorithms
/// again, which costs more than the hashing. The context signs with this thread's own copy of
/// the key: an RSA key keeps its blinding values under a lock that every signature takes for
/// writing, and a thread other than the one that first signed with a key shares a second set
/// under another lock, so threads signing with one key wait for each other.
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
    let digest = algorithm.matching_digest().hash(data)?;
    let mut value = Vec::new();
    with_sign_context(key, algorithm, |ctx| ctx.sign_to_vec(&digest, &mut value))?;
    match kind {
        KeyKind::Rsa => Ok(value),
        KeyKind::EcP256 => ecdsa_der_to_raw(&value, P256_FIELD_BYTES),
    }
}

/// How many signing contexts a thread keeps (the IdP's key with a method or two, and the keys
/// of scenarios and tests).
const SIGN_CONTEXTS: usize = 8;

/// A signing context ready for `EVP_PKEY_sign`, for one key and one method, over this
/// thread's copy of the key.
struct SignContext {
    /// The key the context was made for, found by the address of its `EVP_PKEY`. Holding a
    /// reference keeps any other key from taking that address while the context is kept.
    key: PKey<Private>,
    algorithm: SignatureAlgorithm,
    /// This thread's copy of `key`, which `ctx` signs with (and holds a reference to).
    #[cfg(test)]
    copy: PKey<Private>,
    ctx: PkeyCtx<Private>,
}

thread_local! {
    /// This thread's signing contexts, most recently used last.
    static SIGN_CONTEXTS_OF_THREAD: RefCell<Vec<SignContext>> = const { RefCell::new(Vec::new()) };
}

/// The address of `key`'s `EVP_PKEY`.
pub(super) fn address(key: &PKeyRef<Private>) -> usize {
    std::ptr::from_ref(key) as usize
}

/// `key` as a new `EVP_PKEY` sharing nothing with it, through its DER encoding.
fn copy_of(key: &PKeyRef<Private>) -> Result<PKey<Private>, ErrorStack> {
    PKey::private_key_from_der(&key.private_key_to_der()?)
}

/// Runs `sign` with this thread's signing context for `key` and `algorithm`, set up first if
/// it has none (over a copy of the key; PKCS#1 v1.5 padding for RSA, and the method's digest,
/// which RSA writes into the signed DigestInfo).
fn with_sign_context<T>(
    key: &PKey<Private>,
    algorithm: SignatureAlgorithm,
    sign: impl FnOnce(&mut PkeyCtx<Private>) -> Result<T, ErrorStack>,
) -> Result<T, ErrorStack> {
    SIGN_CONTEXTS_OF_THREAD.with_borrow_mut(|kept| {
        let found = kept
            .iter()
            .position(|c| address(&c.key) == address(key) && c.algorithm == algorithm);
        let mut context = match found {
            Some(i) => kept.remove(i),
            None => {
                // A key that cannot be copied (none the server loads) is signed with as it is.
                let copy = copy_of(key).unwrap_or_else(|_| key.clone());
                let mut ctx = PkeyCtx::new(&copy)?;
                ctx.sign_init()?;
                if algorithm.key_kind() == KeyKind::Rsa {
                    ctx.set_rsa_padding(Padding::PKCS1)?;
                }
                ctx.set_signature_md(algorithm.md())?;
                SignContext {
                    key: key.clone(),
                    algorithm,
                    #[cfg(test)]
                    copy,
                    ctx,
                }
            }
        };
        let signed = sign(&mut context.ctx);
        // A context whose signing failed is dropped rather than trusted again.
        if signed.is_ok() {
            if kept.len() == SIGN_CONTEXTS {
                kept.remove(0);
            }
            kept.push(context);
        }
        signed
    })
}

/// The copy of `key` this thread signs with for `algorithm`, if it has signed with them.
#[cfg(test)]
pub(super) fn thread_copy_of(
    key: &PKey<Private>,
    algorithm: SignatureAlgorithm,
) -> Option<PKey<Private>> {
    SIGN_CONTEXTS_OF_THREAD.with_borrow(|kept| {
        kept.iter()
            .find(|c| address(&c.key) == address(key) && c.algorithm == algorithm)
            .map(|c| c.copy.clone())
    })
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

/// Signs the octets of a Redirect query (saml-bindings 3.4.4.1) with the hash of `algorithm`,
/// returning the raw signature: RSA PKCS#1 v1.5, or for ECDSA the XML-DSig r||s (the form
/// xmlsec, and so python3-saml and OpenSAML, verify; see [`sign_value`]).
pub trait QuerySigner {
    fn sign_query(
        &self,
        algorithm: SignatureAlgorithm,
        octets: &[u8],
    ) -> Result<Vec<u8>, DsigError>;
}

impl QuerySigner for PKey<Private> {
    fn sign_query(
        &self,
        algorithm: SignatureAlgorithm,
        octets: &[u8],
    ) -> Result<Vec<u8>, DsigError> {
        sign_value(self, algorithm, octets)
    }
}

/// The HTTP-Redirect signature of our outgoing logout messages (saml-bindings 3.4.4.1): the
/// same key, hash and value format as the enveloped signatures (for ECDSA, r||s, as xmlsec and
/// the XML-DSig based libraries verify it).
impl QuerySigner for Signer {
    fn sign_query(
        &self,
        algorithm: SignatureAlgorithm,
        octets: &[u8],
    ) -> Result<Vec<u8>, DsigError> {
        self.sign_bytes(algorithm, octets)
    }
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

/// How the `KeyInfo` element is written. ADFS writes `<KeyInfo xmlns="...xmldsig#">` with
/// `ds:`-prefixed children; everyone else prefixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyInfoStyle {
    #[default]
    Prefixed,
    DefaultNamespace,
}
