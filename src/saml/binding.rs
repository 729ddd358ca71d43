//! The SAML bindings' transport encodings (saml-bindings 3.4 HTTP-Redirect, 3.5 HTTP-POST).
//!
//! Redirect carries base64 of raw DEFLATE (RFC 1951) in the query string; POST carries base64
//! of the XML itself. SPs differ in practice (zlib-wrapped deflate on Redirect, deflate on
//! POST, plain XML on Redirect), so decoding accepts all three and reports which arrived.
//! Inflation is capped: a small deflated payload can expand a thousandfold.
//!
//! Encoding for Redirect ([`encode_redirect`]) writes exactly what 3.4.4.1 prescribes: raw
//! DEFLATE, base64, form-urlencoded with uppercase escapes, the parameters in the order
//! `SAMLRequest|SAMLResponse`, `RelayState`, `SigAlg`, and the `Signature` over those bytes.

use std::cell::RefCell;
use std::io::Write;

use base64::Engine as _;
use flate2::write::DeflateEncoder;
use flate2::{Compression, Decompress, FlushDecompress, Status};
use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use super::b64::{Base64, DecodeError, LENIENT, STANDARD};
use super::dsig::{DsigError, SignatureAlgorithm};

/// The Redirect-binding query signer, defined in dsig beside the keys that implement it.
pub use super::dsig::QuerySigner;

/// Largest base64 message parameter accepted.
pub const MAX_ENCODED_LEN: usize = 256 * 1024;
/// Largest decoded (inflated) message accepted.
pub const MAX_DECODED_LEN: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    /// HTTP-Redirect: the message in the query string.
    Redirect,
    /// HTTP-POST: the message in a form field.
    Post,
}

impl Binding {
    pub fn id(self) -> &'static str {
        match self {
            Binding::Redirect => "redirect",
            Binding::Post => "post",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "redirect" => Some(Binding::Redirect),
            "post" => Some(Binding::Post),
            _ => None,
        }
    }
}

/// How the decoded message was packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Raw DEFLATE, as saml-bindings 3.4.4.1 prescribes for HTTP-Redirect.
    RawDeflate,
    /// DEFLATE inside a zlib wrapper (RFC 1950): not per spec, but some SPs send it.
    Zlib,
    /// Plain XML: what HTTP-POST prescribes.
    Uncompressed,
}

impl Encoding {
    /// Short name used in the API: `deflate`, `zlib`, `none`.
    pub fn id(self) -> &'static str {
        match self {
            Encoding::RawDeflate => "deflate",
            Encoding::Zlib => "zlib",
            Encoding::Uncompressed => "none",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Encoding::RawDeflate => "raw DEFLATE (as HTTP-Redirect prescribes)",
            Encoding::Zlib => "zlib-wrapped DEFLATE (not per spec, accepted)",
            Encoding::Uncompressed => "uncompressed XML",
        }
    }

    /// The binding this packing belongs to, for callers that did not say.
    pub fn likely_binding(self) -> Binding {
        match self {
            Encoding::Uncompressed => Binding::Post,
            Encoding::RawDeflate | Encoding::Zlib => Binding::Redirect,
        }
    }
}

/// A decoded protocol message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub xml: String,
    pub encoding: Encoding,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BindingError {
    #[error("the SAMLRequest parameter is empty")]
    Empty,
    #[error("the SAMLRequest parameter is {0} bytes; at most {MAX_ENCODED_LEN} are accepted")]
    TooLong(usize),
    #[error("the SAMLRequest parameter is not valid base64: {0}")]
    Base64(String),
    #[error("the SAMLRequest is neither XML nor DEFLATE-compressed XML (raw or zlib); compressed data that was cut short reads this way too")]
    NotXmlOrDeflate,
    #[error("the SAMLRequest inflates to more than {MAX_DECODED_LEN} bytes")]
    InflatesTooLarge,
    #[error("the decoded SAMLRequest is not UTF-8 text")]
    NotUtf8,
}

