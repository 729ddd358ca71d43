//! The SAML bindings' transport encodings (saml-bindings 3.4 HTTP-Redirect, 3.5 HTTP-POST).
//!
//! Redirect carries base64 of raw DEFLATE (RFC 1951) in the query string; POST carries base64
//! of the XML itself. SPs differ in practice (zlib-wrapped deflate on Redirect, deflate on
//! POST, plain XML on Redirect), so decoding accepts all three and reports which arrived.
//! Inflation is capped: a small deflated payload can expand a thousandfold.

use std::io::Read;

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use flate2::read::{DeflateDecoder, ZlibDecoder};

/// Largest base64 message parameter accepted.
pub const MAX_ENCODED_LEN: usize = 256 * 1024;
/// Largest decoded (inflated) message accepted.
pub const MAX_DECODED_LEN: usize = 1024 * 1024;

/// Padding is optional on the way in: some SPs strip it.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

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
    #[error("the SAMLRequest is neither XML nor DEFLATE-compressed XML (raw or zlib)")]
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
    // Form decoding turns an unescaped '+' into a space; line breaks are common in POST.
    let cleaned: String = param
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\t'))
        .map(|c| if c == ' ' { '+' } else { c })
        .collect();
    if cleaned.is_empty() {
        return Err(BindingError::Empty);
    }
    let bytes = LENIENT
        .decode(cleaned.as_bytes())
        .map_err(|e| BindingError::Base64(e.to_string()))?;

    if looks_like_xml(&bytes) {
        let xml = String::from_utf8(bytes).map_err(|_| BindingError::NotUtf8)?;
        return Ok(Decoded {
            xml,
            encoding: Encoding::Uncompressed,
        });
    }
    let attempts: [(Encoding, Box<dyn Read + '_>); 2] = [
        (
            Encoding::RawDeflate,
            Box::new(DeflateDecoder::new(bytes.as_slice())),
        ),
        (Encoding::Zlib, Box::new(ZlibDecoder::new(bytes.as_slice()))),
    ];
    for (encoding, reader) in attempts {
        match inflate_capped(reader) {
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

/// Base64 of the XML, as an HTTP-POST form field carries it.
pub fn encode_post(xml: &str) -> String {
    STANDARD.encode(xml.as_bytes())
}

fn inflate_capped(reader: Box<dyn Read + '_>) -> Result<Vec<u8>, BindingError> {
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

/// XML starts with `<`, after an optional UTF-8 byte-order mark and whitespace.
fn looks_like_xml(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<')
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::{DeflateEncoder, ZlibEncoder};
    use flate2::Compression;
    use std::io::Write;

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
}
