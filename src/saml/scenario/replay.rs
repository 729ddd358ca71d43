//! Replay: a response the SP has already consumed, and a second answer to a request it has
//! already had answered (saml-profiles 4.1.4.5, one-time use).
//!
//! Both need the server: it keeps, per SP, the last response posted and the request before the
//! current one.

use super::{Expected, Family, Scenario, ShapeContext, Special};
use crate::saml::response::ResponseSpec;

pub const ALL: &[Scenario] = &[
    Scenario {
        special: Some(Special::Replay),
        ..Scenario::new(
            "replay",
            Family::Replay,
            "Replay of the previous response",
            "Posts the previous response sent to this SP again, byte for byte: same IDs, same signatures, still inside its validity window. The SP already consumed that assertion, so it must remember its ID until the assertion expires and refuse it the second time.",
            "saml-profiles 4.1.4.5 (the SP keeps used assertion IDs until they expire, so bearer assertions are not replayed)",
            Expected::Reject("the assertion ID was already used"),
        )
    },
    Scenario {
        shape: Some(previous_request),
        special: Some(Special::PreviousRequest),
        ..Scenario::new(
            "reused-request-id",
            Family::Replay,
            "Second answer to an answered request",
            "A fresh, validly signed response (new IDs, current times) whose Response and bearer SubjectConfirmationData InResponseTo name this SP's previous request, which an earlier response already answered, instead of the current one. An SP must accept at most one response per request.",
            "saml-profiles 4.1.4.3 (InResponseTo must equal the ID of the original request), 4.1.4.5 (no replay)",
            Expected::Reject("the request this response answers was already answered"),
        )
    },
];

/// Answers the SP's previous request instead of the current one.
fn previous_request(spec: &mut ResponseSpec, ctx: &ShapeContext<'_>) {
    let Some(previous) = ctx.previous_request_id else {
        return;
    };
    spec.in_response_to = Some(previous.to_owned());
    if let Some(c) = spec
        .assertion
        .as_mut()
        .and_then(|a| a.confirmation.as_mut())
    {
        c.in_response_to = Some(previous.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::super::addressing::tests::{at, shaped};
    use super::super::{find, testkit, Special, VALID};

    #[test]
    fn replay_is_left_to_the_server_and_changes_nothing_in_the_engine() {
        let s = find("replay").unwrap();
        assert_eq!(s.special, Some(Special::Replay));
        assert!(s.shape.is_none() && s.signing.is_none() && s.tamper.is_none());
        assert!(s.encode.is_none());
        // Were it issued, it would be the valid response: the server re-posts an earlier one.
        assert_eq!(testkit::run(s).xml, testkit::run(&VALID).xml);
    }

    #[test]
    fn reused_request_id_answers_the_previous_request_everywhere() {
        let doc = shaped("reused-request-id", |r| {
            r.set_attr("InResponseTo", testkit::PREVIOUS_REQUEST_ID);
            at(
                r,
                &[
                    "Assertion",
                    "Subject",
                    "SubjectConfirmation",
                    "SubjectConfirmationData",
                ],
            )
            .set_attr("InResponseTo", testkit::PREVIOUS_REQUEST_ID);
        });
        assert_eq!(doc.attribute("InResponseTo"), Some("_req0"));
        let out = testkit::run(find("reused-request-id").unwrap());
        assert_eq!(out.request_id.as_deref(), Some("_req0"));
        assert!(!out.xml.contains("_req1"));
    }
}
