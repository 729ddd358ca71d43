//! What the server remembers between logins, per service provider: the last response it
//! issued (for the `replay` scenario) and the last request it answered (for
//! `reused-request-id`). In memory only, and bounded.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::saml::issue::IssuedResponse;

/// Most SPs remembered; beyond this the memory is cleared (permissive mode answers any
/// entity ID, so their number is not bounded by configuration).
const MAX_SPS: usize = 1024;

#[derive(Debug, Default)]
pub struct History {
    inner: Mutex<HashMap<String, Entry>>,
}

#[derive(Debug, Clone, Default)]
struct Entry {
    last_response: Option<IssuedResponse>,
    last_request_id: Option<String>,
}

impl History {
    /// Remembers a response issued to `sp`, answering `request_id` (None: IdP-initiated).
    pub fn record(&self, sp: &str, request_id: Option<&str>, issued: &IssuedResponse) {
        let mut map = self.lock();
        if map.len() >= MAX_SPS && !map.contains_key(sp) {
            map.clear();
        }
        let entry = map.entry(sp.to_owned()).or_default();
        entry.last_response = Some(issued.clone());
        if let Some(id) = request_id {
            entry.last_request_id = Some(id.to_owned());
        }
    }

    pub fn last_response(&self, sp: &str) -> Option<IssuedResponse> {
        self.lock().get(sp).and_then(|e| e.last_response.clone())
    }

    /// The request `sp` sent before the one being answered now.
    pub fn previous_request(&self, sp: &str) -> Option<String> {
        self.lock().get(sp).and_then(|e| e.last_request_id.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock cannot leave the map half-written (every update is a
        // single insert), so a poisoned lock is still safe to use.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::response::StatusSpec;

    fn issued(id: &str) -> IssuedResponse {
        IssuedResponse {
            acs_url: "https://sp/acs".into(),
            response_id: id.into(),
            request_id: None,
            status: StatusSpec::success(),
            xml: String::new(),
            saml_response: String::new(),
            name_id: None,
            session_index: None,
        }
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
        assert!(h.lock().len() <= MAX_SPS);
    }
}
