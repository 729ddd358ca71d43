//! XML Encryption of assertions: `saml:EncryptedAssertion` (saml-core 2.3.4, of the
//! EncryptedElementType of 2.2.4, with the rules of section 6) holding an `xenc:EncryptedData`
//! (XML Encryption 1.1, "xmlenc-core1", section 3) whose content key travels in an
//! `xenc:EncryptedKey`, encrypted with the SP's RSA certificate.
//!
//! ```text
//! <saml:EncryptedAssertion>
//!   <xenc:EncryptedData Type="...xmlenc#Element">          xmlenc-core1 3.1, 3.4; saml-core 6.1
//!     <xenc:EncryptionMethod Algorithm="aes256-cbc"/>     data encryption, 5.2
//!     <ds:KeyInfo>                                        3.1, 3.5
//!       <xenc:EncryptedKey>                               3.5.1
//!         <xenc:EncryptionMethod Algorithm="rsa-oaep-mgf1p">   key transport, 5.5
//!           <ds:DigestMethod Algorithm="sha1"/>
//!         </xenc:EncryptionMethod>
//!         <ds:KeyInfo><ds:X509Data>the SP's certificate</ds:X509Data></ds:KeyInfo>
//!         <xenc:CipherData><xenc:CipherValue>RSA(content key)</xenc:CipherValue></xenc:CipherData>
//!       </xenc:EncryptedKey>
//!     </ds:KeyInfo>
//!     <xenc:CipherData><xenc:CipherValue>IV | AES(assertion) [| tag]</xenc:CipherValue></xenc:CipherData>
//!   </xenc:EncryptedData>
//! </saml:EncryptedAssertion>
//! ```
//! With [`KeyPlacement::RetrievalMethod`] the EncryptedKey is instead a sibling of the
//! EncryptedData, pointed at by a `ds:RetrievalMethod` (xmlenc-core1 3.5, saml-core 2.2.4), the
//! shape some IdPs send.
//!
//! Sign, then encrypt (saml-core 6.2): the assertion given to [`encrypt_assertion`] already
//! carries its signature, and is serialised with [`write_document`] as an apex element, so it
//! declares every namespace it uses wherever it is decrypted back into, and its bytes are exactly
//! the ones its signature was computed over. A Response signature, if any, is computed
//! afterwards, over the EncryptedAssertion.
//!
//! Like the rest of the engine this draws no randomness: content keys and IVs come from the
//! caller's `random` (which must be a CSPRNG outside tests). RSA-OAEP and RSA PKCS#1 v1.5
//! padding draw their own randomness inside openssl, so an EncryptedKey is never reproducible.
//!
//! [`decrypt_assertion`] is the recipient's side, for our tests and for checks of what we
//! send; it only accepts the algorithms of the [`AllowList`] it is given.

use base64::Engine as _;
use openssl::encrypt::{Decrypter, Encrypter};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::pkey::{HasPublic, PKey, PKeyRef, Private};
use openssl::rsa::Padding;
use openssl::symm::{Cipher, Crypter, Mode};
use openssl::x509::X509;

use super::b64::{decode_padded, STANDARD as B64};
use super::dsig::DigestAlgorithm;
use super::ns;
use super::xml::c14n::write_document;
use super::xml::reader::{self, Limits};
use super::xml::{Element, Name, Node};

/// XML Encryption 1.0 namespace, prefix `xenc`.
pub const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// XML Encryption 1.1 namespace, prefix `xenc11` (the `MGF` element).
pub const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";

/// `Type` of an EncryptedData whose plaintext is one element (xmlenc-core1 3.1; saml-core 6.1
/// requires this value when Type is present).
pub const TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";
/// `Type` of a RetrievalMethod pointing at an EncryptedKey (xmlenc-core1 3.5, "The
/// ds:RetrievalMethod Element").
pub const TYPE_ENCRYPTED_KEY: &str = "http://www.w3.org/2001/04/xmlenc#EncryptedKey";

/// Algorithm URIs of XML Encryption 1.1 (section 5).
pub mod alg {
    /// 5.2.1, legacy: 3DES, 192-bit key, 64-bit IV.
    pub const TRIPLEDES_CBC: &str = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc";
    /// 5.2.2: AES-128 in CBC mode.
    pub const AES128_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
    /// 5.2.2: AES-256 in CBC mode.
    pub const AES256_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
    /// 5.2, AES-GCM: AES-128 in GCM mode.
    pub const AES128_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
    /// 5.2, AES-GCM: AES-256 in GCM mode.
    pub const AES256_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
    /// 5.5.1, legacy: RSA PKCS#1 v1.5 key transport.
    pub const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
    /// 5.5.2: RSA-OAEP with MGF1-SHA-1.
    pub const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    /// 5.5.2: RSA-OAEP with the mask generation function named by `xenc11:MGF`.
    pub const RSA_OAEP: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
    /// 5.5.2: MGF1 with SHA-1 (the default when `xenc11:MGF` is absent).
    pub const MGF1_SHA1: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
    pub const MGF1_SHA224: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha224";
    pub const MGF1_SHA256: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha256";
    pub const MGF1_SHA384: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha384";
    pub const MGF1_SHA512: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha512";
    /// Message digest SHA-1: the OAEP digest when `ds:DigestMethod` is absent (5.5.2).
    pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
    /// Message digest SHA-256.
    pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
    /// Message digest SHA-384.
    pub const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    /// Message digest SHA-512.
    pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
}

/// How the assertion itself is encrypted (xmlenc-core1 5.2, block encryption).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DataEncryption {
    /// aes128-cbc: 16-byte IV prepended, padded as section 5.2 says.
    Aes128Cbc,
    /// aes256-cbc, the default: every SAML library decrypts it, including those built on
    /// xmlsec releases without GCM. Prefer GCM when the SP supports it: CBC is open to padding
    /// oracles when an SP reveals decryption failures ("How to Break XML Encryption", 2011).
    #[default]
    Aes256Cbc,
    /// aes128-gcm: 12-byte IV prepended, 16-byte tag appended, no padding (section 5.2, AES-GCM).
    Aes128Gcm,
    /// aes256-gcm.
    Aes256Gcm,
    /// tripledes-cbc. Legacy and insecure (64-bit blocks, deprecated by NIST in 2017): only for
    /// scenarios showing whether an SP refuses it.
    TripleDesCbc,
}

impl DataEncryption {
    pub const ALL: [DataEncryption; 5] = [
        Self::Aes128Cbc,
        Self::Aes256Cbc,
        Self::Aes128Gcm,
        Self::Aes256Gcm,
        Self::TripleDesCbc,
    ];

