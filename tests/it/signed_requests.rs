//! Signed AuthnRequests: checked with the certificate registered for the SP, over the Redirect
//! query as received and over the posted XML; the verdict on the picker, in the API, in the
//! inspector; strict mode refusing invalid and missing signatures; WantAuthnRequestsSigned.
//!
//! The requests are the ones python3-saml and node-saml signed for
//! tests/fixtures/signed-requests (see its README).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::support::{client, hidden, repo, unescape, AuthnRequest, Server};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo().join("tests/fixtures/signed-requests").join(name)).unwrap()
}

fn keys() -> String {
    repo()
        .join("tests/fixtures/signed-requests/keys")
        .display()
        .to_string()
}

const PYTHON_SP: &str = "https://python-sp.example/metadata";
const NODE_SP: &str = "https://node-sp.example/metadata";

/// Both SPs with their own certificates; the python one is registered as signing its requests,
/// and so is `https://sp.test/metadata`, whose requests in these tests are unsigned.
fn registry() -> String {
    let keys = keys();
    format!(
        r#"service_providers:
  - entity_id: {PYTHON_SP}
    acs: [{{ url: "https://python-sp.example/acs" }}]
    certificate: {keys}/python-sp.crt
    want_signed_requests: true
  - entity_id: {NODE_SP}
    acs: [{{ url: "https://node-sp.example/acs" }}]
    certificate: {keys}/node-sp.crt
  - entity_id: https://sp.test/metadata
    acs: [{{ url: "https://sp.test/acs" }}]
    certificate: {keys}/python-sp.crt
    want_signed_requests: true
"#
    )
}

fn server_with(registry: &str, extra: &[&str]) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sps.yaml");
    std::fs::write(&path, registry).unwrap();
    let mut args = vec!["--sps", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    (Server::start_with(&args), dir)
}

fn server(strict: bool) -> (Server, tempfile::TempDir) {
    server_with(&registry(), if strict { &["--strict"] } else { &[] })
}

