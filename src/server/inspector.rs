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
    /// For a scenario: the response the same login gets without it (same IDs and instant),
    /// which the inspector marks the scenario's changes against.
    pub valid_xml: Option<String>,
    /// Held on the review page before posting; then how it was posted.
    pub review: Option<Review>,
}

/// What became of a response held for review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Review {
    /// On the review page, not posted (yet).
    Held,
    /// Posted; `issued_xml` is the response as issued when the posted one differs from it.
    Posted {
        how: Posted,
        issued_xml: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    /// Not edited: the issued bytes.
    Unchanged,
    /// Edited and posted as typed: signatures over the edit no longer verify.
    AsTyped,
    /// Edited and re-signed with the IdP's key.
    Resigned,
}

impl Review {
    /// A few words for the inspector.
    pub fn describe(&self) -> &'static str {
        match self {
            Review::Held => "held for review, not posted",
            Review::Posted {
                how: Posted::Unchanged,
                ..
            } => "reviewed, posted unchanged",
            Review::Posted {
                how: Posted::AsTyped,
                ..
            } => "edited, posted as typed (not re-signed)",
            Review::Posted {
                how: Posted::Resigned,
                ..
            } => "edited, re-signed",
        }
    }
}

impl Exchange {
    fn size(&self) -> usize {
        let issued = match &self.review {
            Some(Review::Posted {
                issued_xml: Some(x),
                ..
            }) => x.len(),
            _ => 0,
        };
        self.response_xml.len()
            + self.request_xml.as_ref().map_or(0, String::len)
            + self.valid_xml.as_ref().map_or(0, String::len)
            + issued
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
        ring.trim();
        ring.next
    }

    /// Newest first.
    pub fn recent(&self) -> Vec<Exchange> {
        self.lock().exchanges.iter().rev().cloned().collect()
    }

    pub fn get(&self, seq: u64) -> Option<Exchange> {
        self.lock().exchanges.iter().find(|e| e.seq == seq).cloned()
    }

    /// Marks the newest exchange that issued exactly `response_xml` as held for review, and
    /// returns its number.
    pub fn hold(&self, response_xml: &str) -> Option<u64> {
        let mut ring = self.lock();
        let e = ring
            .exchanges
            .iter_mut()
            .rev()
            .find(|e| e.review.is_none() && e.response_xml == response_xml)?;
        e.review = Some(Review::Held);
        Some(e.seq)
    }

    /// Records what exchange `seq`, held for review, finally posted; `false` when it is no
    /// longer kept.
    pub fn posted(&self, seq: u64, posted_xml: String, how: Posted) -> bool {
        let mut ring = self.lock();
        let Some(e) = ring.exchanges.iter_mut().find(|e| e.seq == seq) else {
            return false;
        };
        let before = e.size();
        let issued = std::mem::replace(&mut e.response_xml, posted_xml);
        let issued_xml = (issued != e.response_xml).then_some(issued);
        e.review = Some(Review::Posted { how, issued_xml });
        let after = e.size();
        ring.bytes = ring.bytes - before + after;
        ring.trim();
        true
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring> {
        // Updates are whole pushes and pops, so a poisoned lock still holds a consistent ring.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Ring {
    /// Drops the oldest exchanges until the ring is within its bounds (keeping at least one).
    fn trim(&mut self) {
        while self.exchanges.len() > MAX_EXCHANGES
            || (self.bytes > MAX_BYTES && self.exchanges.len() > 1)
        {
            if let Some(old) = self.exchanges.pop_front() {
                self.bytes -= old.size();
            }
        }
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
            valid_xml: None,
            review: None,
        }
    }

    #[test]
    fn a_held_response_is_found_by_its_bytes_and_replaced_by_what_was_posted() {
        let i = Inspector::default();
        let mut e = exchange(0);
        e.response_xml = "<issued/>".into();
        let seq = i.record(e.clone());
        i.record(exchange(3));
        assert_eq!(i.hold("<issued/>"), Some(seq));
        assert_eq!(i.hold("<issued/>"), None, "held once");
        assert_eq!(i.get(seq).unwrap().review, Some(Review::Held));
        assert!(i.posted(seq, "<edited/>".into(), Posted::Resigned));
        let got = i.get(seq).unwrap();
        assert_eq!(got.response_xml, "<edited/>");
        assert_eq!(
            got.review,
            Some(Review::Posted {
                how: Posted::Resigned,
                issued_xml: Some("<issued/>".into())
            })
        );
        assert_eq!(i.lock().bytes, "<edited/><issued/>".len() + 3);
        assert!(!i.posted(99, String::new(), Posted::Unchanged));
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
