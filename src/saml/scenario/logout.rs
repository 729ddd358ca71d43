//! Logout scenarios: one deliberate defect in a LogoutRequest or LogoutResponse we send.
//!
//! A list of its own, apart from the response [`catalogue`](super::catalogue): these shape the
//! single-logout messages of [`slo`](crate::saml::slo), never a login. `GET /api/scenarios`
//! lists them with the family `logout`; a login refuses them.
//!
//! Each names the messages it applies to. `slo-unsigned` and `slo-bad-signature` break every
//! logout message of the flow; the request defects (`slo-wrong-session-index`,
//! `slo-wrong-nameid`, `slo-expired`) apply to the LogoutRequests the IdP sends (IdP-initiated
//! logout, and propagation to the other SPs of a session); the response defects
//! (`slo-status-failure`, `slo-wrong-in-response-to`) to the LogoutResponse that answers an
//! SP's own LogoutRequest.

use ::time::{Duration, OffsetDateTime};

use super::{Expected, Severity};
use crate::saml::logout::{LogoutRequestSpec, LogoutResponseSpec};
use crate::saml::ns;

/// The family id and title `GET /api/scenarios` gives these.
pub const FAMILY: &str = "logout";
pub const FAMILY_TITLE: &str = "Single logout";

/// How a logout message is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogoutSigning {
    /// With the IdP key: the query signature (HTTP-Redirect) or an enveloped one (HTTP-POST).
    #[default]
    Signed,
    /// Not at all.
    Unsigned,
    /// Signed, then one bit of the signature value flipped.
    Corrupted,
}

/// What a shape hook may need.
pub struct LogoutShapeContext {
    pub now: OffsetDateTime,
}

pub type RequestHook = fn(&mut LogoutRequestSpec, &LogoutShapeContext);
pub type ResponseHook = fn(&mut LogoutResponseSpec, &LogoutShapeContext);

/// One logout scenario.
#[derive(Debug, Clone, Copy)]
pub struct LogoutScenario {
    pub id: &'static str,
    pub title: &'static str,
    pub explanation: &'static str,
    pub rule: &'static str,
    pub verdict: Expected,
    /// How much it matters when an SP accepts it: medium for every one, since a forged or
    /// stale logout message ends or keeps a session (denial of service, a session that
    /// outlives its logout) but logs nobody in as someone else.
    pub severity: Severity,
    /// Breaks the LogoutRequests the IdP sends.
    pub requests: bool,
    /// Breaks the LogoutResponse the IdP sends.
    pub responses: bool,
    pub shape_request: Option<RequestHook>,
    pub shape_response: Option<ResponseHook>,
    pub signing: LogoutSigning,
}

impl LogoutScenario {
    /// Which messages it breaks, in words.
    pub fn applies_to(&self) -> &'static str {
        match (self.requests, self.responses) {
            (true, true) => "LogoutRequests and LogoutResponses",
            (true, false) => "LogoutRequests (IdP-initiated logout and propagation)",
            _ => "the LogoutResponse to an SP's LogoutRequest",
        }
    }
}

const fn scenario(
    id: &'static str,
    title: &'static str,
    explanation: &'static str,
    rule: &'static str,
    reason: &'static str,
) -> LogoutScenario {
    LogoutScenario {
        id,
        title,
        explanation,
        rule,
        verdict: Expected::Reject(reason),
        severity: Severity::Medium,
        requests: false,
        responses: false,
        shape_request: None,
        shape_response: None,
        signing: LogoutSigning::Signed,
    }
}

/// A SessionIndex no login of this IdP ever issued.
pub const WRONG_SESSION_INDEX: &str = "_00000000000000000000000000000bad";
/// A principal nobody logged in as.
pub const WRONG_NAME_ID: &str = "nobody-logged-in-as-this@mock-idp.invalid";
/// The InResponseTo of `slo-wrong-in-response-to`: the ID of no request.
pub const WRONG_IN_RESPONSE_TO: &str = "_00000000000000000000000000000bad";

pub const UNSIGNED: LogoutScenario = LogoutScenario {
    requests: true,
    responses: true,
    signing: LogoutSigning::Unsigned,
    ..scenario(
        "slo-unsigned",
        "Unsigned logout message",
        "The LogoutRequest or LogoutResponse carries no signature: no SigAlg and Signature in \
         the query (HTTP-Redirect), no ds:Signature (HTTP-POST). Anyone could have sent it.",
        "saml-profiles 4.4.4.1, 4.4.4.2; saml-bindings 3.4.4.1",
        "a logout message must be signed (or authenticated by the binding); an SP that wants \
         signed messages refuses an unsigned one",
    )
};

