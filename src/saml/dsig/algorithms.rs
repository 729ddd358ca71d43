//! The signature and digest methods of XML-DSig as this crate names them: the kinds of key,
//! [`SignatureAlgorithm`], [`DigestAlgorithm`] and their short ids and URIs, in one place.

use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::md::{Md, MdRef};
use openssl::nid::Nid;
use openssl::pkey::{HasPublic, Id, PKeyRef};
use openssl::sha;

use crate::saml::ns::alg;

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

    /// openssl's hash for this method: that of [`SignatureAlgorithm::matching_digest`].
    pub fn message_digest(self) -> MessageDigest {
        self.matching_digest().message_digest()
    }

    /// The same hash for OpenSSL's signing contexts.
    pub fn md(self) -> &'static MdRef {
        match self.matching_digest() {
            DigestAlgorithm::Sha1 => Md::sha1(),
            DigestAlgorithm::Sha256 => Md::sha256(),
            DigestAlgorithm::Sha384 => Md::sha384(),
            DigestAlgorithm::Sha512 => Md::sha512(),
        }
    }

    pub fn from_uri(uri: &str) -> Option<Self> {
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

    /// openssl's hash for this method.
    pub fn message_digest(self) -> MessageDigest {
        match self {
            Self::Sha1 => MessageDigest::sha1(),
            Self::Sha256 => MessageDigest::sha256(),
            Self::Sha384 => MessageDigest::sha384(),
            Self::Sha512 => MessageDigest::sha512(),
        }
    }

    /// The method a `ds:DigestMethod` (or an OAEP `DigestMethod` of XML Encryption) names;
    /// `None` for a URI this crate does not hash with.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.uri() == uri)
    }

    /// The digest of `data`, by OpenSSL's low-level hash functions: its one-shot `SHA256()`
    /// and the EVP interface look the algorithm up by name in the provider store on every
    /// call, which takes a lock the worker threads share. The `Result` is kept for callers
    /// that mix it with other OpenSSL calls.
    pub fn hash(self, data: &[u8]) -> Result<Vec<u8>, ErrorStack> {
        macro_rules! digest {
            ($hasher:ty) => {{
                let mut h = <$hasher>::new();
                h.update(data);
                h.finish().to_vec()
            }};
        }
        Ok(match self {
            Self::Sha1 => digest!(sha::Sha1),
            Self::Sha256 => digest!(sha::Sha256),
            Self::Sha384 => digest!(sha::Sha384),
            Self::Sha512 => digest!(sha::Sha512),
        })
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