/// Decodes a `SAMLRequest` (or `SAMLResponse`) parameter, whichever binding it came by.
pub fn decode(param: &str) -> Result<Decoded, BindingError> {
    if param.len() > MAX_ENCODED_LEN {
        return Err(BindingError::TooLong(param.len()));
    }
    let cleaned = cleaned(param);
    if cleaned.is_empty() {
        return Err(BindingError::Empty);
    }
    let bytes = LENIENT
        .decode(cleaned.as_bytes())
        .map_err(|e| BindingError::Base64(base64_problem(&e)))?;

    if looks_like_xml(&bytes) {
        let xml = String::from_utf8(bytes).map_err(|_| BindingError::NotUtf8)?;
        return Ok(Decoded {
            xml,
            encoding: Encoding::Uncompressed,
        });
    }
    // Raw deflate first: it is what the Redirect binding sends.
    for (encoding, zlib) in [(Encoding::RawDeflate, false), (Encoding::Zlib, true)] {
        match inflate_capped(&bytes, zlib) {
            Ok(out) if looks_like_xml(&out) => {
                let xml = String::from_utf8(out).map_err(|_| BindingError::NotUtf8)?;
                return Ok(Decoded { xml, encoding });
            }
            Err(BindingError::InflatesTooLarge) => return Err(BindingError::InflatesTooLarge),
            _ => {}
        }
    }
    Err(BindingError::NotXmlOrDeflate)
}

/// A parameter's base64 as sent: form decoding turns an unescaped '+' into a space, and line
/// breaks are common in POST.
fn cleaned(param: &str) -> String {
    param
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\t'))
        .map(|c| if c == ' ' { '+' } else { c })
        .collect()
}

/// Base64 of the XML, as an HTTP-POST form field carries it.
pub fn encode_post(xml: &str) -> Base64 {
    Base64::encode(xml.as_bytes())
}

/// The query parameter a message travels in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageParam {
    /// `SAMLRequest`: AuthnRequest, LogoutRequest.
    SamlRequest,
    /// `SAMLResponse`: Response, LogoutResponse.
    SamlResponse,
}

impl MessageParam {
    pub fn name(self) -> &'static str {
        match self {
            MessageParam::SamlRequest => "SAMLRequest",
            MessageParam::SamlResponse => "SAMLResponse",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EncodeError {
    #[error("DEFLATE failed: {0}")]
    Deflate(#[from] std::io::Error),
    #[error("signing the query failed: {0}")]
    Signing(#[from] DsigError),
}

/// Base64 of the raw DEFLATE (RFC 1951, no zlib wrapper) of `xml`: the value of the
/// HTTP-Redirect message parameter before URL-encoding.
pub fn deflate_base64(xml: &str) -> Result<String, EncodeError> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(xml.as_bytes())?;
    Ok(STANDARD.encode(encoder.finish()?))
}

/// The HTTP-Redirect query string (without `?`) carrying `message_xml` in `param`
/// (saml-bindings 3.4.4.1): `SAMLRequest=...&RelayState=...&SigAlg=...&Signature=...`.
///
/// With `signing`, `SigAlg` and `Signature` are added; the signature covers the query bytes
/// exactly as written here, up to and excluding `&Signature=`. A message sent this way must not
/// carry an enveloped `ds:Signature` of its own (3.4.4.1 says to remove it): build it unsigned.
/// `relay_state` is echoed as given, even empty; 3.4.3's 80-byte limit binds the SP that chose it.
pub fn encode_redirect(
    message_xml: &str,
    param: MessageParam,
    relay_state: Option<&str>,
    signing: Option<(&dyn QuerySigner, SignatureAlgorithm)>,
) -> Result<String, EncodeError> {
    let mut query = format!(
        "{}={}",
        param.name(),
        form_urlencode(&deflate_base64(message_xml)?)
    );
    if let Some(relay) = relay_state {
        query.push_str("&RelayState=");
        query.push_str(&form_urlencode(relay));
    }
    if let Some((signer, algorithm)) = signing {
        query.push_str("&SigAlg=");
        query.push_str(&form_urlencode(algorithm.uri()));
        let signature = signer.sign_query(algorithm, query.as_bytes())?;
        query.push_str("&Signature=");
        query.push_str(&form_urlencode(&STANDARD.encode(signature)));
    }
    Ok(query)
}

/// `endpoint` with `query` appended: after `?`, or after `&` when the endpoint already has a
/// query string of its own (saml-bindings 3.4.4.1 lets it keep one).
pub fn redirect_url(endpoint: &str, query: &str) -> String {
    let separator = match endpoint.split_once('?') {
        None => "?",
        Some((_, "")) => "",
        Some((_, existing)) if existing.ends_with('&') => "",
        Some(_) => "&",
    };
    format!("{endpoint}{separator}{query}")
}

/// application/x-www-form-urlencoded serialisation of one value, with uppercase escapes:
/// ASCII letters, digits and `-._` stay, a space becomes `+`, every other byte of the UTF-8
/// becomes `%XX`. So base64's `+`, `/` and `=` are escaped, and a URI's `:` and `/` too.
///
/// This is PHP's `urlencode` exactly, and what serde_urlencoded and browsers write except that
/// `*` is escaped too: SPs that re-encode the decoded parameters to check a Redirect signature
/// (php-saml, python3-saml by default) escape `*`, and escaping it costs nothing elsewhere.
/// python3-saml alone keeps `~` as it is; PHP, Java and browsers escape it, as here.
pub fn form_urlencode(value: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len() * 3 / 2);
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(HEX[usize::from(b >> 4)]));
                out.push(char::from(HEX[usize::from(b & 0x0F)]));
            }
        }
    }
    out
}

