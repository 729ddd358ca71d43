//! HTTP-Redirect (saml-bindings 3.4.4.1): the signature over the raw query string, whose
//! signed octets are rebuilt from the parameter values exactly as they arrived.

use openssl::pkey::{PKey, Public};

use super::{
    first_valid, signature_algorithm, verify_signature_value, RequestSignatureError,
    SignatureStatus, Verified,
};
use crate::saml::b64::decode_b64;

/// The query parameters of the HTTP-Redirect binding that take part in a signature; none of
/// them may appear twice.
pub const REDIRECT_PARAMETERS: [&str; 5] = [
    "SAMLRequest",
    "SAMLResponse",
    "RelayState",
    "SigAlg",
    "Signature",
];

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
pub(super) fn percent_decode(s: &str, plus_is_space: bool) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                // Exactly two hex digits: `u8::from_str_radix` alone would take "+F".
                let hex = bytes.get(i + 1..i + 3)?;
                if !hex.iter().all(u8::is_ascii_hexdigit) {
                    return None;
                }
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
/// is [`SignatureStatus::NoCertificate`] (or [`SignatureStatus::Invalid`] when its parameters
/// are unusable).
pub fn redirect_verdict(raw_query: &str, keys: &[PKey<Public>]) -> SignatureStatus {
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
