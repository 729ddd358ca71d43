//! The logout state machine at a fixed clock with counter IDs: every path a logout can take.

use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use super::progress::{LIFETIME, REQUEST_LIFETIME};
use super::*;
use crate::saml::binding::Binding;
use crate::saml::dsig::tests::test_signer;
use crate::saml::dsig::{SignatureAlgorithm, Signer};
use crate::saml::issue::SequentialIds;
use crate::saml::logout::{
    parse_logout_request, parse_logout_response, LogoutResponse, LogoutResponseSpec,
};
use crate::saml::nameid::NameId;
use crate::saml::ns;
use crate::saml::response::StatusSpec;

const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);
const IDP: &str = "https://idp.example/metadata";

fn ours() -> Vec<String> {
    vec!["https://idp.example/slo".into()]
}

fn recipient(sp: &str, slo_url: Option<&str>) -> Recipient {
    Recipient {
        sp_entity_id: sp.into(),
        slo_url: slo_url.map(str::to_owned),
        issuer: IDP.into(),
        algorithm: SignatureAlgorithm::RsaSha256,
        name_id: NameId {
            format: ns::nameid::EMAIL.into(),
            value: "zoe@globex.example".into(),
            name_qualifier: None,
            sp_name_qualifier: None,
        },
        session_index: "_session".into(),
        outcome: Outcome::Waiting,
        binding: Binding::Redirect,
    }
}

fn initiator() -> Initiator {
    Initiator {
        sp_entity_id: "https://a.example".into(),
        request_id: "_from_a".into(),
        slo_url: "https://a.example/slo".into(),
        issuer: IDP.into(),
        binding: Binding::Post,
        relay_state: Some("back home".into()),
        algorithm: SignatureAlgorithm::RsaSha256,
        request_xml: "<samlp:LogoutRequest/>".into(),
        signature: "unsigned".into(),
    }
}

/// A logout started by SP A (or by the IdP when `initiator` is `None`) that tells B and C.
fn logout(initiator: Option<Initiator>) -> Logout {
    Logout {
        id: "_logout".into(),
        session_id: "_sid".into(),
        user: "zoe".into(),
        started: NOW,
        initiator,
        scenario: None,
        recipients: vec![
            recipient("https://b.example", Some("https://b.example/slo")),
            recipient("https://c.example", Some("https://c.example/slo")),
        ],
    }
}

/// The LogoutResponse an SP sends back for the LogoutRequest `to`.
fn answer(from: &str, to: &str, status: StatusSpec) -> LogoutResponse {
    LogoutResponse {
        id: format!("_answer_to{to}"),
        version: "2.0".into(),
        issue_instant: NOW,
        destination: Some("https://idp.example/slo".into()),
        in_response_to: Some(to.into()),
        issuer: from.into(),
        status,
        has_signature: false,
    }
}

fn unsigned(_: &Recipient) -> MessageSignature {
    MessageSignature::check(None, Binding::Post, "", "", false)
}

fn failure() -> StatusSpec {
    StatusSpec {
        code: ns::status::RESPONDER.into(),
        sub_code: None,
        message: Some("could not log out".into()),
    }
}

/// Advances and expects a LogoutRequest to `sp`; returns its ID.
fn expect_send(l: &mut Logout, signer: &Signer, ids: &mut SequentialIds, sp: &str) -> String {
    let Next::Send(out) = l.advance(signer, NOW, ids) else {
        panic!("expected a LogoutRequest to {sp}");
    };
    assert_eq!(out.binding, Binding::Redirect);
    assert_eq!(out.destination, format!("{sp}/slo"));
    let request = parse_logout_request(&out.xml).unwrap();
    assert_eq!(request.id, out.id);
    assert_eq!(request.issuer, IDP);
    assert_eq!(request.issue_instant, NOW);
    assert_eq!(request.not_on_or_after, Some(NOW + REQUEST_LIFETIME));
    assert_eq!(request.name_id.value, "zoe@globex.example");
    assert_eq!(request.session_indexes, ["_session"]);
    out.id
}

#[test]
fn every_sp_logs_out_and_the_initiator_is_told_success() {
    let signer = test_signer();
    let mut ids = SequentialIds::default();
    let mut l = logout(Some(initiator()));
    let to_b = expect_send(&mut l, &signer, &mut ids, "https://b.example");
    assert_eq!(to_b, "_id1");
    assert_eq!(l.sent(&to_b), Some(0));
    let b = answer("https://b.example", &to_b, StatusSpec::success());
    let outcome = l.record_answer(&b, &ours(), false, unsigned).unwrap();
    assert!(outcome.succeeded(), "{outcome:?}");
    let to_c = expect_send(&mut l, &signer, &mut ids, "https://c.example");
    assert_eq!(to_c, "_id2");
    let c = answer("https://c.example", &to_c, StatusSpec::success());
    l.record_answer(&c, &ours(), false, unsigned).unwrap();
    assert_eq!(l.advance(&signer, NOW, &mut ids), Next::Done);
    assert_eq!(l.final_status(), StatusSpec::success());

    let out = l.final_answer(&signer, NOW, &mut ids).unwrap().unwrap();
    assert_eq!(
        out.binding,
        Binding::Post,
        "by the binding the request came by"
    );
    assert_eq!(out.destination, "https://a.example/slo");
    assert_eq!(out.relay_state.as_deref(), Some("back home"));
    let response = parse_logout_response(&out.xml).unwrap();
    assert_eq!(response.id, "_id3");
    assert_eq!(response.in_response_to.as_deref(), Some("_from_a"));
    assert_eq!(response.issue_instant, NOW);
    assert_eq!(response.status, StatusSpec::success());
    assert!(response.has_signature);
}