thread_local! {
    /// This thread's inflater (some 11 kB of Huffman tables and state), set back to its start
    /// before each use instead of allocated and cleared for every message.
    static INFLATER: RefCell<Box<DecompressorOxide>> = RefCell::new(Box::default());
}

/// `input` inflated (zlib-wrapped if `zlib`), at most [`MAX_DECODED_LEN`] bytes of it, with the
/// outcome flate2's readers give (a test holds it to them on the whole fuzzing corpus): the
/// output ends at the end of the stream (what follows it is ignored); a stream cut short, or
/// corrupt anywhere before the cap, is an error.
fn inflate_capped(input: &[u8], zlib: bool) -> Result<Vec<u8>, BindingError> {
    inflate_in_place(input, zlib).unwrap_or_else(|| inflate_streaming(input, zlib))
}

/// Inflates into the message's own buffer, which is also the window that back-references
/// read: no 32 kB window is cleared, and copied out of, for every message as flate2's
/// streaming inflater does. `None` for a stream it refuses (corrupt, cut short, or reaching
/// back before its start, which flate2's window, all zeros at first, lets through): those
/// are left to [`inflate_streaming`], whose outcome is flate2's.
fn inflate_in_place(input: &[u8], zlib: bool) -> Option<Result<Vec<u8>, BindingError>> {
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF
        | if zlib {
            inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
        } else {
            0
        };
    // Room for one byte past the cap, so that a larger message is seen as one.
    let limit = MAX_DECODED_LEN + 1;
    INFLATER.with_borrow_mut(|inflater| {
        inflater.init();
        let mut out = vec![0; input.len().saturating_mul(4).clamp(1024, limit)];
        let (mut read, mut written) = (0, 0);
        loop {
            let rest = input.get(read..).unwrap_or_default();
            let (status, consumed, produced) = decompress(inflater, rest, &mut out, written, flags);
            read += consumed;
            written += produced;
            match status {
                TINFLStatus::Done if written <= MAX_DECODED_LEN => {
                    out.truncate(written);
                    return Some(Ok(out));
                }
                TINFLStatus::HasMoreOutput if out.len() < limit => {
                    out.resize(out.len().saturating_mul(2).min(limit), 0);
                }
                TINFLStatus::Done | TINFLStatus::HasMoreOutput => {
                    return Some(Err(BindingError::InflatesTooLarge))
                }
                _ => return None,
            }
        }
    })
}

/// [`inflate_capped`] with flate2's streaming inflater, driven as its readers drive it: input
/// without a flush until it runs out, then with `Finish`. Used for the streams the in-place
/// inflater refuses, which no SP's deflater writes, so a new inflater each time.
fn inflate_streaming(input: &[u8], zlib: bool) -> Result<Vec<u8>, BindingError> {
    let mut inflater = Decompress::new(zlib);
    let mut out = Vec::with_capacity(input.len().saturating_mul(4).clamp(1024, MAX_DECODED_LEN));
    loop {
        if out.len() == out.capacity() {
            // Room for one byte past the cap, so that a larger message is seen as one.
            out.reserve_exact(out.capacity().min(MAX_DECODED_LEN + 1 - out.len()));
        }
        let rest = usize::try_from(inflater.total_in())
            .ok()
            .and_then(|at| input.get(at..))
            .unwrap_or_default();
        let flush = if rest.is_empty() {
            FlushDecompress::Finish
        } else {
            FlushDecompress::None
        };
        let before = out.len();
        let status = inflater
            .decompress_vec(rest, &mut out, flush)
            .map_err(|_| BindingError::NotXmlOrDeflate)?;
        if out.len() > MAX_DECODED_LEN {
            return Err(BindingError::InflatesTooLarge);
        }
        if out.len() == before {
            match status {
                Status::StreamEnd => return Ok(out),
                // A stream that needs more input than there is: cut short.
                _ if rest.is_empty() => return Err(BindingError::NotXmlOrDeflate),
                _ => {}
            }
        }
    }
}

