//! Choosing a failure scenario: the catalogue API, the `scenario` field, replay, and the
//! click-free paths (`/select` cookie, `--auto-login`).

use serde_json::{json, Value};

use crate::support::{client, decode_response, form_action, hidden, AuthnRequest, Server};

/// The wall clock, as the SP reading the response sees it.
fn now_unix() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(since.as_secs()).unwrap()
}

fn sso(s: &Server, body: Value) -> (u16, Value) {
    let r = client().post(s.url("/api/sso")).json(&body).send().unwrap();
    (r.status().as_u16(), r.json().unwrap())
}

#[test]
fn the_catalogue_is_served_with_verdicts() {
    let s = Server::start();
    let all: Vec<Value> = client()
        .get(s.url("/api/scenarios"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(all[0]["id"], "valid");
    assert_eq!(all[0]["verdict"], "accept");
    let expired = all.iter().find(|x| x["id"] == "expired").unwrap();
    assert_eq!(expired["family"], "time");
    assert_eq!(expired["verdict"], "reject");
    assert!(expired["reason"].as_str().unwrap().contains("expired"));
    assert_eq!(expired["severity"], "medium");
    let severity = |id: &str| all.iter().find(|x| x["id"] == id).unwrap()["severity"].clone();
    assert_eq!(severity("xsw1"), "critical");
    assert_eq!(severity("wrong-audience"), "high");
    assert_eq!(severity("valid"), Value::Null, "accepted by a correct SP");
    assert_eq!(severity("sha1"), Value::Null, "a policy");
    assert_eq!(severity("slo-unsigned"), "medium", "a logout scenario");
    let forged = |id: &str| all.iter().find(|x| x["id"] == id).unwrap()["forged"].clone();
    assert_eq!(forged("xsw3"), "attacker");
    assert_eq!(forged("nameid-comment"), "truncated");
    assert_eq!(forged("expired"), Value::Null);
    for x in &all {
        let rejected = x["verdict"] == "reject";
        assert_eq!(x["severity"].is_string(), rejected, "{x}");
        for field in ["id", "family", "title", "explanation", "rule", "verdict"] {
            assert!(
                x[field].as_str().is_some_and(|v| !v.is_empty()),
                "{x} lacks {field}"
            );
        }
    }
}

#[test]
fn a_scenario_is_applied_inside_the_live_flow() {
    let s = Server::start();
    let req = AuthnRequest::new("_exp1");
    let (status, v) = sso(
        &s,
        json!({"SAMLRequest": req.redirect_param(), "user": "alice", "scenario": "expired"}),
    );
    assert_eq!(status, 200, "{v}");
    let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
    assert!(
        xml.contains(r#"InResponseTo="_exp1""#),
        "the right InResponseTo"
    );
    let not_on_or_after = xml.split("<saml:Conditions ").nth(1).unwrap();
    let stamp = not_on_or_after
        .split("NotOnOrAfter=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let when =
        time::OffsetDateTime::parse(stamp, &time::format_description::well_known::Rfc3339).unwrap();
    assert!(
        when.unix_timestamp() < now_unix(),
        "NotOnOrAfter {stamp} is in the past"
    );

    let (status, v) = sso(
        &s,
        json!({"SAMLRequest": req.redirect_param(), "user": "alice", "scenario": "nope"}),
    );
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains("scenario \"nope\""));
}

#[test]
fn replay_reposts_the_previous_response_byte_for_byte() {
    let s = Server::start();
    let first = AuthnRequest::new("_first");
    let (status, v) = sso(
        &s,
        json!({"SAMLRequest": first.redirect_param(), "user": "alice", "scenario": "replay"}),
    );
    assert_eq!(status, 400, "nothing to replay yet: {v}");
    assert!(v["error"].as_str().unwrap().contains("log in once first"));
    let (_, original) = sso(
        &s,
        json!({"SAMLRequest": first.redirect_param(), "user": "alice"}),
    );
    let second = AuthnRequest::new("_second");
    let (status, replayed) = sso(
        &s,
        json!({"SAMLRequest": second.redirect_param(), "user": "alice", "scenario": "replay"}),
    );
    assert_eq!(status, 200);
    assert_eq!(replayed["SAMLResponse"], original["SAMLResponse"]);
}

#[test]
fn select_cookie_answers_the_next_sso_request_without_the_picker() {
    let s = Server::start();
    let browser = reqwest::blocking::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = browser
        .get(s.url("/select"))
        .query(&[("user", "bruno"), ("scenario", "expired")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().unwrap().contains("bruno"));
    let req = AuthnRequest::new("_sel1");
    let html = browser
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", req.redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        form_action(&html).as_deref(),
        Some("https://sp.test/acs"),
        "the auto-POST form, not the picker"
    );
    let xml = decode_response(&hidden(&html, "SAMLResponse").unwrap());
    assert!(xml.contains("bruno.costa@"));
    // One-shot: the next request shows the picker again.
    let html = browser
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", req.redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(form_action(&html).as_deref(), Some("/sso/login"));

    let r = browser
        .get(s.url("/select"))
        .query(&[("user", "ghost")])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("unknown user"));
}

#[test]
fn auto_login_answers_every_request_and_a_cookie_still_wins() {
    let s = Server::start_with(&["--auto-login", "zoe", "--auto-scenario", "valid"]);
    assert!(s.banner.contains("Auto-login"));
    let req = AuthnRequest::new("_auto1");
    for _ in 0..2 {
        let html = client()
            .get(s.url("/sso"))
            .query(&[("SAMLRequest", req.redirect_param())])
            .send()
            .unwrap()
            .text()
            .unwrap();
        assert_eq!(form_action(&html).as_deref(), Some("https://sp.test/acs"));
        assert!(decode_response(&hidden(&html, "SAMLResponse").unwrap()).contains("zoe."));
    }
    let browser = reqwest::blocking::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    browser
        .get(s.url("/select"))
        .query(&[("user", "alice")])
        .send()
        .unwrap();
    let html = browser
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", req.redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(decode_response(&hidden(&html, "SAMLResponse").unwrap()).contains("alice."));
}
