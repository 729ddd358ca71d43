//! Base64 as SAML messages carry it, in one place: the standard alphabet for everything we
//! write, and the two rules received values are read with.
//!
//! Values inside XML (DigestValue, SignatureValue, CipherValue, certificates) are often wrapped
//! over lines, so both decoders drop ASCII whitespace first. [`decode_b64`] then accepts a value
//! whose padding was stripped, as some SPs send it; [`decode_padded`] wants the padding every
//! XML-DSig and XML Encryption library writes. [`LENIENT`] is the engine behind the first, for
//! callers that clean the value their own way (the binding parameters). A leaf: this module uses
//! nothing else of the crate.

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
}
