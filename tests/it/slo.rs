//! Single logout end to end: SP-initiated with propagation, IdP-initiated, both bindings,
//! strict mode, bad input, and the defect of each logout scenario.
//!
//! The SPs are played here: they log in through the browser flow (so the IdP session cookie is
//! set), sign their logout messages with the keys of `tests/fixtures/signed-requests/keys`, and
//! check ours with the IdP certificate from `/certs/idp.crt`.

use std::collections::HashMap;

use mock_idp::saml::binding::{self, MessageParam, QuerySigner};
use mock_idp::saml::dsig::{SignatureAlgorithm, Signer};
use mock_idp::saml::logout::{
    parse_logout_request, parse_logout_response, sign_logout_message, LogoutRequest, LogoutResponse,
};
use mock_idp::saml::ns;
use mock_idp::saml::request_signature::{self, SignatureStatus};
use mock_idp::saml::xml::reader::{parse, Limits};
use openssl::pkey::{PKey, Private, Public};
use openssl::x509::X509;
use reqwest::blocking::{Client, Response};

use crate::support::{decode_response, form_action, hidden, repo, AuthnRequest, Server};

const SP_A: &str = "https://sp-a.test/metadata";
const SP_B: &str = "https://sp-b.test/metadata";
const SP_C: &str = "https://sp-c.test/metadata";
const PARTIAL: &str = "urn:oasis:names:tc:SAML:2.0:status:PartialLogout";

fn start(extra: &[&str]) -> Server {
    let sps = repo().join("tests/fixtures/slo/sps.yaml");
    let mut args = vec!["--sps", sps.to_str().unwrap()];
    args.extend_from_slice(extra);
    Server::start_with(&args)
}

fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn sp_key(name: &str) -> PKey<Private> {
    let path = repo().join(format!("tests/fixtures/signed-requests/keys/{name}.key"));
    PKey::private_key_from_pem(&std::fs::read(path).unwrap()).unwrap()
}

fn sp_signer(name: &str) -> Signer {
    let dir = repo().join("tests/fixtures/signed-requests/keys");
    let cert = X509::from_pem(&std::fs::read(dir.join(format!("{name}.crt"))).unwrap()).unwrap();
    Signer::new(sp_key(name), cert).unwrap()
}

fn key_of(sp: &str) -> &'static str {
    if sp == SP_B {
        "node-sp"
    } else {
        "python-sp"
    }
}

fn idp_key(s: &Server) -> PKey<Public> {
    let pem = browser()
        .get(s.url("/certs/idp.crt"))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    X509::from_pem(&pem).unwrap().public_key().unwrap()
}

/// What an SP keeps from its login: the NameID and the SessionIndex.
#[derive(Debug, Clone)]
struct Login {
    name_id: String,
    session_index: String,
}

fn attr<'a>(xml: &'a str, name: &str) -> &'a str {
    let at = xml.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
    &xml[at..at + xml[at..].find('"').unwrap()]
}

/// Logs `user` in to `sp` through the browser flow (a preselection answers at once).
fn login(s: &Server, b: &Client, sp: &str, user: &str) -> Login {
    let r = b
        .get(s.url("/select"))
        .query(&[("user", user)])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let mut req = AuthnRequest::new(&format!("_login-{}", sp.len() + user.len()));
    req.issuer = sp.into();
    req.acs = sp.replace("/metadata", "/acs");
    let html = b
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", req.redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    let xml = decode_response(&hidden(&html, "SAMLResponse").unwrap());
    let start = xml.find("<saml:NameID").unwrap();
    let value_at = start + xml[start..].find('>').unwrap() + 1;
    let name_id = xml[value_at..value_at + xml[value_at..].find('<').unwrap()].to_owned();
    Login {
        name_id,
        session_index: attr(&xml, "SessionIndex").to_owned(),
    }
}

