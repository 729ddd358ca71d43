//! The send pipeline and the checks of a received request, by both bindings and for every
//! logout scenario.

use time::OffsetDateTime;

use super::*;
use crate::saml::binding::{self, Binding, MessageParam};
use crate::saml::dsig::tests::test_signer;
use crate::saml::dsig::{SignatureAlgorithm, Signer};
use crate::saml::logout::{build_logout_request, LogoutRequestSpec, LogoutResponseSpec};
use crate::saml::logout::{parse_logout_request, parse_logout_response};
use crate::saml::nameid::NameId;
use crate::saml::ns;
use crate::saml::request_signature::{self, SignatureStatus};
use crate::saml::response::StatusSpec;
use crate::saml::scenario::logout::{self as catalogue, ALL};
use crate::saml::scenario::logout::{LogoutScenario, LogoutSigning};
use crate::saml::xml::c14n::write_document;
use crate::saml::xml::reader::{parse, Limits};
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);

fn name_id() -> NameId {
    NameId {
        format: ns::nameid::EMAIL.into(),
        value: "zoe@globex.example".into(),
        name_qualifier: None,
        sp_name_qualifier: None,
    }
}

fn request_spec() -> LogoutRequestSpec {
    LogoutRequestSpec {
        id: "_lr1".into(),
        version: "2.0".into(),
        issue_instant: NOW,
        destination: "https://sp.example/slo".into(),
        issuer: "https://idp.example/metadata".into(),
        name_id: name_id(),
        session_indexes: vec!["_s1".into()],
        not_on_or_after: Some(NOW + time::Duration::minutes(5)),
        reason: None,
    }
}

fn response_spec() -> LogoutResponseSpec {
    LogoutResponseSpec {
        id: "_resp1".into(),
        version: "2.0".into(),
        issue_instant: NOW,
        destination: "https://sp.example/slo".into(),
        in_response_to: Some("_sp1".into()),
        issuer: "https://idp.example/metadata".into(),
        status: StatusSpec::success(),
    }
}

fn sending<'a>(
    signer: &'a Signer,
    binding: Binding,
    scenario: Option<&'static LogoutScenario>,
) -> Sending<'a> {
    Sending {
        binding,
        relay_state: Some("back to /home"),
        signer,
        algorithm: SignatureAlgorithm::RsaSha256,
        scenario,
        now: NOW,
    }
}

fn verdict(out: &Outgoing, signer: &Signer) -> SignatureStatus {
    let key = signer.certificate().public_key().unwrap();
    match out.binding {
        Binding::Redirect => {
            let query = out.url.split_once('?').unwrap().1;
            request_signature::redirect_verdict(query, &[key])
        }
        Binding::Post => request_signature::posted_verdict(&out.xml, &[key]),
    }
}

#[test]
fn honest_messages_verify_by_both_bindings() {
    let signer = test_signer();
    for b in [Binding::Redirect, Binding::Post] {
        let out = send_request(request_spec(), &sending(&signer, b, None)).unwrap();
        assert!(verdict(&out, &signer).is_valid(), "{b:?}");
        assert_eq!(out.param, MessageParam::SamlRequest);
        assert_eq!(out.scenario, None);
        let out = send_response(response_spec(), &sending(&signer, b, None)).unwrap();
        assert!(verdict(&out, &signer).is_valid(), "{b:?}");
        match b {
            Binding::Redirect => {
                assert!(out.url.starts_with("https://sp.example/slo?SAMLResponse="));
                assert!(out.url.contains("&RelayState=back+to+%2Fhome&SigAlg="));
                assert!(!out.xml.contains("Signature"));
            }
            Binding::Post => {
                assert_eq!(out.url, "https://sp.example/slo");
                let form = out.form_value.as_deref().unwrap();
                assert_eq!(binding::decode(form).unwrap().xml, out.xml);
            }
        }
    }
}