    /// Short name used in forms, the API and config files (the URI's fragment).
    pub fn id(self) -> &'static str {
        match self {
            Self::Aes128Cbc => "aes128-cbc",
            Self::Aes256Cbc => "aes256-cbc",
            Self::Aes128Gcm => "aes128-gcm",
            Self::Aes256Gcm => "aes256-gcm",
            Self::TripleDesCbc => "tripledes-cbc",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    pub fn uri(self) -> &'static str {
        match self {
            Self::Aes128Cbc => alg::AES128_CBC,
            Self::Aes256Cbc => alg::AES256_CBC,
            Self::Aes128Gcm => alg::AES128_GCM,
            Self::Aes256Gcm => alg::AES256_GCM,
            Self::TripleDesCbc => alg::TRIPLEDES_CBC,
        }
    }

    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.uri() == uri)
    }

    /// Whether a careful SP should refuse it.
    pub fn is_legacy(self) -> bool {
        self == Self::TripleDesCbc
    }

    /// Content key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes128Cbc | Self::Aes128Gcm => 16,
            Self::Aes256Cbc | Self::Aes256Gcm => 32,
            Self::TripleDesCbc => 24,
        }
    }

    /// IV length in bytes: the block size for CBC, 96 bits for GCM (section 5.2, AES-GCM).
    pub fn iv_len(self) -> usize {
        match self {
            Self::Aes128Cbc | Self::Aes256Cbc => 16,
            Self::Aes128Gcm | Self::Aes256Gcm => 12,
            Self::TripleDesCbc => 8,
        }
    }

    fn is_gcm(self) -> bool {
        matches!(self, Self::Aes128Gcm | Self::Aes256Gcm)
    }

    fn cipher(self) -> Cipher {
        match self {
            Self::Aes128Cbc => Cipher::aes_128_cbc(),
            Self::Aes256Cbc => Cipher::aes_256_cbc(),
            Self::Aes128Gcm => Cipher::aes_128_gcm(),
            Self::Aes256Gcm => Cipher::aes_256_gcm(),
            Self::TripleDesCbc => Cipher::des_ede3_cbc(),
        }
    }
}

/// How the content key is encrypted for the SP (xmlenc-core1 5.5, key transport).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeyTransport {
    /// rsa-oaep-mgf1p with SHA-1 as both the OAEP digest and MGF1's hash, written with an
    /// explicit `ds:DigestMethod` SHA-1. The default: what SAML SPs universally accept.
    #[default]
    RsaOaepMgf1p,
    /// xmlenc11 rsa-oaep with `ds:DigestMethod` SHA-256 and `xenc11:MGF` mgf1sha256 (the same
    /// hash for both, which some implementations require). Only SPs whose library implements
    /// xmlenc 1.1 decrypt it, such as libxmlsec1 1.3; libxmlsec1 1.2 (python3-saml, the xmlsec1
    /// 1.2 CLI) and node's xml-encryption 3 do not know the URI
    /// (`tests/fixtures/xmlenc/README.md`).
    RsaOaep,
    /// rsa-1_5: RSA PKCS#1 v1.5. Legacy and insecure (Bleichenbacher's padding oracle; see
    /// xmlenc-core1 5.5.1 and its security considerations): only for scenarios showing whether
    /// an SP refuses it.
    Rsa1_5,
}

impl KeyTransport {
    pub const ALL: [KeyTransport; 3] = [Self::RsaOaepMgf1p, Self::RsaOaep, Self::Rsa1_5];

    /// Short name used in forms, the API and config files (the URI's fragment).
    pub fn id(self) -> &'static str {
        match self {
            Self::RsaOaepMgf1p => "rsa-oaep-mgf1p",
            Self::RsaOaep => "rsa-oaep",
            Self::Rsa1_5 => "rsa-1_5",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.id() == id)
    }

    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaOaepMgf1p => alg::RSA_OAEP_MGF1P,
            Self::RsaOaep => alg::RSA_OAEP,
            Self::Rsa1_5 => alg::RSA_1_5,
        }
    }

    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.uri() == uri)
    }

    /// Whether a careful SP should refuse it.
    pub fn is_legacy(self) -> bool {
        self == Self::Rsa1_5
    }

    /// The OAEP parameters written for this method: `(DigestMethod URI, MGF URI)`.
    fn oaep_params(self) -> Option<(&'static str, Option<&'static str>)> {
        match self {
            Self::RsaOaepMgf1p => Some((alg::SHA1, None)),
            Self::RsaOaep => Some((alg::SHA256, Some(alg::MGF1_SHA256))),
            Self::Rsa1_5 => None,
        }
    }
}

/// Where the EncryptedKey goes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum KeyPlacement {
    /// Inside the EncryptedData's `ds:KeyInfo` (xmlenc-core1 3.5.1): what almost every IdP sends.
    #[default]
    Inline,
    /// After the EncryptedData, as a child of the EncryptedAssertion (saml-core 2.2.4), with
    /// `Id` = `key_id`; the EncryptedData gets `Id` = `data_id` and a `ds:RetrievalMethod`
    /// (`URI="#key_id"`, `Type` EncryptedKey), and the key a `ReferenceList` back to it. Both IDs
    /// must be fresh xs:IDs.
    RetrievalMethod { data_id: String, key_id: String },
}

/// The choices of one encryption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptionOptions {
    pub data: DataEncryption,
    pub key_transport: KeyTransport,
    pub placement: KeyPlacement,
    /// Put the recipient's certificate in the EncryptedKey's `ds:KeyInfo`, so an SP holding
    /// several keys can tell which one to use. On by default.
    pub recipient_certificate: bool,
    /// The `Recipient` attribute of the EncryptedKey (xmlenc-core1 3.5.1), normally the SP's
    /// entity ID.
    pub recipient: Option<String>,
}

impl Default for EncryptionOptions {
    fn default() -> Self {
        EncryptionOptions {
            data: DataEncryption::default(),
            key_transport: KeyTransport::default(),
            placement: KeyPlacement::default(),
            recipient_certificate: true,
            recipient: None,
        }
    }
}

/// The algorithms [`decrypt_assertion`] accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowList {
    pub data: Vec<DataEncryption>,
    pub key_transport: Vec<KeyTransport>,
}

impl AllowList {
    /// What a careful SP accepts: AES in CBC or GCM mode, RSA-OAEP in either form; neither
    /// 3DES nor RSA PKCS#1 v1.5.
    pub fn modern() -> Self {
        AllowList {
            data: DataEncryption::ALL
                .into_iter()
                .filter(|a| !a.is_legacy())
                .collect(),
            key_transport: KeyTransport::ALL
                .into_iter()
                .filter(|a| !a.is_legacy())
                .collect(),
        }
    }