fn logout_request_xml(s: &Server, id: &str, issuer: &str, login: &Login, extra: &str) -> String {
    format!(
        r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" Destination="{}" {extra}><saml:Issuer>{issuer}</saml:Issuer><saml:NameID>{}</saml:NameID><samlp:SessionIndex>{}</samlp:SessionIndex></samlp:LogoutRequest>"#,
        s.url("/slo"),
        login.name_id,
        login.session_index
    )
}

fn logout_response_xml(
    s: &Server,
    id: &str,
    issuer: &str,
    in_response_to: &str,
    code: &str,
) -> String {
    format!(
        r#"<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" Destination="{}" InResponseTo="{in_response_to}"><saml:Issuer>{issuer}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:{code}"/></samlp:Status></samlp:LogoutResponse>"#,
        s.url("/slo")
    )
}

/// The Redirect query an SP sends, signed with its key unless `signed` is false.
fn redirect_query(
    xml: &str,
    param: MessageParam,
    relay: Option<&str>,
    key: Option<&str>,
) -> String {
    let key = key.map(sp_key);
    binding::encode_redirect(
        xml,
        param,
        relay,
        key.as_ref()
            .map(|k| (k as &dyn QuerySigner, SignatureAlgorithm::RsaSha256)),
    )
    .unwrap()
}

fn get_slo(s: &Server, b: &Client, query: &str) -> Response {
    b.get(format!("{}?{query}", s.url("/slo"))).send().unwrap()
}

fn location(r: &Response) -> String {
    assert_eq!(r.status(), 302, "expected a redirect");
    r.headers()["location"].to_str().unwrap().to_owned()
}

/// A redirect to an SP's logout URL: the URL before the message, the decoded message, and the
/// verdict of its query signature with the IdP certificate.
struct Redirected {
    endpoint: String,
    xml: String,
    params: HashMap<String, String>,
    verdict: SignatureStatus,
}

fn redirected(s: &Server, url: &str, param: &str) -> Redirected {
    let marker = format!("{param}=");
    let at = url
        .find(&marker)
        .unwrap_or_else(|| panic!("no {param} in {url}"));
    let endpoint = url[..at - 1].to_owned();
    let query = &url[url.find('?').unwrap() + 1..];
    let params: HashMap<String, String> = serde_urlencoded::from_str(query).unwrap();
    let xml = binding::decode(&params[param]).unwrap().xml;
    let own = &query[query.find(&marker).unwrap()..];
    let verdict = request_signature::redirect_verdict(own, &[idp_key(s)]);
    Redirected {
        endpoint,
        xml,
        params,
        verdict,
    }
}

fn request_at(s: &Server, url: &str) -> (Redirected, LogoutRequest) {
    let r = redirected(s, url, "SAMLRequest");
    let parsed = parse_logout_request(&r.xml).unwrap();
    (r, parsed)
}

fn response_at(s: &Server, url: &str) -> (Redirected, LogoutResponse) {
    let r = redirected(s, url, "SAMLResponse");
    let parsed = parse_logout_response(&r.xml).unwrap();
    (r, parsed)
}

/// The SP answers our LogoutRequest with a signed Redirect LogoutResponse.
fn answer(s: &Server, b: &Client, sp: &str, request: &LogoutRequest, code: &str) -> Response {
    let xml = logout_response_xml(s, &format!("_answer-{}", request.id), sp, &request.id, code);
    get_slo(
        s,
        b,
        &redirect_query(&xml, MessageParam::SamlResponse, None, Some(key_of(sp))),
    )
}

/// The wall clock, as the SPs here read it.
fn now() -> time::OffsetDateTime {
    time::OffsetDateTime::from(std::time::SystemTime::now())
}

fn home(s: &Server, b: &Client) -> String {
    b.get(s.url("/")).send().unwrap().text().unwrap()
}