/// `GET /sso?<query>` with the query exactly as the SP wrote it.
fn redirect(s: &Server, query: &str) -> (u16, String) {
    let r = client()
        .get(format!("{}?{query}", s.url("/sso")))
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

/// `POST /sso` with the XML as the SAMLRequest field.
fn post(s: &Server, xml: &str) -> (u16, String) {
    let r = client()
        .post(s.url("/sso"))
        .form(&[("SAMLRequest", B64.encode(xml))])
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

fn api(s: &Server, body: Value) -> (u16, Value) {
    let r = client().post(s.url("/api/sso")).json(&body).send().unwrap();
    (r.status().as_u16(), r.json().unwrap())
}

/// The picker's verdict line: (verdict, the text after it).
fn verdict(html: &str) -> (String, String) {
    let marker = "data-verdict=\"";
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no verdict on the page:\n{html}"))
        + marker.len();
    let id = html[start..start + html[start..].find('"').unwrap()].to_owned();
    let line = &html[start..start + html[start..].find("</p>").unwrap()];
    let detail = line.split(" · ").nth(1).unwrap_or_default();
    (id, unescape(detail))
}

fn warnings(html: &str) -> Vec<String> {
    html.split("<p class=\"warn\">")
        .skip(1)
        .map(|w| unescape(&w[..w.find("</p>").unwrap()]))
        .collect()
}

/// Submits the picker's hidden fields as `alice` to /sso/login, as a browser does.
fn submit_picker(
    s: &Server,
    html: &str,
    edit: impl Fn(&mut Vec<(String, String)>),
) -> (u16, String) {
    let mut form: Vec<(String, String)> =
        ["SAMLRequest", "RelayState", "binding", "redirect_query"]
            .iter()
            .filter_map(|n| hidden(html, n).map(|v| ((*n).to_owned(), v)))
            .collect();
    form.push(("user".into(), "alice".into()));
    edit(&mut form);
    let r = client()
        .post(s.url("/sso/login"))
        .form(&form)
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

fn last_inspected(s: &Server) -> String {
    client()
        .get(s.url("/inspector/1"))
        .send()
        .unwrap()
        .text()
        .unwrap()
}

/// One character of the RelayState's raw value changed (`after` becomes `afteR`, or `next`
/// becomes `nexT`): the signature covers it.
fn tamper_query(query: &str) -> String {
    let changed = query.replacen("after+login", "afteR+login", 1).replacen(
        "%2Fafter%3Fnext",
        "%2Fafter%3FnexT",
        1,
    );
    assert_ne!(changed, query);
    changed
}

/// One byte of the IssueInstant changed: the digest no longer matches.
fn tamper_xml(xml: &str) -> String {
    let changed = xml.replacen("IssueInstant=\"2026-", "IssueInstant=\"2027-", 1);
    assert_ne!(changed, xml);
    changed
}

#[test]
fn signed_redirect_requests_are_valid_on_the_picker_after_the_picker_and_in_the_api() {
    let (s, _dir) = server(false);
    for (file, sp, alg) in [
        (
            "python3-saml-redirect-rsa-sha256.query",
            PYTHON_SP,
            "rsa-sha256",
        ),
        (
            "python3-saml-redirect-rsa-sha512.query",
            PYTHON_SP,
            "rsa-sha512",
        ),
        ("node-saml-redirect-rsa-sha256.query", NODE_SP, "rsa-sha256"),
    ] {
        let query = fixture(file);
        let (status, html) = redirect(&s, &query);
        assert_eq!(status, 200, "{file}: {html}");
        let (id, detail) = verdict(&html);
        assert_eq!(id, "valid", "{file}: {detail}");
        assert_eq!(
            detail,
            format!("signed with {alg}; verifies with the certificate registered for {sp}")
        );
        assert!(warnings(&html).iter().all(|w| !w.contains("signature")));
        // The picker carries the raw query on, byte for byte, and /sso/login checks it again.
        assert_eq!(
            hidden(&html, "redirect_query").as_deref(),
            Some(query.as_str())
        );
        let (status, page) = submit_picker(&s, &html, |_| {});
        assert_eq!(status, 200, "{file}: {page}");
        assert!(hidden(&page, "SAMLResponse").is_some());

        let (status, v) = api(&s, json!({"redirect_query": query, "user": "alice"}));
        assert_eq!(status, 200, "{file}: {v}");
        assert_eq!(v["request_signature"]["verdict"], "valid", "{v}");
        assert_eq!(v["request_signature"]["algorithm"], alg);
        assert_eq!(v["binding"], "redirect");
        // The whole redirect URL works as well.
        let (status, v) = api(
            &s,
            json!({"redirect_query": format!("http://127.0.0.1:8080/sso?{query}"), "user": "alice"}),
        );
        assert_eq!(
            (status, &v["request_signature"]["verdict"]),
            (200, &json!("valid"))
        );
    }
    // The python3-saml RelayState (with a space and a non-ASCII character) is posted back as
    // the SP sent it.
    let query = fixture("python3-saml-redirect-rsa-sha256.query");
    let (_, v) = api(&s, json!({"redirect_query": query, "user": "alice"}));
    assert_eq!(
        v["RelayState"],
        "https://python-sp.example/after login?next=/über"
    );
    let inspector = client()
        .get(s.url("/inspector"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        inspector.contains("valid: signed with rsa-sha256"),
        "{inspector}"
    );
}

#[test]
fn signed_post_requests_are_valid_on_the_picker_after_the_picker_and_in_the_api() {
    let (s, _dir) = server(false);
    for (file, sp) in [
        ("python3-saml-post-rsa-sha256.xml", PYTHON_SP),
        ("node-saml-post-rsa-sha256.xml", NODE_SP),
        ("python-xmlsec-inclusive-namespaces.xml", PYTHON_SP),
    ] {
        let xml = fixture(file);
        let (status, html) = post(&s, &xml);
        assert_eq!(status, 200, "{file}: {html}");
        let (id, detail) = verdict(&html);
        assert_eq!(id, "valid", "{file}: {detail}");
        assert!(detail.contains(sp), "{detail}");
        assert!(hidden(&html, "redirect_query").is_none());
        let (status, page) = submit_picker(&s, &html, |_| {});
        assert_eq!(status, 200, "{file}: {page}");
        let (status, v) = api(
            &s,
            json!({"SAMLRequest": B64.encode(&xml), "user": "alice"}),
        );
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["request_signature"]["verdict"], "valid", "{v}");
        assert_eq!(v["request_signature"]["required"], json!(sp == PYTHON_SP));
    }
    let detail = last_inspected(&s);
    assert!(detail.contains("valid: signed with rsa-sha256"), "{detail}");
}

#[test]
fn rsa_sha1_verifies_with_a_warning() {
    let (s, _dir) = server(true);
    let (status, html) = redirect(&s, &fixture("python3-saml-redirect-rsa-sha1.query"));
    assert_eq!(status, 200, "{html}");
    assert_eq!(verdict(&html).0, "valid");
    assert!(
        warnings(&html)
            .iter()
            .any(|w| w.contains("signed with rsa-sha1")),
        "{:?}",
        warnings(&html)
    );
}

#[test]
fn one_byte_changed_is_invalid_and_strict_mode_refuses_it() {
    let redirect_query = tamper_query(&fixture("node-saml-redirect-rsa-sha256.query"));
    let posted = tamper_xml(&fixture("python3-saml-post-rsa-sha256.xml"));

    let (s, _dir) = server(false);
    let (status, html) = redirect(&s, &redirect_query);
    assert_eq!(status, 200);
    let (id, detail) = verdict(&html);
    assert_eq!(id, "invalid");
    assert_eq!(
        detail,
        format!("the signature does not verify with the certificate registered for {NODE_SP}")
    );
    assert!(warnings(&html)
        .iter()
        .any(|w| w.starts_with("Invalid request signature") && w.contains("strict mode refuses")));
    // Permissive: answered, and recorded as invalid.
    let (status, _) = submit_picker(&s, &html, |_| {});
    assert_eq!(status, 200);
    assert!(last_inspected(&s).contains("invalid: the signature does not verify"));

    let (status, html) = post(&s, &posted);
    assert_eq!(status, 200);
    let (id, detail) = verdict(&html);
    assert_eq!(id, "invalid");
    assert!(detail.contains("changed after signing"), "{detail}");
    let (status, v) = api(
        &s,
        json!({"SAMLRequest": B64.encode(&posted), "user": "alice"}),
    );
    assert_eq!(status, 200);
    assert_eq!(v["request_signature"]["verdict"], "invalid");
    assert!(v["request_signature"]["detail"]
        .as_str()
        .unwrap()
        .contains("changed after signing"));

    let (s, _dir) = server(true);
    for (status, html) in [redirect(&s, &redirect_query), post(&s, &posted)] {
        assert_eq!(status, 400, "{html}");
        assert!(
            html.contains("Request signature refused in strict mode"),
            "{html}"
        );
        assert!(html.contains("signature is invalid"), "{html}");
        assert!(!html.contains("SAMLResponse") && !html.contains("/sso/login"));
    }
    let (status, v) = api(
        &s,
        json!({"redirect_query": redirect_query, "user": "alice"}),
    );
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains(&format!(
        "does not verify with the certificate registered for {NODE_SP}"
    )));
    let (status, v) = api(
        &s,
        json!({"SAMLRequest": B64.encode(&posted), "user": "alice"}),
    );
    assert_eq!(status, 400, "{v}");
    assert!(v.get("SAMLResponse").is_none());
    // The untouched requests still pass.
    let (status, _) = redirect(&s, &fixture("node-saml-redirect-rsa-sha256.query"));
    assert_eq!(status, 200);
}

#[test]
fn the_verdict_is_recomputed_at_sso_login_from_what_the_form_carries() {
    let (s, _dir) = server(true);
    let (status, html) = redirect(&s, &fixture("python3-saml-redirect-rsa-sha256.query"));
    assert_eq!(status, 200);
    // A changed byte in the carried query (and the RelayState field changed to match): the
    // signature is checked again at /sso/login.
    let (status, page) = submit_picker(&s, &html, |form| {
        for (name, value) in form.iter_mut() {
            match name.as_str() {
                "redirect_query" => *value = tamper_query(value),
                "RelayState" => *value = value.replacen("after", "afteR", 1),
                _ => {}
            }
        }
    });
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("signature is invalid"), "{page}");
    // The query changed but not the RelayState field: they no longer agree.
    let (status, page) = submit_picker(&s, &html, |form| {
        for (name, value) in form.iter_mut() {
            if name == "redirect_query" {
                *value = tamper_query(value);
            }
        }
    });
    assert_eq!(status, 400, "{page}");
    assert!(
        page.contains("RelayState and the RelayState inside redirect_query differ"),
        "{page}"
    );
    // Dropping the query leaves an unsigned request from an SP that signs: refused.
    let (status, page) = submit_picker(&s, &html, |form| {
        form.retain(|(n, _)| n != "redirect_query");
    });
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("the AuthnRequest is unsigned"), "{page}");
    // Another request in the SAMLRequest field than in the query.
    let (status, page) = submit_picker(&s, &html, |form| {
        for (name, value) in form.iter_mut() {
            if name == "SAMLRequest" {
                let mut other = AuthnRequest::new("_other");
                other.issuer = PYTHON_SP.into();
                other.acs = "https://python-sp.example/acs".into();
                *value = other.post_param();
            }
        }
    });
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("differ"), "{page}");
    // A form field claiming a verdict changes nothing.
    let posted = tamper_xml(&fixture("python3-saml-post-rsa-sha256.xml"));
    let r = client()
        .post(s.url("/sso/login"))
        .form(&[
            ("SAMLRequest", B64.encode(&posted).as_str()),
            ("user", "alice"),
            ("request_signature", "valid"),
            ("verdict", "valid"),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[test]
fn unsigned_requests_from_an_sp_that_signs_are_refused_in_strict_mode_only() {
    let mut unsigned = AuthnRequest::new("_unsigned");
    unsigned.issuer = "https://sp.test/metadata".into();

    let (s, _dir) = server(false);
    let r = client()
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", unsigned.redirect_param())])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().unwrap();
    assert_eq!(
        verdict(&html),
        ("unsigned".into(), "the request carries no signature".into())
    );
    assert!(warnings(&html)
        .iter()
        .any(|w| w.contains("unsigned, but https://sp.test/metadata is registered as signing")));
    let (status, v) = api(
        &s,
        json!({"SAMLRequest": unsigned.post_param(), "user": "alice"}),
    );
    assert_eq!(status, 200);
    assert_eq!(v["request_signature"]["verdict"], "unsigned");
    assert_eq!(v["request_signature"]["required"], true);

    let (s, _dir) = server(true);
    let r = client()
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", unsigned.redirect_param())])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().unwrap();
    assert!(html.contains("Request signature refused in strict mode"));
    assert!(html.contains("the AuthnRequest is unsigned, but https://sp.test/metadata"));
    let (status, v) = api(
        &s,
        json!({"SAMLRequest": unsigned.post_param(), "user": "alice"}),
    );
    assert_eq!(status, 400);
    assert!(v["error"].as_str().unwrap().contains("unsigned"));
}

#[test]
fn a_certificate_inside_the_request_is_never_trusted() {
    // node-saml's POST request is signed with node-sp's key and carries node-sp's certificate
    // in its KeyInfo; registered with python-sp's certificate, that SP's request is invalid.
    let registry = format!(
        "service_providers:\n  - entity_id: {NODE_SP}\n    acs: [{{ url: \"https://node-sp.example/acs\" }}]\n    certificate: {}/python-sp.crt\n",
        keys()
    );
    let xml = fixture("node-saml-post-rsa-sha256.xml");
    assert!(xml.contains("<X509Certificate>"));
    let (s, _dir) = server_with(&registry, &[]);
    let (status, html) = post(&s, &xml);
    assert_eq!(status, 200);
    assert_eq!(
        verdict(&html),
        (
            "invalid".into(),
            format!("the signature does not verify with the certificate registered for {NODE_SP}")
        )
    );
    let (s, _dir) = server_with(&registry, &["--strict"]);
    assert_eq!(post(&s, &xml).0, 400);
    let (status, _) = api(
        &s,
        json!({"redirect_query": fixture("node-saml-redirect-rsa-sha256.query"), "user": "alice"}),
    );
    assert_eq!(status, 400);
}

#[test]
fn without_a_certificate_a_signature_is_reported_as_unchecked() {
    // Not registered at all: no certificate to check with.
    let s = Server::start();
    let (status, html) = redirect(&s, &fixture("node-saml-redirect-rsa-sha256.query"));
    assert_eq!(status, 200);
    let (id, detail) = verdict(&html);
    assert_eq!(id, "no-certificate");
    assert!(
        detail.contains(&format!("no certificate is known for {NODE_SP}")),
        "{detail}"
    );
    assert!(warnings(&html).iter().any(|w| w.contains("not checked")));
    let (_, v) = api(
        &s,
        json!({"SAMLRequest": B64.encode(fixture("node-saml-post-rsa-sha256.xml")), "user": "alice"}),
    );
    assert_eq!(v["request_signature"]["verdict"], "no-certificate");
    // An unsigned request is simply unsigned, without a warning.
    let (_, v) = api(
        &s,
        json!({"SAMLRequest": AuthnRequest::new("_u").post_param(), "user": "alice"}),
    );
    assert_eq!(v["request_signature"]["verdict"], "unsigned");
    assert_eq!(v["request_signature"]["required"], false);
}

#[test]
fn want_signed_requests_is_advertised_and_applies_to_every_sp() {
    let s = Server::start();
    let md = client()
        .get(s.url("/metadata"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(md.contains("WantAuthnRequestsSigned=\"false\""), "{md}");

    let s = Server::start_with(&["--want-signed-requests"]);
    assert!(s.banner.contains("signed AuthnRequests wanted"));
    let md = client()
        .get(s.url("/metadata"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(md.contains("WantAuthnRequestsSigned=\"true\""), "{md}");
    let (status, v) = api(
        &s,
        json!({"SAMLRequest": AuthnRequest::new("_u").post_param(), "user": "alice"}),
    );
    assert_eq!(status, 200);
    assert_eq!(v["request_signature"]["verdict"], "unsigned");
    assert_eq!(v["request_signature"]["required"], true);

    let (s, _dir) = server_with(&registry(), &["--strict", "--want-signed-requests"]);
    let mut unsigned = AuthnRequest::new("_u");
    unsigned.issuer = NODE_SP.into();
    unsigned.acs = "https://node-sp.example/acs".into();
    let (status, v) = api(
        &s,
        json!({"SAMLRequest": unsigned.post_param(), "user": "alice"}),
    );
    assert_eq!(status, 400);
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("WantAuthnRequestsSigned"),
        "{v}"
    );
}