/// What is wrong with a base64 value, in words a tester can act on.
fn base64_problem(e: &DecodeError) -> String {
    match e {
        DecodeError::InvalidByte(offset, byte) => {
            let hint = if matches!(byte, b'-' | b'_') {
                "; this is base64url, but the SAML bindings use standard base64 (+ and /)"
            } else {
                ""
            };
            format!(
                "character {:?} at offset {offset} is not in the standard base64 alphabet \
                 (A-Z, a-z, 0-9, +, /){hint}",
                char::from(*byte)
            )
        }
        DecodeError::InvalidLength(n) => {
            format!("{n} base64 characters cannot encode whole bytes (the value is cut short?)")
        }
        other => other.to_string(),
    }
}

/// XML starts with `<`, after an optional UTF-8 byte-order mark and whitespace.
fn looks_like_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::ZlibEncoder;
    use openssl::pkey::PKey;

    const XML: &str = "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"/>";

    fn raw_deflate(data: &[u8]) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn decodes_raw_deflate_zlib_and_plain_and_says_which() {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
        z.write_all(XML.as_bytes()).unwrap();
        let cases = [
            (
                STANDARD.encode(raw_deflate(XML.as_bytes())),
                Encoding::RawDeflate,
            ),
            (STANDARD.encode(z.finish().unwrap()), Encoding::Zlib),
            (STANDARD.encode(XML), Encoding::Uncompressed),
        ];
        for (param, encoding) in cases {
            assert_eq!(
                decode(&param),
                Ok(Decoded {
                    xml: XML.into(),
                    encoding
                })
            );
        }
    }

    #[test]
    fn tolerates_spaces_for_plus_line_breaks_and_missing_padding() {
        let b64 = STANDARD.encode(raw_deflate(XML.as_bytes()));
        let mangled = b64.replace('+', " ").trim_end_matches('=').to_owned();
        let wrapped: String = mangled
            .as_bytes()
            .chunks(20)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\r\n");
        assert_eq!(decode(&wrapped).unwrap().xml, XML);
    }

    #[test]
    fn refuses_bad_base64_garbage_and_empty() {
        assert!(matches!(decode("***"), Err(BindingError::Base64(_))));
        assert_eq!(
            decode(&STANDARD.encode([0xde, 0xad, 0xbe, 0xef])),
            Err(BindingError::NotXmlOrDeflate)
        );
        assert_eq!(decode(""), Err(BindingError::Empty));
        assert_eq!(
            decode(&STANDARD.encode([0x3c, 0xff, 0xfe])),
            Err(BindingError::NotUtf8)
        );
    }

    #[test]
    fn caps_inflation() {
        let bomb = raw_deflate(&vec![b'<'; MAX_DECODED_LEN + 10]);
        assert!(bomb.len() < 10_000);
        assert_eq!(
            decode(&STANDARD.encode(bomb)),
            Err(BindingError::InflatesTooLarge)
        );
        assert_eq!(
            decode(&"A".repeat(MAX_ENCODED_LEN + 4)),
            Err(BindingError::TooLong(MAX_ENCODED_LEN + 4))
        );
    }

    #[test]
    fn form_urlencoding_matches_serde_urlencoded_but_for_the_star_and_escapes_base64_specials() {
        let samples = [
            "abcXYZ019",
            "a+b/c==",
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "two words & more; 100% ~-._!'()",
            "Zoë Łukasiewicz-Müller \u{1F600}",
            "\t\r\n\0",
        ];
        for s in samples {
            let theirs = serde_urlencoded::to_string([("k", s)]).unwrap();
            assert_eq!(format!("k={}", form_urlencode(s)), theirs, "{s:?}");
        }
        assert_eq!(form_urlencode("+/="), "%2B%2F%3D");
        assert_eq!(form_urlencode("*~"), "%2A%7E");
        assert_eq!(form_urlencode("a b"), "a+b");
        assert_eq!(form_urlencode("é"), "%C3%A9");
    }

    #[test]
    fn redirect_query_has_the_parameters_in_order_and_decodes_back() {
        let key = PKey::private_key_from_pem(include_bytes!("../../tests/fixtures/keys/test.key"))
            .unwrap();
        let q = encode_redirect(
            XML,
            MessageParam::SamlRequest,
            Some("r s"),
            Some((&key as &dyn QuerySigner, SignatureAlgorithm::RsaSha256)),
        )
        .unwrap();
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&q).unwrap();
        let names: Vec<_> = pairs.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["SAMLRequest", "RelayState", "SigAlg", "Signature"]);
        assert_eq!(
            decode(&pairs[0].1),
            Ok(Decoded {
                xml: XML.into(),
                encoding: Encoding::RawDeflate
            })
        );
        assert_eq!(pairs[1].1, "r s");
        assert!(q.contains("&RelayState=r+s&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature="));
        // Deterministic: DEFLATE and RSA PKCS#1 v1.5 signatures are.
        let again = encode_redirect(
            XML,
            MessageParam::SamlRequest,
            Some("r s"),
            Some((&key as &dyn QuerySigner, SignatureAlgorithm::RsaSha256)),
        )
        .unwrap();
        assert_eq!(q, again);
        let unsigned = encode_redirect(XML, MessageParam::SamlResponse, None, None).unwrap();
        assert!(unsigned.starts_with("SAMLResponse=") && !unsigned.contains('&'));
    }

    #[test]
    fn redirect_url_appends_to_an_existing_query() {
        assert_eq!(redirect_url("https://sp/slo", "a=1"), "https://sp/slo?a=1");
        assert_eq!(
            redirect_url("https://sp/slo?x=y", "a=1"),
            "https://sp/slo?x=y&a=1"
        );
        assert_eq!(redirect_url("https://sp/slo?", "a=1"), "https://sp/slo?a=1");
        assert_eq!(
            redirect_url("https://sp/slo?x=y&", "a=1"),
            "https://sp/slo?x=y&a=1"
        );
    }
}

