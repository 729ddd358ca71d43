//! IdP sessions: after a login the browser holds a cookie naming a session here, so later
//! AuthnRequests (from any SP) can be answered as the same user with one click, `IsPassive`
//! requests without any, and a logout knows which SPs to tell. In memory only, bounded.

use std::collections::HashMap;
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

use crate::saml::issue::SessionInfo;
use crate::saml::nameid::NameId;

/// The session cookie.
pub const COOKIE: &str = "mock_idp_session";
/// How long a session lasts after its authentication.
pub const LIFETIME: Duration = Duration::hours(8);
/// Most sessions kept; the oldest go first.
const MAX_SESSIONS: usize = 10_000;

/// One SP the session logged into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participation {
    pub sp_entity_id: String,
    pub name_id: NameId,
    pub session_index: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: String,
    pub user: String,
    pub info: SessionInfo,
    /// In login order, one entry per SP (the latest login's NameID and SessionIndex).
    pub sps: Vec<Participation>,
}

impl Session {
    fn expired(&self, now: OffsetDateTime) -> bool {
        now >= self.info.authn_instant + LIFETIME
    }
}

#[derive(Debug, Default)]
pub struct Sessions {
    inner: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Starts a session for `user`, authenticated `now`.
    pub fn start(
        &self,
        id: String,
        user: &str,
        session_index: String,
        now: OffsetDateTime,
    ) -> Session {
        let session = Session {
            id: id.clone(),
            user: user.to_owned(),
            info: SessionInfo {
                authn_instant: now,
                session_index,
            },
            sps: Vec::new(),
        };
        let mut map = self.lock();
        map.retain(|_, s| !s.expired(now));
        if map.len() >= MAX_SESSIONS {
            if let Some(oldest) = map
                .values()
                .min_by_key(|s| s.info.authn_instant)
                .map(|s| s.id.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(id, session.clone());
        session
    }

    /// The live session with this id.
    pub fn get(&self, id: &str, now: OffsetDateTime) -> Option<Session> {
        self.lock().get(id).filter(|s| !s.expired(now)).cloned()
    }

    /// Records that the session logged into an SP.
    pub fn joined(&self, id: &str, p: Participation) {
        if let Some(s) = self.lock().get_mut(id) {
            s.sps.retain(|x| x.sp_entity_id != p.sp_entity_id);
            s.sps.push(p);
        }
    }

    /// Removes one SP from the session; returns what is left of it.
    pub fn left(&self, id: &str, sp_entity_id: &str) -> Option<Session> {
        let mut map = self.lock();
        let s = map.get_mut(id)?;
        s.sps.retain(|x| x.sp_entity_id != sp_entity_id);
        Some(s.clone())
    }

    /// Ends the session.
    pub fn end(&self, id: &str) -> Option<Session> {
        self.lock().remove(id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // Every update is a single map operation, so a poisoned lock still holds a whole map.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-01-01 00:00 UTC);

    fn name_id(v: &str) -> NameId {
        NameId {
            format: "f".into(),
            value: v.into(),
            name_qualifier: None,
            sp_name_qualifier: None,
        }
    }

    #[test]
    fn a_session_remembers_its_sps_and_expires() {
        let s = Sessions::default();
        s.start("_s1".into(), "alice", "_idx".into(), T0);
        s.joined(
            "_s1",
            Participation {
                sp_entity_id: "a".into(),
                name_id: name_id("1"),
                session_index: "_idx".into(),
            },
        );
        s.joined(
            "_s1",
            Participation {
                sp_entity_id: "b".into(),
                name_id: name_id("2"),
                session_index: "_idx".into(),
            },
        );
        s.joined(
            "_s1",
            Participation {
                sp_entity_id: "a".into(),
                name_id: name_id("3"),
                session_index: "_idx".into(),
            },
        );
        let got = s.get("_s1", T0 + Duration::hours(1)).unwrap();
        assert_eq!(got.user, "alice");
        let sps: Vec<_> = got
            .sps
            .iter()
            .map(|p| (p.sp_entity_id.as_str(), p.name_id.value.as_str()))
            .collect();
        assert_eq!(sps, [("b", "2"), ("a", "3")]);
        assert!(s.get("_s1", T0 + LIFETIME).is_none());
        assert_eq!(s.left("_s1", "b").unwrap().sps.len(), 1);
        assert!(s.end("_s1").is_some());
        assert!(s.get("_s1", T0).is_none());
    }
}
