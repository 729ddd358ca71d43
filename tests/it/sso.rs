//! Single sign-on through the picker and the API, as an SP and a browser drive it.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use mock_idp::saml::dsig::verify_enveloped;
use mock_idp::saml::ns;
use mock_idp::saml::xml::reader::{parse, Limits};
use openssl::x509::X509;
use serde_json::{json, Value};
use std::io::Write;

use crate::support::{client, decode_response, form_action, hidden, AuthnRequest, Server};

/// Checks both signatures against the served certificate and returns the parsed Response.
fn verified(s: &Server, xml: &str) -> mock_idp::saml::xml::Element {
    let pem = client()
        .get(s.url("/certs/idp.crt"))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let key = X509::from_pem(&pem).unwrap().public_key().unwrap();
    let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
    verify_enveloped(&doc, doc.attribute("ID").unwrap(), &key).unwrap();
    let assertion = doc.first(ns::ASSERTION, "Assertion").expect("an assertion");
    verify_enveloped(&doc, assertion.attribute("ID").unwrap(), &key).unwrap();
    doc
}

fn name_id(doc: &mock_idp::saml::xml::Element) -> (String, String) {
    let n = doc
        .first(ns::ASSERTION, "Assertion")
        .and_then(|a| a.first(ns::ASSERTION, "Subject"))
        .and_then(|s| s.first(ns::ASSERTION, "NameID"))
        .unwrap();
    (n.attribute("Format").unwrap().to_owned(), n.text_content())
}

#[test]
fn redirect_binding_picker_then_login_posts_a_signed_response_to_the_acs() {
    let s = Server::start();
    let req = AuthnRequest::new("_redirect1");
    let picker = client()
        .get(s.url("/sso"))
        .query(&[
            ("SAMLRequest", req.redirect_param().as_str()),
            ("RelayState", "/tickets/42?x=1&y=2"),
        ])
        .send()
        .unwrap();
    assert_eq!(picker.status(), 200);
    assert_eq!(picker.headers()["cache-control"], "no-cache, no-store");
    let html = picker.text().unwrap();
    assert!(html.contains("_redirect1") && html.contains("https://sp.test/metadata"));
    assert!(html.contains("raw DEFLATE"));
    assert!(html.contains("not a registered service provider"));
    // The scenario list shows each family's and each scenario's own title.
    assert!(html.contains(
        r#"<optgroup label="Valid"><option value="valid" selected>Valid response (valid)</option>"#
    ));
    assert!(html.contains("<h3>Valid</h3><dl><dt><code>valid</code> · Valid response <small>"));
    assert!(html.contains("<title>Choose a user · mock-idp</title>"));
    assert_eq!(form_action(&html).as_deref(), Some("/sso/login"));

    let form = [
        ("SAMLRequest", hidden(&html, "SAMLRequest").unwrap()),
        ("RelayState", hidden(&html, "RelayState").unwrap()),
        ("binding", hidden(&html, "binding").unwrap()),
        ("user", "alice".to_owned()),
    ];
    let post = client()
        .post(s.url("/sso/login"))
        .form(&form)
        .send()
        .unwrap();
    assert_eq!(post.status(), 200);
    let html = post.text().unwrap();
    assert_eq!(form_action(&html).as_deref(), Some("https://sp.test/acs"));
    assert_eq!(
        hidden(&html, "RelayState").as_deref(),
        Some("/tickets/42?x=1&y=2")
    );
    assert!(html.contains("Continue"), "a no-JS user needs a button");
    let xml = decode_response(&hidden(&html, "SAMLResponse").unwrap());
    let doc = verified(&s, &xml);
    assert_eq!(doc.attribute("InResponseTo"), Some("_redirect1"));
    assert_eq!(doc.attribute("Destination"), Some("https://sp.test/acs"));
    let (format, value) = name_id(&doc);
    assert_eq!(format, ns::nameid::EMAIL);
    assert!(value.starts_with("alice") && value.contains("@"));
}

