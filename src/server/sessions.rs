//! IdP sessions: after a login the browser holds a cookie naming a session here, so later
//! AuthnRequests (from any SP) can be answered as the same user with one click, `IsPassive`
//! requests without any, and a logout knows which SPs to tell. A logout in progress is kept
//! here too, keyed by its session, until every SP has answered. In memory only, bounded.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use time::{Duration, OffsetDateTime};

use crate::saml::issue::SessionInfo;
use crate::saml::nameid::NameId;
use crate::saml::slo::Logout;

/// The session cookie.
pub const COOKIE: &str = "mock_idp_session";
/// How long a session lasts after its authentication.
pub const LIFETIME: Duration = Duration::hours(8);
/// Most sessions kept; the oldest go first.
const MAX_SESSIONS: usize = 10_000;
/// Most logouts in progress kept; the oldest go first.
const MAX_LOGOUTS: usize = 1_000;
/// Most SPs one session remembers having reached, and the bytes they may take: beyond either,
/// the SP reached longest ago is forgotten (a later logout does not tell it). A session is
/// copied on every request that reads it, and permissive mode answers any entity ID.
pub const MAX_SPS_PER_SESSION: usize = 32;
pub const MAX_SESSION_SP_BYTES: usize = 16 * 1024;

/// One SP the session logged into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participation {
    pub sp_entity_id: String,
    pub name_id: NameId,
    pub session_index: String,
}

