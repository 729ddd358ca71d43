//! Responses waiting on the review page, by a random token. Where a reviewed response goes
//! (the ACS resolved for its login) and its RelayState are kept here, never taken from the
//! review form, so the form cannot send an assertion anywhere else. Bounded in count and
//! bytes; an entry expires after [`TTL`].

use std::collections::HashMap;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

use crate::saml::dsig::Algorithms;

/// How long a response waits for its review.
pub const TTL: Duration = Duration::minutes(30);
/// Most responses waiting at once.
const MAX_PENDING: usize = 100;
/// Most bytes of XML waiting at once.
const MAX_BYTES: usize = 32 * 1024 * 1024;

/// One response on the review page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The ACS resolved for the login: the only place it is posted to.
    pub acs_url: String,
    pub relay_state: Option<String>,
    pub sp: String,
    pub user: String,
    pub scenario: &'static str,
    /// The response as issued.
    pub issued_xml: String,
    /// The text shown for editing: when it comes back unchanged, `issued_xml` is posted.
    pub shown: String,
    /// What a signature without a usable SignatureMethod is re-signed with.
    pub algorithms: Algorithms,
    /// Its inspector entry.
    pub exchange: Option<u64>,
    pub held_at: OffsetDateTime,
}

impl Pending {
    fn size(&self) -> usize {
        self.issued_xml.len() + self.shown.len()
    }
}

#[derive(Debug, Default)]
pub struct Reviews {
    inner: Mutex<HashMap<String, Pending>>,
}

impl Reviews {
    /// Keeps `pending` under `token`, dropping expired entries, then the oldest, to stay
    /// within bounds.
    pub fn hold(&self, token: String, pending: Pending, now: OffsetDateTime) {
        let mut map = self.lock();
        map.retain(|_, p| now - p.held_at < TTL);
        let size = pending.size();
        while !map.is_empty()
            && (map.len() >= MAX_PENDING
                || map.values().map(Pending::size).sum::<usize>() + size > MAX_BYTES)
        {
            let oldest = map
                .iter()
                .min_by_key(|(_, p)| p.held_at)
                .map(|(t, _)| t.clone());
            if let Some(t) = oldest {
                map.remove(&t);
            }
        }
        map.insert(token, pending);
    }

    /// The response waiting under `token`, if it has not expired.
    pub fn get(&self, token: &str, now: OffsetDateTime) -> Option<Pending> {
        self.lock()
            .get(token)
            .filter(|p| now - p.held_at < TTL)
            .cloned()
    }

    /// Ends the review under `token`; `false` when there was none (posted meanwhile).
    pub fn finish(&self, token: &str) -> bool {
        self.lock().remove(token).is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        // Every update is one insert or removal: a poisoned map is still consistent.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

    fn pending(at: OffsetDateTime) -> Pending {
        Pending {
            acs_url: "https://sp/acs".into(),
            relay_state: None,
            sp: "sp".into(),
            user: "alice".into(),
            scenario: "valid",
            issued_xml: "<r/>".into(),
            shown: "<r/>".into(),
            algorithms: Algorithms::default(),
            exchange: None,
            held_at: at,
        }
    }

    #[test]
    fn an_entry_expires_and_is_finished_once() {
        let r = Reviews::default();
        r.hold("t".into(), pending(T0), T0);
        assert!(r.get("t", T0 + TTL - Duration::SECOND).is_some());
        assert!(r.get("t", T0 + TTL).is_none(), "expired");
        assert!(r.get("other", T0).is_none());
        assert!(r.finish("t"));
        assert!(!r.finish("t"));
    }

    #[test]
    fn the_oldest_go_when_full() {
        let r = Reviews::default();
        for n in 0..MAX_PENDING + 3 {
            let at = T0 + Duration::seconds(n as i64);
            r.hold(format!("t{n}"), pending(at), at);
        }
        let now = T0 + Duration::seconds(200);
        assert!(r.get("t0", now).is_none());
        assert!(r.get("t3", now).is_some());
        assert_eq!(r.lock().len(), MAX_PENDING);
        // Expired ones go first.
        r.hold("late".into(), pending(T0 + TTL * 2), T0 + TTL * 2);
        assert_eq!(r.lock().len(), 1);
    }
}