pub const BAD_SIGNATURE: LogoutScenario = LogoutScenario {
    requests: true,
    responses: true,
    signing: LogoutSigning::Corrupted,
    ..scenario(
        "slo-bad-signature",
        "Logout message with a broken signature",
        "Signed with the IdP key, then one bit of the signature value flipped: the query \
         signature (HTTP-Redirect) or the enveloped SignatureValue (HTTP-POST) no longer \
         verifies with the IdP certificate.",
        "saml-bindings 3.4.4.1, 3.5.4; saml-core 5.4",
        "the signature does not verify with the IdP certificate",
    )
};

pub const WRONG_SESSION_INDEX_SCENARIO: LogoutScenario = LogoutScenario {
    requests: true,
    shape_request: Some(|spec, _| spec.session_indexes = vec![WRONG_SESSION_INDEX.into()]),
    ..scenario(
        "slo-wrong-session-index",
        "LogoutRequest for another session",
        "The LogoutRequest names the right principal but a SessionIndex that no assertion of \
         this session carried. It asks the SP to end a session it does not have.",
        "saml-core 3.7.1, 3.7.3.2",
        "the SessionIndex is not the one of the SP's session with this user: the SP must not \
         end the user's current session",
    )
};

pub const WRONG_NAME_ID_SCENARIO: LogoutScenario = LogoutScenario {
    requests: true,
    shape_request: Some(|spec, _| spec.name_id.value = WRONG_NAME_ID.into()),
    ..scenario(
        "slo-wrong-nameid",
        "LogoutRequest for another principal",
        "The LogoutRequest carries the right SessionIndex but the NameID of someone else.",
        "saml-core 3.7.1, 3.7.3.2",
        "the NameID is not the one the SP's session was established with: the SP must not end \
         this user's session (status UnknownPrincipal)",
    )
};

pub const EXPIRED: LogoutScenario = LogoutScenario {
    requests: true,
    shape_request: Some(|spec, cx| {
        spec.issue_instant = cx.now - Duration::minutes(10);
        spec.not_on_or_after = Some(cx.now - Duration::minutes(5));
    }),
    ..scenario(
        "slo-expired",
        "Expired LogoutRequest",
        "The LogoutRequest was issued ten minutes ago and its NotOnOrAfter passed five minutes \
         ago.",
        "saml-core 3.7.1 (NotOnOrAfter)",
        "NotOnOrAfter is in the past: the request expired and must not be acted on",
    )
};

pub const STATUS_FAILURE: LogoutScenario = LogoutScenario {
    responses: true,
    shape_response: Some(|spec, _| {
        spec.status.code = ns::status::RESPONDER.into();
        spec.status.sub_code = None;
        spec.status.message = Some("the logout failed at the identity provider".into());
    }),
    ..scenario(
        "slo-status-failure",
        "LogoutResponse with a failure status",
        "A correctly signed LogoutResponse whose top-level status is Responder: the IdP says \
         the logout failed.",
        "saml-core 3.2.2.2, 3.7.2",
        "the status is not Success: the SP must not report the logout as completed",
    )
};

pub const WRONG_IN_RESPONSE_TO_SCENARIO: LogoutScenario = LogoutScenario {
    responses: true,
    shape_response: Some(|spec, _| spec.in_response_to = Some(WRONG_IN_RESPONSE_TO.into())),
    ..scenario(
        "slo-wrong-in-response-to",
        "LogoutResponse to another request",
        "A correctly signed LogoutResponse whose InResponseTo is not the ID of the SP's \
         LogoutRequest.",
        "saml-core 3.2.2",
        "InResponseTo does not name the SP's LogoutRequest: the response answers something \
         else",
    )
};

/// Every logout scenario.
pub const ALL: &[LogoutScenario] = &[
    UNSIGNED,
    BAD_SIGNATURE,
    WRONG_SESSION_INDEX_SCENARIO,
    WRONG_NAME_ID_SCENARIO,
    EXPIRED,
    STATUS_FAILURE,
    WRONG_IN_RESPONSE_TO_SCENARIO,
];

/// The logout scenario with this id.
pub fn find(id: &str) -> Option<&'static LogoutScenario> {
    ALL.iter().find(|s| s.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_apart_from_the_response_catalogue_and_each_changes_something() {
        let mut seen = std::collections::HashSet::new();
        for s in ALL {
            assert!(seen.insert(s.id), "duplicate {}", s.id);
            assert!(s.id.starts_with("slo-"), "{}", s.id);
            assert!(
                super::super::find(s.id).is_none(),
                "{} is also a login",
                s.id
            );
            assert!(s.requests || s.responses, "{} applies to nothing", s.id);
            assert!(
                s.shape_request.is_some()
                    || s.shape_response.is_some()
                    || s.signing != LogoutSigning::Signed,
                "{} changes nothing",
                s.id
            );
            assert!(s.shape_request.is_none() || s.requests, "{}", s.id);
            assert!(s.shape_response.is_none() || s.responses, "{}", s.id);
            assert!(matches!(s.verdict, Expected::Reject(_)), "{}", s.id);
        }
        assert_eq!(find("slo-expired").map(|s| s.id), Some("slo-expired"));
        assert!(find("valid").is_none());
    }
}
