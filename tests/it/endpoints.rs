//! The informational endpoints and start-up.

use crate::support::{client, Server};

#[test]
fn banner_tells_what_to_paste_into_an_sp() {
    let s = Server::start();
    for needle in [
        "Entity ID",
        "/metadata",
        "/sso",
        "SHA-1",
        "SHA-256",
        "idp.crt",
    ] {
        assert!(
            s.banner.contains(needle),
            "banner lacks {needle}:\n{}",
            s.banner
        );
    }
    assert!(s.certs_dir().join("idp.key").exists() && s.certs_dir().join("idp.crt").exists());
}

#[test]
fn home_shows_entity_id_urls_certificate_fingerprints_and_users() {
    let s = Server::start();
    let html = client().get(s.url("/")).send().unwrap().text().unwrap();
    let sha1 = s
        .banner
        .lines()
        .find(|l| l.trim_start().starts_with("SHA-1"))
        .unwrap();
    let sha1 = sha1.split_whitespace().last().unwrap();
    assert_eq!(sha1.len(), 59);
    for needle in [
        format!("{}/metadata", s.base),
        format!("{}/sso", s.base),
        format!("{}/logout", s.base),
        "Remote logout URL (plain redirect)".to_owned(),
        "BEGIN CERTIFICATE".to_owned(),
        sha1.to_owned(),
        "alice".to_owned(),
    ] {
        assert!(html.contains(&needle), "home page lacks {needle}");
    }
}

#[test]
fn certificate_is_served_as_pem_and_matches_the_file() {
    let s = Server::start();
    let pem = client()
        .get(s.url("/certs/idp.crt"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let on_disk = std::fs::read_to_string(s.certs_dir().join("idp.crt")).unwrap();
    assert_eq!(pem.trim(), on_disk.trim());
}

#[test]
fn metadata_advertises_signing_key_name_id_formats_and_sso_and_slo_for_both_bindings() {
    let s = Server::start();
    let r = client().get(s.url("/metadata")).send().unwrap();
    assert_eq!(r.headers()["content-type"], "application/samlmetadata+xml");
    let xml = r.text().unwrap();
    assert!(xml.contains(&format!(r#"entityID="{}/metadata""#, s.base)));
    assert!(xml.contains(r#"<md:KeyDescriptor use="signing">"#));
    assert!(xml.contains("<ds:X509Certificate>MII"));
    assert!(xml.contains("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"));
    assert!(xml.contains("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"));
    for binding in ["HTTP-Redirect", "HTTP-POST"] {
        assert!(xml.contains(&format!(
            r#"<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:{binding}" Location="{}/sso">"#,
            s.base
        )));
    }
    for binding in ["HTTP-Redirect", "HTTP-POST"] {
        assert!(xml.contains(&format!(
            r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:{binding}" Location="{}/slo">"#,
            s.base
        )));
    }
}

#[test]
fn healthz_and_users_api() {
    let s = Server::start();
    let h: serde_json::Value = client()
        .get(s.url("/healthz"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(h["status"], "ok");
    let users: serde_json::Value = client()
        .get(s.url("/api/users"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let users = users.as_array().unwrap();
    assert!(users.len() >= 5);
    assert_eq!(users[0]["id"], "alice");
    assert!(users
        .iter()
        .all(|u| u["email"].as_str().unwrap().contains('@')));
}

#[test]
fn unknown_paths_get_a_404_page() {
    let s = Server::start();
    let r = client().get(s.url("/nope")).send().unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().unwrap().contains("there is nothing at /nope"));
}

#[test]
fn keys_are_reused_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().to_str().unwrap();
    let first = Server::start_with(&["--certs", certs]);
    let pem1 = client()
        .get(first.url("/certs/idp.crt"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    drop(first);
    let second = Server::start_with(&["--certs", certs]);
    let pem2 = client()
        .get(second.url("/certs/idp.crt"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(pem1, pem2);
    assert!(second.banner.contains("loaded"));
}

#[test]
fn the_healthcheck_subcommand_reports_a_running_server_and_a_stopped_one() {
    let s = Server::start();
    let addr = s.base.trim_start_matches("http://").to_owned();
    let run = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_mock-idp"))
            .args(["healthcheck", "--bind", &addr])
            .output()
            .unwrap()
    };
    assert!(run().status.success());
    drop(s);
    let out = run();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unhealthy"));
}

#[test]
fn the_inspector_shows_recent_exchanges_with_request_and_response() {
    use crate::support::AuthnRequest;
    let s = Server::start();
    let empty = client()
        .get(s.url("/inspector"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(empty.contains("Nothing yet"));
    let req = AuthnRequest::new("_insp1");
    let body = serde_json::json!({"SAMLRequest": req.redirect_param(), "user": "alice", "scenario": "expired", "RelayState": "<script>x</script>"});
    let v: serde_json::Value = client()
        .post(s.url("/api/sso"))
        .json(&body)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let list = client()
        .get(s.url("/inspector"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        list.contains("/inspector/1")
            && list.contains("expired")
            && list.contains("https://sp.test/metadata")
    );
    let detail = client()
        .get(s.url("/inspector/1"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(detail.contains("Expired assertion"));
    assert!(
        detail.contains("&lt;samlp:AuthnRequest"),
        "the request, escaped"
    );
    assert!(detail.contains("_insp1"));
    let raw = client()
        .get(s.url("/inspector/1/response.xml"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        raw,
        crate::support::decode_response(v["SAMLResponse"].as_str().unwrap())
    );
    assert_eq!(
        client()
            .get(s.url("/inspector/99"))
            .send()
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        client()
            .get(s.url("/inspector/abc"))
            .send()
            .unwrap()
            .status(),
        404
    );
}
