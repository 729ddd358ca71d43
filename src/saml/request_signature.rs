//! Signatures on the requests SPs send us (AuthnRequest, LogoutRequest, LogoutResponse),
//! checked with the SP's own certificate, never with a key the message carries.
//!
//! - HTTP-Redirect (saml-bindings 3.4.4.1): [`verify_redirect`] checks `Signature` over the
//!   octets `SAMLRequest=<v>&RelayState=<v>&SigAlg=<v>` (or `SAMLResponse=...`; RelayState only
//!   when present), built from the values *exactly as they appear in the raw query string*, in
//!   that order whatever their order in the query. Nothing is decoded and re-encoded: SPs differ
//!   in how they percent-encode (`+` or `%20`, upper- or lower-case hex), and the spec requires
//!   the verifier to use the bytes it received.
//! - HTTP-POST: [`verify_posted`] checks the enveloped `ds:Signature` of the received document
//!   under the SAML profile (saml-core 5.4): the root carries exactly one Signature, whose single
//!   Reference points at the root's ID (no empty URI, no other element, no ID used twice in the
//!   document), with the enveloped-signature and exc-c14n transforms only. exc-c14n may carry an
//!   `ec:InclusiveNamespaces PrefixList` (ruby-saml, OpenSAML and xml-crypto write one); its
//!   prefixes are rendered from the namespaces in scope in the received document.
//!
//! RSA PKCS#1 v1.5 signatures (rsa-sha1, rsa-sha256, rsa-sha384, rsa-sha512) and ecdsa-sha256
//! with a P-256 key are understood, with the sha1/sha256/sha384/sha512 digests. An ECDSA value
//! is the XML-DSig r||s (xmlsec, python3-saml, OpenSAML write it); over HTTP-Redirect, where
//! saml-bindings does not say, DER is accepted too. DSA and the other ECDSA methods are not
//! supported: they are reported as such, never as valid.
//!
//! The reader's tree stores no namespace declarations, so the in-scope namespaces that an
//! InclusiveNamespaces PrefixList needs are recovered by a second pass of xml-rs over the same
//! input ([`in_scope_namespaces`]). Documents without a PrefixList are checked by
//! [`dsig::verify_enveloped`] after the structural checks made here.

use std::collections::BTreeMap;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use openssl::hash::{hash, MessageDigest};
use openssl::pkey::{PKey, Public};
use openssl::x509::X509;
use xml::reader::{ParserConfig, XmlEvent};

use super::dsig::{self, DigestAlgorithm, KeyKind, SignatureAlgorithm, VerifyError};
use super::ns::{self, alg};
use super::sp::ServiceProvider;
use super::xml::c14n::{self, escape_text};
use super::xml::reader::{self, Limits, ReadError};
use super::xml::{Element, Node};

/// The query parameters of the HTTP-Redirect binding that take part in a signature; none of
/// them may appear twice.
pub const REDIRECT_PARAMETERS: [&str; 5] = [
    "SAMLRequest",
    "SAMLResponse",
    "RelayState",
    "SigAlg",
    "Signature",
];

/// `ec:` of `ec:InclusiveNamespaces`: the exc-c14n namespace.
const EXC_C14N_NS: &str = alg::EXC_C14N;

/// Signature methods that exist but are not supported here (XML-DSig 1.0/1.1, RFC 6931).
const DSA_OR_ECDSA: [&str; 6] = [
    "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
    "http://www.w3.org/2009/xmldsig11#dsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
];

/// Padding is optional and line breaks are common in base64 values.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A signature that verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub algorithm: SignatureAlgorithm,
    /// The Reference's digest method (HTTP-POST); `None` for HTTP-Redirect, which has none.
    pub digest: Option<DigestAlgorithm>,
}

/// What the picker shows about a request's signature, and what strict mode decides on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The signature verifies with the SP's certificate.
    Valid { algorithm: SignatureAlgorithm },
    /// The message is signed (or claims to be) and the signature does not hold; `reason` says
    /// why, in words for the page.
    Invalid { reason: String },
    /// The message carries no signature at all.
    Unsigned,
    /// The message is signed, but no certificate is known for the SP, so the signature cannot
    /// be checked. (A signature that breaks the profile's rules is [`Verdict::Invalid`] even
    /// then.)
    NoCertificate,
}

impl Verdict {
    /// `valid`, `invalid`, `unsigned` or `no-certificate`, for the API and logs.
    pub fn id(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "valid",
            Verdict::Invalid { .. } => "invalid",
            Verdict::Unsigned => "unsigned",
            Verdict::NoCertificate => "no-certificate",
        }
    }

    /// One line for the picker.
    pub fn describe(&self) -> String {
        match self {
            Verdict::Valid { algorithm } => {
                format!(
                    "signed ({}), verified with the SP's certificate",
                    algorithm.id()
                )
            }
            Verdict::Invalid { reason } => format!("invalid signature: {reason}"),
            Verdict::Unsigned => "unsigned".to_owned(),
            Verdict::NoCertificate => RequestSignatureError::NoKey.to_string(),
        }
    }

    /// One line for the picker, the API and the log, naming the SP whose certificate was used
    /// (or is missing).
    pub fn describe_for(&self, sp: &str) -> String {
        let registered = format!("the certificate registered for {sp}");
        match self {
            Verdict::Valid { algorithm } => {
                format!("signed with {}; verifies with {registered}", algorithm.id())
            }
            Verdict::Invalid { reason } => reason.replace("the SP's certificate", &registered),
            Verdict::Unsigned => "the request carries no signature".to_owned(),
            Verdict::NoCertificate => format!(
                "the request is signed, but no certificate is known for {sp} (registry or SP \
                 metadata), so the signature cannot be checked"
            ),
        }
    }

    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }
}

