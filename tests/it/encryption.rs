//! Encrypted assertions end to end: the registry's `encryption:`, the per-login `encrypt` and
//! `key_transport` choices, the encryption scenarios, and every way of asking for encryption
//! that cannot be done (a 400 saying what to register or choose, never a 500).

use std::process::{Command, Stdio};

use mock_idp::saml::ns;
use mock_idp::saml::xml::reader::{parse, Limits};
use mock_idp::saml::xmlenc::{self, alg, AllowList, XENC};
use openssl::pkey::PKey;
use serde_json::{json, Value};

use crate::support::{client, decode_response, repo, AuthnRequest, Server};

const ENCRYPTED: &str = "https://enc.test/metadata";
const AVAILABLE: &str = "https://enc-available.test/metadata";
const PLAIN: &str = "https://sp.test/metadata";

fn registry() -> String {
    let cert = repo().join("tests/fixtures/xmlenc/sp.crt");
    let cert = cert.display();
    format!(
        r#"
service_providers:
  - entity_id: {ENCRYPTED}
    acs: [{{ url: "https://enc.test/acs" }}]
    encryption:
      certificate: {cert}
      data: aes256-gcm
  - entity_id: {AVAILABLE}
    acs: [{{ url: "https://enc-available.test/acs" }}]
    encryption: {{ certificate: {cert}, enabled: false }}
  - entity_id: {PLAIN}
    acs: [{{ url: "https://sp.test/acs" }}]
"#
    )
}

fn server() -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sps.yaml");
    std::fs::write(&path, registry()).unwrap();
    (Server::start_with(&["--sps", path.to_str().unwrap()]), dir)
}

fn request(sp: &str) -> String {
    let mut r = AuthnRequest::new("_e1");
    r.issuer = sp.into();
    r.acs = sp.replace("/metadata", "/acs");
    r.redirect_param()
}

/// `POST /api/sso` for `sp` with extra fields.
fn api(s: &Server, sp: &str, extra: Value) -> (u16, Value) {
    let mut body = json!({"SAMLRequest": request(sp), "user": "alice"});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = client().post(s.url("/api/sso")).json(&body).send().unwrap();
    (r.status().as_u16(), r.json().unwrap())
}

/// The algorithms of the response's EncryptedAssertion (data, then key transport), and the
/// assertion decrypted with the SP's key.
fn open(v: &Value) -> (Vec<String>, String) {
    let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
    let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
    assert!(doc.first(ns::ASSERTION, "Assertion").is_none(), "{xml}");
    let ea = doc.first(ns::ASSERTION, "EncryptedAssertion").unwrap();
    let data = ea.first(XENC, "EncryptedData").unwrap();
    let key = data
        .first(ns::DSIG, "KeyInfo")
        .and_then(|k| k.first(XENC, "EncryptedKey"))
        .unwrap();
    let method = |e: &mock_idp::saml::xml::Element| {
        e.first(XENC, "EncryptionMethod")
            .and_then(|m| m.attribute("Algorithm"))
            .unwrap()
            .to_owned()
    };
    let sp_key = std::fs::read(repo().join("tests/fixtures/xmlenc/sp.key")).unwrap();
    let sp_key = PKey::private_key_from_pem(&sp_key).unwrap();
    let plain = xmlenc::decrypt_xml(ea, &sp_key, &AllowList::all()).unwrap();
    (vec![method(data), method(key)], plain)
}

fn error(v: &Value) -> &str {
    v["error"].as_str().unwrap_or_default()
}