impl Participation {
    /// The bytes of its strings, for the session's budget.
    fn bytes(&self) -> usize {
        self.sp_entity_id.len() + self.session_index.len() + self.name_id.text_bytes()
    }
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
    /// Session ids in the order they started, with their AuthnInstant: the oldest is at the
    /// front, so expiry and eviction take O(1) per login instead of a scan of every session.
    /// May name sessions already ended; it is compacted when it grows past twice the bound.
    started: Mutex<VecDeque<(OffsetDateTime, String)>>,
    /// Logouts in progress, by session id.
    logouts: Mutex<HashMap<String, Logout>>,
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
        let mut started = self.started.lock().unwrap_or_else(|p| p.into_inner());
        while let Some((at, old)) = started.front() {
            if now < *at + LIFETIME && map.len() < MAX_SESSIONS {
                break;
            }
            map.remove(old);
            started.pop_front();
        }
        if started.len() > 2 * MAX_SESSIONS {
            started.retain(|(_, id)| map.contains_key(id));
        }
        started.push_back((now, id.clone()));
        map.insert(id, session.clone());
        session
    }

    /// The live session with this id.
    pub fn get(&self, id: &str, now: OffsetDateTime) -> Option<Session> {
        self.lock().get(id).filter(|s| !s.expired(now)).cloned()
    }

    /// Records that the session logged into an SP; past [`MAX_SPS_PER_SESSION`] SPs or
    /// [`MAX_SESSION_SP_BYTES`], the SP reached longest ago is forgotten.
    pub fn joined(&self, id: &str, p: Participation) {
        if let Some(s) = self.lock().get_mut(id) {
            s.sps.retain(|x| x.sp_entity_id != p.sp_entity_id);
            s.sps.push(p);
            let mut bytes: usize = s.sps.iter().map(Participation::bytes).sum();
            let mut drop = 0;
            while s.sps.len() - drop > 1
                && (s.sps.len() - drop > MAX_SPS_PER_SESSION || bytes > MAX_SESSION_SP_BYTES)
            {
                bytes -= s.sps[drop].bytes();
                drop += 1;
            }
            if drop > 0 {
                tracing::warn!(
                    session_sps = s.sps.len(),
                    forgotten = drop,
                    "a session reached more service providers than it keeps; the earliest are forgotten and will not be told at logout"
                );
                s.sps.drain(..drop);
            }
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

    /// The live session in which `sp` took part as `accept` says: the one named by `preferred`
    /// (the browser's cookie) first, then any other. Also says how close the best miss came,
    /// as `accept` reported it for the cookie's session.
    pub fn find_participant<M: Copy>(
        &self,
        preferred: Option<&str>,
        sp: &str,
        now: OffsetDateTime,
        accept: impl Fn(&Participation) -> Result<(), M>,
    ) -> Result<(Session, Participation), Option<M>> {
        let map = self.lock();
        let mut miss = None;
        let candidates = preferred
            .and_then(|id| map.get(id))
            .into_iter()
            .chain(map.values().filter(|s| Some(s.id.as_str()) != preferred));
        for s in candidates.filter(|s| !s.expired(now)) {
            for p in s.sps.iter().filter(|p| p.sp_entity_id == sp) {
                match accept(p) {
                    Ok(()) => return Ok((s.clone(), p.clone())),
                    Err(m) if miss.is_none() && Some(s.id.as_str()) == preferred => miss = Some(m),
                    Err(_) => {}
                }
            }
        }
        Err(miss)
    }

    /// Keeps a logout in progress (replacing any of the same session).
    pub fn put_logout(&self, logout: Logout, now: OffsetDateTime) {
        let mut map = self.logouts();
        map.retain(|_, l| !l.expired(now));
        if map.len() >= MAX_LOGOUTS && !map.contains_key(&logout.session_id) {
            if let Some(oldest) = map
                .values()
                .min_by_key(|l| l.started)
                .map(|l| l.session_id.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(logout.session_id.clone(), logout);
    }

    /// The logout in progress of this session.
    pub fn logout(&self, session_id: &str, now: OffsetDateTime) -> Option<Logout> {
        self.logouts()
            .get(session_id)
            .filter(|l| !l.expired(now))
            .cloned()
    }

    /// The logout waiting for the answer to the LogoutRequest `request_id`: the browser's own
    /// session's first, then any.
    pub fn logout_sent(
        &self,
        preferred: Option<&str>,
        request_id: &str,
        now: OffsetDateTime,
    ) -> Option<Logout> {
        let map = self.logouts();
        let live = |l: &&Logout| !l.expired(now) && l.sent(request_id).is_some();
        preferred
            .and_then(|id| map.get(id))
            .filter(live)
            .or_else(|| map.values().find(live))
            .cloned()
    }

    /// Forgets the logout of this session: it is finished.
    pub fn finish_logout(&self, session_id: &str) -> Option<Logout> {
        self.logouts().remove(session_id)
    }

    fn logouts(&self) -> std::sync::MutexGuard<'_, HashMap<String, Logout>> {
        self.logouts.lock().unwrap_or_else(|p| p.into_inner())
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

    fn joined(s: &Sessions, id: &str, sp: &str, value: &str) {
        s.joined(
            id,
            Participation {
                sp_entity_id: sp.into(),
                name_id: name_id(value),
                session_index: format!("{id}-idx"),
            },
        );
    }

    #[test]
    fn the_oldest_sessions_go_first_when_full_and_expired_ones_are_dropped() {
        let s = Sessions::default();
        for i in 0..MAX_SESSIONS {
            s.start(format!("_s{i}"), "alice", "_idx".into(), T0);
        }
        s.start(
            "_late".into(),
            "bruno",
            "_idx".into(),
            T0 + Duration::hours(1),
        );
        assert!(s.get("_s0", T0).is_none(), "the oldest is evicted");
        assert!(s.get("_s1", T0).is_some());
        assert_eq!(s.lock().len(), MAX_SESSIONS);

        // Ended sessions leave ids behind in the start order; they are compacted away.
        for i in 0..3 * MAX_SESSIONS {
            let id = format!("_e{i}");
            s.start(id.clone(), "alice", "_idx".into(), T0 + Duration::hours(1));
            s.end(&id);
        }
        assert!(s.started.lock().unwrap().len() <= 2 * MAX_SESSIONS + 1);

        // Past the lifetime of the first ones, a new login sweeps them out.
        s.start("_next".into(), "alice", "_idx".into(), T0 + LIFETIME);
        assert!(s.get("_s1", T0 + LIFETIME).is_none());
        assert_eq!(
            s.lock().len(),
            2,
            "only _late and _next are left: {:?}",
            s.lock().keys().collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_session_keeps_a_bounded_list_of_sps_the_latest_last() {
        let s = Sessions::default();
        s.start("_s1".into(), "alice", "_idx".into(), T0);
        for i in 0..1000 {
            joined(&s, "_s1", &format!("https://sp{i}.example/"), "alice");
        }
        let got = s.get("_s1", T0).unwrap();
        assert_eq!(got.sps.len(), MAX_SPS_PER_SESSION);
        assert_eq!(
            got.sps.last().unwrap().sp_entity_id,
            "https://sp999.example/"
        );
        // Long entity IDs: the byte budget holds first.
        s.start("_s2".into(), "alice", "_idx".into(), T0);
        for i in 0..100 {
            joined(&s, "_s2", &format!("{i}{}", "e".repeat(1000)), "alice");
        }
        let got = s.get("_s2", T0).unwrap();
        let bytes: usize = got.sps.iter().map(Participation::bytes).sum();
        assert!(bytes <= MAX_SESSION_SP_BYTES, "{bytes}");
        assert!(got.sps.len() < MAX_SPS_PER_SESSION && !got.sps.is_empty());
        assert!(got.sps.last().unwrap().sp_entity_id.starts_with("99"));
    }

    #[test]
    fn a_participant_is_found_in_the_cookie_session_first_then_in_any() {
        let s = Sessions::default();
        s.start("_s1".into(), "alice", "_s1-idx".into(), T0);
        s.start("_s2".into(), "bruno", "_s2-idx".into(), T0);
        joined(&s, "_s1", "a", "alice");
        joined(&s, "_s2", "a", "bruno");
        let by_value = |v: &'static str| {
            move |p: &Participation| {
                if p.name_id.value == v {
                    Ok(())
                } else {
                    Err("other")
                }
            }
        };
        let (found, p) = s
            .find_participant(Some("_s1"), "a", T0, by_value("bruno"))
            .unwrap();
        assert_eq!(
            (found.id.as_str(), p.session_index.as_str()),
            ("_s2", "_s2-idx")
        );
        assert_eq!(
            s.find_participant(Some("_s1"), "a", T0, by_value("zoe")),
            Err(Some("other"))
        );
        assert_eq!(
            s.find_participant(None, "b", T0, by_value("zoe")),
            Err(None)
        );
    }

    #[test]
    fn logouts_are_kept_by_session_found_by_request_and_expire() {
        use crate::saml::dsig::SignatureAlgorithm;
        use crate::saml::slo::progress::LIFETIME as LOGOUT_LIFETIME;
        use crate::saml::slo::{Outcome, Recipient};
        let s = Sessions::default();
        let logout = Logout {
            id: "_l1".into(),
            session_id: "_s1".into(),
            user: "alice".into(),
            started: T0,
            initiator: None,
            scenario: None,
            recipients: vec![Recipient {
                sp_entity_id: "a".into(),
                slo_url: Some("https://a/slo".into()),
                issuer: "https://idp.example/metadata".into(),
                algorithm: SignatureAlgorithm::RsaSha256,
                name_id: name_id("1"),
                session_index: "_idx".into(),
                outcome: Outcome::Sent {
                    request_id: "_r1".into(),
                },
                binding: crate::saml::binding::Binding::Redirect,
            }],
        };
        s.put_logout(logout, T0);
        assert!(s.logout("_s1", T0).is_some());
        assert_eq!(s.logout_sent(None, "_r1", T0).unwrap().id, "_l1");
        assert!(s.logout_sent(Some("_s9"), "_r1", T0).is_some());
        assert!(s.logout_sent(None, "_r2", T0).is_none());
        assert!(s.logout("_s1", T0 + LOGOUT_LIFETIME).is_none());
        assert!(s.finish_logout("_s1").is_some());
        assert!(s.logout("_s1", T0).is_none());
    }
}
