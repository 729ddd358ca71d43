//! The recent exchanges, for `/inspector`: what each SP sent and what was posted back. A
//! bounded ring in memory, newest last; bounded in count and in bytes, since a scenario can
//! post a response of more than a mebibyte.

use std::collections::VecDeque;
use std::sync::Mutex;

use time::OffsetDateTime;

/// Most exchanges kept.
const MAX_EXCHANGES: usize = 200;
/// Most bytes of XML kept across all exchanges.
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// One answered login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// Increasing number, the exchange's address in the inspector.
    pub seq: u64,
    pub at: OffsetDateTime,
    pub sp: String,
    pub user: String,
    pub scenario: &'static str,
    /// `redirect`, `post`, or `idp-initiated`.
    pub binding: &'static str,
    /// What is known of the request's signature.
    pub request_signature: String,
    /// The decoded AuthnRequest; `None` for IdP-initiated logins.
    pub request_xml: Option<String>,
    pub response_xml: String,
    pub acs_url: String,
    /// The top-level status code's last segment (`Success`, `Requester`, ...).
    pub status: String,
}

impl Exchange {
    fn size(&self) -> usize {
        self.response_xml.len() + self.request_xml.as_ref().map_or(0, String::len)
    }
}

#[derive(Debug, Default)]
pub struct Inspector {
    inner: Mutex<Ring>,
}

#[derive(Debug, Default)]
struct Ring {
    exchanges: VecDeque<Exchange>,
    bytes: usize,
    next: u64,
}

impl Inspector {
    /// Keeps `exchange` (its `seq` is assigned here) and returns its number.
    pub fn record(&self, mut exchange: Exchange) -> u64 {
        let mut ring = self.lock();
        ring.next += 1;
        exchange.seq = ring.next;
        ring.bytes += exchange.size();
        ring.exchanges.push_back(exchange);
        while ring.exchanges.len() > MAX_EXCHANGES
            || (ring.bytes > MAX_BYTES && ring.exchanges.len() > 1)
        {
            if let Some(old) = ring.exchanges.pop_front() {
                ring.bytes -= old.size();
            }
        }
        ring.next
    }

    /// Newest first.
    pub fn recent(&self) -> Vec<Exchange> {
        self.lock().exchanges.iter().rev().cloned().collect()
    }

    pub fn get(&self, seq: u64) -> Option<Exchange> {
        self.lock().exchanges.iter().find(|e| e.seq == seq).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        // Updates are whole pushes and pops, so a poisoned lock still holds a consistent ring.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn exchange(xml_len: usize) -> Exchange {
        Exchange {
            seq: 0,
            at: datetime!(2026-01-01 00:00 UTC),
            sp: "sp".into(),
            user: "alice".into(),
            scenario: "valid",
            binding: "redirect",
            request_signature: "unsigned".into(),
            request_xml: None,
            response_xml: "x".repeat(xml_len),
            acs_url: "https://sp/acs".into(),
            status: "Success".into(),
        }
    }

    #[test]
    fn keeps_the_newest_within_count_and_bytes() {
        let i = Inspector::default();
        for _ in 0..MAX_EXCHANGES + 5 {
            i.record(exchange(10));
        }
        let recent = i.recent();
        assert_eq!(recent.len(), MAX_EXCHANGES);
        assert_eq!(recent[0].seq, (MAX_EXCHANGES + 5) as u64);
        assert!(i.get(1).is_none());
        let big = i.record(exchange(MAX_BYTES));
        assert_eq!(i.recent().len(), 1, "one huge exchange pushes the rest out");
        assert!(i.get(big).is_some());
    }
}