#[test]
fn an_sp_that_fails_makes_it_a_partial_logout() {
    let signer = test_signer();
    let mut ids = SequentialIds::default();
    let mut l = logout(Some(initiator()));
    let to_b = expect_send(&mut l, &signer, &mut ids, "https://b.example");
    let b = answer("https://b.example", &to_b, StatusSpec::success());
    l.record_answer(&b, &ours(), false, unsigned).unwrap();
    let to_c = expect_send(&mut l, &signer, &mut ids, "https://c.example");
    let c = answer("https://c.example", &to_c, failure());
    let outcome = l.record_answer(&c, &ours(), false, unsigned).unwrap();
    assert_eq!(outcome.label(), "failure");
    assert_eq!(l.advance(&signer, NOW, &mut ids), Next::Done);

    let out = l.final_answer(&signer, NOW, &mut ids).unwrap().unwrap();
    let status = parse_logout_response(&out.xml).unwrap().status;
    // saml-core 3.7.3.2: the top-level code stays Success.
    assert_eq!(status.code, ns::status::SUCCESS);
    assert_eq!(status.sub_code.as_deref(), Some(ns::status::PARTIAL_LOGOUT));
    assert_eq!(
        status.message.as_deref(),
        Some("not logged out of every service provider of the session: https://c.example")
    );
}

#[test]
fn an_sp_that_never_answers_is_given_up_on() {
    let signer = test_signer();
    let mut ids = SequentialIds::default();
    let mut l = logout(None);
    l.recipients.truncate(1);
    let to_b = expect_send(&mut l, &signer, &mut ids, "https://b.example");
    // Nothing else to send while B's answer is out.
    assert_eq!(
        l.advance(&signer, NOW + Duration::minutes(1), &mut ids),
        Next::Wait
    );
    assert_eq!(l.sent(&to_b), Some(0));
    assert!(!l.expired(NOW + LIFETIME - Duration::seconds(1)));
    assert!(l.expired(NOW + LIFETIME));

    l.give_up();
    assert_eq!(l.recipients[0].outcome, Outcome::NoAnswer);
    assert_eq!(l.recipients[0].outcome.label(), "no answer");
    assert_eq!(l.advance(&signer, NOW, &mut ids), Next::Done);
    assert_eq!(
        l.final_status().sub_code.as_deref(),
        Some(ns::status::PARTIAL_LOGOUT)
    );
    assert_eq!(
        l.final_answer(&signer, NOW, &mut ids).unwrap(),
        None,
        "the IdP started it: nobody to answer"
    );
    // A late answer no longer matches anything.
    let late = answer("https://b.example", &to_b, StatusSpec::success());
    assert!(l.record_answer(&late, &ours(), false, unsigned).is_err());
}

#[test]
fn an_answer_to_no_request_of_this_logout_changes_nothing() {
    let signer = test_signer();
    let mut ids = SequentialIds::default();
    let mut l = logout(Some(initiator()));
    l.recipients.truncate(1);
    let to_b = expect_send(&mut l, &signer, &mut ids, "https://b.example");
    let before = l.recipients.clone();

    let stray = answer("https://b.example", "_never_sent", StatusSpec::success());
    let err = l
        .record_answer(&stray, &ours(), false, unsigned)
        .unwrap_err();
    assert_eq!(err.in_response_to.as_deref(), Some("_never_sent"));
    let mut none = answer("https://b.example", &to_b, StatusSpec::success());
    none.in_response_to = None;
    assert_eq!(
        l.record_answer(&none, &ours(), false, unsigned),
        Err(Unmatched {
            in_response_to: None
        })
    );
    assert_eq!(l.recipients, before);
    assert_eq!(l.advance(&signer, NOW, &mut ids), Next::Wait);
}

