//! Base64 as SAML messages carry it, in one place: the standard alphabet for everything we
//! write, and the two rules received values are read with.
//!
//! Values inside XML (DigestValue, SignatureValue, CipherValue, certificates) are often wrapped
//! over lines, so both decoders drop ASCII whitespace first. [`decode_b64`] then accepts a value
//! whose padding was stripped, as some SPs send it; [`decode_padded`] wants the padding every
//! XML-DSig and XML Encryption library writes. [`LENIENT`] is the engine behind the first, for
//! callers that clean the value their own way (the binding parameters). [`Base64`] is a value
//! we wrote, which the pages and the API can copy as it is. A leaf: this module uses nothing else
//! of the crate.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

pub use base64::engine::general_purpose::STANDARD;
pub use base64::DecodeError;

/// The standard alphabet with padding optional on the way in: some SPs strip it.
pub const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Base64 of some bytes in the standard alphabet with its padding, as the HTTP-POST binding
/// carries a message: made only by [`Base64::encode`], so it holds nothing but `A`–`Z`, `a`–`z`,
/// `0`–`9`, `+` and `/`, then at most two `=`. Nothing in it needs escaping in JSON, and in
/// HTML only the padding does; the pages and the API write it without looking at every byte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Base64(String);

impl Base64 {
    pub fn encode(bytes: &[u8]) -> Self {
        Base64(STANDARD.encode(bytes))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value without its padding, and how many `=` the padding has (0 to 2).
    pub fn split_padding(&self) -> (&str, usize) {
        let unpadded = self.0.trim_end_matches('=');
        (unpadded, self.0.len() - unpadded.len())
    }
}

impl std::ops::Deref for Base64 {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl From<Base64> for String {
    fn from(b: Base64) -> String {
        b.0
    }
}

impl serde::Serialize for Base64 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// `s` without ASCII whitespace: the line breaks and indentation of a wrapped value.
fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_ascii_whitespace()).collect()
}

/// The bytes of a base64 value, ASCII whitespace ignored and padding optional; `None` when it
/// is not base64.
pub fn decode_b64(s: &str) -> Option<Vec<u8>> {
    LENIENT.decode(compact(s)).ok()
}

/// The bytes of a base64 value, ASCII whitespace ignored, padding required as written.
pub fn decode_padded(s: &str) -> Result<Vec<u8>, DecodeError> {
    STANDARD.decode(compact(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_ignore_ascii_whitespace_only_the_lenient_one_missing_padding() {
        let wrapped = "PGE+\r\n  PC9h\tPg==\n";
        assert_eq!(decode_b64(wrapped).as_deref(), Some(&b"<a></a>"[..]));
        assert_eq!(decode_padded(wrapped).as_deref(), Ok(&b"<a></a>"[..]));
        assert_eq!(decode_b64("PGE+PC9hPg").as_deref(), Some(&b"<a></a>"[..]));
        assert!(decode_padded("PGE+PC9hPg").is_err());
        // Not whitespace to either: a no-break space, and the base64url alphabet.
        assert_eq!(decode_b64("PGE+\u{a0}PC9hPg=="), None);
        assert!(decode_padded("PGE+\u{a0}PC9hPg==").is_err());
        assert_eq!(decode_b64("PGE-PC9hPg=="), None);
        assert!(decode_padded("PGE-PC9hPg==").is_err());
        assert_eq!(STANDARD.encode(b"<a></a>"), "PGE+PC9hPg==");
    }

    #[test]
    fn base64_holds_only_its_alphabet_and_a_final_padding() {
        let bytes: Vec<u8> = (0..=255).collect();
        for len in 0..bytes.len() {
            let b = Base64::encode(&bytes[..len]);
            let (unpadded, padding) = b.split_padding();
            assert!(padding <= 2, "{b:?}");
            assert_eq!(unpadded.len() + padding, b.len());
            assert!(
                unpadded
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/'),
                "{b:?}"
            );
            assert_eq!(decode_padded(&b).as_deref(), Ok(&bytes[..len]));
        }
        assert_eq!(Base64::default().as_str(), "");
        assert_eq!(
            serde_json::to_string(&Base64::encode(b"<a></a>"))
                .ok()
                .as_deref(),
            Some("\"PGE+PC9hPg==\"")
        );
    }
}