fn clears_session_cookie(r: &Response) -> bool {
    r.headers().get_all("set-cookie").iter().any(|v| {
        let v = v.to_str().unwrap();
        v.starts_with("mock_idp_session=;") && v.contains("Max-Age=0")
    })
}

#[test]
fn sp_initiated_logout_propagates_to_the_other_sps_then_answers_the_initiator() {
    let s = start(&[]);
    let b = browser();
    let a = login(&s, &b, SP_A, "alice");
    let bb = login(&s, &b, SP_B, "alice");
    login(&s, &b, SP_C, "alice");
    assert!(home(&s, &b).contains("Log out of every service provider"));

    let xml = logout_request_xml(&s, "_a-logout-1", SP_A, &a, "");
    let relay = "https://sp-a.test/bye?x=<1>";
    let r = get_slo(
        &s,
        &b,
        &redirect_query(
            &xml,
            MessageParam::SamlRequest,
            Some(relay),
            Some("python-sp"),
        ),
    );
    // SP B is told first, at its logout URL (which keeps its own query), signed Redirect.
    let (to_b, request) = request_at(&s, &location(&r));
    assert_eq!(to_b.endpoint, "https://sp-b.test/slo?tenant=b");
    assert!(to_b.verdict.is_valid(), "{:?}", to_b.verdict);
    assert_eq!(request.issuer, format!("{}/metadata", s.base));
    assert_eq!(
        request.destination.as_deref(),
        Some("https://sp-b.test/slo?tenant=b")
    );
    assert_eq!(request.name_id.value, bb.name_id);
    assert_eq!(
        request.session_indexes,
        std::slice::from_ref(&bb.session_index)
    );
    assert!(request.not_on_or_after.is_some());
    assert!(
        !to_b.xml.contains("Signature"),
        "Redirect: the signature is in the query"
    );

    // B answers; A gets its LogoutResponse: Success, but PartialLogout since C has no logout URL.
    let r = answer(&s, &b, SP_B, &request, "Success");
    assert!(clears_session_cookie(&r));
    let (to_a, response) = response_at(&s, &location(&r));
    assert_eq!(to_a.endpoint, "https://sp-a.test/slo");
    assert!(to_a.verdict.is_valid(), "{:?}", to_a.verdict);
    assert_eq!(to_a.params["RelayState"], relay);
    assert_eq!(response.in_response_to.as_deref(), Some("_a-logout-1"));
    assert_eq!(
        response.destination.as_deref(),
        Some("https://sp-a.test/slo")
    );
    assert_eq!(response.status.code, ns::status::SUCCESS);
    assert_eq!(response.status.sub_code.as_deref(), Some(PARTIAL));
    assert!(response.status.message.as_deref().unwrap().contains(SP_C));

    // The session is over: no logout button, and the inspector has the exchange.
    assert!(!home(&s, &b).contains("Log out of every service provider"));
    let inspector = b.get(s.url("/inspector")).send().unwrap().text().unwrap();
    assert!(inspector.contains(SP_A));
}

/// `xml` with an enveloped rsa-sha256 signature by the "python-sp" SP's key, as HTTP-POST
/// carries it.
fn signed_by_python_sp(xml: &str) -> String {
    let mut doc = parse(xml.as_bytes(), Limits::default()).unwrap();
    sign_logout_message(
        &mut doc,
        SignatureAlgorithm::RsaSha256.into(),
        &sp_signer("python-sp"),
    )
    .unwrap();
    mock_idp::saml::xml::c14n::write_document(&doc)
}