/// [`inflate_capped`] drives the inflater itself; flate2's readers, which it replaced, are the
/// reference for what comes out of any input, and the fuzzing corpus holds inputs of every
/// kind (truncated, corrupt, trailing data, bombs).
#[cfg(test)]
mod inflate_as_flate2_reads {
    use super::*;
    use flate2::bufread::{DeflateDecoder, ZlibDecoder};
    use std::io::Read;

    fn by_reader(reader: Box<dyn Read + '_>) -> Result<Vec<u8>, BindingError> {
        let mut out = Vec::new();
        reader
            .take(MAX_DECODED_LEN as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|_| BindingError::NotXmlOrDeflate)?;
        if out.len() > MAX_DECODED_LEN {
            return Err(BindingError::InflatesTooLarge);
        }
        Ok(out)
    }

    #[test]
    fn every_corpus_input_inflates_as_flate2_reads_it() {
        let (mut compared, mut in_place_decided) = (0, 0);
        for dir in ["fuzz/corpus/binding_decode", "fuzz/seeds/binding_decode"] {
            for entry in std::fs::read_dir(dir).unwrap() {
                let data = std::fs::read(entry.unwrap().path()).unwrap();
                let Ok(bytes) = LENIENT.decode(cleaned(&String::from_utf8_lossy(&data))) else {
                    continue;
                };
                for zlib in [false, true] {
                    let expected = if zlib {
                        by_reader(Box::new(ZlibDecoder::new(&bytes[..])))
                    } else {
                        by_reader(Box::new(DeflateDecoder::new(&bytes[..])))
                    };
                    let got = inflate_capped(&bytes, zlib);
                    assert_eq!(format!("{got:?}"), format!("{expected:?}"), "zlib: {zlib}");
                    // The fallback alone, on every input, not only on those it is used for.
                    let streaming = inflate_streaming(&bytes, zlib);
                    assert_eq!(format!("{streaming:?}"), format!("{expected:?}"));
                    compared += 1;
                    if let Some(in_place) = inflate_in_place(&bytes, zlib) {
                        assert_eq!(format!("{in_place:?}"), format!("{expected:?}"));
                        in_place_decided += 1;
                    }
                }
            }
        }
        assert!(compared > 1000, "only {compared} inputs inflated");
        // Most inputs of the corpus are broken; the in-place inflater must still decide many.
        assert!(
            in_place_decided > 100,
            "the in-place inflater decided only {in_place_decided}"
        );
    }
}