#[test]
fn an_answer_from_another_issuer_to_another_address_or_unsigned_in_strict_mode_is_refused() {
    let signer = test_signer();
    let refused = |response: &LogoutResponse, strict: bool| {
        let mut l = logout(None);
        let mut ids = SequentialIds::default();
        let to_b = expect_send(&mut l, &signer, &mut ids, "https://b.example");
        let mut response = response.clone();
        response.in_response_to = Some(to_b);
        match l
            .record_answer(&response, &ours(), strict, unsigned)
            .unwrap()
        {
            Outcome::Refused(reason) => reason.clone(),
            other => panic!("not refused: {other:?}"),
        }
    };
    let honest = answer("https://b.example", "_", StatusSpec::success());

    let mut other = honest.clone();
    other.issuer = "https://c.example".into();
    assert_eq!(
        refused(&other, false),
        "the LogoutResponse's Issuer is https://c.example, not https://b.example"
    );
    let mut elsewhere = honest.clone();
    elsewhere.destination = Some("https://elsewhere.example/slo".into());
    assert_eq!(
        refused(&elsewhere, false),
        "the LogoutResponse's Destination is https://elsewhere.example/slo, not this endpoint (https://idp.example/slo)"
    );
    assert_eq!(refused(&honest, true), "strict mode: it is not signed");
}

#[test]
fn strict_mode_takes_an_answer_signed_with_the_registered_certificate() {
    let signer = test_signer();
    let mut ids = SequentialIds::default();
    let mut l = logout(None);
    let to_b = expect_send(&mut l, &signer, &mut ids, "https://b.example");
    // B signs its answer (here with the test key, registered as B's certificate).
    let spec = LogoutResponseSpec {
        id: "_b1".into(),
        version: "2.0".into(),
        issue_instant: NOW,
        destination: "https://idp.example/slo".into(),
        in_response_to: Some(to_b),
        issuer: "https://b.example".into(),
        status: StatusSpec::success(),
    };
    let sending = Sending {
        binding: Binding::Post,
        relay_state: None,
        signer: &signer,
        algorithm: SignatureAlgorithm::RsaSha256,
        scenario: None,
        now: NOW,
    };
    let signed = send_response(spec, &sending).unwrap();
    let response = parse_logout_response(&signed.xml).unwrap();
    let der = signer.certificate().to_der().unwrap();
    let check = |r: &Recipient| {
        assert_eq!(r.sp_entity_id, "https://b.example");
        MessageSignature::check(Some(&der), Binding::Post, "", &signed.xml, true)
    };
    let outcome = l.record_answer(&response, &ours(), true, check).unwrap();
    assert!(outcome.succeeded(), "{outcome:?}");
}

#[test]
fn an_sp_without_a_logout_url_is_passed_over() {
    let signer = test_signer();
    let mut ids = SequentialIds::default();
    let mut l = logout(Some(initiator()));
    l.recipients[0].slo_url = None;
    l.recipients.truncate(1);
    assert_eq!(l.advance(&signer, NOW, &mut ids), Next::Done);
    assert_eq!(l.recipients[0].outcome, Outcome::NoEndpoint);
    let status = l.final_status();
    assert_eq!(status.sub_code.as_deref(), Some(ns::status::PARTIAL_LOGOUT));
}

#[test]
fn each_sp_is_told_by_the_binding_its_logout_endpoint_takes() {
    let signer = test_signer();
    let key = signer.certificate().public_key().unwrap();
    let mut ids = SequentialIds::default();
    let mut l = logout(None);
    l.recipients[0].binding = Binding::Post;

    // B takes only HTTP-POST: an auto-submitted form carrying the signed XML.
    let Next::Send(to_b) = l.advance(&signer, NOW, &mut ids) else {
        panic!("expected a LogoutRequest to B");
    };
    assert_eq!(to_b.binding, Binding::Post);
    assert_eq!(to_b.url, "https://b.example/slo");
    assert_eq!(to_b.param, crate::saml::binding::MessageParam::SamlRequest);
    let form = to_b.form_value.as_deref().expect("a form field");
    assert_eq!(crate::saml::binding::decode(form).unwrap().xml, to_b.xml);
    let request = parse_logout_request(&to_b.xml).unwrap();
    assert!(request.has_signature, "an enveloped signature");
    assert!(
        crate::saml::request_signature::posted_verdict(&to_b.xml, std::slice::from_ref(&key))
            .is_valid(),
        "the enveloped signature verifies with the IdP certificate"
    );
    let b = answer("https://b.example", &to_b.id, StatusSpec::success());
    l.record_answer(&b, &ours(), false, unsigned).unwrap();

    // C keeps the default: HTTP-Redirect, the signature in the query, none in the XML.
    let Next::Send(to_c) = l.advance(&signer, NOW, &mut ids) else {
        panic!("expected a LogoutRequest to C");
    };
    assert_eq!(to_c.binding, Binding::Redirect);
    assert_eq!(to_c.form_value, None);
    assert!(to_c.url.starts_with("https://c.example/slo?SAMLRequest="));
    assert!(!parse_logout_request(&to_c.xml).unwrap().has_signature);
    let query = to_c.url.split_once('?').unwrap().1;
    assert!(crate::saml::request_signature::redirect_verdict(query, &[key]).is_valid());
}
