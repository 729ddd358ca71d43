//! What the server remembers between logins, per service provider: the last response it
//! issued (for the `replay` scenario) and the last request it answered (for
//! `reused-request-id`). In memory only, and bounded.

use std::collections::HashMap;
use std::sync::Mutex;

use std::sync::Arc;

use crate::saml::issue::IssuedResponse;

/// Most SPs remembered; beyond this the memory is cleared (permissive mode answers any
/// entity ID, so their number is not bounded by configuration).
const MAX_SPS: usize = 1024;
/// The largest response remembered for a replay (its XML and base64 together); a larger one
/// is not kept, and a replay to that SP then has nothing to replay. Responses are a few KiB.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;
/// The bytes of everything remembered; beyond this the memory is cleared, as for the count.
pub const MAX_BYTES: usize = 32 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct History {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<String, Entry>,
    /// The sum of [`Entry::bytes`] over `map`.
    bytes: usize,
}

#[derive(Debug, Clone, Default)]
struct Entry {
    /// Shared with whoever answered the login: never copied.
    last_response: Option<Arc<IssuedResponse>>,
    last_request_id: Option<String>,
}

impl Entry {
    /// The bytes this entry holds under `sp`, near enough for a budget: its strings.
    fn bytes(&self, sp: &str) -> usize {
        sp.len()
            + self.last_request_id.as_ref().map_or(0, String::len)
            + self.last_response.as_deref().map_or(0, response_bytes)
    }
}

fn response_bytes(r: &IssuedResponse) -> usize {
    r.xml.len()
        + r.saml_response.len()
        + r.acs_url.len()
        + r.response_id.len()
        + r.request_id.as_ref().map_or(0, String::len)
        + r.session_index.as_ref().map_or(0, String::len)
        + r.name_id
            .as_ref()
            .map_or(0, crate::saml::nameid::NameId::text_bytes)
}

impl History {
    /// Remembers a response issued to `sp`, answering `request_id` (None: IdP-initiated). A
    /// response larger than [`MAX_RESPONSE_BYTES`] is not kept (an older one is forgotten).
    pub fn record(&self, sp: &str, request_id: Option<&str>, issued: &Arc<IssuedResponse>) {
        let kept = (response_bytes(issued) <= MAX_RESPONSE_BYTES).then(|| Arc::clone(issued));
        // The response this one replaces is dropped once the lock is released: this may be the
        // last reference to it, and freeing it need not hold up the other workers.
        let replaced;
        {
            let mut inner = self.lock();
            let Inner { map, bytes } = &mut *inner;
            if map.len() >= MAX_SPS && !map.contains_key(sp) {
                map.clear();
                *bytes = 0;
            }
            let (key, mut entry) = match map.remove_entry(sp) {
                Some((key, e)) => {
                    *bytes = bytes.saturating_sub(e.bytes(sp));
                    (key, e)
                }
                None => (sp.to_owned(), Entry::default()),
            };
            replaced = std::mem::replace(&mut entry.last_response, kept);
            if let Some(id) = request_id {
                entry.last_request_id = Some(id.to_owned());
            }
            let size = entry.bytes(sp);
            if *bytes + size > MAX_BYTES {
                map.clear();
                *bytes = 0;
            }
            *bytes += size;
            map.insert(key, entry);
        }
        drop(replaced);
    }

    pub fn last_response(&self, sp: &str) -> Option<Arc<IssuedResponse>> {
        self.lock()
            .map
            .get(sp)
            .and_then(|e| e.last_response.clone())
    }

    /// The request `sp` sent before the one being answered now.
    pub fn previous_request(&self, sp: &str) -> Option<String> {
        self.lock()
            .map
            .get(sp)
            .and_then(|e| e.last_request_id.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the map half-written (every update is
        // made under one lock, with no call that panics), so a poisoned lock is still safe.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::b64::Base64;
    use crate::saml::response::StatusSpec;

    fn issued(id: &str) -> Arc<IssuedResponse> {
        Arc::new(IssuedResponse {
            acs_url: "https://sp/acs".into(),
            response_id: id.into(),
            request_id: None,
            status: StatusSpec::success(),
            xml: String::new(),
            saml_response: Base64::default(),
            name_id: None,
            session_index: None,
        })
    }

    #[test]
    fn remembers_the_last_response_and_request_per_sp() {
        let h = History::default();
        assert!(h.last_response("a").is_none());
        h.record("a", Some("_r1"), &issued("_1"));
        h.record("a", None, &issued("_2"));
        h.record("b", Some("_r9"), &issued("_9"));
        assert_eq!(h.last_response("a").unwrap().response_id, "_2");
        assert_eq!(h.previous_request("a").as_deref(), Some("_r1"));
        assert_eq!(h.previous_request("b").as_deref(), Some("_r9"));
    }

    #[test]
    fn stays_bounded() {
        let h = History::default();
        for i in 0..MAX_SPS + 10 {
            h.record(&format!("sp{i}"), None, &issued("_x"));
        }
        assert!(h.lock().map.len() <= MAX_SPS);
    }

    #[test]
    fn stays_within_its_byte_budget_and_keeps_no_oversized_response() {
        let h = History::default();
        let big = Arc::new(IssuedResponse {
            xml: "x".repeat(MAX_RESPONSE_BYTES + 1),
            ..Arc::unwrap_or_clone(issued("_big"))
        });
        h.record("a", Some("_r1"), &issued("_1"));
        h.record("a", Some("_r2"), &big);
        assert!(h.last_response("a").is_none(), "too large to keep");
        assert_eq!(h.previous_request("a").as_deref(), Some("_r2"));
        // Responses just under the cap, to as many SPs as the count allows: the bytes stay
        // within the budget, and the accounting matches what is held.
        let large = Arc::new(IssuedResponse {
            xml: "x".repeat(MAX_RESPONSE_BYTES - 100),
            ..Arc::unwrap_or_clone(issued("_l"))
        });
        for i in 0..MAX_SPS {
            h.record(&format!("sp{i}"), Some("_r"), &large);
            let inner = h.lock();
            assert!(inner.bytes <= MAX_BYTES, "{}", inner.bytes);
            let held: usize = inner.map.iter().map(|(k, e)| e.bytes(k)).sum();
            assert_eq!(held, inner.bytes);
        }
        assert!(h.last_response("sp1023").is_some(), "the latest is kept");
    }
}