impl From<Result<Verified, RequestSignatureError>> for Verdict {
    fn from(result: Result<Verified, RequestSignatureError>) -> Self {
        match result {
            Ok(v) => Verdict::Valid {
                algorithm: v.algorithm,
            },
            Err(RequestSignatureError::Unsigned) => Verdict::Unsigned,
            Err(RequestSignatureError::NoKey) => Verdict::NoCertificate,
            Err(e) => Verdict::Invalid {
                reason: e.to_string(),
            },
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestSignatureError {
    #[error("the message carries no signature")]
    Unsigned,
    #[error("no certificate is known for this SP, so its signature cannot be checked")]
    NoKey,

    // HTTP-Redirect
    #[error("the query string carries {0} more than once")]
    DuplicateParameter(&'static str),
    #[error("the query string carries both SAMLRequest and SAMLResponse")]
    TwoMessages,
    #[error("the query string carries neither SAMLRequest nor SAMLResponse")]
    NoMessage,
    #[error("the query string has a {present} parameter but no {missing}")]
    Incomplete {
        present: &'static str,
        missing: &'static str,
    },
    #[error("the {0} parameter is not validly encoded")]
    BadEncoding(&'static str),

    // Both bindings
    #[error(
        "signature algorithm {0} is not supported: only RSA signatures (rsa-sha1, rsa-sha256, \
         rsa-sha384, rsa-sha512) and ecdsa-sha256 with a P-256 key are checked; DSA and other \
         ECDSA methods are not supported"
    )]
    UnsupportedSignatureAlgorithm(String),
    #[error("the SP's certificate holds {found}, which cannot verify a {algorithm} signature")]
    WrongKeyKind {
        algorithm: &'static str,
        found: String,
    },
    #[error("the signature does not verify with the SP's certificate")]
    BadSignature,

    // HTTP-POST
    #[error("the message is not usable XML: {0}")]
    Xml(#[from] ReadError),
    #[error("the root element has no ID attribute to sign")]
    NoId,
    #[error("ID {0:?} appears on more than one element of the document")]
    DuplicateId(String),
    #[error("the root element carries {0} ds:Signature children; exactly one is allowed")]
    SignatureCount(usize),
    #[error("SignedInfo holds {0} References; exactly one is allowed")]
    ReferenceCount(usize),
    #[error("the Reference URI {uri:?} is not \"#{id}\", the ID of the root element")]
    WrongReference { uri: String, id: String },
    #[error("digest algorithm {0} is not supported: only sha1, sha256, sha384 and sha512 are")]
    UnsupportedDigestAlgorithm(String),
    #[error("{0}")]
    UnsupportedTransform(String),
    #[error("the signature is malformed: {0}")]
    Malformed(&'static str),
    #[error("the digest does not match the signed content: the message was changed after signing")]
    DigestMismatch,
    #[error("{0}")]
    Dsig(VerifyError),
    #[error("openssl: {0}")]
    Openssl(String),
}

impl From<openssl::error::ErrorStack> for RequestSignatureError {
    fn from(e: openssl::error::ErrorStack) -> Self {
        RequestSignatureError::Openssl(e.to_string())
    }
}

impl From<VerifyError> for RequestSignatureError {
    fn from(e: VerifyError) -> Self {
        match e {
            VerifyError::DigestMismatch => RequestSignatureError::DigestMismatch,
            VerifyError::BadSignature => RequestSignatureError::BadSignature,
            VerifyError::Unsigned => RequestSignatureError::Unsigned,
            other => RequestSignatureError::Dsig(other),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Algorithms

fn signature_algorithm(uri: &str) -> Result<SignatureAlgorithm, RequestSignatureError> {
    SignatureAlgorithm::ALL
        .into_iter()
        .find(|a| a.uri() == uri)
        .ok_or_else(|| RequestSignatureError::UnsupportedSignatureAlgorithm(uri.to_owned()))
}

fn digest_algorithm(uri: &str) -> Result<DigestAlgorithm, RequestSignatureError> {
    DigestAlgorithm::ALL
        .into_iter()
        .find(|a| a.uri() == uri)
        .ok_or_else(|| RequestSignatureError::UnsupportedDigestAlgorithm(uri.to_owned()))
}

/// Whether `uri` names a DSA or ECDSA signature method (known, but not supported here).
pub fn is_dsa_or_ecdsa(uri: &str) -> bool {
    DSA_OR_ECDSA.contains(&uri)
}

fn message_digest(d: DigestAlgorithm) -> MessageDigest {
    match d {
        DigestAlgorithm::Sha1 => MessageDigest::sha1(),
        DigestAlgorithm::Sha256 => MessageDigest::sha256(),
        DigestAlgorithm::Sha384 => MessageDigest::sha384(),
        DigestAlgorithm::Sha512 => MessageDigest::sha512(),
    }
}

/// RSA PKCS#1 v1.5, or ECDSA P-256, over `data` with the hash of `algorithm`. An ECDSA value
/// is the XML-DSig r||s; over HTTP-Redirect (`der_too`) a DER value is accepted as well, as
/// signers built on a plain crypto API (Node's `crypto.sign`) write it.
fn verify_signature_value(
    algorithm: SignatureAlgorithm,
    key: &PKey<Public>,
    data: &[u8],
    signature: &[u8],
    der_too: bool,
) -> Result<(), RequestSignatureError> {
    match KeyKind::of(key) {
        Ok(kind) if kind == algorithm.key_kind() => {}
        found => {
            return Err(RequestSignatureError::WrongKeyKind {
                algorithm: algorithm.id(),
                found: match found {
                    Ok(kind) => format!("an {kind} key"),
                    Err(reason) => reason.trim_start_matches("it is ").to_owned(),
                },
            })
        }
    }
    let ok = dsig::verify_value(key, algorithm, data, signature)
        .map_err(|e| RequestSignatureError::Openssl(e.to_string()))?
        || (der_too
            && algorithm.key_kind() == KeyKind::EcP256
            && dsig::verify_der(key, algorithm, data, signature)
                .map_err(|e| RequestSignatureError::Openssl(e.to_string()))?);
    if ok {
        Ok(())
    } else {
        Err(RequestSignatureError::BadSignature)
    }
}

fn decode_b64(s: &str) -> Option<Vec<u8>> {
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    LENIENT_B64.decode(compact).ok()
}

// ---------------------------------------------------------------------------------------------
// HTTP-Redirect

/// One `name=value` of a raw query string: the name decoded, the value exactly as received.
struct RawParameter<'a> {
    name: String,
    raw_value: &'a str,
}

fn raw_parameters(raw_query: &str) -> Vec<RawParameter<'_>> {
    let query = raw_query.strip_prefix('?').unwrap_or(raw_query);
    query
        .split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, raw_value) = part.split_once('=').unwrap_or((part, ""));
            let name = percent_decode(name, true)
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_else(|| name.to_owned());
            RawParameter { name, raw_value }
        })
        .collect()
}

/// `%XX` escapes decoded; `+` is a space when `plus_is_space` (form encoding). `None` when an
/// escape is not two hex digits.
fn percent_decode(s: &str, plus_is_space: bool) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

/// The raw value of the single parameter `name` (after [`refuse_duplicate_parameters`]).
fn raw_value<'a>(params: &'a [RawParameter<'a>], name: &str) -> Option<&'a str> {
    params.iter().find(|p| p.name == name).map(|p| p.raw_value)
}

/// Whether a Redirect query string carries a signature at all (a `Signature` or a `SigAlg`
/// parameter; one without the other is an invalid signature, not an absent one).
pub fn redirect_is_signed(raw_query: &str) -> bool {
    raw_parameters(raw_query)
        .iter()
        .any(|p| p.name == "Signature" || p.name == "SigAlg")
}

/// Refuses a query string in which any of [`REDIRECT_PARAMETERS`] appears more than once
/// (names compared after percent-decoding): which copy an SP library signed and which one the
/// web framework hands on are not necessarily the same.
pub fn refuse_duplicate_parameters(raw_query: &str) -> Result<(), RequestSignatureError> {
    let params = raw_parameters(raw_query);
    for name in REDIRECT_PARAMETERS {
        if params.iter().filter(|p| p.name == name).count() > 1 {
            return Err(RequestSignatureError::DuplicateParameter(name));
        }
    }
    Ok(())
}

/// The octets an HTTP-Redirect signature covers (saml-bindings 3.4.4.1), from the raw query
/// string: `SAMLRequest=...` or `SAMLResponse=...`, then `&RelayState=...` when present, then
/// `&SigAlg=...`, each value byte for byte as received.
pub fn redirect_signed_octets(raw_query: &str) -> Result<String, RequestSignatureError> {
    refuse_duplicate_parameters(raw_query)?;
    let params = raw_parameters(raw_query);
    let message = match (
        raw_value(&params, "SAMLRequest"),
        raw_value(&params, "SAMLResponse"),
    ) {
        (Some(v), None) => ("SAMLRequest", v),
        (None, Some(v)) => ("SAMLResponse", v),
        (Some(_), Some(_)) => return Err(RequestSignatureError::TwoMessages),
        (None, None) => return Err(RequestSignatureError::NoMessage),
    };
    let sig_alg = match (
        raw_value(&params, "SigAlg"),
        raw_value(&params, "Signature"),
    ) {
        (Some(sig_alg), _) => sig_alg,
        (None, Some(_)) => {
            return Err(RequestSignatureError::Incomplete {
                present: "Signature",
                missing: "SigAlg",
            })
        }
        (None, None) => return Err(RequestSignatureError::Unsigned),
    };
    let mut octets = format!("{}={}", message.0, message.1);
    if let Some(relay_state) = raw_value(&params, "RelayState") {
        octets.push_str("&RelayState=");
        octets.push_str(relay_state);
    }
    octets.push_str("&SigAlg=");
    octets.push_str(sig_alg);
    Ok(octets)
}

/// Verifies the signature of an HTTP-Redirect message (`SAMLRequest` or `SAMLResponse`) against
/// `key`, over `raw_query` exactly as it arrived (the part of the URL after `?`, not decoded).
pub fn verify_redirect(
    raw_query: &str,
    key: &PKey<Public>,
) -> Result<Verified, RequestSignatureError> {
    refuse_duplicate_parameters(raw_query)?;
    let params = raw_parameters(raw_query);
    let signature = raw_value(&params, "Signature");
    let sig_alg = raw_value(&params, "SigAlg");
    let (signature, sig_alg) = match (signature, sig_alg) {
        (None, None) => return Err(RequestSignatureError::Unsigned),
        (Some(_), None) => {
            return Err(RequestSignatureError::Incomplete {
                present: "Signature",
                missing: "SigAlg",
            })
        }
        (None, Some(_)) => {
            return Err(RequestSignatureError::Incomplete {
                present: "SigAlg",
                missing: "Signature",
            })
        }
        (Some(s), Some(a)) => (s, a),
    };
    let octets = redirect_signed_octets(raw_query)?;
    let uri = percent_decode(sig_alg, true)
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or(RequestSignatureError::BadEncoding("SigAlg"))?;
    let algorithm = signature_algorithm(&uri)?;
    // `+` left unescaped by the sender is the base64 character, not a space.
    let value = percent_decode(signature, false)
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| decode_b64(&s))
        .ok_or(RequestSignatureError::BadEncoding("Signature"))?;
    verify_signature_value(algorithm, key, octets.as_bytes(), &value, true)?;
    Ok(Verified {
        algorithm,
        digest: None,
    })
}

/// The verdict on a Redirect query with the SP's certificates: valid when any of `keys`
/// verifies it (an SP rolling its key over publishes two). With no certificate, a signed query
/// is [`Verdict::NoCertificate`] (or [`Verdict::Invalid`] when its parameters are unusable).
pub fn redirect_verdict(raw_query: &str, keys: &[PKey<Public>]) -> Verdict {
    first_valid(
        keys,
        |key| verify_redirect(raw_query, key),
        || {
            refuse_duplicate_parameters(raw_query)?;
            if redirect_is_signed(raw_query) {
                Err(RequestSignatureError::NoKey)
            } else {
                Err(RequestSignatureError::Unsigned)
            }
        },
    )
}

fn first_valid(
    keys: &[PKey<Public>],
    verify: impl Fn(&PKey<Public>) -> Result<Verified, RequestSignatureError>,
    no_key: impl FnOnce() -> Result<Verified, RequestSignatureError>,
) -> Verdict {
    let mut first_error = None;
    for key in keys {
        match verify(key) {
            Ok(v) => return Ok(v).into(),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e).into(),
        None => no_key().into(),
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP-POST

/// The parts of an enveloped signature that passed the profile checks.
struct Profile<'a> {
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
    let root = reader::parse(xml.as_bytes(), Limits::default())?;
    verify_parsed(&root, xml, key)
}

/// [`verify_posted`] on `xml` already parsed into `root`.
fn verify_parsed(
    root: &Element,
    xml: &str,
    key: &PKey<Public>,
) -> Result<Verified, RequestSignatureError> {
    let profile = check_profile(root)?;
    let verified = Verified {
        algorithm: profile.algorithm,
        digest: Some(profile.digest),
    };
    if profile.reference_prefixes.is_none() && profile.signed_info_prefixes.is_none() {
        dsig::verify_enveloped(root, profile.id, key)?;
    } else {
        verify_with_prefix_lists(xml, root, &profile, key)?;
    }
    Ok(verified)
}

/// The verdict on a posted document with the SP's certificates; see [`redirect_verdict`].
pub fn posted_verdict(xml: &str, keys: &[PKey<Public>]) -> Verdict {
    match reader::parse(xml.as_bytes(), Limits::default()) {
        Ok(root) => posted_verdict_parsed(&root, xml, keys),
        Err(e) => Verdict::from(Err(RequestSignatureError::from(e))),
    }
}

/// [`posted_verdict`] on `xml` already parsed into `root`.
fn posted_verdict_parsed(root: &Element, xml: &str, keys: &[PKey<Public>]) -> Verdict {
    first_valid(
        keys,
        |key| verify_parsed(root, xml, key),
        || {
            check_profile(root)?;
            Err(RequestSignatureError::NoKey)
        },
    )
}

/// The structural rules of a signature on a received SAML message, checked before any
/// cryptography.
fn check_profile(root: &Element) -> Result<Profile<'_>, RequestSignatureError> {
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
    fn walk<'a>(el: &'a Element, seen: &mut Vec<&'a str>) -> Result<(), RequestSignatureError> {
        if let Some(id) = el.attribute("ID") {
            if seen.contains(&id) {
                return Err(RequestSignatureError::DuplicateId(id.to_owned()));
            }
            seen.push(id);
        }
        el.elements().try_for_each(|e| walk(e, seen))
    }
    walk(root, &mut Vec::new())
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
/// the root is the signed element.
fn verify_with_prefix_lists(
    xml: &str,
    root: &Element,
    profile: &Profile<'_>,
    key: &PKey<Public>,
) -> Result<(), RequestSignatureError> {
    let scopes = in_scope_namespaces(xml)?;
    if scopes.len() != count_elements(root) {
        return Err(RequestSignatureError::Malformed(
            "the namespace pass does not match the document",
        ));
    }
    let no_prefixes = Vec::new();
    let signed = ExcC14n {
        scopes: &scopes,
        inclusive: profile.reference_prefixes.as_ref().unwrap_or(&no_prefixes),
        skip: Some(profile.signature),
    }
    .canonicalize(root, 0);
    let digest = hash(message_digest(profile.digest), signed.as_bytes())?;
    let expected = decode_b64(&profile.digest_value).ok_or(RequestSignatureError::Malformed(
        "DigestValue is not base64",
    ))?;
    if digest.as_ref() != expected.as_slice() {
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

/// `prefix -> namespace URI` in scope at one element (`""` is the default namespace).
pub type Scope = BTreeMap<String, String>;

/// The namespaces in scope at each element of `xml`, in document order (the order of
/// [`Element::elements`] depth-first), read with the same parser settings as
/// [`reader::parse`]. The tree the reader builds does not keep namespace declarations; exc-c14n
/// needs them only for the prefixes of an InclusiveNamespaces PrefixList.
pub fn in_scope_namespaces(xml: &str) -> Result<Vec<Scope>, RequestSignatureError> {
    let limits = Limits::default();
    let events = ParserConfig::new()
        .trim_whitespace(false)
        .whitespace_to_characters(true)
        .cdata_to_characters(true)
        .coalesce_characters(true)
        .ignore_comments(false)
        .ignore_root_level_whitespace(true)
        .max_attributes(limits.max_attributes)
        .create_reader(xml.as_bytes());
    let mut scopes = Vec::new();
    for event in events {
        match event.map_err(|e| ReadError::Malformed(e.to_string()))? {
            XmlEvent::Doctype { .. } => return Err(ReadError::Doctype.into()),
            XmlEvent::StartElement { namespace, .. } => {
                scopes.push(
                    namespace
                        .0
                        .into_iter()
                        .filter(|(prefix, _)| prefix != "xml" && prefix != "xmlns")
                        .collect(),
                );
            }
            _ => {}
        }
    }
    Ok(scopes)
}

fn count_elements(el: &Element) -> usize {
    1 + el.elements().map(count_elements).sum::<usize>()
}

/// The position of `target` (by identity) among the elements of `root` in document order.
fn document_index(root: &Element, target: &Element) -> Option<usize> {
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

/// Exclusive XML Canonicalization 1.0 without comments, with an InclusiveNamespaces PrefixList
/// (exc-c14n section 3): [`crate::saml::xml::c14n::canonicalize`] plus, on every element, the
/// in-scope binding of each listed prefix, rendered when the nearest output ancestor has not
/// rendered the same binding (as inclusive C14N and libxml2 do). With an empty list the output
/// is that of `canonicalize`.
struct ExcC14n<'a> {
    /// In-scope namespaces of every element of the document, in document order.
    scopes: &'a [Scope],
    /// The PrefixList; `""` stands for `#default`.
    inclusive: &'a [String],
    /// The Signature removed by the enveloped-signature transform (by identity).
    skip: Option<&'a Element>,
}

impl<'a> ExcC14n<'a> {
    /// The canonical form of `el`, whose document-order index is `index`, as an apex.
    fn canonicalize(&self, el: &'a Element, index: usize) -> String {
        let mut out = String::with_capacity(4096);
        self.write(el, index, &mut Vec::new(), &mut out);
        out
    }

    /// Writes `el` and returns the document-order index after its subtree.
    fn write(
        &self,
        el: &'a Element,
        index: usize,
        rendered: &mut Vec<(&'a str, &'a str)>,
        out: &mut String,
    ) -> usize {
        let inclusive: Vec<(&'a str, &'a str)> = self
            .scopes
            .get(index)
            .map(|scope| {
                self.inclusive
                    .iter()
                    .filter_map(|prefix| scope.get_key_value(prefix.as_str()))
                    .map(|(p, uri)| (p.as_str(), uri.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let decls = c14n::declarations_including(el, rendered, &inclusive);

        c14n::write_start_tag(el, &decls, out);

        let depth = rendered.len();
        rendered.extend(decls);
        let mut next = index + 1;
        for child in &el.children {
            match child {
                Node::Element(e) if self.skip.is_some_and(|s| std::ptr::eq(s, e)) => {
                    next += count_elements(e);
                }
                Node::Element(e) => next = self.write(e, next, rendered, out),
                Node::Text(t) => escape_text(t, out),
                Node::Comment(_) => {}
            }
        }
        rendered.truncate(depth);

        c14n::write_end_tag(el, out);
        next
    }
}

// ---------------------------------------------------------------------------------------------
// The verdict on a received request, and what the IdP makes of it

/// The verdict on a received message with the SP's `certificate` (DER; never a key the message
/// carries): over the raw query string when it arrived signed by HTTP-Redirect, otherwise over
/// the enveloped signature of the decoded XML (HTTP-POST, or a Redirect message whose XML was
/// signed instead of the query). `redirect_query` is the part of the URL after `?`, exactly as
/// received; `xml` is the decoded message, and `tree` the same parsed, when the caller has it
/// already (it is parsed here otherwise): it must be `xml`'s own tree, since a signature with an
/// InclusiveNamespaces prefix list is checked against both. Serves AuthnRequests and logout
/// messages alike.
pub(crate) fn message_verdict(
    redirect_query: Option<&str>,
    xml: &str,
    tree: Option<&Element>,
    certificate: Option<&[u8]>,
) -> Verdict {
    let keys = match certificate.map(|der| X509::from_der(der).and_then(|c| c.public_key())) {
        None => Vec::new(),
        Some(Ok(key)) => vec![key],
        Some(Err(e)) => {
            return Verdict::Invalid {
                reason: format!("the SP's certificate is not usable: {e}"),
            }
        }
    };
    match redirect_query {
        Some(query) if redirect_is_signed(query) => redirect_verdict(query, &keys),
        _ => match tree {
            Some(root) => posted_verdict_parsed(root, xml, &keys),
            None => posted_verdict(xml, &keys),
        },
    }
}

/// Why a request has to be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// The SP says it signs its AuthnRequests: `AuthnRequestsSigned="true"` in its metadata, or
    /// `want_signed_requests: true` in the registry.
    Sp,
    /// This IdP wants signed AuthnRequests from every SP (`WantAuthnRequestsSigned="true"` in
    /// its metadata).
    Idp,
}

impl Requirement {
    fn describe(self, sp: &str) -> String {
        match self {
            Requirement::Sp => format!(
                "{sp} is registered as signing its AuthnRequests (AuthnRequestsSigned in its \
                 metadata, or want_signed_requests in the registry)"
            ),
            Requirement::Idp => {
                "this IdP wants signed AuthnRequests (WantAuthnRequestsSigned)".to_owned()
            }
        }
    }
}

/// A received request's signature as the IdP judged it: the verdict, whose certificate it was
/// checked with, and whether a signature was required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub verdict: Verdict,
    /// The SP's entity ID.
    pub sp: String,
    pub required: Option<Requirement>,
}

/// Why strict mode refuses a request.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum SignatureRefusal {
    #[error("the AuthnRequest's signature is invalid: {0}")]
    Invalid(String),
    #[error("the AuthnRequest is unsigned, but {0}")]
    Unsigned(String),
    #[error(
        "{requirement}, but no certificate is known for {sp}, so its signature cannot be checked"
    )]
    NoCertificate { sp: String, requirement: String },
}

impl Judgement {
    /// The verdict on the request from `sp` (its entity ID, and its settings when registered).
    /// `idp_wants_signed`: this IdP wants every request signed. `xml` and `tree` as for
    /// `message_verdict`: `tree`, when given, is `xml` parsed.
    pub fn of(
        sp_entity_id: &str,
        sp: Option<&ServiceProvider>,
        idp_wants_signed: bool,
        redirect_query: Option<&str>,
        xml: &str,
        tree: Option<&Element>,
    ) -> Judgement {
        let certificate = sp.and_then(|s| s.certificate.as_deref());
        let required = if sp.is_some_and(|s| s.authn_requests_signed) {
            Some(Requirement::Sp)
        } else if idp_wants_signed {
            Some(Requirement::Idp)
        } else {
            None
        };
        Judgement {
            verdict: message_verdict(redirect_query, xml, tree, certificate),
            sp: sp_entity_id.to_owned(),
            required,
        }
    }

    /// What was found and why, in one line naming the SP.
    pub fn detail(&self) -> String {
        self.verdict.describe_for(&self.sp)
    }

    /// `<verdict>: <detail>`, for the inspector and logs.
    pub fn summary(&self) -> String {
        format!("{}: {}", self.verdict.id(), self.detail())
    }

    /// What strict mode refuses: an invalid signature always; an unsigned request, or one
    /// that cannot be checked, when a signature is required.
    pub fn refusal(&self) -> Option<SignatureRefusal> {
        let requirement = self.required.map(|r| r.describe(&self.sp));
        match (&self.verdict, requirement) {
            (Verdict::Invalid { .. }, _) => Some(SignatureRefusal::Invalid(self.detail())),
            (Verdict::Unsigned, Some(requirement)) => Some(SignatureRefusal::Unsigned(requirement)),
            (Verdict::NoCertificate, Some(requirement)) => Some(SignatureRefusal::NoCertificate {
                sp: self.sp.clone(),
                requirement,
            }),
            _ => None,
        }
    }

    /// What a person should be told before the request is answered anyway (permissive mode,
    /// or what strict mode lets through); `None` when nothing is amiss.
    pub fn warning(&self) -> Option<String> {
        let refused = if self.refusal().is_some() {
            " Answering anyway (permissive mode); strict mode refuses it."
        } else {
            ""
        };
        match &self.verdict {
            Verdict::Valid {
                algorithm: SignatureAlgorithm::RsaSha1,
            } => Some(format!(
                "The request is signed with rsa-sha1; it verifies with the certificate \
                 registered for {}, but SHA-1 signatures are deprecated (XML-DSig 1.1, \
                 saml-v2.0-sha1 errata): rsa-sha256 is what an SP should use.",
                self.sp
            )),
            Verdict::Valid { .. } => None,
            Verdict::Invalid { .. } => Some(format!(
                "Invalid request signature: {}.{refused}",
                self.detail()
            )),
            Verdict::Unsigned => self.required.map(|r| {
                format!(
                    "The request is unsigned, but {}.{refused}",
                    r.describe(&self.sp)
                )
            }),
            Verdict::NoCertificate => Some(format!(
                "The request is signed, but no certificate is known for {} (give one with \
                 certificate: in the registry, or through the SP's metadata), so the signature \
                 is not checked.{refused}",
                self.sp
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use base64::engine::general_purpose::STANDARD;
    use flate2::write::DeflateEncoder;
    use flate2::Compression;
    use openssl::pkey::Private;
    use openssl::x509::X509;

    use super::*;
    use crate::saml::binding;
    use crate::saml::xml::c14n::canonicalize;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Sp {
        Python,
        Node,
    }

    struct Fixture {
        name: &'static str,
        text: &'static str,
        sp: Sp,
        algorithm: SignatureAlgorithm,
        /// POST only: whether the signature carries an InclusiveNamespaces PrefixList.
        prefix_list: bool,
    }

    macro_rules! fixture {
        ($name:literal, $sp:ident, $alg:ident) => {
            fixture!($name, $sp, $alg, false)
        };
        ($name:literal, $sp:ident, $alg:ident, $prefix_list:expr) => {
            Fixture {
                name: $name,
                text: include_str!(concat!("../../tests/fixtures/signed-requests/", $name)),
                sp: Sp::$sp,
                algorithm: SignatureAlgorithm::$alg,
                prefix_list: $prefix_list,
            }
        };
    }

    fn redirect_fixtures() -> Vec<Fixture> {
        vec![
            fixture!("python3-saml-redirect-rsa-sha256.query", Python, RsaSha256),
            fixture!("python3-saml-redirect-rsa-sha1.query", Python, RsaSha1),
            fixture!("python3-saml-redirect-rsa-sha512.query", Python, RsaSha512),
            fixture!(
                "python3-saml-logout-redirect-rsa-sha256.query",
                Python,
                RsaSha256
            ),
            fixture!("node-saml-redirect-rsa-sha256.query", Node, RsaSha256),
            fixture!("node-saml-redirect-rsa-sha1.query", Node, RsaSha1),
            fixture!("node-saml-redirect-rsa-sha512.query", Node, RsaSha512),
            fixture!(
                "node-saml-logout-redirect-rsa-sha256.query",
                Node,
                RsaSha256
            ),
            fixture!(
                "node-saml-logout-response-redirect-rsa-sha256.query",
                Node,
                RsaSha256
            ),
        ]
    }

    /// Signed by node-saml over other octets than the query it sends (see the README).
    const NODE_RELAY_STATE_SPACE: &str = include_str!(
        "../../tests/fixtures/signed-requests/node-saml-redirect-relaystate-space.query"
    );

    fn posted_fixtures() -> Vec<Fixture> {
        vec![
            fixture!("python3-saml-post-rsa-sha256.xml", Python, RsaSha256),
            fixture!("python3-saml-post-rsa-sha1.xml", Python, RsaSha1),
            fixture!("python3-saml-logout-post-rsa-sha256.xml", Python, RsaSha256),
            fixture!(
                "python-xmlsec-inclusive-namespaces.xml",
                Python,
                RsaSha256,
                true
            ),
            fixture!(
                "python-xmlsec-default-namespace.xml",
                Python,
                RsaSha256,
                true
            ),
            fixture!("node-saml-post-rsa-sha256.xml", Node, RsaSha256),
            fixture!("node-saml-post-rsa-sha1.xml", Node, RsaSha1),
            fixture!("xml-crypto-inclusive-namespaces.xml", Node, RsaSha256, true),
        ]
    }

    const PYTHON_CERT: &str =
        include_str!("../../tests/fixtures/signed-requests/keys/python-sp.crt");
    const NODE_CERT: &str = include_str!("../../tests/fixtures/signed-requests/keys/node-sp.crt");
    const OTHER_CERT: &str = include_str!("../../tests/fixtures/signed-requests/keys/other-sp.crt");
    const XMLSEC1_VERDICTS: &str =
        include_str!("../../tests/fixtures/signed-requests/xmlsec1-verdicts.tsv");

    fn key_of(pem: &str) -> PKey<Public> {
        X509::from_pem(pem.as_bytes())
            .unwrap()
            .public_key()
            .unwrap()
    }

    fn right_key(sp: Sp) -> PKey<Public> {
        key_of(match sp {
            Sp::Python => PYTHON_CERT,
            Sp::Node => NODE_CERT,
        })
    }

    /// Every certificate but the signer's.
    fn wrong_keys(sp: Sp) -> Vec<PKey<Public>> {
        let other_library = match sp {
            Sp::Python => NODE_CERT,
            Sp::Node => PYTHON_CERT,
        };
        vec![key_of(OTHER_CERT), key_of(other_library)]
    }

    /// The signing key of tests/fixtures/keys, for queries built here.
    fn test_key() -> PKey<Private> {
        PKey::private_key_from_pem(include_bytes!("../../tests/fixtures/keys/test.key")).unwrap()
    }

    fn test_public_key() -> PKey<Public> {
        key_of(include_str!("../../tests/fixtures/keys/test.crt"))
    }

    /// One byte of the Issuer changed, as xmlsec1_check.py changes it.
    fn tamper_issuer(xml: &str) -> String {
        edit(xml, "sp.example/metadata<", "sp.exbmple/metadata<")
    }

    /// The copies xmlsec1_check.py makes, by its names for them.
    fn variant(xml: &str, name: &str) -> String {
        match name {
            "original" => xml.to_owned(),
            "tampered" => tamper_issuer(xml),
            "comment" => edit(xml, "sp.example/metadata<", "sp.example/<!--x-->metadata<"),
            "reformatted" => edit(xml, " Version=\"2.0\"", "\n    Version=\"2.0\""),
            other => panic!("variant {other}"),
        }
    }

    fn edit(xml: &str, from: &str, to: &str) -> String {
        assert!(xml.contains(from), "{from:?} is not in the document");
        xml.replacen(from, to, 1)
    }

    fn parts(query: &str) -> Vec<&str> {
        query.split('&').collect()
    }

    fn part<'a>(query: &'a str, name: &str) -> &'a str {
        parts(query)
            .into_iter()
            .find(|p| p.starts_with(&format!("{name}=")))
            .unwrap()
    }

    fn without(query: &str, name: &str) -> String {
        parts(query)
            .into_iter()
            .filter(|p| !p.starts_with(&format!("{name}=")))
            .collect::<Vec<_>>()
            .join("&")
    }

    fn replace_value(query: &str, name: &str, value: &str) -> String {
        parts(query)
            .into_iter()
            .map(|p| {
                if p.starts_with(&format!("{name}=")) {
                    format!("{name}={value}")
                } else {
                    p.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Percent-encoding of everything but the RFC 3986 unreserved characters.
    fn url_encode(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b => format!("%{b:02X}"),
            })
            .collect()
    }

    fn message_name(query: &str) -> &'static str {
        if query.starts_with("SAMLResponse=") || query.contains("&SAMLResponse=") {
            "SAMLResponse"
        } else {
            "SAMLRequest"
        }
    }

    #[test]
    fn every_fixture_file_is_in_a_table_and_every_post_fixture_in_the_xmlsec1_verdicts() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signed-requests");
        let mut known: Vec<&str> = redirect_fixtures()
            .iter()
            .chain(posted_fixtures().iter())
            .map(|f| f.name)
            .collect();
        known.push("node-saml-redirect-relaystate-space.query");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".query") || name.ends_with(".xml") {
                assert!(known.contains(&name.as_str()), "{name} is in no table");
                seen += 1;
            }
        }
        assert_eq!(seen, known.len());
        for f in posted_fixtures() {
            let rows = XMLSEC1_VERDICTS
                .lines()
                .filter(|l| l.split('\t').next() == Some(f.name))
                .count();
            assert_eq!(rows, 5, "{} has {rows} xmlsec1 rows", f.name);
        }
    }

    #[test]
    fn redirect_fixtures_verify_with_their_sps_certificate() {
        for f in redirect_fixtures() {
            assert!(redirect_is_signed(f.text), "{}", f.name);
            assert_eq!(
                verify_redirect(f.text, &right_key(f.sp)),
                Ok(Verified {
                    algorithm: f.algorithm,
                    digest: None
                }),
                "{}",
                f.name
            );
            assert_eq!(
                redirect_verdict(f.text, &[right_key(f.sp)]),
                Verdict::Valid {
                    algorithm: f.algorithm
                }
            );
        }
    }

    #[test]
    fn redirect_fixtures_fail_with_another_certificate() {
        for f in redirect_fixtures() {
            for key in wrong_keys(f.sp) {
                assert_eq!(
                    verify_redirect(f.text, &key),
                    Err(RequestSignatureError::BadSignature),
                    "{}",
                    f.name
                );
            }
            // With the SP's certificates in rollover, any one of them will do.
            let mut keys = wrong_keys(f.sp);
            assert!(!redirect_verdict(f.text, &keys).is_valid());
            keys.push(right_key(f.sp));
            assert!(redirect_verdict(f.text, &keys).is_valid(), "{}", f.name);
        }
    }

    #[test]
    fn redirect_fixtures_fail_after_one_byte_of_a_parameter_changes() {
        for f in redirect_fixtures() {
            let key = right_key(f.sp);
            let message = message_name(f.text);
            let value = &part(f.text, message)[message.len() + 1..];
            let flipped: String = value
                .char_indices()
                .map(|(i, c)| match (i, c) {
                    (20, 'A') => 'B',
                    (20, _) => 'A',
                    (_, c) => c,
                })
                .collect();
            let relay = &part(f.text, "RelayState")["RelayState=".len()..];
            let cases = [
                replace_value(f.text, message, &flipped),
                replace_value(
                    f.text,
                    "RelayState",
                    &relay.replacen("example", "exbmple", 1),
                ),
                replace_value(f.text, "RelayState", &format!("{relay}x")),
                without(f.text, "RelayState"),
            ];
            for tampered in cases {
                assert_ne!(tampered, f.text);
                assert_eq!(
                    verify_redirect(&tampered, &key),
                    Err(RequestSignatureError::BadSignature),
                    "{}: {tampered}",
                    f.name
                );
            }
            // Claiming another algorithm than the one signed with.
            let other = SignatureAlgorithm::ALL
                .into_iter()
                .find(|a| *a != f.algorithm)
                .unwrap();
            let claimed = replace_value(f.text, "SigAlg", &url_encode(other.uri()));
            assert_eq!(
                verify_redirect(&claimed, &key),
                Err(RequestSignatureError::BadSignature)
            );
        }
    }

    #[test]
    fn node_saml_signs_a_relay_state_with_a_space_otherwise_than_it_sends_it() {
        let key = right_key(Sp::Node);
        let query = NODE_RELAY_STATE_SPACE;
        assert!(query.contains("&RelayState=after+login&"));
        assert_eq!(
            verify_redirect(query, &key),
            Err(RequestSignatureError::BadSignature)
        );
        // node-saml signed the value as querystring.stringify writes it.
        let as_signed = replace_value(query, "RelayState", "after%20login");
        assert_eq!(
            verify_redirect(&as_signed, &key),
            Ok(Verified {
                algorithm: SignatureAlgorithm::RsaSha256,
                digest: None
            })
        );
    }

    #[test]
    fn redirect_fixtures_fail_after_one_byte_of_the_issuer_changes() {
        for f in redirect_fixtures() {
            let message = message_name(f.text);
            let raw = &part(f.text, message)[message.len() + 1..];
            let encoded = String::from_utf8(percent_decode(raw, true).unwrap()).unwrap();
            let xml = binding::decode(&encoded).unwrap().xml;
            let mut deflate = DeflateEncoder::new(Vec::new(), Compression::default());
            deflate.write_all(tamper_issuer(&xml).as_bytes()).unwrap();
            let repacked = url_encode(&STANDARD.encode(deflate.finish().unwrap()));
            let tampered = replace_value(f.text, message, &repacked);
            assert_eq!(
                verify_redirect(&tampered, &right_key(f.sp)),
                Err(RequestSignatureError::BadSignature),
                "{}",
                f.name
            );
        }
    }

    fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
        if items.len() <= 1 {
            return vec![items.to_vec()];
        }
        let mut out = Vec::new();
        for i in 0..items.len() {
            let mut rest = items.to_vec();
            let first = rest.remove(i);
            for mut p in permutations(&rest) {
                p.insert(0, first.clone());
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn redirect_parameters_in_any_order_still_verify() {
        for f in redirect_fixtures() {
            let key = right_key(f.sp);
            let all = permutations(&parts(f.text));
            assert_eq!(all.len(), 24, "{}", f.name);
            for order in all {
                let query = order.join("&");
                verify_redirect(&query, &key).unwrap();
                // The leading '?' and other parameters are ignored.
                verify_redirect(&format!("?{query}&foo=bar"), &key).unwrap();
            }
        }
    }

    #[test]
    fn duplicated_redirect_parameters_are_refused() {
        for f in redirect_fixtures() {
            refuse_duplicate_parameters(f.text).unwrap();
            for p in parts(f.text) {
                let name = REDIRECT_PARAMETERS
                    .into_iter()
                    .find(|n| p.starts_with(&format!("{n}=")))
                    .unwrap();
                for query in [format!("{}&{p}", f.text), format!("{p}&{}", f.text)] {
                    assert_eq!(
                        refuse_duplicate_parameters(&query),
                        Err(RequestSignatureError::DuplicateParameter(name))
                    );
                    assert_eq!(
                        verify_redirect(&query, &right_key(f.sp)),
                        Err(RequestSignatureError::DuplicateParameter(name))
                    );
                    assert!(matches!(
                        redirect_verdict(&query, &[right_key(f.sp)]),
                        Verdict::Invalid { .. }
                    ));
                }
            }
            // A percent-encoded name is the same parameter to a form decoder.
            let disguised = format!("{}&Relay%53tate=elsewhere", f.text);
            assert_eq!(
                verify_redirect(&disguised, &right_key(f.sp)),
                Err(RequestSignatureError::DuplicateParameter("RelayState"))
            );
        }
    }

    #[test]
    fn unsigned_and_half_signed_queries() {
        let f = &redirect_fixtures()[0];
        let key = right_key(f.sp);
        let unsigned = without(&without(f.text, "Signature"), "SigAlg");
        assert!(!redirect_is_signed(&unsigned));
        assert_eq!(
            verify_redirect(&unsigned, &key),
            Err(RequestSignatureError::Unsigned)
        );
        assert_eq!(
            redirect_verdict(&unsigned, std::slice::from_ref(&key)),
            Verdict::Unsigned
        );
        assert_eq!(redirect_verdict(&unsigned, &[]), Verdict::Unsigned);
        assert_eq!(redirect_verdict(f.text, &[]), Verdict::NoCertificate);

        assert_eq!(
            redirect_signed_octets(&unsigned),
            Err(RequestSignatureError::Unsigned)
        );

        let no_sig_alg = without(f.text, "SigAlg");
        assert!(redirect_is_signed(&no_sig_alg));
        assert_eq!(
            verify_redirect(&no_sig_alg, &key),
            Err(RequestSignatureError::Incomplete {
                present: "Signature",
                missing: "SigAlg"
            })
        );
        let no_signature = without(f.text, "Signature");
        assert!(redirect_is_signed(&no_signature));
        assert_eq!(
            verify_redirect(&no_signature, &key),
            Err(RequestSignatureError::Incomplete {
                present: "SigAlg",
                missing: "Signature"
            })
        );
        let both = format!("{}&SAMLResponse=abc", f.text);
        assert_eq!(
            verify_redirect(&both, &key),
            Err(RequestSignatureError::TwoMessages)
        );
        let neither = without(f.text, "SAMLRequest");
        assert_eq!(
            verify_redirect(&neither, &key),
            Err(RequestSignatureError::NoMessage)
        );
        let garbled = replace_value(f.text, "Signature", "%zz");
        assert_eq!(
            verify_redirect(&garbled, &key),
            Err(RequestSignatureError::BadEncoding("Signature"))
        );
        let short = replace_value(f.text, "Signature", "AAAA");
        assert_eq!(
            verify_redirect(&short, &key),
            Err(RequestSignatureError::BadSignature)
        );
    }

    #[test]
    fn dsa_and_ecdsa_are_reported_as_unsupported() {
        let f = &redirect_fixtures()[0];
        for uri in DSA_OR_ECDSA {
            assert!(is_dsa_or_ecdsa(uri));
            let query = replace_value(f.text, "SigAlg", &url_encode(uri));
            let err = verify_redirect(&query, &right_key(f.sp)).unwrap_err();
            assert_eq!(
                err,
                RequestSignatureError::UnsupportedSignatureAlgorithm(uri.to_owned())
            );
            assert!(err
                .to_string()
                .contains("DSA and other ECDSA methods are not supported"));
        }
        let ec = ec_public(&ec_key());
        let err = verify_redirect(f.text, &ec).unwrap_err();
        assert!(
            matches!(err, RequestSignatureError::WrongKeyKind { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("an EC P-256 key"), "{err}");
    }

    fn ec_key() -> PKey<openssl::pkey::Private> {
        let group =
            openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
        PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap()
    }

    fn ec_public(key: &PKey<openssl::pkey::Private>) -> PKey<Public> {
        PKey::public_key_from_der(&key.public_key_to_der().unwrap()).unwrap()
    }

    #[test]
    fn ecdsa_redirect_signatures_verify_as_r_s_and_as_der() {
        let key = ec_key();
        let octets = format!(
            "SAMLRequest=fZBBa%2Bz&RelayState=r&SigAlg={}",
            url_encode(alg::ECDSA_SHA256)
        );
        // r||s, as xmlsec (python3-saml, OpenSAML) and our own QuerySigner write it.
        let raw =
            dsig::sign_value(&key, SignatureAlgorithm::EcdsaSha256, octets.as_bytes()).unwrap();
        assert_eq!(raw.len(), 64);
        let query = format!("{octets}&Signature={}", url_encode(&STANDARD.encode(&raw)));
        let verified = verify_redirect(&query, &ec_public(&key)).unwrap();
        assert_eq!(verified.algorithm, SignatureAlgorithm::EcdsaSha256);
        // DER, as a plain crypto API writes it.
        let der = dsig::ecdsa_raw_to_der(&raw, 32).unwrap();
        let query = format!("{octets}&Signature={}", url_encode(&STANDARD.encode(&der)));
        verify_redirect(&query, &ec_public(&key)).unwrap();
        // Another EC key, and an RSA certificate, do not verify it.
        assert_eq!(
            verify_redirect(&query, &ec_public(&ec_key())),
            Err(RequestSignatureError::BadSignature)
        );
        assert!(matches!(
            verify_redirect(&query, &test_public_key()),
            Err(RequestSignatureError::WrongKeyKind { .. })
        ));
    }

    #[test]
    fn ecdsa_posted_signatures_verify_as_r_s_only() {
        let key = ec_key();
        let cert = {
            let mut name = openssl::x509::X509NameBuilder::new().unwrap();
            name.append_entry_by_text("CN", "sp").unwrap();
            let name = name.build();
            let mut b = openssl::x509::X509Builder::new().unwrap();
            b.set_subject_name(&name).unwrap();
            b.set_issuer_name(&name).unwrap();
            b.set_pubkey(&key).unwrap();
            b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
                .unwrap();
            b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
                .unwrap();
            b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
                .unwrap();
            b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
                .unwrap();
            b.sign(&key, MessageDigest::sha256()).unwrap();
            b.build()
        };
        let signer = dsig::Signer::new(key.clone(), cert).unwrap();
        let xml = concat!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
            r#"ID="_r1" Version="2.0" IssueInstant="2024-01-01T00:00:00Z">"#,
            r#"<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">sp</saml:Issuer>"#,
            r#"</samlp:AuthnRequest>"#
        );
        let mut root = reader::parse(xml.as_bytes(), Limits::default()).unwrap();
        dsig::sign_enveloped(
            &mut root,
            "_r1",
            SignatureAlgorithm::EcdsaSha256.into(),
            &signer,
            dsig::KeyInfoStyle::Prefixed,
        )
        .unwrap();
        let signed = crate::saml::xml::c14n::write_document(&root);
        let verified = verify_posted(&signed, &ec_public(&key)).unwrap();
        assert_eq!(verified.algorithm, SignatureAlgorithm::EcdsaSha256);
        assert_eq!(
            verify_posted(&signed, &ec_public(&ec_key())),
            Err(RequestSignatureError::BadSignature)
        );
    }

    fn sign_octets(octets: &str, algorithm: SignatureAlgorithm) -> String {
        let key = test_key();
        let mut signer =
            openssl::sign::Signer::new(message_digest(algorithm.matching_digest()), &key).unwrap();
        signer.update(octets.as_bytes()).unwrap();
        url_encode(&STANDARD.encode(signer.sign_to_vec().unwrap()))
    }

    #[test]
    fn values_are_verified_as_received_never_re_encoded() {
        // An SP that writes lower-case hex (ADFS does) and %20 for a space.
        let octets = "SAMLRequest=fZBBa%2bz&RelayState=a%20b%2fc&SigAlg=http%3a%2f%2fwww.w3.org%2f2001%2f04%2fxmldsig-more%23rsa-sha256";
        let signature = sign_octets(octets, SignatureAlgorithm::RsaSha256);
        let query = format!("{octets}&Signature={signature}");
        assert_eq!(redirect_signed_octets(&query).unwrap(), octets);
        verify_redirect(&query, &test_public_key()).unwrap();
        // The same values decoded and encoded again, as a framework would: not what was signed.
        let re_encoded = format!(
            "SAMLRequest=fZBBa%2Bz&RelayState=a+b%2Fc&SigAlg={}&Signature={signature}",
            url_encode(alg::RSA_SHA256)
        );
        assert_eq!(
            verify_redirect(&re_encoded, &test_public_key()),
            Err(RequestSignatureError::BadSignature)
        );
        // A '+' the sender left unescaped in the Signature is base64's, not a space.
        let plus = format!("{octets}&Signature={}", signature.replace("%2B", "+"));
        verify_redirect(&plus, &test_public_key()).unwrap();
    }

    #[test]
    fn relay_state_is_signed_only_when_present() {
        let octets =
            "SAMLResponse=abc&SigAlg=http%3A%2F%2Fwww.w3.org%2F2000%2F09%2Fxmldsig%23rsa-sha1";
        let query = format!(
            "Signature={}&{octets}",
            sign_octets(octets, SignatureAlgorithm::RsaSha1)
        );
        assert_eq!(
            verify_redirect(&query, &test_public_key()),
            Ok(Verified {
                algorithm: SignatureAlgorithm::RsaSha1,
                digest: None
            })
        );
        // An empty RelayState is present, and so part of the octets.
        assert_eq!(
            verify_redirect(&format!("{query}&RelayState="), &test_public_key()),
            Err(RequestSignatureError::BadSignature)
        );
    }

    // -----------------------------------------------------------------------------------------
    // HTTP-POST

    #[test]
    fn posted_fixtures_verify_with_their_sps_certificate() {
        for f in posted_fixtures() {
            let expected = Verified {
                algorithm: f.algorithm,
                digest: Some(f.algorithm.matching_digest()),
            };
            assert_eq!(
                verify_posted(f.text, &right_key(f.sp)),
                Ok(expected),
                "{}",
                f.name
            );
            assert_eq!(
                posted_verdict(f.text, &[right_key(f.sp)]),
                Verdict::Valid {
                    algorithm: f.algorithm
                }
            );
        }
    }

    #[test]
    fn posted_fixtures_fail_with_another_certificate_whatever_key_info_holds() {
        for f in posted_fixtures() {
            for key in wrong_keys(f.sp) {
                assert_eq!(
                    verify_posted(f.text, &key),
                    Err(RequestSignatureError::BadSignature),
                    "{}",
                    f.name
                );
            }
            assert!(f.text.contains("X509Certificate>"), "{}", f.name);
        }
        // KeyInfo is outside SignedInfo: swapping its certificate changes nothing either way.
        let f = posted_fixtures()
            .into_iter()
            .find(|f| f.name == "node-saml-post-rsa-sha256.xml")
            .unwrap();
        let other_b64: String = OTHER_CERT
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let start = f.text.find("<X509Certificate>").unwrap() + "<X509Certificate>".len();
        let end = f.text.find("</X509Certificate>").unwrap();
        let swapped = format!("{}{other_b64}{}", &f.text[..start], &f.text[end..]);
        verify_posted(&swapped, &right_key(f.sp)).unwrap();
        assert_eq!(
            verify_posted(&swapped, &key_of(OTHER_CERT)),
            Err(RequestSignatureError::BadSignature)
        );
    }

    #[test]
    fn posted_fixtures_fail_after_one_byte_of_the_issuer_changes() {
        for f in posted_fixtures() {
            assert_eq!(
                verify_posted(&tamper_issuer(f.text), &right_key(f.sp)),
                Err(RequestSignatureError::DigestMismatch),
                "{}",
                f.name
            );
        }
    }

    #[test]
    fn our_verdicts_agree_with_xmlsec1() {
        let mut rows = 0;
        for line in XMLSEC1_VERDICTS.lines().filter(|l| !l.starts_with('#')) {
            let cols: Vec<&str> = line.split('\t').collect();
            let [file, name, cert, xmlsec1] = cols.as_slice() else {
                panic!("bad row {line:?}");
            };
            let f = posted_fixtures()
                .into_iter()
                .find(|f| f.name == *file)
                .unwrap();
            let xml = variant(f.text, name);
            let key = key_of(match *cert {
                "keys/python-sp.crt" => PYTHON_CERT,
                "keys/node-sp.crt" => NODE_CERT,
                "keys/other-sp.crt" => OTHER_CERT,
                other => panic!("certificate {other}"),
            });
            let ours = posted_verdict(&xml, &[key]);
            assert_eq!(ours.is_valid(), *xmlsec1 == "OK", "{line}: we say {ours:?}");
            rows += 1;
        }
        assert_eq!(rows, 5 * posted_fixtures().len());
    }

    /// Runs the InclusiveNamespaces-aware path whatever the document says.
    fn verify_generalised(xml: &str, key: &PKey<Public>) -> Result<(), RequestSignatureError> {
        let root = reader::parse(xml.as_bytes(), Limits::default())?;
        let profile = check_profile(&root)?;
        verify_with_prefix_lists(xml, &root, &profile, key)
    }

    #[test]
    fn the_prefix_list_path_agrees_with_dsig_where_there_is_no_prefix_list() {
        for f in posted_fixtures() {
            let key = right_key(f.sp);
            verify_generalised(f.text, &key).unwrap();
            assert_eq!(
                verify_generalised(&tamper_issuer(f.text), &key),
                Err(RequestSignatureError::DigestMismatch)
            );
            assert_eq!(
                verify_generalised(f.text, &key_of(OTHER_CERT)),
                Err(RequestSignatureError::BadSignature)
            );
            // With an empty list, every element canonicalises as the engine's writer does.
            let root = reader::parse(f.text.as_bytes(), Limits::default()).unwrap();
            let scopes = in_scope_namespaces(f.text).unwrap();
            assert_eq!(scopes.len(), count_elements(&root));
            let plain = ExcC14n {
                scopes: &scopes,
                inclusive: &[],
                skip: None,
            };
            fn each<'a>(el: &'a Element, out: &mut Vec<&'a Element>) {
                out.push(el);
                el.elements().for_each(|e| each(e, out));
            }
            let mut all = Vec::new();
            each(&root, &mut all);
            for (i, el) in all.into_iter().enumerate() {
                assert_eq!(plain.canonicalize(el, i), canonicalize(el), "{}", f.name);
                assert_eq!(document_index(&root, el), Some(i));
            }
        }
    }

    #[test]
    fn the_prefix_list_changes_what_is_digested() {
        for f in posted_fixtures().into_iter().filter(|f| f.prefix_list) {
            let root = reader::parse(f.text.as_bytes(), Limits::default()).unwrap();
            let id = root.attribute("ID").unwrap();
            // A verifier that ignores the PrefixList computes another digest.
            assert_eq!(
                dsig::verify_enveloped(&root, id, &right_key(f.sp)),
                Err(VerifyError::DigestMismatch),
                "{}",
                f.name
            );
            verify_posted(f.text, &right_key(f.sp)).unwrap();
        }
        // ruby-saml's list puts xmlns:saml on the root rather than on each saml: child.
        let f = &posted_fixtures()[3];
        assert_eq!(f.name, "python-xmlsec-inclusive-namespaces.xml");
        let root = reader::parse(f.text.as_bytes(), Limits::default()).unwrap();
        let scopes = in_scope_namespaces(f.text).unwrap();
        let list: Vec<String> = ["", "samlp", "saml", "ds", "xs", "xsi", "md"]
            .map(String::from)
            .to_vec();
        let sig = root.first(ns::DSIG, "Signature").unwrap();
        let c14n = ExcC14n {
            scopes: &scopes,
            inclusive: &list,
            skip: Some(sig),
        }
        .canonicalize(&root, 0);
        assert!(c14n.starts_with(
            "<samlp:AuthnRequest xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" \
             xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" AssertionConsumerServiceURL="
        ));
        assert!(c14n.contains("<saml:Issuer>https://python-sp.example/metadata</saml:Issuer>"));
        assert!(!c14n.contains("Signature"));

        // "#default" on SignedInfo renders the protocol namespace ds:SignedInfo inherits.
        let f = posted("python-xmlsec-default-namespace.xml");
        let root = reader::parse(f.text.as_bytes(), Limits::default()).unwrap();
        let scopes = in_scope_namespaces(f.text).unwrap();
        let signed_info = root
            .first(ns::DSIG, "Signature")
            .and_then(|s| s.first(ns::DSIG, "SignedInfo"))
            .unwrap();
        let list = [String::new()];
        let c14n = ExcC14n {
            scopes: &scopes,
            inclusive: &list,
            skip: None,
        }
        .canonicalize(signed_info, document_index(&root, signed_info).unwrap());
        assert!(c14n.starts_with(
            "<ds:SignedInfo xmlns=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
             xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
        ));
        assert_ne!(c14n, canonicalize(signed_info));
    }

    #[test]
    fn in_scope_namespaces_include_inherited_and_default_bindings() {
        let scopes = in_scope_namespaces(
            r#"<a xmlns="urn:d" xmlns:p="urn:p"><p:b xmlns:q="urn:q"/><c xmlns=""/></a>"#,
        )
        .unwrap();
        let get = |i: usize, p: &str| scopes[i].get(p).map(String::as_str);
        assert_eq!(scopes.len(), 3);
        assert_eq!(
            (get(0, ""), get(0, "p"), get(0, "q")),
            (Some("urn:d"), Some("urn:p"), None)
        );
        assert_eq!((get(1, "p"), get(1, "q")), (Some("urn:p"), Some("urn:q")));
        assert_eq!(get(2, ""), Some(""));
        assert!(scopes.iter().all(|s| !s.contains_key("xml")));
    }

    #[test]
    fn exc_c14n_renders_listed_prefixes_once_and_the_default_only_where_it_changes() {
        let xml = r#"<p:a xmlns:p="urn:p" xmlns:x="urn:x" xmlns="urn:d"><p:b/><c xmlns=""><x:d xmlns:x="urn:x2"/></c></p:a>"#;
        let root = reader::parse(xml.as_bytes(), Limits::default()).unwrap();
        let scopes = in_scope_namespaces(xml).unwrap();
        let render = |list: &[&str]| {
            let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            ExcC14n {
                scopes: &scopes,
                inclusive: &list,
                skip: None,
            }
            .canonicalize(&root, 0)
        };
        assert_eq!(
            render(&[]),
            r#"<p:a xmlns:p="urn:p"><p:b></p:b><c><x:d xmlns:x="urn:x2"></x:d></c></p:a>"#
        );
        assert_eq!(
            render(&["x", "#default"].map(|p| if p == "#default" { "" } else { p })),
            r#"<p:a xmlns="urn:d" xmlns:p="urn:p" xmlns:x="urn:x"><p:b></p:b><c xmlns=""><x:d xmlns:x="urn:x2"></x:d></c></p:a>"#
        );
        // A listed prefix that is not in scope is not rendered.
        assert_eq!(render(&["nope"]), render(&[]));
    }

    fn posted(name: &str) -> Fixture {
        posted_fixtures()
            .into_iter()
            .find(|f| f.name == name)
            .unwrap()
    }

    #[test]
    fn unsigned_documents_are_unsigned() {
        let xml = include_str!("../../tests/fixtures/requests/python3-saml-redirect.xml");
        let key = right_key(Sp::Python);
        assert_eq!(
            verify_posted(xml, &key),
            Err(RequestSignatureError::Unsigned)
        );
        assert_eq!(posted_verdict(xml, &[key]), Verdict::Unsigned);
        assert_eq!(posted_verdict(xml, &[]), Verdict::Unsigned);
        let f = posted("node-saml-post-rsa-sha256.xml");
        assert_eq!(posted_verdict(f.text, &[]), Verdict::NoCertificate);
    }

    #[test]
    fn references_other_than_the_root_id_are_refused() {
        let f = posted("python3-saml-post-rsa-sha256.xml");
        let key = right_key(f.sp);
        let root = reader::parse(f.text.as_bytes(), Limits::default()).unwrap();
        let id = root.attribute("ID").unwrap();
        let uri = format!("URI=\"#{id}\"");
        for (replacement, found) in [
            ("URI=\"\"".to_owned(), String::new()),
            ("URI=\"#_other\"".to_owned(), "#_other".to_owned()),
            (String::new(), String::new()),
            (format!("URI=\"{id}\""), id.to_owned()),
        ] {
            let xml = f.text.replace(&uri, &replacement);
            assert_eq!(
                verify_posted(&xml, &key),
                Err(RequestSignatureError::WrongReference {
                    uri: found,
                    id: id.to_owned()
                })
            );
        }
        // A second Reference, even one to the same element.
        let start = f.text.find("<ds:Reference").unwrap();
        let end = f.text.find("</ds:Reference>").unwrap() + "</ds:Reference>".len();
        let reference = &f.text[start..end];
        let two = f
            .text
            .replacen(reference, &format!("{reference}{reference}"), 1);
        assert_eq!(
            verify_posted(&two, &key),
            Err(RequestSignatureError::ReferenceCount(2))
        );
        let none = f.text.replacen(reference, "", 1);
        assert_eq!(
            verify_posted(&none, &key),
            Err(RequestSignatureError::ReferenceCount(0))
        );
    }

    #[test]
    fn duplicate_ids_anywhere_are_refused() {
        let f = posted("python3-saml-post-rsa-sha256.xml");
        let key = right_key(f.sp);
        let root = reader::parse(f.text.as_bytes(), Limits::default()).unwrap();
        let id = root.attribute("ID").unwrap();
        // The signed ID again, deeper in the document (signature wrapping).
        let wrapped = f.text.replacen(
            "<samlp:NameIDPolicy",
            &format!("<samlp:NameIDPolicy ID=\"{id}\""),
            1,
        );
        assert_eq!(
            verify_posted(&wrapped, &key),
            Err(RequestSignatureError::DuplicateId(id.to_owned()))
        );
        // Two other elements sharing an ID.
        let twice = f
            .text
            .replacen("<samlp:NameIDPolicy", "<samlp:NameIDPolicy ID=\"_x\"", 1)
            .replacen(
                "<saml:AuthnContextClassRef",
                "<saml:AuthnContextClassRef ID=\"_x\"",
                1,
            );
        assert_eq!(
            verify_posted(&twice, &key),
            Err(RequestSignatureError::DuplicateId("_x".into()))
        );
        let no_id = f.text.replacen(&format!(" ID=\"{id}\""), "", 1);
        assert_eq!(
            verify_posted(&no_id, &key),
            Err(RequestSignatureError::NoId)
        );
    }

    #[test]
    fn exactly_one_signature_on_the_root() {
        let f = posted("node-saml-post-rsa-sha256.xml");
        let key = right_key(f.sp);
        let start = f.text.find("<Signature").unwrap();
        let end = f.text.find("</Signature>").unwrap() + "</Signature>".len();
        let sig = &f.text[start..end];
        let two = f.text.replacen(sig, &format!("{sig}{sig}"), 1);
        assert_eq!(
            verify_posted(&two, &key),
            Err(RequestSignatureError::SignatureCount(2))
        );
        // A signature that is not the root's child does not sign the root.
        let nested = f.text.replacen(sig, "", 1).replacen(
            "</samlp:RequestedAuthnContext>",
            &format!("{sig}</samlp:RequestedAuthnContext>"),
            1,
        );
        assert_eq!(
            verify_posted(&nested, &key),
            Err(RequestSignatureError::Unsigned)
        );
    }

    #[test]
    fn only_enveloped_signature_and_exc_c14n_are_accepted() {
        let f = posted("python3-saml-post-rsa-sha256.xml");
        let key = right_key(f.sp);
        let enveloped =
            "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>";
        let exc = "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>";
        let c14n10 =
            "<ds:Transform Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>";
        let xpath = "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>not(ancestor-or-self::ds:Signature)</ds:XPath></ds:Transform>";
        for xml in [
            f.text.replacen(exc, c14n10, 1),
            f.text.replacen(exc, "", 1),
            f.text.replacen(enveloped, "", 1),
            f.text.replacen(enveloped, xpath, 1),
            f.text.replacen(exc, &format!("{exc}{exc}"), 1),
            f.text.replacen(
                exc,
                "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#WithComments\"/>",
                1,
            ),
            f.text.replacen(
                exc,
                "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"><ds:Other/></ds:Transform>",
                1,
            ),
            f.text.replacen(
                enveloped,
                "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"><ds:XPath>x</ds:XPath></ds:Transform>",
                1,
            ),
        ] {
            assert_ne!(xml, f.text);
            assert!(
                matches!(
                    verify_posted(&xml, &key),
                    Err(RequestSignatureError::UnsupportedTransform(_))
                ),
                "{:?}",
                verify_posted(&xml, &key)
            );
        }
        let c14n_method =
            "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>";
        let inclusive = f.text.replacen(
            c14n_method,
            "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>",
            1,
        );
        assert!(matches!(
            verify_posted(&inclusive, &key),
            Err(RequestSignatureError::UnsupportedTransform(_))
        ));
    }

    #[test]
    fn posted_algorithms_come_from_the_same_allow_list() {
        assert!(!is_dsa_or_ecdsa(alg::ECDSA_SHA256));
        let f = posted("python3-saml-post-rsa-sha256.xml");
        let key = right_key(f.sp);
        for uri in DSA_OR_ECDSA {
            let xml = f.text.replacen(alg::RSA_SHA256, uri, 1);
            assert_eq!(
                verify_posted(&xml, &key),
                Err(RequestSignatureError::UnsupportedSignatureAlgorithm(
                    uri.to_owned()
                ))
            );
        }
        let hmac = f.text.replacen(alg::RSA_SHA256, dsig::HMAC_SHA1, 1);
        assert_eq!(
            verify_posted(&hmac, &key),
            Err(RequestSignatureError::UnsupportedSignatureAlgorithm(
                dsig::HMAC_SHA1.to_owned()
            ))
        );
        let md5 = f
            .text
            .replacen(alg::SHA256, "http://www.w3.org/2001/04/xmldsig-more#md5", 1);
        assert!(matches!(
            verify_posted(&md5, &key),
            Err(RequestSignatureError::UnsupportedDigestAlgorithm(_))
        ));
        // A method from the list other than the one signed with.
        let claimed = f.text.replacen(alg::RSA_SHA256, alg::RSA_SHA512, 1);
        assert_eq!(
            verify_posted(&claimed, &key),
            Err(RequestSignatureError::BadSignature)
        );
    }

    #[test]
    fn a_changed_prefix_list_breaks_the_signature() {
        let f = posted("xml-crypto-inclusive-namespaces.xml");
        let key = right_key(f.sp);
        // SignedInfo's own list: changing it changes SignedInfo.
        let xml = f
            .text
            .replacen("PrefixList=\"samlp\"", "PrefixList=\"saml\"", 1);
        assert_eq!(
            verify_posted(&xml, &key),
            Err(RequestSignatureError::BadSignature)
        );
        let f = posted("python-xmlsec-inclusive-namespaces.xml");
        let xml = f.text.replacen(
            "PrefixList=\"#default samlp saml",
            "PrefixList=\"#default samlp",
            1,
        );
        assert_ne!(xml, f.text);
        assert!(matches!(
            verify_posted(&xml, &right_key(f.sp)),
            Err(RequestSignatureError::DigestMismatch | RequestSignatureError::BadSignature)
        ));
    }

    #[test]
    fn verdicts_describe_themselves() {
        let valid = Verdict::Valid {
            algorithm: SignatureAlgorithm::RsaSha256,
        };
        assert_eq!(valid.id(), "valid");
        assert!(valid.describe().contains("rsa-sha256"));
        let invalid: Verdict = Err(RequestSignatureError::DigestMismatch).into();
        assert_eq!(invalid.id(), "invalid");
        assert!(invalid.describe().contains("changed after signing"));
        assert_eq!(
            Verdict::from(Err(RequestSignatureError::Unsigned)).id(),
            "unsigned"
        );
        assert_eq!(
            RequestSignatureError::from(VerifyError::NoSuchId("x".into())),
            RequestSignatureError::Dsig(VerifyError::NoSuchId("x".into()))
        );
    }

    fn der(pem: &str) -> Vec<u8> {
        X509::from_pem(pem.as_bytes()).unwrap().to_der().unwrap()
    }

    #[test]
    fn message_verdicts_use_the_query_when_it_is_signed_and_the_xml_otherwise() {
        let query = redirect_fixtures()[0].text;
        let python = der(PYTHON_CERT);
        let node = der(NODE_CERT);
        assert!(message_verdict(Some(query), "<not-used/>", None, Some(&python)).is_valid());
        assert_eq!(
            message_verdict(Some(query), "<not-used/>", None, Some(&node)),
            Verdict::Invalid {
                reason: RequestSignatureError::BadSignature.to_string()
            }
        );
        assert_eq!(
            message_verdict(Some(query), "<not-used/>", None, None),
            Verdict::NoCertificate
        );
        let f = posted("python3-saml-post-rsa-sha256.xml");
        assert!(message_verdict(None, f.text, None, Some(&python)).is_valid());
        // A Redirect query without a signature: the XML's own signature is what counts.
        let unsigned_query = without(&without(query, "Signature"), "SigAlg");
        assert!(message_verdict(Some(&unsigned_query), f.text, None, Some(&python)).is_valid());
        assert!(matches!(
            message_verdict(None, &tamper_issuer(f.text), None, Some(&python)),
            Verdict::Invalid { .. }
        ));
        assert!(matches!(
            message_verdict(None, f.text, None, Some(b"not a certificate")),
            Verdict::Invalid { reason } if reason.contains("not usable")
        ));
    }

    #[test]
    fn a_certificate_carried_in_the_request_is_never_used() {
        // node-saml's POST request carries node-sp.crt in its KeyInfo; checked against another
        // SP's certificate it is invalid, whatever KeyInfo holds.
        let f = posted("node-saml-post-rsa-sha256.xml");
        assert!(f.text.contains("X509Certificate"));
        assert!(matches!(
            message_verdict(None, f.text, None, Some(&der(PYTHON_CERT))),
            Verdict::Invalid { .. }
        ));
        assert_eq!(
            message_verdict(None, f.text, None, None),
            Verdict::NoCertificate
        );
    }

    fn judgement(verdict: Verdict, required: Option<Requirement>) -> Judgement {
        Judgement {
            verdict,
            sp: "https://sp.example/metadata".into(),
            required,
        }
    }

    #[test]
    fn strict_mode_refuses_invalid_and_missing_required_signatures() {
        let valid = Verdict::Valid {
            algorithm: SignatureAlgorithm::RsaSha256,
        };
        let invalid = Verdict::from(Err(RequestSignatureError::BadSignature));
        for required in [None, Some(Requirement::Sp), Some(Requirement::Idp)] {
            let j = judgement(valid.clone(), required);
            assert_eq!(j.refusal(), None);
            assert_eq!(j.warning(), None);
            let j = judgement(invalid.clone(), required);
            let refusal = j.refusal().unwrap().to_string();
            assert_eq!(
                refusal,
                "the AuthnRequest's signature is invalid: the signature does not verify with \
                 the certificate registered for https://sp.example/metadata"
            );
            assert!(j.warning().unwrap().contains("strict mode refuses it"));
        }
        assert_eq!(judgement(Verdict::Unsigned, None).refusal(), None);
        assert_eq!(judgement(Verdict::Unsigned, None).warning(), None);
        let unsigned = judgement(Verdict::Unsigned, Some(Requirement::Sp));
        assert!(unsigned
            .refusal()
            .unwrap()
            .to_string()
            .contains("https://sp.example/metadata is registered as signing its AuthnRequests"));
        assert!(judgement(Verdict::Unsigned, Some(Requirement::Idp))
            .refusal()
            .unwrap()
            .to_string()
            .contains("WantAuthnRequestsSigned"));
        let unchecked = judgement(Verdict::NoCertificate, None);
        assert_eq!(unchecked.refusal(), None);
        assert!(unchecked.warning().unwrap().contains("not checked"));
        assert!(matches!(
            judgement(Verdict::NoCertificate, Some(Requirement::Sp)).refusal(),
            Some(SignatureRefusal::NoCertificate { .. })
        ));
        let sha1 = judgement(
            Verdict::Valid {
                algorithm: SignatureAlgorithm::RsaSha1,
            },
            None,
        );
        assert_eq!(sha1.refusal(), None);
        assert!(sha1.warning().unwrap().contains("signed with rsa-sha1"));
    }

    #[test]
    fn judgements_take_the_certificate_and_the_requirement_from_the_sp() {
        let query = redirect_fixtures()[0].text;
        let mut sp = ServiceProvider::new("https://python-sp.example/metadata");
        let j = Judgement::of(&sp.entity_id, Some(&sp), false, Some(query), "", None);
        assert_eq!(
            (j.verdict.clone(), j.required),
            (Verdict::NoCertificate, None)
        );
        sp.certificate = Some(der(PYTHON_CERT));
        sp.authn_requests_signed = true;
        let j = Judgement::of(&sp.entity_id, Some(&sp), false, Some(query), "", None);
        assert!(j.verdict.is_valid());
        assert_eq!(j.required, Some(Requirement::Sp));
        assert_eq!(
            j.summary(),
            "valid: signed with rsa-sha256; verifies with the certificate registered for \
             https://python-sp.example/metadata"
        );
        let j = Judgement::of("https://stranger.example", None, true, None, "<x/>", None);
        assert_eq!(j.required, Some(Requirement::Idp));
        assert_eq!(
            j.verdict.id(),
            "invalid",
            "not XML a signature can be read from"
        );
    }
}