#[test]
fn post_binding_and_other_encodings_are_accepted_and_named() {
    let s = Server::start();
    let req = AuthnRequest::new("_post1");
    let html = client()
        .post(s.url("/sso"))
        .form(&[("SAMLRequest", req.post_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(html.contains("HTTP-POST, uncompressed XML"), "{html}");

    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(req.xml().as_bytes()).unwrap();
    let zlib = B64.encode(z.finish().unwrap());
    let html = client()
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", zlib)])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(html.contains("zlib-wrapped"));
    let html = client()
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", req.post_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(html.contains("HTTP-Redirect, uncompressed XML"));
}

#[test]
fn api_answers_json_and_form_calls_for_both_bindings() {
    let s = Server::start();
    let req = AuthnRequest::new("_api1");
    let r = client()
        .post(s.url("/api/sso"))
        .json(&json!({"SAMLRequest": req.redirect_param(), "RelayState": "rs", "user": "alice"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().unwrap();
    assert_eq!(v["acs_url"], "https://sp.test/acs");
    assert_eq!(v["RelayState"], "rs");
    assert_eq!(v["request_id"], "_api1");
    assert_eq!(v["user"], "alice");
    assert_eq!(v["binding"], "redirect");
    verified(&s, &decode_response(v["SAMLResponse"].as_str().unwrap()));

    let v: Value = client()
        .post(s.url("/api/sso"))
        .form(&[
            ("SAMLRequest", req.post_param().as_str()),
            ("user", "alice"),
            ("binding", "post"),
            ("algorithm", "rsa-sha1"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["binding"], "post");
    assert!(v["RelayState"].is_null());
    let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
    assert!(xml.contains(ns::alg::RSA_SHA1));
    verified(&s, &xml);
}

#[test]
fn api_signs_what_is_asked() {
    let s = Server::start();
    let req = AuthnRequest::new("_sign1");
    for (sign, count) in [("both", 2), ("assertion", 1), ("response", 1)] {
        let v: Value = client()
            .post(s.url("/api/sso"))
            .json(&json!({"SAMLRequest": req.post_param(), "user": "alice", "sign": sign}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
        assert_eq!(xml.matches("<ds:Signature ").count(), count, "{sign}");
    }
}

#[test]
fn requested_name_id_formats_are_honoured_or_refused_with_a_saml_status() {
    let s = Server::start();
    let call = |format: &str, sp: &str| -> String {
        let mut req = AuthnRequest::new("_fmt");
        req.issuer = sp.to_owned();
        req.body = format!(r#"<samlp:NameIDPolicy Format="{format}" AllowCreate="true"/>"#);
        let v: Value = client()
            .post(s.url("/api/sso"))
            .json(&json!({"SAMLRequest": req.redirect_param(), "user": "alice"}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        decode_response(v["SAMLResponse"].as_str().unwrap())
    };
    let persistent = |sp: &str| name_id(&verified(&s, &call(ns::nameid::PERSISTENT, sp)));
    assert_eq!(persistent("sp-a"), persistent("sp-a"));
    assert_ne!(persistent("sp-a").1, persistent("sp-b").1);
    let transient = || name_id(&verified(&s, &call(ns::nameid::TRANSIENT, "sp-a"))).1;
    assert_ne!(transient(), transient());
    let x509 = name_id(&verified(&s, &call(ns::nameid::X509_SUBJECT, "sp-a")));
    assert!(x509.1.starts_with("CN="));

    let refused = call("urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos", "sp-a");
    assert!(refused.contains(ns::status::INVALID_NAME_ID_POLICY));
    assert!(!refused.contains("Assertion"));
}

#[test]
fn bad_api_input_gets_a_400_json_error_that_says_what_was_wrong() {
    let s = Server::start();
    let good = AuthnRequest::new("_bad").redirect_param();
    let mut no_acs = AuthnRequest::new("_noacs");
    no_acs.acs = String::new();
    let no_acs = no_acs.redirect_param();
    let doctype = B64.encode(r#"<!DOCTYPE x [<!ENTITY a "b">]><samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>"#);
    let cases: Vec<(Value, &str)> = vec![
        (json!({"user": "alice"}), "no SAMLRequest"),
        (
            json!({"SAMLRequest": "%%%", "user": "alice"}),
            "not valid base64",
        ),
        (
            json!({"SAMLRequest": B64.encode("hello"), "user": "alice"}),
            "neither XML nor DEFLATE",
        ),
        (json!({"SAMLRequest": doctype, "user": "alice"}), "DOCTYPE"),
        (
            json!({"SAMLRequest": good, "user": "nobody"}),
            "unknown user \"nobody\"",
        ),
        (json!({"SAMLRequest": good}), "no user given"),
        (
            json!({"SAMLRequest": good, "user": "alice", "sign": "nothing"}),
            "sign \"nothing\" is not one of",
        ),
        (
            json!({"SAMLRequest": good, "user": "alice", "binding": "soap"}),
            "binding \"soap\"",
        ),
        (
            json!({"SAMLRequest": no_acs, "user": "alice"}),
            "is not an absolute http(s) URL",
        ),
        (
            json!({"SAMLRequest": good, "user": "alice", "RelayState": "x".repeat(9000)}),
            "RelayState is 9000 bytes",
        ),
    ];
    for (body, expected) in cases {
        let r = client().post(s.url("/api/sso")).json(&body).send().unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let v: Value = r.json().unwrap();
        let error = v["error"].as_str().unwrap();
        assert!(error.contains(expected), "{expected:?} not in {error:?}");
    }
    let r = client()
        .post(s.url("/api/sso"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("JSON body"));
}

#[test]
fn bad_browser_input_gets_a_400_page() {
    let s = Server::start();
    let r = client().get(s.url("/sso")).send().unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().unwrap();
    assert!(html.contains("no SAMLRequest parameter"));
    assert!(html.contains("<html"));

    let r = client()
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", B64.encode("<a/>"))])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("not samlp:AuthnRequest"));

    let r = client()
        .post(s.url("/sso/login"))
        .form(&[
            ("SAMLRequest", AuthnRequest::new("_x").post_param()),
            ("user", "ghost".to_owned()),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("unknown user"));
}

#[test]
fn values_from_the_request_are_escaped_on_every_page() {
    let s = Server::start();
    let payload = r#""><script>alert(1)</script>"#;
    let mut req = AuthnRequest::new("_xss");
    req.extra_attrs = r#"ProviderName="&lt;script&gt;alert(2)&lt;/script&gt;""#.to_owned();
    let html = client()
        .get(s.url("/sso"))
        .query(&[
            ("SAMLRequest", req.redirect_param().as_str()),
            ("RelayState", payload),
        ])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
    let form = [
        ("SAMLRequest", hidden(&html, "SAMLRequest").unwrap()),
        ("RelayState", hidden(&html, "RelayState").unwrap()),
        ("user", "alice".to_owned()),
    ];
    assert_eq!(form[1].1, payload);
    let html = client()
        .post(s.url("/sso/login"))
        .form(&form)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(!html.contains("<script>alert"));
    assert_eq!(hidden(&html, "RelayState").as_deref(), Some(payload));
}

#[test]
fn a_log_written_to_a_file_is_plain_text() {
    // Colour codes are for a terminal; in a CI log or a file they are noise around every line.
    let mut server = Server::start_capturing_log(&[]);
    let request = AuthnRequest::new("_plainlog");
    let r = client()
        .post(server.url("/api/sso"))
        .json(&json!({"SAMLRequest": request.redirect_param(), "user": "alice"}))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let log = server.stop_and_read_log();
    assert!(log.contains("alice"), "no log line for the login:\n{log}");
    assert!(!log.contains('\u{1b}'), "escape codes in the log:\n{log}");
}
