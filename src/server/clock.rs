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
        push_hex(&random_bytes(), &mut id);
        id
    }

    /// `_` and a random (version 4) GUID, as AD FS writes IDs.
    fn next_guid_id(&mut self) -> String {
        let mut b = random_bytes();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let mut hex = String::with_capacity(32);
        push_hex(&b, &mut hex);
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

/// Appends `bytes` as lower-case hex digits.
fn push_hex(bytes: &[u8], out: &mut String) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

/// Bytes drawn from the CSPRNG at once for IDs: one draw serves 32 IDs instead of one.
const ID_POOL: usize = 512;

thread_local! {
    /// This thread's unread random bytes for IDs, and how many of them are already used. Every
    /// byte is handed out once; content keys and IVs never come from here.
    static ID_BYTES: std::cell::RefCell<([u8; ID_POOL], usize)> =
        const { std::cell::RefCell::new(([0; ID_POOL], ID_POOL)) };
}

fn random_bytes() -> [u8; 16] {
    ID_BYTES.with_borrow_mut(|(pool, used)| {
        if *used + 16 > ID_POOL {
            fill(pool);
            *used = 0;
        }
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&pool[*used..*used + 16]);
        // Taken bytes are not kept around.
        pool[*used..*used + 16].fill(0);
        *used += 16;
        bytes
    })
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

    #[test]
    fn ids_past_a_pool_of_random_bytes_keep_differing() {
        let mut ids = RandomIds;
        let all: std::collections::HashSet<String> =
            (0..3 * ID_POOL / 16 + 5).map(|_| ids.next_id()).collect();
        assert_eq!(all.len(), 3 * ID_POOL / 16 + 5);
        assert!(!all.contains(&format!("_{}", "0".repeat(32))));
    }

    #[test]
    fn hex_is_two_lower_case_digits_per_byte() {
        let mut out = String::from("_");
        push_hex(&[0x00, 0x0f, 0xab, 0xff], &mut out);
        assert_eq!(out, "_000fabff");
    }
}