#[test]
fn each_scenario_breaks_only_the_messages_it_names_with_its_one_defect() {
    let signer = test_signer();
    for s in ALL {
        for b in [Binding::Redirect, Binding::Post] {
            let req = send_request(request_spec(), &sending(&signer, b, Some(s))).unwrap();
            let resp = send_response(response_spec(), &sending(&signer, b, Some(s))).unwrap();
            assert_eq!(req.scenario.is_some(), s.requests, "{}", s.id);
            assert_eq!(resp.scenario.is_some(), s.responses, "{}", s.id);
            let parsed_req = parse_logout_request(&req.xml).unwrap();
            let parsed_resp = parse_logout_response(&resp.xml).unwrap();
            for (out, applies) in [(&req, s.requests), (&resp, s.responses)] {
                let v = verdict(out, &signer);
                match (applies, s.signing) {
                    (true, LogoutSigning::Unsigned) => assert_eq!(v, SignatureStatus::Unsigned),
                    (true, LogoutSigning::Corrupted) => {
                        assert!(
                            matches!(v, SignatureStatus::Invalid { .. }),
                            "{} {v:?}",
                            s.id
                        )
                    }
                    _ => assert!(v.is_valid(), "{} {b:?} {v:?}", s.id),
                }
            }
            let honest_req = parse_logout_request(
                &send_request(request_spec(), &sending(&signer, b, None))
                    .unwrap()
                    .xml,
            )
            .unwrap();
            match s.id {
                "slo-wrong-session-index" => {
                    assert_eq!(parsed_req.session_indexes, [catalogue::WRONG_SESSION_INDEX]);
                    assert_eq!(
                        match_participant(&parsed_req, &name_id(), "_s1"),
                        Err(Mismatch::OtherSession)
                    );
                }
                "slo-wrong-nameid" => {
                    assert_eq!(parsed_req.name_id.value, catalogue::WRONG_NAME_ID);
                    assert_eq!(
                        match_participant(&parsed_req, &name_id(), "_s1"),
                        Err(Mismatch::OtherPrincipal)
                    );
                }
                "slo-expired" => {
                    assert!(parsed_req.not_on_or_after.unwrap() < NOW);
                    assert!(check_request(&parsed_req, &["https://sp.example/slo"], NOW).is_err());
                }
                "slo-status-failure" => {
                    assert_eq!(parsed_resp.status.code, ns::status::RESPONDER)
                }
                "slo-wrong-in-response-to" => assert_eq!(
                    parsed_resp.in_response_to.as_deref(),
                    Some(catalogue::WRONG_IN_RESPONSE_TO)
                ),
                _ => {
                    assert_eq!(parsed_req.session_indexes, honest_req.session_indexes);
                    assert_eq!(parsed_resp.status, StatusSpec::success());
                }
            }
            if !s.requests || s.shape_request.is_none() {
                assert_eq!(
                    match_participant(&parsed_req, &name_id(), "_s1"),
                    Ok(()),
                    "{}",
                    s.id
                );
            }
        }
    }
}

#[test]
fn a_request_is_checked_for_destination_expiry_principal_and_session() {
    let xml = write_document(&build_logout_request(&request_spec()));
    let r = parse_logout_request(&xml).unwrap();
    assert_eq!(check_request(&r, &["https://sp.example/slo"], NOW), Ok(()));
    let wrong = check_request(&r, &["https://idp.example/slo"], NOW).unwrap_err();
    assert_eq!(wrong.sub_code.as_deref(), Some(ns::status::REQUEST_DENIED));
    assert!(wrong.message.unwrap().contains("Destination"));
    let late = NOW + time::Duration::minutes(5);
    assert!(check_request(&r, &["https://sp.example/slo"], late)
        .unwrap_err()
        .message
        .unwrap()
        .contains("expired"));
    assert_eq!(match_participant(&r, &name_id(), "_s1"), Ok(()));
    assert_eq!(
        match_participant(&r, &name_id(), "_s2"),
        Err(Mismatch::OtherSession)
    );
    let mut other = name_id();
    other.value = "bruno@globex.example".into();
    assert_eq!(
        match_participant(&r, &other, "_s1"),
        Err(Mismatch::OtherPrincipal)
    );
    let status = no_session_status(&r, Some(Mismatch::OtherSession));
    assert_eq!(
        status.sub_code.as_deref(),
        Some(ns::status::UNKNOWN_PRINCIPAL)
    );
}

#[test]
fn the_final_status_is_success_or_partial_logout() {
    let step = |outcome| Recipient {
        sp_entity_id: "b".into(),
        slo_url: Some("https://b/slo".into()),
        issuer: "https://idp.example/metadata".into(),
        algorithm: SignatureAlgorithm::RsaSha256,
        name_id: name_id(),
        session_index: "_s1".into(),
        outcome,
        binding: crate::saml::binding::Binding::Redirect,
    };
    let mut l = Logout {
        id: "_l".into(),
        session_id: "_s".into(),
        user: "zoe".into(),
        started: NOW,
        initiator: None,
        scenario: None,
        recipients: vec![
            step(Outcome::Waiting),
            step(Outcome::Sent {
                request_id: "_r".into(),
            }),
        ],
    };
    assert_eq!(l.sent("_r"), Some(1));
    assert_eq!(l.sent("_x"), None);
    let waiting = |l: &Logout| l.recipients.iter().any(|r| r.outcome == Outcome::Waiting);
    assert!(waiting(&l));
    assert!(l.waits_for_an_answer());
    l.give_up();
    assert!(!waiting(&l));
    assert!(!l.waits_for_an_answer());
    let s = l.final_status();
    assert!(s.is_success());
    assert_eq!(s.sub_code.as_deref(), Some(ns::status::PARTIAL_LOGOUT));
    l.recipients = vec![step(Outcome::Answered {
        status: StatusSpec::success(),
        signature: "valid".into(),
    })];
    assert_eq!(l.final_status(), StatusSpec::success());
    // The signed XML of a POST message parses back (the signature sits after the Issuer).
    let signer = test_signer();
    let out = send_response(response_spec(), &sending(&signer, Binding::Post, None)).unwrap();
    let doc = parse(out.xml.as_bytes(), Limits::default()).unwrap();
    assert!(doc.first(ns::DSIG, "Signature").is_some());
}
