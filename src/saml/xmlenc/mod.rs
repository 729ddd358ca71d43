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
//! carries its signature, and is serialised with
//! [`write_document`](super::xml::c14n::write_document) as an apex element, so it declares every
//! namespace it uses wherever it is decrypted back into, and its bytes are exactly the ones its
//! signature was computed over. A Response signature, if any, is computed
//! afterwards, over the EncryptedAssertion.
//!
//! Like the rest of the engine this draws no randomness: content keys and IVs come from the
//! caller's `random` (which must be a CSPRNG outside tests). RSA-OAEP and RSA PKCS#1 v1.5
//! padding draw their own randomness inside openssl, so an EncryptedKey is never reproducible.
//!
//! [`decrypt_assertion`] is the recipient's side, for our tests and for checks of what we
//! send; it only accepts the algorithms of the [`AllowList`] it is given.
//!
//! Encryption is in `encrypt`, the recipient's side in `decrypt`; the algorithm choices, the
//! options and the errors, which both share, are here.

mod decrypt;
mod encrypt;

use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::symm::Cipher;

use super::dsig::DigestAlgorithm;
use super::ns;
use super::xml::{Element, Name};

/// Algorithm URIs of XML Encryption 1.1 (section 5).
pub use super::ns::xenc_alg as alg;
pub use super::ns::{
    XENC, XENC11, XENC_TYPE_ELEMENT as TYPE_ELEMENT, XENC_TYPE_ENCRYPTED_KEY as TYPE_ENCRYPTED_KEY,
};
pub use decrypt::{decrypt_assertion, decrypt_xml};
pub use encrypt::{encrypt_assertion, encrypt_assertion_in_place};

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

    /// The methods offered for new encryption (the login choices, the API and the SP registry):
    /// [`Self::ALL`] in order without the legacy ones, which only scenarios use.
    pub fn offered() -> impl Iterator<Item = Self> {
        Self::ALL.into_iter().filter(|a| !a.is_legacy())
    }

    /// The ids of [`Self::offered`], for the messages that list what may be chosen.
    pub fn offered_ids() -> Vec<&'static str> {
        Self::offered().map(Self::id).collect()
    }

    /// Short name used in forms, the API and config files (the URI's fragment).
    pub const fn id(self) -> &'static str {
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
    pub const fn is_legacy(self) -> bool {
        matches!(self, Self::TripleDesCbc)
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

    /// The methods offered for new encryption (the login choices, the API and the SP registry):
    /// [`Self::ALL`] in order without the legacy ones, which only scenarios use.
    pub fn offered() -> impl Iterator<Item = Self> {
        Self::ALL.into_iter().filter(|a| !a.is_legacy())
    }

    /// The ids of [`Self::offered`], for the messages that list what may be chosen.
    pub fn offered_ids() -> Vec<&'static str> {
        Self::offered().map(Self::id).collect()
    }

    /// Short name used in forms, the API and config files (the URI's fragment).
    pub const fn id(self) -> &'static str {
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
    pub const fn is_legacy(self) -> bool {
        matches!(self, Self::Rsa1_5)
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
            data: DataEncryption::offered().collect(),
            key_transport: KeyTransport::offered().collect(),
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

fn unsupported(uri: String) -> XmlencError {
    XmlencError::UnsupportedAlgorithm(uri)
}

fn xenc(local: &'static str) -> Element {
    Element::new(Name::prefixed("xenc", XENC, local))
}

fn ds(local: &'static str) -> Element {
    Element::new(Name::prefixed("ds", ns::DSIG, local))
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

#[cfg(test)]
mod tests;