#[test]
fn sp_initiated_logout_by_post_is_answered_by_post_with_an_enveloped_signature() {
    let s = start(&[]);
    let b = browser();
    let a = login(&s, &b, SP_A, "zoe");
    let xml = logout_request_xml(&s, "_a-post-1", SP_A, &a, "");
    let signed = signed_by_python_sp(&xml);
    let r = b
        .post(s.url("/slo"))
        .form(&[
            ("SAMLRequest", binding::encode_post(&signed).into()),
            ("RelayState", String::from("r1")),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(clears_session_cookie(&r));
    let html = r.text().unwrap();
    assert_eq!(form_action(&html).as_deref(), Some("https://sp-a.test/slo"));
    assert_eq!(hidden(&html, "RelayState").as_deref(), Some("r1"));
    let response_xml = decode_response(&hidden(&html, "SAMLResponse").unwrap());
    assert!(request_signature::verify_posted(&response_xml, &idp_key(&s)).is_ok());
    let response = parse_logout_response(&response_xml).unwrap();
    assert_eq!(response.status.code, ns::status::SUCCESS);
    assert_eq!(response.status.sub_code, None);
    assert_eq!(response.in_response_to.as_deref(), Some("_a-post-1"));
}

#[test]
fn idp_initiated_logout_tells_every_sp_and_ends_with_a_summary() {
    let s = start(&[]);
    let b = browser();
    let a = login(&s, &b, SP_A, "bruno");
    let bb = login(&s, &b, SP_B, "bruno");
    let r = b.post(s.url("/slo/idp-initiated")).send().unwrap();
    let (to_a, request) = request_at(&s, &location(&r));
    assert_eq!(to_a.endpoint, "https://sp-a.test/slo");
    assert!(to_a.verdict.is_valid());
    assert_eq!(request.name_id.value, a.name_id);
    assert_eq!(request.session_indexes, [a.session_index]);

    // Mid-way, the home page says a logout is in progress.
    assert!(home(&s, &b).contains("Logout in progress"));
    let r = answer(&s, &b, SP_A, &request, "Success");
    let (to_b, request) = request_at(&s, &location(&r));
    assert_eq!(to_b.endpoint, "https://sp-b.test/slo?tenant=b");
    assert_eq!(request.name_id.value, bb.name_id);
    let r = answer(&s, &b, SP_B, &request, "Responder");
    assert_eq!(r.status(), 200);
    assert!(clears_session_cookie(&r));
    let html = r.text().unwrap();
    assert!(
        html.contains("is logged out of the identity provider"),
        "{html}"
    );
    let row = |sp: &str| {
        let at = html.find(&format!("{sp}<br>")).unwrap();
        html[at..at + html[at..].find("</tr>").unwrap()].to_owned()
    };
    assert!(row(SP_A).contains(">success<"), "{}", row(SP_A));
    assert!(row(SP_B).contains(">failure<") && row(SP_B).contains("Responder"));
    assert!(!home(&s, &b).contains("Log out of every service provider"));
}

#[test]
fn an_sp_that_never_answers_is_given_up_on() {
    let s = start(&[]);
    let b = browser();
    login(&s, &b, SP_A, "alice");
    login(&s, &b, SP_C, "alice");
    let r = b.post(s.url("/slo/idp-initiated")).send().unwrap();
    assert!(location(&r).starts_with("https://sp-a.test/slo?SAMLRequest="));
    let status = b.get(s.url("/slo/status")).send().unwrap().text().unwrap();
    assert!(status.contains("waiting for its answer"));
    let r = b.post(s.url("/slo/finish")).send().unwrap();
    assert!(clears_session_cookie(&r));
    let html = r.text().unwrap();
    assert!(html.contains("no answer"));
    assert!(html.contains("not told: no logout URL"));
}

#[test]
fn a_request_for_another_principal_or_expired_is_answered_with_a_failure_and_logs_nobody_out() {
    let s = start(&[]);
    let b = browser();
    let a = login(&s, &b, SP_A, "alice");
    let other = Login {
        name_id: "someone-else@example.test".into(),
        session_index: a.session_index.clone(),
    };
    let xml = logout_request_xml(&s, "_a-wrong", SP_A, &other, "");
    let r = get_slo(
        &s,
        &b,
        &redirect_query(&xml, MessageParam::SamlRequest, None, Some("python-sp")),
    );
    let (_, response) = response_at(&s, &location(&r));
    assert_eq!(response.status.code, ns::status::REQUESTER);
    assert_eq!(
        response.status.sub_code.as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal")
    );
    let wrong_index = Login {
        name_id: a.name_id.clone(),
        session_index: "_not-this-session".into(),
    };
    let xml = logout_request_xml(&s, "_a-index", SP_A, &wrong_index, "");
    let r = get_slo(
        &s,
        &b,
        &redirect_query(&xml, MessageParam::SamlRequest, None, Some("python-sp")),
    );
    let (_, response) = response_at(&s, &location(&r));
    assert!(response
        .status
        .message
        .unwrap()
        .contains("_not-this-session"));
    let xml = logout_request_xml(
        &s,
        "_a-late",
        SP_A,
        &a,
        r#"NotOnOrAfter="2026-01-01T00:05:00Z""#,
    );
    let r = get_slo(
        &s,
        &b,
        &redirect_query(&xml, MessageParam::SamlRequest, None, Some("python-sp")),
    );
    let (_, response) = response_at(&s, &location(&r));
    assert_eq!(
        response.status.sub_code.as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:status:RequestDenied")
    );
    assert!(response.status.message.unwrap().contains("expired"));
    assert!(
        home(&s, &b).contains("Log out of every service provider"),
        "still logged in"
    );
}

/// Status and page text of a request that must be refused with a page.
fn refused(r: Response) -> (u16, String) {
    let status = r.status().as_u16();
    let text = r.text().unwrap();
    (status, text)
}

#[test]
fn bad_input_gets_a_400_page_that_names_the_problem() {
    let s = start(&[]);
    let b = browser();
    let a = login(&s, &b, SP_A, "alice");
    let cases: Vec<(Response, &str)> = vec![
        (b.get(s.url("/slo")).send().unwrap(), "no SAMLRequest or SAMLResponse"),
        (
            b.get(s.url("/slo?SAMLRequest=%%%")).send().unwrap(),
            "the SAMLRequest parameter is not valid base64",
        ),
        (
            b.get(s.url("/slo?SAMLResponse=%25%25")).send().unwrap(),
            "the SAMLResponse parameter is not valid base64",
        ),
        (
            b.get(s.url("/slo?SAMLRequest=bm90IHhtbA")).send().unwrap(),
            "the SAMLRequest is neither XML nor DEFLATE-compressed XML",
        ),
        (
            get_slo(
                &s,
                &b,
                &redirect_query(
                    &logout_request_xml(&s, "_c1", SP_C, &a, ""),
                    MessageParam::SamlRequest,
                    None,
                    None,
                ),
            ),
            "no logout URL is known for https://sp-c.test/metadata (it is registered without slo_url)",
        ),
        (
            get_slo(
                &s,
                &b,
                &redirect_query(
                    &logout_request_xml(&s, "_x1", "https://unknown.test/&lt;b&gt;", &a, ""),
                    MessageParam::SamlRequest,
                    None,
                    None,
                ),
            ),
            "https://unknown.test/&lt;b&gt; (it is not registered)",
        ),
        (
            get_slo(
                &s,
                &b,
                &redirect_query(
                    &logout_request_xml(&s, "_a1", SP_A, &a, "").replace(
                        &format!("<saml:NameID>{}</saml:NameID>", a.name_id),
                        "",
                    ),
                    MessageParam::SamlRequest,
                    None,
                    None,
                ),
            ),
            "has no saml:NameID",
        ),
        (
            get_slo(
                &s,
                &b,
                &redirect_query(
                    &logout_response_xml(&s, "_r1", SP_A, "_never-sent", "Success"),
                    MessageParam::SamlResponse,
                    None,
                    None,
                ),
            ),
            "answers _never-sent, which is no LogoutRequest of a logout in progress",
        ),
        (
            browser().post(s.url("/slo/idp-initiated")).send().unwrap(),
            "no IdP session to log out",
        ),
        (browser().post(s.url("/slo/finish")).send().unwrap(), "no logout in progress"),
        (
            b.get(s.url("/slo/select?scenario=expired")).send().unwrap(),
            "\"expired\" is not a logout scenario; choose one of: slo-unsigned",
        ),
        (
            b.post(s.url("/slo/idp-initiated"))
                .form(&[("scenario", "nope")])
                .send()
                .unwrap(),
            "\"nope\" is not a logout scenario",
        ),
    ];
    for (r, expected) in cases {
        let (status, text) = refused(r);
        let text = text.replace("&quot;", "\"");
        assert_eq!(status, 400, "{expected}: {text}");
        assert!(text.contains(expected), "{expected}: {text}");
    }
    // The registry hint says what to register.
    let (_, text) = refused(get_slo(
        &s,
        &b,
        &redirect_query(
            &logout_request_xml(&s, "_c2", SP_C, &a, ""),
            MessageParam::SamlRequest,
            None,
            None,
        ),
    ));
    assert!(
        text.contains("slo_url: &lt;its SingleLogoutService URL&gt;"),
        "{text}"
    );
    // A logout scenario is not a login scenario.
    let mut req = AuthnRequest::new("_api1");
    req.issuer = SP_A.into();
    req.acs = "https://sp-a.test/acs".into();
    let r = b
        .post(s.url("/api/sso"))
        .form(&[
            ("SAMLRequest", req.post_param()),
            ("user", "alice".into()),
            ("scenario", "slo-expired".into()),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().unwrap();
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("applies to logout"),
        "{body}"
    );
    let (status, text) = refused(
        b.get(s.url("/select?user=alice&scenario=slo-unsigned"))
            .send()
            .unwrap(),
    );
    assert_eq!(status, 400);
    assert!(text.contains("GET /slo/select?scenario&#x3D;..."), "{text}");
}

#[test]
fn strict_mode_refuses_unsigned_and_badly_signed_logout_requests() {
    let s = start(&["--strict"]);
    let b = browser();
    let a = login(&s, &b, SP_A, "alice");
    let xml = logout_request_xml(&s, "_s1", SP_A, &a, "");
    let unsigned = redirect_query(&xml, MessageParam::SamlRequest, None, None);
    let (status, text) = refused(get_slo(&s, &b, &unsigned));
    assert_eq!(status, 403);
    assert!(text.contains("it is not signed"), "{text}");
    // Signed with SP B's key: not the certificate registered for SP A.
    let wrong_key = redirect_query(&xml, MessageParam::SamlRequest, None, Some("node-sp"));
    let (status, text) = refused(get_slo(&s, &b, &wrong_key));
    assert_eq!(status, 403);
    assert!(text.contains("invalid signature"), "{text}");
    let stranger = logout_request_xml(&s, "_s2", "https://unknown.test/metadata", &a, "");
    let (status, text) = refused(get_slo(
        &s,
        &b,
        &redirect_query(
            &stranger,
            MessageParam::SamlRequest,
            None,
            Some("python-sp"),
        ),
    ));
    assert_eq!(status, 403);
    assert!(text.contains("not a registered service provider"), "{text}");
    // Properly signed, it goes through.
    let good = redirect_query(&xml, MessageParam::SamlRequest, None, Some("python-sp"));
    let (_, response) = response_at(&s, &location(&get_slo(&s, &b, &good)));
    assert_eq!(response.status.code, ns::status::SUCCESS);
}

#[test]
fn every_logout_scenario_is_listed_and_carries_its_defect() {
    let s = start(&[]);
    let all: Vec<serde_json::Value> = browser()
        .get(s.url("/api/scenarios"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let logout: Vec<&str> = all
        .iter()
        .filter(|v| v["family"] == "logout")
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        logout,
        [
            "slo-unsigned",
            "slo-bad-signature",
            "slo-wrong-session-index",
            "slo-wrong-nameid",
            "slo-expired",
            "slo-status-failure",
            "slo-wrong-in-response-to",
        ]
    );
    assert!(all
        .iter()
        .filter(|v| v["family"] == "logout")
        .all(|v| v["verdict"] == "reject" && v["reason"].is_string()));

    for id in &logout {
        // The LogoutRequest of an IdP-initiated logout with this scenario.
        let b = browser();
        let a = login(&s, &b, SP_A, "alice");
        let r = b
            .post(s.url("/slo/idp-initiated"))
            .form(&[("scenario", *id)])
            .send()
            .unwrap();
        let (sent, request) = request_at(&s, &location(&r));
        match *id {
            "slo-unsigned" => assert_eq!(sent.verdict, SignatureStatus::Unsigned),
            "slo-bad-signature" => assert!(matches!(sent.verdict, SignatureStatus::Invalid { .. })),
            _ => assert!(sent.verdict.is_valid(), "{id}"),
        }
        match *id {
            "slo-wrong-session-index" => {
                assert_ne!(
                    request.session_indexes,
                    std::slice::from_ref(&a.session_index)
                )
            }
            "slo-wrong-nameid" => assert_ne!(request.name_id.value, a.name_id),
            "slo-expired" => assert!(request.not_on_or_after.unwrap() < now(), "{id}"),
            _ => {
                assert_eq!(
                    request.session_indexes,
                    std::slice::from_ref(&a.session_index),
                    "{id}"
                );
                assert_eq!(request.name_id.value, a.name_id, "{id}");
                assert!(request.not_on_or_after.unwrap() > now());
            }
        }
        let summary = answer(&s, &b, SP_A, &request, "Success").text().unwrap();
        assert!(
            summary.contains(&format!("Logout scenario <code>{id}</code>")),
            "{summary}"
        );

        // The LogoutResponse of an SP-initiated logout, the scenario chosen with /slo/select.
        let a = login(&s, &b, SP_A, "alice");
        let r = b
            .get(s.url("/slo/select"))
            .query(&[("scenario", *id)])
            .send()
            .unwrap();
        assert_eq!(r.status(), 200);
        let xml = logout_request_xml(&s, "_scenario-1", SP_A, &a, "");
        let r = get_slo(
            &s,
            &b,
            &redirect_query(&xml, MessageParam::SamlRequest, None, Some("python-sp")),
        );
        assert!(r.headers().get_all("set-cookie").iter().any(|c| c
            .to_str()
            .unwrap()
            .starts_with("mock_idp_logout_scenario=;")));
        let (sent, response) = response_at(&s, &location(&r));
        match *id {
            "slo-unsigned" => assert_eq!(sent.verdict, SignatureStatus::Unsigned),
            "slo-bad-signature" => assert!(matches!(sent.verdict, SignatureStatus::Invalid { .. })),
            _ => assert!(sent.verdict.is_valid(), "{id}"),
        }
        match *id {
            "slo-status-failure" => assert_eq!(response.status.code, ns::status::RESPONDER),
            "slo-wrong-in-response-to" => {
                assert_ne!(response.in_response_to.as_deref(), Some("_scenario-1"))
            }
            _ => {
                assert_eq!(response.status.code, ns::status::SUCCESS, "{id}");
                assert_eq!(response.in_response_to.as_deref(), Some("_scenario-1"));
            }
        }
    }
}

#[test]
fn the_adfs_path_takes_logout_messages_and_still_takes_sign_in() {
    let s = start(&[]);
    let b = browser();
    let a = login(&s, &b, SP_A, "alice");
    let xml = logout_request_xml(&s, "_adfs-1", SP_A, &a, "")
        .replace(&s.url("/slo"), &s.url("/adfs/ls/"));
    let query = redirect_query(&xml, MessageParam::SamlRequest, None, Some("python-sp"));
    let r = b
        .get(format!("{}?{query}", s.url("/adfs/ls/")))
        .send()
        .unwrap();
    let (_, response) = response_at(&s, &location(&r));
    assert_eq!(response.status.code, ns::status::SUCCESS);
    assert_eq!(response.in_response_to.as_deref(), Some("_adfs-1"));
    // An AuthnRequest at the same URL still reaches the picker.
    let mut req = AuthnRequest::new("_adfs-login");
    req.issuer = SP_A.into();
    req.acs = "https://sp-a.test/acs".into();
    let picker = browser()
        .get(s.url("/adfs/ls/"))
        .query(&[("SAMLRequest", req.redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(picker.contains("_adfs-login"), "{picker}");
    let md = b
        .get(s.url("/FederationMetadata/2007-06/FederationMetadata.xml"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(md.contains(&format!(
        r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{}/adfs/ls/">"#,
        s.base
    )));
}

#[test]
fn the_inspector_shows_an_sp_initiated_logout_with_its_message_names_and_scenario() {
    let s = start(&[]);
    let b = browser();
    let a = login(&s, &b, SP_A, "alice");
    b.get(s.url("/slo/select?scenario=slo-status-failure"))
        .send()
        .unwrap();
    let xml = logout_request_xml(&s, "_inspect-1", SP_A, &a, "");
    let r = get_slo(
        &s,
        &b,
        &redirect_query(&xml, MessageParam::SamlRequest, None, Some("python-sp")),
    );
    assert_eq!(r.status(), 302);
    let list = b.get(s.url("/inspector")).send().unwrap().text().unwrap();
    let at = list.find("/inspector/").unwrap() + "/inspector/".len();
    let seq: String = list[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let page = b
        .get(s.url(&format!("/inspector/{seq}")))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("<h2>LogoutRequest <small>"), "{page}");
    assert!(page.contains("<h2>LogoutResponse <small>"));
    assert!(page.contains("LogoutResponse with a failure status"));
    assert!(page.contains("signed (rsa-sha256), verified with the SP&#x27;s certificate"));
}

#[test]
fn answers_by_post_are_verified_and_strict_mode_refuses_unsigned_answers() {
    let s = start(&["--strict"]);
    let b = browser();
    login(&s, &b, SP_A, "alice");
    login(&s, &b, SP_B, "alice");
    let r = b.post(s.url("/slo/idp-initiated")).send().unwrap();
    let (_, request) = request_at(&s, &location(&r));
    // SP A answers by HTTP-POST with an enveloped signature.
    let xml = logout_response_xml(&s, "_post-answer", SP_A, &request.id, "Success");
    let signed = signed_by_python_sp(&xml);
    let r = b
        .post(s.url("/slo"))
        .form(&[("SAMLResponse", binding::encode_post(&signed))])
        .send()
        .unwrap();
    let (_, request) = request_at(&s, &location(&r));
    // SP B answers unsigned: strict mode does not count it.
    let xml = logout_response_xml(&s, "_unsigned-answer", SP_B, &request.id, "Success");
    let r = get_slo(
        &s,
        &b,
        &redirect_query(&xml, MessageParam::SamlResponse, None, None),
    );
    let html = r.text().unwrap().replace("&#x27;", "'");
    let row = |sp: &str| {
        let at = html.find(&format!("{sp}<br>")).unwrap();
        html[at..at + html[at..].find("</tr>").unwrap()].to_owned()
    };
    assert!(row(SP_A).contains(">success<"), "{}", row(SP_A));
    assert!(
        row(SP_A).contains("signed (rsa-sha256), verified with the SP's certificate"),
        "{}",
        row(SP_A)
    );
    assert!(row(SP_B).contains(">answer refused<"), "{}", row(SP_B));
    assert!(
        row(SP_B).contains("strict mode: it is not signed"),
        "{}",
        row(SP_B)
    );
}
