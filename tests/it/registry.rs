//! The service-provider registry, strict mode, IdP-initiated login and the AD FS face.

use serde_json::{json, Value};

use crate::support::{
    api_json, client, decode_response, form_action, hidden, server_with_registry, unescape,
    AuthnRequest, Server,
};

const REGISTRY: &str = r#"
service_providers:
  - entity_id: https://sp.test/metadata
    name: Test SP
    acs:
      - { url: "https://sp.test/acs", index: 0 }
      - { url: "https://sp.test/acs/other", index: 1, default: true }
  - preset: servicedesk-plus
    org_id: "90000000000"
"#;

fn server(strict: bool) -> (Server, tempfile::TempDir) {
    server_with_registry(REGISTRY, strict)
}

fn api(s: &Server, path: &str, body: Value) -> (u16, Value) {
    api_json(s, path, body)
}

#[test]
fn strict_mode_refuses_unregistered_sps_and_acs_urls_and_posts_nothing() {
    let (s, _dir) = server(true);
    assert!(s.banner.contains("strict"));
    let mut stranger = AuthnRequest::new("_s1");
    stranger.issuer = "https://stranger.test/metadata".into();
    let r = client()
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", stranger.redirect_param())])
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().unwrap();
    assert!(html.contains("not a registered service provider") && html.contains("strict"));
    assert!(!html.contains("SAMLResponse") && !html.contains("/sso/login"));
    let (status, v) = api(
        &s,
        "/api/sso",
        json!({"SAMLRequest": stranger.redirect_param(), "user": "alice"}),
    );
    assert_eq!(status, 403);
    assert!(v["error"].as_str().unwrap().contains("strict"));
    assert!(v.get("SAMLResponse").is_none());

    let mut evil_acs = AuthnRequest::new("_s2");
    evil_acs.acs = "https://evil.test/acs".into();
    let (status, v) = api(
        &s,
        "/api/sso",
        json!({"SAMLRequest": evil_acs.redirect_param(), "user": "alice"}),
    );
    assert_eq!(status, 403);
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains("https://evil.test/acs is not registered"));

    let (status, v) = api(
        &s,
        "/api/sso",
        json!({"SAMLRequest": AuthnRequest::new("_s3").redirect_param(), "user": "alice"}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["acs_url"], "https://sp.test/acs");
}

#[test]
fn permissive_mode_answers_strangers_with_a_warning() {
    let (s, _dir) = server(false);
    let mut evil_acs = AuthnRequest::new("_p1");
    evil_acs.acs = "https://elsewhere.test/acs".into();
    let html = client()
        .get(s.url("/sso"))
        .query(&[("SAMLRequest", evil_acs.redirect_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        html.contains("is not registered for https://sp.test/metadata"),
        "{html}"
    );
    assert!(html.contains("Test SP"));
}

#[test]
fn acs_index_and_default_endpoint_are_resolved_from_the_registry() {
    let (s, _dir) = server(true);
    let mut by_index = AuthnRequest::new("_i1");
    by_index.acs = String::new();
    let xml = by_index.xml().replace(
        r#"AssertionConsumerServiceURL="""#,
        r#"AssertionConsumerServiceIndex="0""#,
    );
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, xml);
    let (status, v) = api(&s, "/api/sso", json!({"SAMLRequest": b64, "user": "alice"}));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["acs_url"], "https://sp.test/acs");
}

