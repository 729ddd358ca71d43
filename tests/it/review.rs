//! Review before posting: the held response, posting it as typed or re-signed, what the form
//! cannot change; and the inspector marking what a scenario changed.

use std::process::{Command, Stdio};

use mock_idp::saml::dsig::{verify_enveloped, VerifyError};
use mock_idp::saml::ns;
use mock_idp::saml::xml::reader::{parse, Limits};
use mock_idp::saml::xml::Element;
use openssl::pkey::{PKey, Public};
use openssl::x509::X509;

use crate::support::{
    client, decode_response, form_action, hidden, unescape, AuthnRequest, Server,
};

const RELAY: &str = "/tickets/7?a=1&b=<script>x</script>";

fn key(s: &Server) -> PKey<Public> {
    let pem = std::fs::read(s.certs_dir().join("idp.crt")).unwrap();
    X509::from_pem(&pem).unwrap().public_key().unwrap()
}

fn doc(xml: &str) -> Element {
    parse(xml.as_bytes(), Limits::default()).unwrap()
}

/// The Response's and the Assertion's IDs.
fn ids(doc: &Element) -> (String, String) {
    let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
    (
        doc.attribute("ID").unwrap().to_owned(),
        a.attribute("ID").unwrap().to_owned(),
    )
}

/// The text of the page's textarea, unescaped as a browser shows it.
fn textarea(html: &str) -> String {
    let start = html.find("<textarea").unwrap();
    let start = start + html[start..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</textarea>").unwrap();
    unescape(&html[start..end])
}

/// Logs alice in through the picker with "Review before posting" ticked; the review page.
fn held(s: &Server, id: &str, extra: &[(&str, &str)]) -> String {
    let req = AuthnRequest::new(id);
    let mut form = vec![
        ("SAMLRequest", req.post_param()),
        ("binding", "post".to_owned()),
        ("RelayState", RELAY.to_owned()),
        ("user", "alice".to_owned()),
        ("review", "1".to_owned()),
    ];
    form.extend(extra.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let r = client()
        .post(s.url("/sso/login"))
        .form(&form)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().unwrap()
}

/// Posts the review form; the status and the page.
fn post(s: &Server, fields: &[(&str, &str)]) -> (u16, String) {
    let r = client()
        .post(s.url("/sso/review"))
        .form(fields)
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

fn issued(s: &Server, seq: u64) -> String {
    client()
        .get(s.url(&format!("/inspector/{seq}/response.xml")))
        .send()
        .unwrap()
        .text()
        .unwrap()
}

#[test]
fn the_review_flag_ticks_the_box_and_holds_the_login_on_an_escaped_page() {
    let s = Server::start_with(&["--review"]);
    let req = AuthnRequest::new("_rv1");
    let picker = client()
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", req.redirect_param().as_str())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(picker.contains(r#"name="review" value="1" checked"#));
    let plain = Server::start();
    let unticked = client()
        .get(plain.url("/sso"))
        .query(&[("SAMLRequest", req.redirect_param().as_str())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(unticked.contains(r#"name="review" value="1">"#));

    let page = held(&s, "_rv1", &[]);
    assert_eq!(form_action(&page).as_deref(), Some("/sso/review"));
    assert!(
        !page.contains(r#"action="https://sp.test/acs""#),
        "not posted yet"
    );
    assert!(page.contains("https://sp.test/acs"), "the ACS is shown");
    assert!(
        page.contains("&lt;samlp:Response xmlns:samlp"),
        "the XML, escaped"
    );
    assert!(!page.contains("<samlp:Response"));
    assert!(page.contains("&lt;script&gt;x&lt;/script&gt;") && !page.contains("<script>x"));
    assert!(page.contains("rsa-sha256"));
    let text = textarea(&page);
    assert!(text.contains("\n  <saml:Assertion "), "indented");
    assert!(text.contains("_rv1"));
    let list = client()
        .get(s.url("/inspector"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(list.contains("held for review"));
}

#[test]
fn auto_login_with_review_holds_without_the_picker() {
    let s = Server::start_with(&["--auto-login", "bruno", "--review"]);
    let req = AuthnRequest::new("_rvauto");
    let page = client()
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", req.redirect_param().as_str())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(form_action(&page).as_deref(), Some("/sso/review"));
    assert!(textarea(&page).contains("_rvauto"));
}

#[test]
fn posting_unedited_as_typed_delivers_the_issued_bytes_to_the_acs() {
    let s = Server::start();
    let page = held(&s, "_rv2", &[]);
    let token = hidden(&page, "token").unwrap();
    let original = issued(&s, 1);
    // A browser sends the textarea with CRLF line ends.
    let text = textarea(&page).replace('\n', "\r\n");
    let (status, out) = post(
        &s,
        &[("token", &token), ("xml", &text), ("action", "as-is")],
    );
    assert_eq!(status, 200, "{out}");
    assert_eq!(form_action(&out).as_deref(), Some("https://sp.test/acs"));
    assert_eq!(
        decode_response(&hidden(&out, "SAMLResponse").unwrap()),
        original
    );
    assert_eq!(hidden(&out, "RelayState").as_deref(), Some(RELAY));
    let d = doc(&original);
    let (response, assertion) = ids(&d);
    verify_enveloped(&d, &response, &key(&s)).unwrap();
    verify_enveloped(&d, &assertion, &key(&s)).unwrap();
    // Posted once.
    let (status, again) = post(
        &s,
        &[("token", &token), ("xml", &text), ("action", "as-is")],
    );
    assert_eq!(status, 400);
    assert!(again.contains("no response is waiting for review"));
}

/// The held response's text with alice's NameID changed to root's.
fn nameid_edited_to_root(page: &str) -> String {
    textarea(page).replace(
        ">alice.martin@acme-support.example</saml:NameID>",
        ">root@acme-support.example</saml:NameID>",
    )
}

#[test]
fn an_edit_re_signed_verifies_with_the_idp_certificate_and_carries_the_edit() {
    let s = Server::start();
    let page = held(&s, "_rv3", &[]);
    let token = hidden(&page, "token").unwrap();
    let edited = nameid_edited_to_root(&page);
    let (status, out) = post(
        &s,
        &[("token", &token), ("xml", &edited), ("action", "resign")],
    );
    assert_eq!(status, 200, "{out}");
    assert_eq!(form_action(&out).as_deref(), Some("https://sp.test/acs"));
    let xml = decode_response(&hidden(&out, "SAMLResponse").unwrap());
    assert!(xml.contains(">root@acme-support.example</saml:NameID>"));
    assert!(!xml.contains("\n  <"), "the indentation is taken out");
    let d = doc(&xml);
    let (response, assertion) = ids(&d);
    verify_enveloped(&d, &assertion, &key(&s)).unwrap();
    verify_enveloped(&d, &response, &key(&s)).unwrap();
    xmlsec1_verifies(&s, &xml);

    let exchange = client()
        .get(s.url("/inspector/1"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(exchange.contains("edited, re-signed"));
    assert!(exchange.contains("the response as issued, before the review"));
    let added = marked(&exchange, "d-add");
    assert!(
        added
            .iter()
            .any(|l| l.contains(">root@acme-support.example</saml:NameID>")),
        "{added:#?}"
    );
    assert_eq!(issued(&s, 1), xml, "the inspector keeps what was posted");
}

/// xmlsec1, when installed, verifies the Response signature (which covers the assertion).
fn xmlsec1_verifies(s: &Server, xml: &str) {
    if Command::new("xmlsec1")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_err()
    {
        eprintln!("xmlsec1 is not installed: skipping its check");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("response.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmlsec1")
        .arg("--verify")
        .arg("--pubkey-cert-pem")
        .arg(s.certs_dir().join("idp.crt"))
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:protocol:Response",
        ])
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xmlsec1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_edit_posted_as_typed_no_longer_verifies() {
    let s = Server::start();
    let page = held(&s, "_rv4", &[]);
    let token = hidden(&page, "token").unwrap();
    let edited = nameid_edited_to_root(&page);
    let (status, out) = post(
        &s,
        &[("token", &token), ("xml", &edited), ("action", "as-is")],
    );
    assert_eq!(status, 200, "{out}");
    let xml = decode_response(&hidden(&out, "SAMLResponse").unwrap());
    assert!(xml.contains(">root@acme-support.example</saml:NameID>"));
    let d = doc(&xml);
    let (response, assertion) = ids(&d);
    assert_eq!(
        verify_enveloped(&d, &assertion, &key(&s)),
        Err(VerifyError::DigestMismatch)
    );
    assert_eq!(
        verify_enveloped(&d, &response, &key(&s)),
        Err(VerifyError::DigestMismatch)
    );
    let exchange = client()
        .get(s.url("/inspector/1"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(exchange.contains("edited, posted as typed (not re-signed)"));
}

#[test]
fn a_malformed_edit_is_refused_with_its_line_and_the_review_stays_open() {
    let s = Server::start();
    let page = held(&s, "_rv5", &[]);
    let token = hidden(&page, "token").unwrap();
    let text = textarea(&page);
    let broken = text.replacen("</saml:Subject>", "</saml:Subjectx>", 1);
    let line = broken
        .lines()
        .position(|l| l.contains("</saml:Subjectx>"))
        .unwrap()
        + 1;
    let (status, out) = post(
        &s,
        &[("token", &token), ("xml", &broken), ("action", "resign")],
    );
    assert_eq!(status, 400);
    assert!(out.contains(&format!("line {line}, column ")), "{out}");
    assert!(out.contains("not well-formed XML"));
    let (status, out) = post(
        &s,
        &[("token", &token), ("xml", &text), ("action", "resign")],
    );
    assert_eq!(status, 200, "corrected, it posts: {out}");
}

#[test]
fn an_unknown_token_or_a_bad_form_is_refused() {
    let s = Server::start();
    let (status, out) = post(
        &s,
        &[
            ("token", "_0123456789abcdef"),
            ("xml", "<x/>"),
            ("action", "as-is"),
        ],
    );
    assert_eq!(status, 400);
    assert!(out.contains("no response is waiting for review"));
    let (status, _) = post(&s, &[("xml", "<x/>")]);
    assert_eq!(status, 400);
    let page = held(&s, "_rv6", &[]);
    let token = hidden(&page, "token").unwrap();
    let (status, out) = post(
        &s,
        &[("token", &token), ("xml", "<x/>"), ("action", "elsewhere")],
    );
    assert_eq!(status, 400);
    assert!(out.contains("is not one of: as-is, resign"));
    let (status, out) = post(&s, &[("token", &token), ("xml", " "), ("action", "as-is")]);
    assert_eq!(status, 400);
    assert!(out.contains("empty"));
}

#[test]
fn the_form_cannot_send_the_response_anywhere_else() {
    let s = Server::start();
    let page = held(&s, "_rv7", &[]);
    let token = hidden(&page, "token").unwrap();
    // The XML names another destination; the form adds fields a forged page might.
    let text = textarea(&page).replace("https://sp.test/acs", "https://evil.example/acs");
    let (status, out) = post(
        &s,
        &[
            ("token", token.as_str()),
            ("xml", &text),
            ("action", "resign"),
            ("acs_url", "https://evil.example/acs"),
            ("AssertionConsumerServiceURL", "https://evil.example/acs"),
            ("RelayState", "https://evil.example/"),
        ],
    );
    assert_eq!(status, 200, "{out}");
    assert_eq!(form_action(&out).as_deref(), Some("https://sp.test/acs"));
    assert_eq!(hidden(&out, "RelayState").as_deref(), Some(RELAY));
}

#[test]
fn strict_mode_still_refuses_before_anything_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let sps = dir.path().join("sps.yaml");
    std::fs::write(
        &sps,
        "service_providers:\n  - entity_id: https://sp.test/metadata\n    acs:\n      - { url: \"https://sp.test/acs\", index: 0 }\n",
    )
    .unwrap();
    let s = Server::start_with(&["--sps", sps.to_str().unwrap(), "--strict", "--review"]);
    let mut req = AuthnRequest::new("_rv8");
    req.acs = "https://evil.example/acs".into();
    let r = client()
        .post(s.url("/sso/login"))
        .form(&[
            ("SAMLRequest", req.post_param().as_str()),
            ("user", "alice"),
            ("review", "1"),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(!r.text().unwrap().contains("<textarea"));
}

/// The texts of the page's `<span class="CLASS">` lines (exactly that class).
fn marked(html: &str, class: &str) -> Vec<String> {
    let open = format!("<span class=\"{class}\">");
    html.split(&open)
        .skip(1)
        .map(|rest| unescape(&rest[..rest.find("</span>").unwrap()]))
        .collect()
}

fn scenario_exchange(scenario: &str) -> String {
    let s = Server::start();
    let req = AuthnRequest::new("_defect");
    let r = client()
        .post(s.url("/api/sso"))
        .json(&serde_json::json!({"SAMLRequest": req.redirect_param(), "user": "alice", "scenario": scenario}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    client()
        .get(s.url("/inspector/1"))
        .send()
        .unwrap()
        .text()
        .unwrap()
}

#[test]
fn the_inspector_marks_what_expired_changed() {
    let page = scenario_exchange("expired");
    assert!(page.contains("Expired assertion"));
    assert!(page.contains("the valid response to the same login"));
    let added = marked(&page, "d-add");
    let removed = marked(&page, "d-del");
    assert_eq!(added.len(), 2, "{added:#?}");
    assert_eq!(removed.len(), 2, "{removed:#?}");
    for l in added.iter().chain(&removed) {
        assert!(l.contains("NotOnOrAfter="), "{l}");
    }
    assert!(added.iter().any(|l| l.contains("<saml:Conditions ")));
    assert!(added
        .iter()
        .any(|l| l.contains("<saml:SubjectConfirmationData ")));
    // The digests and signature values over them change too, marked apart.
    assert_eq!(marked(&page, "d-add d-sig").len(), 4);
}

#[test]
fn the_inspector_marks_the_tampered_name_id() {
    let page = scenario_exchange("tampered-nameid");
    let added = marked(&page, "d-add");
    let removed = marked(&page, "d-del");
    assert_eq!(added.len(), 1, "{added:#?}");
    assert!(added[0].contains(">admin@acme-support.example</saml:NameID>"));
    assert!(removed[0].contains(">alice.martin@acme-support.example</saml:NameID>"));
    assert!(marked(&page, "d-add d-sig").is_empty(), "nothing re-signed");
    // A valid login has nothing to mark.
    let valid = scenario_exchange("valid");
    assert!(!valid.contains("class=\"d-add"));
}
