//! The one place that reads the wall clock and draws randomness (IDs, and the content keys and
//! IVs of encrypted assertions); the engine gets both as parameters (clippy.toml forbids them
//! everywhere else).

use time::OffsetDateTime;

use crate::saml::issue::IdSource;

/// The current time, UTC.
#[allow(clippy::disallowed_methods, reason = "this is the clock")]
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Fresh random xs:IDs: `_` and 32 hex digits (128 bits from openssl's CSPRNG), as
/// saml-core 1.3.4 asks of identifiers that must not be guessable.
#[derive(Debug, Default)]
pub struct RandomIds;

impl IdSource for RandomIds {
    fn next_id(&mut self) -> String {
        let mut id = String::with_capacity(33);
        id.push('_');
        for b in random_bytes() {
            id.push_str(&format!("{b:02x}"));
        }
        id
    }

    /// `_` and a random (version 4) GUID, as AD FS writes IDs.
    fn next_guid_id(&mut self) -> String {
        let mut b = random_bytes();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "_{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    fn fill_random(&mut self, buf: &mut [u8]) {
        fill(buf);
    }
}

fn random_bytes() -> [u8; 16] {
    let mut bytes = [0u8; 16];
    fill(&mut bytes);
    bytes
}

fn fill(buf: &mut [u8]) {
    #[allow(clippy::disallowed_methods, reason = "this is the randomness source")]
    if openssl::rand::rand_bytes(buf).is_err() {
        // The CSPRNG failing is not recoverable and must not yield a predictable ID or key.
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_xs_ids_and_differ() {
        let mut ids = RandomIds;
        let (a, b) = (ids.next_id(), ids.next_id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 33);
        assert!(a.starts_with('_') && a[1..].chars().all(|c| c.is_ascii_hexdigit()));
        let g = ids.next_guid_id();
        assert_eq!(g.len(), 37);
        assert_eq!(g.matches('-').count(), 4);
        assert_eq!(&g[15..16], "4");
        let (mut k1, mut k2) = ([0u8; 32], [0u8; 32]);
        ids.fill_random(&mut k1);
        ids.fill_random(&mut k2);
        assert_ne!(k1, k2);
        assert_ne!(k1, [0u8; 32]);
    }
}