#[test]
fn idp_initiated_login_posts_an_unsolicited_response_to_the_default_acs() {
    let (s, _dir) = server(true);
    let home = client().get(s.url("/")).send().unwrap().text().unwrap();
    assert!(unescape(&home).contains("/sso/idp-initiated?sp=https%3A%2F%2Fsp.test%2Fmetadata"));
    let html = client()
        .get(s.url("/sso/idp-initiated"))
        .query(&[("sp", "https://sp.test/metadata"), ("RelayState", "/home")])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(html.contains("IdP-initiated"));
    let form = [
        ("sp", hidden(&html, "sp").unwrap()),
        ("RelayState", hidden(&html, "RelayState").unwrap()),
        ("user", "alice".to_owned()),
    ];
    let post = client()
        .post(s.url("/sso/login"))
        .form(&form)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(
        form_action(&post).as_deref(),
        Some("https://sp.test/acs/other")
    );
    let xml = decode_response(&hidden(&post, "SAMLResponse").unwrap());
    assert!(!xml.contains("InResponseTo"));
    assert!(xml.contains("<saml:Audience>https://sp.test/metadata</saml:Audience>"));

    let (status, v) = api(
        &s,
        "/api/idp-initiated",
        json!({"sp": "https://sp.test/metadata", "user": "bruno"}),
    );
    assert_eq!(status, 200, "{v}");
    assert!(v["request_id"].is_null());
    let (status, v) = api(
        &s,
        "/api/idp-initiated",
        json!({"sp": "https://nobody.test", "user": "bruno"}),
    );
    assert_eq!(status, 400);
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains("not a registered service provider"));
}

#[test]
fn the_servicedesk_plus_preset_answers_in_the_adfs_shape_through_the_adfs_paths() {
    let (s, _dir) = server(true);
    let meta = client()
        .get(s.url("/FederationMetadata/2007-06/FederationMetadata.xml"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let host = s.base.trim_start_matches("http://");
    assert!(meta.contains(&format!(r#"entityID="http://{host}/adfs/services/trust""#)));
    assert!(meta.contains(&format!(r#"Location="{}/adfs/ls/""#, s.base)));

    let mut zoho = AuthnRequest::new("_z1");
    zoho.issuer = "zoho.com".into();
    zoho.acs = "https://accounts.zoho.com/signin/samlsp/90000000000".into();
    zoho.extra_attrs = r#"ProviderName="Zoho" IsPassive="false""#.into();
    let html = client()
        .post(s.url("/adfs/ls/"))
        .form(&[("SAMLRequest", zoho.post_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(html.contains("ServiceDesk Plus"), "{html}");
    let form = [
        ("SAMLRequest", hidden(&html, "SAMLRequest").unwrap()),
        ("user", "alice".to_owned()),
    ];
    let post = client()
        .post(s.url("/sso/login"))
        .form(&form)
        .send()
        .unwrap()
        .text()
        .unwrap();
    let xml = decode_response(&hidden(&post, "SAMLResponse").unwrap());
    assert!(xml.contains(r#"Consent="urn:oasis:names:tc:SAML:2.0:consent:unspecified""#));
    assert!(xml.contains(&format!(r#"<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">http://{host}/adfs/services/trust</Issuer>"#)));
    assert_eq!(
        xml.matches("<ds:Signature ").count(),
        1,
        "AD FS signs the assertion only"
    );

    let (_, v) = api(
        &s,
        "/api/sso",
        json!({"SAMLRequest": zoho.post_param(), "user": "alice", "algorithm": "rsa-sha1"}),
    );
    let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
    assert!(xml.contains("xmldsig#rsa-sha1"));
}

#[test]
fn per_login_choices_override_the_sp_settings() {
    let (s, _dir) = server(false);
    let req = AuthnRequest::new("_c1");
    let (_, v) = api(
        &s,
        "/api/sso",
        json!({"SAMLRequest": req.post_param(), "user": "alice", "style": "adfs", "name_id_format": "persistent", "authn_context": "windows"}),
    );
    let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
    assert!(xml.contains("/adfs/services/trust</Issuer>"));
    assert!(xml.contains("nameid-format:persistent"));
    assert!(xml.contains("urn:federation:authentication:windows"));
    let (status, v) = api(
        &s,
        "/api/sso",
        json!({"SAMLRequest": req.post_param(), "user": "alice", "style": "fancy"}),
    );
    assert_eq!(status, 400);
    assert!(v["error"]
        .as_str()
        .unwrap()
        .contains("style \"fancy\" is not one of: standard, adfs"));
}