#[test]
fn the_registry_encrypts_and_each_login_can_choose() {
    let (s, _dir) = server();
    // The SP's setting: aes256-gcm with the default key transport.
    let (status, v) = api(&s, ENCRYPTED, json!({}));
    assert_eq!(status, 200, "{v}");
    let (methods, plain) = open(&v);
    assert_eq!(methods, [alg::AES256_GCM, alg::RSA_OAEP_MGF1P]);
    assert!(plain.starts_with("<saml:Assertion "));
    assert!(plain.contains("alice.martin@acme-support.example"));

    // Per login: another algorithm, another key transport, or none at all.
    let (_, v) = api(
        &s,
        ENCRYPTED,
        json!({"encrypt": "aes128-cbc", "key_transport": "rsa-oaep"}),
    );
    assert_eq!(open(&v).0, [alg::AES128_CBC, alg::RSA_OAEP]);
    let (status, v) = api(&s, ENCRYPTED, json!({"encrypt": "none"}));
    assert_eq!(status, 200);
    let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
    assert!(xml.contains("<saml:Assertion ") && !xml.contains("EncryptedAssertion"));

    // A certificate kept for logins that ask: plaintext unless asked.
    let (_, v) = api(&s, AVAILABLE, json!({}));
    let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
    assert!(!xml.contains("EncryptedAssertion"));
    let (_, v) = api(&s, AVAILABLE, json!({"encrypt": "yes"}));
    assert_eq!(open(&v).0, [alg::AES256_CBC, alg::RSA_OAEP_MGF1P]);
    let (_, v) = api(&s, AVAILABLE, json!({"key_transport": "rsa-oaep"}));
    assert_eq!(open(&v).0, [alg::AES256_CBC, alg::RSA_OAEP]);

    // The scenarios encrypt whatever the login chose, with the SP's algorithms.
    let (status, v) = api(
        &s,
        AVAILABLE,
        json!({"scenario": "enc-rsa-1-5", "encrypt": "none"}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(open(&v).0, [alg::AES256_CBC, alg::RSA_1_5]);
    let (_, v) = api(&s, ENCRYPTED, json!({"scenario": "enc-3des"}));
    assert_eq!(open(&v).0, [alg::TRIPLEDES_CBC, alg::RSA_OAEP_MGF1P]);
}

#[test]
fn encryption_without_a_certificate_is_a_400_saying_what_to_register() {
    let (s, _dir) = server();
    let stranger = "https://stranger.test/metadata";
    for (sp, extra) in [
        (PLAIN, json!({"encrypt": "aes256-gcm"})),
        (PLAIN, json!({"encrypt": "yes"})),
        (PLAIN, json!({"key_transport": "rsa-oaep"})),
        (PLAIN, json!({"scenario": "enc-valid"})),
        (stranger, json!({"scenario": "enc-unsigned-inner"})),
    ] {
        let (status, v) = api(&s, sp, extra.clone());
        assert_eq!(status, 400, "{sp} {extra}: {v}");
        let e = error(&v);
        assert!(
            e.contains(&format!("no encryption certificate is known for {sp}"))
                && e.contains("--sps")
                && e.contains("encryption: { certificate:")
                && e.contains("KeyDescriptor use=\"encryption\""),
            "{e}"
        );
        assert!(v.get("SAMLResponse").is_none());
    }
    // The attacker's certificate needs none of the SP's.
    let (status, v) = api(&s, PLAIN, json!({"scenario": "enc-wrong-key"}));
    assert_eq!(status, 200, "{v}");
    // Without asking, nothing changes for an SP without a certificate.
    assert_eq!(api(&s, PLAIN, json!({})).0, 200);
}

#[test]
fn bad_encryption_choices_and_conflicting_scenarios_are_400s() {
    let (s, _dir) = server();
    let (status, v) = api(&s, ENCRYPTED, json!({"encrypt": "tripledes-cbc"}));
    assert_eq!(status, 400);
    assert!(error(&v).contains(
        "encrypt \"tripledes-cbc\" is not one of: none, yes, aes128-cbc, aes256-cbc, aes128-gcm, aes256-gcm"
    ));
    let (status, v) = api(&s, ENCRYPTED, json!({"key_transport": "rsa-1_5"}));
    assert_eq!(status, 400);
    assert!(error(&v).contains("key_transport \"rsa-1_5\" is not one of: rsa-oaep-mgf1p, rsa-oaep"));
    // A scenario that rewrites the signed response cannot see inside the encryption.
    let (status, v) = api(&s, ENCRYPTED, json!({"scenario": "xsw1"}));
    assert_eq!(status, 400);
    assert!(error(&v).contains("scenario xsw1") && error(&v).contains("encrypt=none"));
    let (status, _) = api(
        &s,
        ENCRYPTED,
        json!({"scenario": "xsw1", "encrypt": "none"}),
    );
    assert_eq!(status, 200);
}

#[test]
fn the_catalogue_says_which_scenarios_need_an_encryption_certificate() {
    let (s, _dir) = server();
    let all: Vec<Value> = client()
        .get(s.url("/api/scenarios"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let needs = |id: &str| {
        all.iter().find(|v| v["id"] == id).unwrap()["needs_encryption_certificate"].clone()
    };
    for id in [
        "enc-valid",
        "enc-rsa-1-5",
        "enc-3des",
        "enc-unsigned-inner",
        "enc-plus-plaintext",
        "enc-retrieval-method",
    ] {
        assert_eq!(needs(id), json!(true), "{id}");
        assert_eq!(
            all.iter().find(|v| v["id"] == id).unwrap()["family"],
            "encryption"
        );
    }
    assert_eq!(needs("enc-wrong-key"), json!(false));
    assert_eq!(needs("valid"), json!(false));
}

#[test]
fn the_picker_offers_encryption_and_says_what_the_sp_has() {
    let (s, _dir) = server();
    let page = |sp: &str| {
        client()
            .get(s.url("/sso"))
            .query(&[("SAMLRequest", request(sp))])
            .send()
            .unwrap()
            .text()
            .unwrap()
    };
    let html = page(ENCRYPTED);
    assert!(html.contains(r#"<select name="encrypt">"#), "{html}");
    assert!(html.contains(r#"<option value="aes256-gcm">aes256-gcm</option>"#));
    assert!(html.contains(r#"<select name="key_transport">"#));
    assert!(html.contains("encrypted by default with aes256-gcm and rsa-oaep-mgf1p"));
    assert!(html.contains(r#"<option value="enc-retrieval-method""#));
    assert!(page(AVAILABLE).contains("plaintext by default with aes256-cbc and rsa-oaep-mgf1p"));
    assert!(page(PLAIN).contains("no encryption certificate is registered for this SP"));

    // Asking the picker to encrypt for an SP without a certificate: a 400 page.
    let r = client()
        .post(s.url("/sso/login"))
        .form(&[
            ("SAMLRequest", request(PLAIN).as_str()),
            ("user", "alice"),
            ("encrypt", "aes128-gcm"),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().unwrap();
    assert!(html.contains("The assertion cannot be encrypted"), "{html}");
    assert!(html.contains("no encryption certificate is known for https://sp.test/metadata"));
    assert!(!html.contains("SAMLResponse"));
}

#[test]
fn a_bad_encryption_block_stops_start_up_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sps.yaml");
    std::fs::write(
        &path,
        "service_providers:\n  - entity_id: https://sp.test/metadata\n    acs: [{ url: \"https://sp.test/acs\" }]\n    encryption: { data: aes256-gcm }\n",
    )
    .unwrap();
    let certs = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mock-idp"))
        .args(["--bind", "127.0.0.1:0", "--sps"])
        .arg(&path)
        .arg("--certs")
        .arg(certs.path())
        .arg("--users")
        .arg(repo().join("users.yaml"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "sps.yaml line 4: service_providers[0].encryption: no encryption certificate"
        ),
        "{stderr}"
    );
}