    /// Every algorithm this module implements, the legacy ones included.
    pub fn all() -> Self {
        AllowList {
            data: DataEncryption::ALL.to_vec(),
            key_transport: KeyTransport::ALL.to_vec(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XmlencError {
    #[error("the recipient's key is not an RSA key")]
    NotRsa,
    #[error("the encrypted assertion is malformed: {0}")]
    Malformed(&'static str),
    #[error("unsupported algorithm {0}")]
    UnsupportedAlgorithm(String),
    #[error("algorithm {0} is not in the allow-list")]
    RefusedAlgorithm(String),
    #[error("the content key does not decrypt with this private key")]
    KeyTransport,
    #[error("the content key is {got} bytes long; {algorithm} needs {expected}")]
    KeySize {
        algorithm: &'static str,
        expected: usize,
        got: usize,
    },
    #[error("the encrypted data does not decrypt: {0}")]
    Decryption(&'static str),
    #[error("the decrypted content is not a saml:Assertion: {0}")]
    NotAnAssertion(String),
    #[error("openssl: {0}")]
    Openssl(String),
}

impl From<ErrorStack> for XmlencError {
    fn from(e: ErrorStack) -> Self {
        XmlencError::Openssl(e.to_string())
    }
}

/// Fills its argument with random bytes; must be a CSPRNG outside tests.
pub type Random<'a> = &'a mut dyn FnMut(&mut [u8]);

/// Encrypts `assertion` (already signed) for the holder of `recipient_cert`'s private key and
/// returns the `saml:EncryptedAssertion` to put where the assertion was.
///
/// `random` is called twice: first for the content key ([`DataEncryption::key_len`] bytes),
/// then for the IV ([`DataEncryption::iv_len`] bytes).
pub fn encrypt_assertion(
    assertion: &Element,
    recipient_cert: &X509,
    options: &EncryptionOptions,
    random: Random<'_>,
) -> Result<Element, XmlencError> {
    let public = recipient_cert.public_key()?;
    if public.rsa().is_err() {
        return Err(XmlencError::NotRsa);
    }
    let data = options.data;
    let mut key = vec![0u8; data.key_len()];
    random(&mut key);
    let mut iv = vec![0u8; data.iv_len()];
    random(&mut iv);
    let cipher_value = encrypt_data(data, &key, &iv, write_document(assertion).as_bytes())?;
    let wrapped = wrap_key(options.key_transport, &public, &key)?;

    let mut method = xenc("EncryptionMethod").attr("Algorithm", options.key_transport.uri());
    if let Some((digest, mgf)) = options.key_transport.oaep_params() {
        method = method.child(ds("DigestMethod").attr("Algorithm", digest));
        if let Some(mgf) = mgf {
            method = method.child(
                Element::new(Name::prefixed("xenc11", XENC11, "MGF")).attr("Algorithm", mgf),
            );
        }
    }
    let mut encrypted_key = xenc("EncryptedKey")
        .attr_opt("Recipient", options.recipient.clone())
        .child(method);
    if options.recipient_certificate {
        let der = B64.encode(recipient_cert.to_der()?);
        encrypted_key = encrypted_key
            .child(ds("KeyInfo").child(ds("X509Data").child(ds("X509Certificate").text(der))));
    }
    encrypted_key = encrypted_key.child(cipher_data(&wrapped));

    let encrypted_data = xenc("EncryptedData")
        .attr("Type", TYPE_ELEMENT)
        .child(xenc("EncryptionMethod").attr("Algorithm", data.uri()));
    let out = Element::new(Name::prefixed("saml", ns::ASSERTION, "EncryptedAssertion"));
    Ok(match &options.placement {
        KeyPlacement::Inline => out.child(
            encrypted_data
                .child(ds("KeyInfo").child(encrypted_key))
                .child(cipher_data(&cipher_value)),
        ),
        KeyPlacement::RetrievalMethod { data_id, key_id } => out
            .child(
                encrypted_data
                    .attr("Id", data_id.as_str())
                    .child(
                        ds("KeyInfo").child(
                            ds("RetrievalMethod")
                                .attr("Type", TYPE_ENCRYPTED_KEY)
                                .attr("URI", format!("#{key_id}")),
                        ),
                    )
                    .child(cipher_data(&cipher_value)),
            )
            .child(
                encrypted_key.attr("Id", key_id.as_str()).child(
                    xenc("ReferenceList")
                        .child(xenc("DataReference").attr("URI", format!("#{data_id}"))),
                ),
            ),
    })
}

/// Replaces the first `saml:Assertion` child of `response` by its encryption (see
/// [`encrypt_assertion`]). Returns whether there was one.
pub fn encrypt_assertion_in_place(
    response: &mut Element,
    recipient_cert: &X509,
    options: &EncryptionOptions,
    random: Random<'_>,
) -> Result<bool, XmlencError> {
    for node in &mut response.children {
        if let Node::Element(e) = node {
            if e.name.is(ns::ASSERTION, "Assertion") {
                let encrypted = encrypt_assertion(e, recipient_cert, options, random)?;
                *node = Node::Element(encrypted);
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// Decrypts a `saml:EncryptedAssertion` with `key`, accepting only the algorithms of `allowed`,
/// and parses the plaintext, which must be one `saml:Assertion`.
pub fn decrypt_assertion(
    encrypted: &Element,
    key: &PKey<Private>,
    allowed: &AllowList,
) -> Result<Element, XmlencError> {
    let xml = decrypt_xml(encrypted, key, allowed)?;
    let el = reader::parse(xml.as_bytes(), Limits::default())
        .map_err(|e| XmlencError::NotAnAssertion(e.to_string()))?;
    if !el.name.is(ns::ASSERTION, "Assertion") {
        return Err(XmlencError::NotAnAssertion(format!(
            "the root element is {}",
            el.name.qualified()
        )));
    }
    Ok(el)
}

/// Decrypts a `saml:EncryptedAssertion` with `key` to the plaintext bytes, as text (what
/// [`encrypt_assertion`] wrote with [`write_document`]), accepting only the algorithms of
/// `allowed`. An inline EncryptedKey is tried first, then one a RetrievalMethod points at; when
/// several are inline, the first that decrypts wins.
pub fn decrypt_xml(
    encrypted: &Element,
    key: &PKey<Private>,
    allowed: &AllowList,
) -> Result<String, XmlencError> {
    if !encrypted.name.is(ns::ASSERTION, "EncryptedAssertion") {
        return Err(XmlencError::Malformed("not a saml:EncryptedAssertion"));
    }
    if key.rsa().is_err() {
        return Err(XmlencError::NotRsa);
    }
    let mut all = encrypted.elements_named(XENC, "EncryptedData");
    let data = all
        .next()
        .ok_or(XmlencError::Malformed("no EncryptedData"))?;
    if all.next().is_some() {
        return Err(XmlencError::Malformed("more than one EncryptedData"));
    }
    if data.attribute("Type").is_some_and(|t| t != TYPE_ELEMENT) {
        return Err(XmlencError::Malformed(
            "the EncryptedData's Type is not Element",
        ));
    }
    let method = algorithm_of(data)?;
    let data_alg =
        DataEncryption::from_uri(method).ok_or_else(|| unsupported(method.to_owned()))?;
    if !allowed.data.contains(&data_alg) {
        return Err(XmlencError::RefusedAlgorithm(method.to_owned()));
    }
    let key_info = data
        .first(ns::DSIG, "KeyInfo")
        .ok_or(XmlencError::Malformed("the EncryptedData has no KeyInfo"))?;
    let mut keys: Vec<&Element> = key_info.elements_named(XENC, "EncryptedKey").collect();
    for rm in key_info.elements_named(ns::DSIG, "RetrievalMethod") {
        if rm.attribute("Type") != Some(TYPE_ENCRYPTED_KEY) {
            return Err(XmlencError::Malformed(
                "a RetrievalMethod does not point at an EncryptedKey",
            ));
        }
        // Same-document references only, and only to a sibling of the EncryptedData.
        let id = rm
            .attribute("URI")
            .and_then(|u| u.strip_prefix('#'))
            .ok_or(XmlencError::Malformed(
                "a RetrievalMethod URI is not a same-document reference",
            ))?;
        let target = encrypted
            .elements_named(XENC, "EncryptedKey")
            .find(|k| k.attribute("Id") == Some(id))
            .ok_or(XmlencError::Malformed(
                "no EncryptedKey with the RetrievalMethod's Id",
            ))?;
        keys.push(target);
    }
    let mut first_error = None;
    let mut content_key = None;
    for k in keys {
        match unwrap_key(k, key, allowed) {
            Ok(v) => {
                content_key = Some(v);
                break;
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let content_key = match (content_key, first_error) {
        (Some(k), _) => k,
        (None, Some(e)) => return Err(e),
        (None, None) => return Err(XmlencError::Malformed("no EncryptedKey")),
    };
    if content_key.len() != data_alg.key_len() {
        return Err(XmlencError::KeySize {
            algorithm: data_alg.uri(),
            expected: data_alg.key_len(),
            got: content_key.len(),
        });
    }
    let cipher_value = cipher_value_of(data)?;
    let plain = decrypt_data(data_alg, &content_key, &cipher_value)?;
    String::from_utf8(plain).map_err(|_| XmlencError::NotAnAssertion("not UTF-8".into()))
}

fn unsupported(uri: String) -> XmlencError {
    XmlencError::UnsupportedAlgorithm(uri)
}

fn xenc(local: &str) -> Element {
    Element::new(Name::prefixed("xenc", XENC, local))
}

fn ds(local: &str) -> Element {
    Element::new(Name::prefixed("ds", ns::DSIG, local))
}

fn cipher_data(value: &[u8]) -> Element {
    xenc("CipherData").child(xenc("CipherValue").text(B64.encode(value)))
}

fn algorithm_of(el: &Element) -> Result<&str, XmlencError> {
    el.first(XENC, "EncryptionMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .ok_or(XmlencError::Malformed("no EncryptionMethod Algorithm"))
}

/// The bytes of `el`'s `CipherData/CipherValue` (a `CipherReference` is refused: xmlenc-core1
/// 3.3.1 lets it fetch arbitrary URIs).
fn cipher_value_of(el: &Element) -> Result<Vec<u8>, XmlencError> {
    let cd = el
        .first(XENC, "CipherData")
        .ok_or(XmlencError::Malformed("no CipherData"))?;
    let cv = cd.first(XENC, "CipherValue").ok_or(XmlencError::Malformed(
        "no CipherValue (CipherReference is not supported)",
    ))?;
    decode_padded(&cv.text_content())
        .map_err(|_| XmlencError::Malformed("CipherValue is not base64"))
}

/// xmlenc-core1 5.2: the IV, then the ciphertext; for AES-GCM the 128-bit tag last.
fn encrypt_data(
    alg: DataEncryption,
    key: &[u8],
    iv: &[u8],
    plain: &[u8],
) -> Result<Vec<u8>, XmlencError> {
    let cipher = alg.cipher();
    let mut out = iv.to_vec();
    if alg.is_gcm() {
        let mut tag = [0u8; 16];
        let ct = openssl::symm::encrypt_aead(cipher, key, Some(iv), &[], plain, &mut tag)?;
        out.extend_from_slice(&ct);
        out.extend_from_slice(&tag);
    } else {
        // PKCS#7 padding: N bytes of value N, a special case of section 5.2's "N-1 arbitrary
        // bytes and a final byte N", and what every decryptor strips.
        out.extend_from_slice(&openssl::symm::encrypt(cipher, key, Some(iv), plain)?);
    }
    Ok(out)
}

fn decrypt_data(alg: DataEncryption, key: &[u8], data: &[u8]) -> Result<Vec<u8>, XmlencError> {
    let cipher = alg.cipher();
    let iv_len = alg.iv_len();
    if alg.is_gcm() {
        if data.len() < iv_len + 16 {
            return Err(XmlencError::Decryption("shorter than the IV and the tag"));
        }
        let (iv, rest) = data.split_at(iv_len);
        let (ct, tag) = rest.split_at(rest.len() - 16);
        return openssl::symm::decrypt_aead(cipher, key, Some(iv), &[], ct, tag)
            .map_err(|_| XmlencError::Decryption("the GCM authentication tag does not match"));
    }
    let block = cipher.block_size();
    if data.len() < iv_len + block || (data.len() - iv_len) % block != 0 {
        return Err(XmlencError::Decryption(
            "not an IV and a whole number of blocks",
        ));
    }
    let (iv, ct) = data.split_at(iv_len);
    let mut c = Crypter::new(cipher, Mode::Decrypt, key, Some(iv))?;
    // Section 5.2 padding is not PKCS#7 (the bytes before the last are arbitrary), so it is
    // stripped here rather than checked by openssl.
    c.pad(false);
    let mut out = vec![0u8; ct.len() + block];
    let mut n = c.update(ct, &mut out)?;
    n += c.finalize(&mut out[n..])?;
    out.truncate(n);
    let pad = usize::from(out.last().copied().unwrap_or(0));
    if pad == 0 || pad > block || pad > out.len() {
        return Err(XmlencError::Decryption("bad padding"));
    }
    out.truncate(out.len() - pad);
    Ok(out)
}

/// The OAEP digest a `ds:DigestMethod` names: the same URIs as XML-DSig's digest methods.
fn digest_from_uri(uri: &str) -> Option<MessageDigest> {
    DigestAlgorithm::from_uri(uri).map(DigestAlgorithm::message_digest)
}

fn mgf_from_uri(uri: &str) -> Option<MessageDigest> {
    match uri {
        alg::MGF1_SHA1 => Some(MessageDigest::sha1()),
        alg::MGF1_SHA224 => Some(MessageDigest::sha224()),
        alg::MGF1_SHA256 => Some(MessageDigest::sha256()),
        alg::MGF1_SHA384 => Some(MessageDigest::sha384()),
        alg::MGF1_SHA512 => Some(MessageDigest::sha512()),
        _ => None,
    }
}

/// xmlenc-core1 5.5: the content key encrypted with the recipient's public key.
fn wrap_key<T: HasPublic>(
    transport: KeyTransport,
    public: &PKeyRef<T>,
    key: &[u8],
) -> Result<Vec<u8>, XmlencError> {
    let mut enc = Encrypter::new(public)?;
    match transport.oaep_params() {
        Some((digest, mgf)) => {
            let md = digest_from_uri(digest).ok_or_else(|| unsupported(digest.to_owned()))?;
            let mgf = match mgf {
                Some(m) => mgf_from_uri(m).ok_or_else(|| unsupported(m.to_owned()))?,
                None => MessageDigest::sha1(),
            };
            enc.set_rsa_padding(Padding::PKCS1_OAEP)?;
            enc.set_rsa_oaep_md(md)?;
            enc.set_rsa_mgf1_md(mgf)?;
        }
        None => enc.set_rsa_padding(Padding::PKCS1)?,
    }
    let mut out = vec![0u8; enc.encrypt_len(key)?];
    let n = enc.encrypt(key, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// The content key of one `xenc:EncryptedKey`, read as xmlenc-core1 5.5.2 says: for
/// rsa-oaep-mgf1p the MGF is MGF1-SHA-1 and an `xenc11:MGF` is an error; `ds:DigestMethod`
/// defaults to SHA-1; `OAEPparams` is the OAEP label.
fn unwrap_key(
    encrypted_key: &Element,
    key: &PKey<Private>,
    allowed: &AllowList,
) -> Result<Vec<u8>, XmlencError> {
    let method_el = encrypted_key
        .first(XENC, "EncryptionMethod")
        .ok_or(XmlencError::Malformed(
            "the EncryptedKey has no EncryptionMethod",
        ))?;
    let uri = method_el
        .attribute("Algorithm")
        .ok_or(XmlencError::Malformed("no EncryptionMethod Algorithm"))?;
    let transport = KeyTransport::from_uri(uri).ok_or_else(|| unsupported(uri.to_owned()))?;
    if !allowed.key_transport.contains(&transport) {
        return Err(XmlencError::RefusedAlgorithm(uri.to_owned()));
    }
    let wrapped = cipher_value_of(encrypted_key)?;
    let mut dec = Decrypter::new(key)?;
    if transport == KeyTransport::Rsa1_5 {
        dec.set_rsa_padding(Padding::PKCS1)?;
    } else {
        let digest = match method_el.first(ns::DSIG, "DigestMethod") {
            None => MessageDigest::sha1(),
            Some(d) => {
                let u = d
                    .attribute("Algorithm")
                    .ok_or(XmlencError::Malformed("no DigestMethod Algorithm"))?;
                digest_from_uri(u).ok_or_else(|| unsupported(u.to_owned()))?
            }
        };
        let mgf = match (transport, method_el.first(XENC11, "MGF")) {
            (_, None) => MessageDigest::sha1(),
            (KeyTransport::RsaOaepMgf1p, Some(_)) => {
                return Err(XmlencError::Malformed(
                    "rsa-oaep-mgf1p must not carry an MGF element",
                ))
            }
            (_, Some(m)) => {
                let u = m
                    .attribute("Algorithm")
                    .ok_or(XmlencError::Malformed("no MGF Algorithm"))?;
                mgf_from_uri(u).ok_or_else(|| unsupported(u.to_owned()))?
            }
        };
        dec.set_rsa_padding(Padding::PKCS1_OAEP)?;
        dec.set_rsa_oaep_md(digest)?;
        dec.set_rsa_mgf1_md(mgf)?;
        if let Some(p) = method_el.first(XENC, "OAEPparams") {
            let label = decode_padded(&p.text_content())
                .map_err(|_| XmlencError::Malformed("OAEPparams is not base64"))?;
            dec.set_rsa_oaep_label(&label)?;
        }
    }
    let mut out = vec![0u8; dec.decrypt_len(&wrapped)?];
    // Any failure here, whatever openssl says, is "not for this key": a decryptor that tells
    // the reasons apart is a padding oracle.
    let n = dec
        .decrypt(&wrapped, &mut out)
        .map_err(|_| XmlencError::KeyTransport)?;
    out.truncate(n);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::dsig::tests::test_signer;
    use crate::saml::dsig::{sign_enveloped, KeyInfoStyle, SignatureAlgorithm};
    use crate::saml::xml::reader::parse;

    const SP_KEY: &[u8] = include_bytes!("../../tests/fixtures/xmlenc/sp.key");
    const SP_CRT: &[u8] = include_bytes!("../../tests/fixtures/xmlenc/sp.crt");
    const OTHER_KEY: &[u8] = include_bytes!("../../tests/fixtures/xmlenc/other.key");

    fn sp_key() -> PKey<Private> {
        PKey::private_key_from_pem(SP_KEY).unwrap()
    }

    fn sp_cert() -> X509 {
        X509::from_pem(SP_CRT).unwrap()
    }

    /// Deterministic "randomness": a counter, so that every call gives new bytes.
    fn counter() -> impl FnMut(&mut [u8]) {
        let mut n = 0u8;
        move |buf: &mut [u8]| {
            for b in buf {
                n = n.wrapping_add(1);
                *b = n;
            }
        }
    }

    fn saml(local: &str) -> Element {
        Element::new(Name::prefixed("saml", ns::ASSERTION, local))
    }

    /// A signed, Response-less assertion with what a real one has: NameID, confirmation,
    /// conditions, an authentication statement and attributes with characters to escape.
    pub(crate) fn signed_assertion(id: &str) -> Element {
        let value = saml("AttributeValue").text("tier-2 & <up> \"Zoë\"\r\n");
        let assertion = saml("Assertion")
            .attr("ID", id)
            .attr("Version", "2.0")
            .attr("IssueInstant", "2026-01-02T03:04:05Z")
            .child(saml("Issuer").text("https://idp.example/metadata"))
            .child(
                saml("Subject")
                    .child(
                        saml("NameID")
                            .attr("Format", ns::nameid::EMAIL)
                            .text("zoe@globex.example"),
                    )
                    .child(
                        saml("SubjectConfirmation")
                            .attr("Method", ns::CM_BEARER)
                            .child(
                                saml("SubjectConfirmationData")
                                    .attr("NotOnOrAfter", "2026-01-02T03:09:05Z")
                                    .attr("Recipient", "https://sp.example/acs"),
                            ),
                    ),
            )
            .child(
                saml("Conditions")
                    .attr("NotBefore", "2026-01-02T03:03:35Z")
                    .attr("NotOnOrAfter", "2026-01-02T03:09:05Z")
                    .child(
                        saml("AudienceRestriction")
                            .child(saml("Audience").text("https://sp.example/metadata")),
                    ),
            )
            .child(
                saml("AuthnStatement")
                    .attr("AuthnInstant", "2026-01-02T03:04:05Z")
                    .attr("SessionIndex", "_s1")
                    .child(saml("AuthnContext").child(
                        saml("AuthnContextClassRef").text(ns::AC_PASSWORD_PROTECTED_TRANSPORT),
                    )),
            )
            .child(
                saml("AttributeStatement").child(
                    saml("Attribute")
                        .attr("Name", "groups")
                        .attr("NameFormat", ns::attrname::BASIC)
                        .child(value),
                ),
            );
        let mut holder = Element::new(Name::local("holder")).child(assertion);
        sign_enveloped(
            &mut holder,
            id,
            SignatureAlgorithm::RsaSha256.into(),
            &test_signer(),
            KeyInfoStyle::Prefixed,
        )
        .unwrap();
        match holder.children.pop() {
            Some(Node::Element(signed)) => signed,
            _ => unreachable!(),
        }
    }

    fn options(data: DataEncryption, key_transport: KeyTransport) -> EncryptionOptions {
        EncryptionOptions {
            data,
            key_transport,
            ..Default::default()
        }
    }

    fn combinations() -> impl Iterator<Item = (DataEncryption, KeyTransport)> {
        DataEncryption::ALL
            .into_iter()
            .flat_map(|d| KeyTransport::ALL.into_iter().map(move |k| (d, k)))
    }

    fn encrypt(opts: &EncryptionOptions) -> (Element, Element) {
        let a = signed_assertion("_a1");
        let e = encrypt_assertion(&a, &sp_cert(), opts, &mut counter()).unwrap();
        (a, e)
    }

    #[test]
    fn every_combination_round_trips_byte_for_byte_through_the_written_document() {
        for (d, k) in combinations() {
            let (a, e) = encrypt(&options(d, k));
            let parsed = parse(write_document(&e).as_bytes(), Limits::default()).unwrap();
            let xml = decrypt_xml(&parsed, &sp_key(), &AllowList::all()).unwrap();
            assert_eq!(xml, write_document(&a), "{d:?} {k:?}");
            let back = decrypt_assertion(&parsed, &sp_key(), &AllowList::all()).unwrap();
            assert_eq!(write_document(&back), write_document(&a), "{d:?} {k:?}");
            crate::saml::dsig::verify_enveloped(
                &back,
                "_a1",
                &test_signer().certificate().public_key().unwrap(),
            )
            .unwrap();
        }
    }

    #[test]
    fn the_retrieval_method_shape_round_trips() {
        for (d, k) in combinations() {
            let opts = EncryptionOptions {
                placement: KeyPlacement::RetrievalMethod {
                    data_id: "_d1".into(),
                    key_id: "_k1".into(),
                },
                recipient: Some("https://sp.example/metadata".into()),
                ..options(d, k)
            };
            let (a, e) = encrypt(&opts);
            let names: Vec<_> = e.elements().map(|c| c.name.local.as_str()).collect();
            assert_eq!(names, ["EncryptedData", "EncryptedKey"]);
            let parsed = parse(write_document(&e).as_bytes(), Limits::default()).unwrap();
            let back = decrypt_assertion(&parsed, &sp_key(), &AllowList::all()).unwrap();
            assert_eq!(write_document(&back), write_document(&a), "{d:?} {k:?}");
        }
    }

    #[test]
    fn another_key_fails_cleanly() {
        let other = PKey::private_key_from_pem(OTHER_KEY).unwrap();
        for k in [KeyTransport::RsaOaepMgf1p, KeyTransport::RsaOaep] {
            let (_, e) = encrypt(&options(DataEncryption::Aes128Gcm, k));
            assert_eq!(
                decrypt_assertion(&e, &other, &AllowList::all()),
                Err(XmlencError::KeyTransport),
                "{k:?}"
            );
        }
        // OpenSSL 3.2 and later answer a PKCS#1 v1.5 padding failure with a random key
        // (implicit rejection), which then fails as a key of the wrong size or as bad data.
        let (_, e) = encrypt(&options(DataEncryption::Aes128Gcm, KeyTransport::Rsa1_5));
        assert!(matches!(
            decrypt_assertion(&e, &other, &AllowList::all()),
            Err(XmlencError::KeyTransport
                | XmlencError::KeySize { .. }
                | XmlencError::Decryption(_))
        ));
    }

    #[test]
    fn the_allow_list_refuses_legacy_algorithms_before_decrypting() {
        let modern = AllowList::modern();
        let (_, e) = encrypt(&options(
            DataEncryption::TripleDesCbc,
            KeyTransport::RsaOaepMgf1p,
        ));
        assert_eq!(
            decrypt_assertion(&e, &sp_key(), &modern),
            Err(XmlencError::RefusedAlgorithm(alg::TRIPLEDES_CBC.into()))
        );
        let (_, e) = encrypt(&options(DataEncryption::Aes256Cbc, KeyTransport::Rsa1_5));
        assert_eq!(
            decrypt_assertion(&e, &sp_key(), &modern),
            Err(XmlencError::RefusedAlgorithm(alg::RSA_1_5.into()))
        );
        assert!(decrypt_assertion(&e, &sp_key(), &AllowList::all()).is_ok());
        let only_gcm = AllowList {
            data: vec![DataEncryption::Aes256Gcm],
            key_transport: vec![KeyTransport::RsaOaep],
        };
        let (_, e) = encrypt(&options(DataEncryption::Aes256Cbc, KeyTransport::RsaOaep));
        assert_eq!(
            decrypt_assertion(&e, &sp_key(), &only_gcm),
            Err(XmlencError::RefusedAlgorithm(alg::AES256_CBC.into()))
        );
    }

    fn cipher_value_mut(e: &mut Element) -> &mut String {
        let data = e
            .children
            .iter_mut()
            .find_map(|n| match n {
                Node::Element(x) if x.name.is(XENC, "EncryptedData") => Some(x),
                _ => None,
            })
            .unwrap();
        let cd = data
            .children
            .iter_mut()
            .find_map(|n| match n {
                Node::Element(x) if x.name.is(XENC, "CipherData") => Some(x),
                _ => None,
            })
            .unwrap();
        let Some(Node::Element(cv)) = cd.children.first_mut() else {
            panic!("no CipherValue")
        };
        let Some(Node::Text(t)) = cv.children.first_mut() else {
            panic!("no text")
        };
        t
    }

    #[test]
    fn a_changed_ciphertext_fails_gcm_authentication() {
        for d in [DataEncryption::Aes128Gcm, DataEncryption::Aes256Gcm] {
            let (_, mut e) = encrypt(&options(d, KeyTransport::RsaOaepMgf1p));
            let text = cipher_value_mut(&mut e);
            let mut bytes = B64.decode(&*text).unwrap();
            bytes[20] ^= 1;
            *text = B64.encode(bytes);
            assert_eq!(
                decrypt_xml(&e, &sp_key(), &AllowList::all()),
                Err(XmlencError::Decryption(
                    "the GCM authentication tag does not match"
                ))
            );
        }
    }

    #[test]
    fn truncated_ciphertexts_are_refused() {
        for d in DataEncryption::ALL {
            let (_, mut e) = encrypt(&options(d, KeyTransport::RsaOaepMgf1p));
            let text = cipher_value_mut(&mut e);
            let bytes = B64.decode(&*text).unwrap();
            *text = B64.encode(&bytes[..d.iv_len() + 3]);
            assert!(
                matches!(
                    decrypt_xml(&e, &sp_key(), &AllowList::all()),
                    Err(XmlencError::Decryption(_))
                ),
                "{d:?}"
            );
        }
    }

    #[test]
    fn cbc_padding_follows_section_5_2_not_only_pkcs7() {
        // N-1 arbitrary bytes, then N: accepted; a final byte of 0 or above the block size: not.
        let key = [7u8; 16];
        let iv = [9u8; 16];
        let mut plain = b"<a></a>".to_vec();
        plain.extend_from_slice(&[0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x11, 0x22, 9]);
        let raw = |p: &[u8]| {
            let mut c =
                Crypter::new(Cipher::aes_128_cbc(), Mode::Encrypt, &key, Some(&iv)).unwrap();
            c.pad(false);
            let mut out = vec![0u8; p.len() + 16];
            let n = c.update(p, &mut out).unwrap();
            out.truncate(n);
            let mut all = iv.to_vec();
            all.extend(out);
            all
        };
        assert_eq!(
            decrypt_data(DataEncryption::Aes128Cbc, &key, &raw(&plain)).unwrap(),
            b"<a></a>"
        );
        *plain.last_mut().unwrap() = 0;
        assert!(decrypt_data(DataEncryption::Aes128Cbc, &key, &raw(&plain)).is_err());
        *plain.last_mut().unwrap() = 17;
        assert!(decrypt_data(DataEncryption::Aes128Cbc, &key, &raw(&plain)).is_err());
    }

    #[test]
    fn the_output_has_the_structure_of_xmlenc_core_3() {
        let opts = EncryptionOptions {
            recipient: Some("https://sp.example/metadata".into()),
            ..options(DataEncryption::Aes128Gcm, KeyTransport::RsaOaep)
        };
        let (_, e) = encrypt(&opts);
        assert!(e.name.is(ns::ASSERTION, "EncryptedAssertion"));
        let names: Vec<_> = e.elements().map(|c| c.name.local.as_str()).collect();
        assert_eq!(names, ["EncryptedData"]);
        let data = e.first(XENC, "EncryptedData").unwrap();
        assert_eq!(data.attribute("Type"), Some(TYPE_ELEMENT));
        let names: Vec<_> = data.elements().map(|c| c.name.qualified()).collect();
        assert_eq!(
            names,
            ["xenc:EncryptionMethod", "ds:KeyInfo", "xenc:CipherData"]
        );
        assert_eq!(algorithm_of(data).unwrap(), alg::AES128_GCM);
        let ek = data
            .first(ns::DSIG, "KeyInfo")
            .unwrap()
            .first(XENC, "EncryptedKey")
            .unwrap();
        assert_eq!(
            ek.attribute("Recipient"),
            Some("https://sp.example/metadata")
        );
        let names: Vec<_> = ek.elements().map(|c| c.name.qualified()).collect();
        assert_eq!(
            names,
            ["xenc:EncryptionMethod", "ds:KeyInfo", "xenc:CipherData"]
        );
        let m = ek.first(XENC, "EncryptionMethod").unwrap();
        assert_eq!(m.attribute("Algorithm"), Some(alg::RSA_OAEP));
        let params: Vec<_> = m
            .elements()
            .map(|c| (c.name.qualified(), c.attribute("Algorithm").unwrap()))
            .collect();
        assert_eq!(
            params,
            [
                ("ds:DigestMethod".to_owned(), alg::SHA256),
                ("xenc11:MGF".to_owned(), alg::MGF1_SHA256)
            ]
        );
        let cert = ek
            .first(ns::DSIG, "KeyInfo")
            .and_then(|k| k.first(ns::DSIG, "X509Data"))
            .and_then(|x| x.first(ns::DSIG, "X509Certificate"))
            .unwrap()
            .text_content();
        assert_eq!(B64.decode(cert).unwrap(), sp_cert().to_der().unwrap());
        // 2048-bit RSA: a 256-byte wrapped key.
        assert_eq!(cipher_value_of(ek).unwrap().len(), 256);
        // IV (12) + ciphertext (no padding) + tag (16).
        let plain_len = write_document(&signed_assertion("_a1")).len();
        assert_eq!(cipher_value_of(data).unwrap().len(), 12 + plain_len + 16);

        let xml = write_document(&e);
        assert!(xml.starts_with(
            r#"<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"></xenc:EncryptionMethod><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey Recipient="https://sp.example/metadata"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></ds:DigestMethod><xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"></xenc11:MGF></xenc:EncryptionMethod>"#
        ), "{xml}");
    }

    #[test]
    fn oaep_mgf1p_writes_a_sha1_digest_and_no_mgf_and_rsa_1_5_neither() {
        let (_, e) = encrypt(&options(
            DataEncryption::Aes256Cbc,
            KeyTransport::RsaOaepMgf1p,
        ));
        let xml = write_document(&e);
        assert!(xml.contains(r#"<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"></ds:DigestMethod></xenc:EncryptionMethod>"#));
        assert!(!xml.contains("MGF"));
        let (_, e) = encrypt(&options(DataEncryption::Aes256Cbc, KeyTransport::Rsa1_5));
        assert!(write_document(&e).contains(r#"<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-1_5"></xenc:EncryptionMethod><ds:KeyInfo>"#));
    }

    #[test]
    fn the_content_key_and_iv_come_from_the_callers_randomness_in_that_order() {
        for d in DataEncryption::ALL {
            let a = signed_assertion("_a1");
            let opts = options(d, KeyTransport::RsaOaepMgf1p);
            let mut lens = Vec::new();
            let mut record = |buf: &mut [u8]| {
                lens.push(buf.len());
                buf.fill(0x42);
            };
            let e1 = encrypt_assertion(&a, &sp_cert(), &opts, &mut record).unwrap();
            assert_eq!(lens, [d.key_len(), d.iv_len()]);
            let e2 =
                encrypt_assertion(&a, &sp_cert(), &opts, &mut |b: &mut [u8]| b.fill(0x42)).unwrap();
            // Same key and IV: the same data ciphertext, whatever OAEP drew.
            let cv = |e: &Element| cipher_value_of(e.first(XENC, "EncryptedData").unwrap());
            let c1 = cv(&e1).unwrap();
            assert_eq!(c1, cv(&e2).unwrap());
            assert_eq!(&c1[..d.iv_len()], vec![0x42; d.iv_len()]);
        }
    }

    #[test]
    fn without_the_recipient_certificate_the_key_info_holds_only_the_key() {
        let opts = EncryptionOptions {
            recipient_certificate: false,
            ..Default::default()
        };
        let (a, e) = encrypt(&opts);
        assert!(!write_document(&e).contains("X509"));
        let back = decrypt_assertion(&e, &sp_key(), &AllowList::modern()).unwrap();
        assert_eq!(write_document(&back), write_document(&a));
    }

    #[test]
    fn the_assertion_declares_its_namespaces_once_decrypted_into_another_parent() {
        // Built as a child of a Response, the assertion's saml prefix was declared above it.
        let a = signed_assertion("_a1");
        let mut response = Element::new(Name::prefixed("samlp", ns::PROTOCOL, "Response"))
            .child(saml("Issuer").text("idp"))
            .child(a.clone());
        let done = encrypt_assertion_in_place(
            &mut response,
            &sp_cert(),
            &EncryptionOptions::default(),
            &mut counter(),
        )
        .unwrap();
        assert!(done);
        let names: Vec<_> = response.elements().map(|c| c.name.local.as_str()).collect();
        assert_eq!(names, ["Issuer", "EncryptedAssertion"]);
        let xml = write_document(&response);
        let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
        let ea = parsed.first(ns::ASSERTION, "EncryptedAssertion").unwrap();
        let plain = decrypt_xml(ea, &sp_key(), &AllowList::modern()).unwrap();
        assert!(plain.starts_with(
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1""#
        ));
        assert_eq!(plain, write_document(&a));
        assert!(!encrypt_assertion_in_place(
            &mut response,
            &sp_cert(),
            &EncryptionOptions::default(),
            &mut counter()
        )
        .unwrap());
    }

    #[test]
    fn malformed_input_is_reported_not_panicked_on() {
        let key = sp_key();
        let all = AllowList::all();
        let (_, good) = encrypt(&EncryptionOptions::default());
        assert_eq!(
            decrypt_xml(&saml("Assertion"), &key, &all),
            Err(XmlencError::Malformed("not a saml:EncryptedAssertion"))
        );
        assert_eq!(
            decrypt_xml(&saml("EncryptedAssertion"), &key, &all),
            Err(XmlencError::Malformed("no EncryptedData"))
        );
        let mut two = good.clone();
        two.children.push(good.children[0].clone());
        assert_eq!(
            decrypt_xml(&two, &key, &all),
            Err(XmlencError::Malformed("more than one EncryptedData"))
        );
        let xml = write_document(&good);
        let edit = |from: &str, to: &str| {
            let changed = xml.replacen(from, to, 1);
            assert_ne!(changed, xml, "{from}");
            parse(changed.as_bytes(), Limits::default()).unwrap()
        };
        assert_eq!(
            decrypt_xml(&edit(alg::AES256_CBC, "urn:nope"), &key, &all),
            Err(XmlencError::UnsupportedAlgorithm("urn:nope".into()))
        );
        assert_eq!(
            decrypt_xml(&edit(alg::RSA_OAEP_MGF1P, "urn:nope"), &key, &all),
            Err(XmlencError::UnsupportedAlgorithm("urn:nope".into()))
        );
        assert_eq!(
            decrypt_xml(&edit(TYPE_ELEMENT, "urn:content"), &key, &all),
            Err(XmlencError::Malformed(
                "the EncryptedData's Type is not Element"
            ))
        );
        assert_eq!(
            decrypt_xml(
                &edit("<xenc:CipherValue>", "<xenc:CipherValue>!"),
                &key,
                &all
            ),
            Err(XmlencError::Malformed("CipherValue is not base64"))
        );
        assert_eq!(
            decrypt_xml(
                &edit(
                    r#"<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1">"#,
                    r#"<xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha1"></xenc11:MGF><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1">"#
                ),
                &key,
                &all
            ),
            Err(XmlencError::Malformed(
                "rsa-oaep-mgf1p must not carry an MGF element"
            ))
        );
        // A SHA-256 OAEP digest was not what the key was wrapped with.
        assert_eq!(
            decrypt_xml(&edit(alg::SHA1, alg::SHA256), &key, &all),
            Err(XmlencError::KeyTransport)
        );
    }

    #[test]
    fn a_retrieval_method_must_stay_in_the_encrypted_assertion() {
        let opts = EncryptionOptions {
            placement: KeyPlacement::RetrievalMethod {
                data_id: "_d1".into(),
                key_id: "_k1".into(),
            },
            ..Default::default()
        };
        let (_, e) = encrypt(&opts);
        let xml = write_document(&e);
        let with = |from: &str, to: &str| {
            parse(xml.replacen(from, to, 1).as_bytes(), Limits::default()).unwrap()
        };
        let key = sp_key();
        let all = AllowList::all();
        assert_eq!(
            decrypt_xml(
                &with("URI=\"#_k1\"", "URI=\"https://evil.example/k\""),
                &key,
                &all
            ),
            Err(XmlencError::Malformed(
                "a RetrievalMethod URI is not a same-document reference"
            ))
        );
        assert_eq!(
            decrypt_xml(&with("URI=\"#_k1\"", "URI=\"#_k2\""), &key, &all),
            Err(XmlencError::Malformed(
                "no EncryptedKey with the RetrievalMethod's Id"
            ))
        );
        assert_eq!(
            decrypt_xml(&with(TYPE_ENCRYPTED_KEY, "urn:other"), &key, &all),
            Err(XmlencError::Malformed(
                "a RetrievalMethod does not point at an EncryptedKey"
            ))
        );
    }

    /// Writes signed Responses with an encrypted assertion for every combination into the
    /// directory named by `XMLENC_FIXTURES_OUT`, for `tests/fixtures/xmlenc/check.sh` to hand to
    /// xmlsec1, python3-saml and node's xml-encryption: `<name>.response.xml`, the plaintext
    /// `<name>.assertion.xml` it must decrypt to, and `manifest.tsv`.
    #[test]
    #[ignore = "writes interop fixtures; run by tests/fixtures/xmlenc/check.sh"]
    fn write_interop_fixtures() {
        let out = std::env::var("XMLENC_FIXTURES_OUT")
            .expect("set XMLENC_FIXTURES_OUT to the directory to write the fixtures into");
        let out = std::path::Path::new(&out);
        std::fs::create_dir_all(out).unwrap();
        let mut random = counter();
        let mut manifest = String::from("name\tdata\tkey_transport\tplacement\tcertificate\n");
        let mut cases = Vec::new();
        for (d, k) in combinations() {
            cases.push((d, k, KeyPlacement::Inline, true));
            let placement = KeyPlacement::RetrievalMethod {
                data_id: "_d1".into(),
                key_id: "_k1".into(),
            };
            cases.push((d, k, placement, true));
        }
        cases.push((
            DataEncryption::default(),
            KeyTransport::default(),
            KeyPlacement::Inline,
            false,
        ));
        for (d, k, placement, certificate) in cases {
            let shape = match placement {
                KeyPlacement::Inline => "inline",
                KeyPlacement::RetrievalMethod { .. } => "retrieval",
            };
            let name = format!(
                "{}_{}_{shape}{}",
                d.id(),
                k.id(),
                if certificate { "" } else { "_nocert" }
            );
            let assertion = signed_assertion("_a1");
            let mut response = Element::new(Name::prefixed("samlp", ns::PROTOCOL, "Response"))
                .attr("ID", "_r1")
                .attr("Version", "2.0")
                .attr("IssueInstant", "2026-01-02T03:04:05Z")
                .attr("Destination", "https://sp.example/acs")
                .child(saml("Issuer").text("https://idp.example/metadata"))
                .child(
                    Element::new(Name::prefixed("samlp", ns::PROTOCOL, "Status")).child(
                        Element::new(Name::prefixed("samlp", ns::PROTOCOL, "StatusCode"))
                            .attr("Value", ns::status::SUCCESS),
                    ),
                )
                .child(assertion.clone());
            let opts = EncryptionOptions {
                data: d,
                key_transport: k,
                placement,
                recipient_certificate: certificate,
                recipient: Some("https://sp.example/metadata".into()),
            };
            assert!(
                encrypt_assertion_in_place(&mut response, &sp_cert(), &opts, &mut random).unwrap()
            );
            // Sign, encrypt, then sign the Response over the EncryptedAssertion.
            sign_enveloped(
                &mut response,
                "_r1",
                SignatureAlgorithm::RsaSha256.into(),
                &test_signer(),
                KeyInfoStyle::Prefixed,
            )
            .unwrap();
            std::fs::write(
                out.join(format!("{name}.response.xml")),
                write_document(&response),
            )
            .unwrap();
            std::fs::write(
                out.join(format!("{name}.assertion.xml")),
                write_document(&assertion),
            )
            .unwrap();
            manifest.push_str(&format!(
                "{name}\t{}\t{}\t{shape}\t{certificate}\n",
                d.id(),
                k.id()
            ));
        }
        std::fs::write(out.join("manifest.tsv"), manifest).unwrap();
    }

    #[test]
    fn a_certificate_without_an_rsa_key_is_refused() {
        let ec = openssl::ec::EcKey::generate(
            &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
        )
        .unwrap();
        let ec = PKey::from_ec_key(ec).unwrap();
        let mut b = openssl::x509::X509Builder::new().unwrap();
        b.set_pubkey(&ec).unwrap();
        b.sign(&ec, MessageDigest::sha256()).unwrap();
        let cert = b.build();
        assert_eq!(
            encrypt_assertion(
                &signed_assertion("_a1"),
                &cert,
                &EncryptionOptions::default(),
                &mut counter()
            ),
            Err(XmlencError::NotRsa)
        );
    }

    #[test]
    fn oaep_digests_are_read_with_the_signature_digest_table() {
        for uri in [alg::SHA1, alg::SHA256, alg::SHA384, alg::SHA512] {
            assert!(digest_from_uri(uri).is_some(), "{uri}");
        }
        assert!(digest_from_uri(alg::MGF1_SHA256).is_none());
    }

    #[test]
    fn ids_and_uris_name_each_other() {
        for d in DataEncryption::ALL {
            assert_eq!(DataEncryption::from_id(d.id()), Some(d));
            assert_eq!(DataEncryption::from_uri(d.uri()), Some(d));
            assert!(d.uri().ends_with(&format!("#{}", d.id())));
            assert_eq!(d.cipher().key_len(), d.key_len());
        }
        for k in KeyTransport::ALL {
            assert_eq!(KeyTransport::from_id(k.id()), Some(k));
            assert_eq!(KeyTransport::from_uri(k.uri()), Some(k));
            assert!(k.uri().ends_with(&format!("#{}", k.id())));
        }
        assert_eq!(
            AllowList::modern(),
            AllowList {
                data: vec![
                    DataEncryption::Aes128Cbc,
                    DataEncryption::Aes256Cbc,
                    DataEncryption::Aes128Gcm,
                    DataEncryption::Aes256Gcm
                ],
                key_transport: vec![KeyTransport::RsaOaepMgf1p, KeyTransport::RsaOaep],
            }
        );
    }
}
