//! What today's SaaS service providers need beyond a preset, through the running server: a
//! default RelayState for IdP-initiated logins, ACS URLs with query strings answered byte for
//! byte, a NameFormat per attribute, and the home page's list of SPs by product name.

use serde_json::{json, Value};

use crate::support::{
    api_json, client, decode_response, form_action, hidden, server_with_registry, AuthnRequest,
    Server,
};

/// Atlassian's ACS shape (through Auth0), with a second parameter and an escape to keep.
const ACS: &str = "https://auth.atlassian.test/login/callback?connection=saml-1234&x=a%20b";
const SP: &str = "https://auth.atlassian.test/saml/1234";
const RELAY_STATE: &str = "https://site.atlassian.test/?a=1&b=<2>";
const PLAIN_SP: &str = "https://plain.test/metadata";

const REGISTRY: &str = r#"
service_providers:
  - entity_id: https://auth.atlassian.test/saml/1234
    name: Jira Service Management
    acs:
      - url: "https://auth.atlassian.test/login/callback?connection=saml-1234&x=a%20b"
        index: 0
    relay_state: "https://site.atlassian.test/?a=1&b=<2>"
    attributes:
      name_format: { email: unspecified, firstName: "urn:example:format" }
  - entity_id: https://plain.test/metadata
    acs:
      - url: https://plain.test/acs
"#;

fn server(strict: bool) -> (Server, tempfile::TempDir) {
    server_with_registry(REGISTRY, strict)
}

fn api(s: &Server, path: &str, body: Value) -> (u16, Value) {
    api_json(s, path, body)
}

/// An AuthnRequest from the Atlassian-like SP naming `acs` (as written, unescaped).
fn request_to(id: &str, acs: &str) -> AuthnRequest {
    let mut r = AuthnRequest::new(id);
    r.issuer = SP.into();
    r.acs = acs.replace('&', "&amp;").replace('<', "&lt;");
    r
}

#[test]
fn the_api_sends_the_sps_relay_state_unless_the_call_gives_one_and_empty_sends_none() {
    let (s, _dir) = server(true);
    for (relay_state, expected) in [
        (None, json!(RELAY_STATE)),
        (Some(json!(null)), json!(RELAY_STATE)),
        (Some(json!("/issues/ABC-1")), json!("/issues/ABC-1")),
        (Some(json!("")), Value::Null),
    ] {
        let mut call = json!({"sp": SP, "user": "alice"});
        if let Some(r) = &relay_state {
            call["RelayState"] = r.clone();
        }
        let (status, v) = api(&s, "/api/idp-initiated", call);
        assert_eq!(status, 200, "{v}");
        assert_eq!(v["RelayState"], expected, "{relay_state:?}");
        assert_eq!(v["acs_url"], ACS);
    }
    // As a form, too; an SP without a default sends none.
    let v: Value = client()
        .post(s.url("/api/idp-initiated"))
        .form(&[("sp", SP), ("user", "alice")])
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(v["RelayState"], RELAY_STATE);
    let (_, v) = api(
        &s,
        "/api/idp-initiated",
        json!({"sp": PLAIN_SP, "user": "alice"}),
    );
    assert_eq!(v["RelayState"], Value::Null);
}

#[test]
fn the_idp_initiated_page_carries_the_sps_relay_state_to_the_post_page() {
    let (s, _dir) = server(false);
    let login = |query: &[(&str, &str)]| {
        let picker = client()
            .get(s.url("/sso/idp-initiated"))
            .query(query)
            .send()
            .unwrap()
            .text()
            .unwrap();
        let carried = hidden(&picker, "RelayState").expect("the picker carries a RelayState");
        let form = [
            ("sp", hidden(&picker, "sp").unwrap()),
            ("RelayState", carried.clone()),
            ("user", "alice".to_owned()),
        ];
        let post = client()
            .post(s.url("/sso/login"))
            .form(&form)
            .send()
            .unwrap()
            .text()
            .unwrap();
        (carried, post)
    };
    let (carried, post) = login(&[("sp", SP)]);
    assert_eq!(carried, RELAY_STATE);
    assert_eq!(hidden(&post, "RelayState").as_deref(), Some(RELAY_STATE));
    assert_eq!(form_action(&post).as_deref(), Some(ACS));

    let (_, post) = login(&[("sp", SP), ("RelayState", "/elsewhere")]);
    assert_eq!(hidden(&post, "RelayState").as_deref(), Some("/elsewhere"));

    let (carried, post) = login(&[("sp", SP), ("RelayState", "")]);
    assert_eq!(carried, "");
    assert_eq!(
        hidden(&post, "RelayState"),
        None,
        "an empty RelayState sends none"
    );
}

#[test]
fn a_query_string_acs_is_written_escaped_and_posted_to_unchanged() {
    let (s, _dir) = server(true);
    let (status, v) = api(
        &s,
        "/api/sso",
        json!({"SAMLRequest": request_to("_q1", ACS).redirect_param(), "user": "alice"}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["acs_url"], ACS);
    let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
    let in_xml = ACS.replace('&', "&amp;");
    assert!(xml.contains(&format!(r#"Destination="{in_xml}""#)), "{xml}");
    assert!(xml.contains(&format!(r#"Recipient="{in_xml}""#)), "{xml}");

    // The picker's form, then the auto-POST page: `&` and `=` are character references in the
    // attribute, which a browser turns back into the URL byte for byte.
    let picker = client()
        .post(s.url("/sso"))
        .form(&[("SAMLRequest", request_to("_q2", ACS).post_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    let post = client()
        .post(s.url("/sso/login"))
        .form(&[
            ("SAMLRequest", hidden(&picker, "SAMLRequest").unwrap()),
            ("user", "alice".to_owned()),
        ])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        post.contains(
            r#"action="https://auth.atlassian.test/login/callback?connection&#x3D;saml-1234&amp;x&#x3D;a%20b""#
        ),
        "{post}"
    );
    assert_eq!(form_action(&post).as_deref(), Some(ACS));
}

#[test]
fn strict_mode_answers_only_the_registered_query_string() {
    let (s, _dir) = server(true);
    for other in [
        "https://auth.atlassian.test/login/callback?connection=saml-9999&x=a%20b",
        "https://auth.atlassian.test/login/callback?x=a%20b&connection=saml-1234",
        "https://auth.atlassian.test/login/callback?connection=saml-1234&x=a%20b&next=/",
        "https://auth.atlassian.test/login/callback?connection=saml-1234&x=a+b",
        "https://auth.atlassian.test/login/callback",
    ] {
        let (status, v) = api(
            &s,
            "/api/sso",
            json!({"SAMLRequest": request_to("_q3", other).redirect_param(), "user": "alice"}),
        );
        assert_eq!(status, 403, "{other}: {v}");
        let error = v["error"].as_str().unwrap();
        assert!(
            error.contains(&format!("{other} is not registered")),
            "{error}"
        );
        assert!(v.get("SAMLResponse").is_none());
    }
    // By index, the registered URL as written.
    let by_index = request_to("_q4", "").xml().replace(
        r#"AssertionConsumerServiceURL="""#,
        r#"AssertionConsumerServiceIndex="0""#,
    );
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, by_index);
    let (status, v) = api(&s, "/api/sso", json!({"SAMLRequest": b64, "user": "alice"}));
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["acs_url"], ACS);
}

#[test]
fn permissive_mode_answers_another_query_string_with_a_warning() {
    let (s, _dir) = server(false);
    let reordered = "https://auth.atlassian.test/login/callback?x=a%20b&connection=saml-1234";
    let html = client()
        .post(s.url("/sso"))
        .form(&[("SAMLRequest", request_to("_q5", reordered).post_param())])
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        crate::support::unescape(&html).contains(&format!(
            "The ACS URL {reordered} is not registered for {SP}"
        )),
        "{html}"
    );
    let (status, v) = api(
        &s,
        "/api/sso",
        json!({"SAMLRequest": request_to("_q6", reordered).redirect_param(), "user": "alice"}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["acs_url"], reordered);
}

#[test]
fn attributes_carry_the_name_format_the_registry_gives() {
    let (s, _dir) = server(true);
    let (_, v) = api(&s, "/api/idp-initiated", json!({"sp": SP, "user": "alice"}));
    let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
    assert!(xml.contains(
        r#"Name="email" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified""#
    ));
    assert!(xml.contains(r#"Name="firstName" NameFormat="urn:example:format""#));
    assert!(xml.contains(
        r#"Name="lastName" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic""#
    ));
    let (_, v) = api(
        &s,
        "/api/idp-initiated",
        json!({"sp": PLAIN_SP, "user": "alice"}),
    );
    let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
    assert!(xml.contains(
        r#"Name="email" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic""#
    ));
}

#[test]
fn the_home_page_lists_sps_by_product_name_with_their_idp_initiated_logins() {
    let (s, _dir) = server(false);
    let home = client().get(s.url("/")).send().unwrap().text().unwrap();
    let row = |entity_id: &str| {
        let start = home
            .find(&format!(r#"<tr class="sp" data-entity-id="{entity_id}">"#))
            .unwrap_or_else(|| panic!("no row for {entity_id}: {home}"));
        let end = start + home[start..].find("</tr>").unwrap();
        home[start..end].to_owned()
    };
    let named = row(SP);
    assert!(named.contains(r#"<strong class="sp-name">Jira Service Management</strong>"#));
    assert!(named.contains("log in to Jira Service Management"));
    assert!(named.contains(
        r#"<code class="default-relay-state">https://site.atlassian.test/?a&#x3D;1&amp;b&#x3D;&lt;2&gt;</code>"#
    ));
    assert_eq!(hidden(&named, "RelayState").as_deref(), Some(RELAY_STATE));
    assert_eq!(hidden(&named, "sp").as_deref(), Some(SP));
    let link = "/sso/idp-initiated?sp=https%3A%2F%2Fauth.atlassian.test%2Fsaml%2F1234";
    assert!(crate::support::unescape(&named).contains(link), "{named}");

    let plain = row(PLAIN_SP);
    assert!(plain.contains(r#"<strong class="sp-name mono">https://plain.test/metadata</strong>"#));
    assert!(plain.contains("log in to https://plain.test/metadata"));
    assert!(!plain.contains("default-relay-state"));
    assert_eq!(hidden(&plain, "RelayState").as_deref(), Some(""));
    // What was there stays.
    assert!(home.contains("What to paste into the service provider"));
    assert!(home.contains("https://plain.test/acs"));
}

/// A preset that knows where its product lands: Atlassian's `site` becomes the RelayState of
/// IdP-initiated logins, with nothing else written.
#[test]
fn the_atlassian_presets_site_is_the_relay_state_of_idp_initiated_logins() {
    let (s, _dir) = server_with_registry(
        "service_providers:\n  - preset: atlassian\n    saml_id: a1b2c3d4\n    site: acme\n",
        true,
    );
    let (status, v) = api(
        &s,
        "/api/idp-initiated",
        json!({"sp": "https://auth.atlassian.com/saml/a1b2c3d4", "user": "alice"}),
    );
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["RelayState"], "https://acme.atlassian.net");
    assert_eq!(
        v["acs_url"],
        "https://auth.atlassian.com/login/callback?connection=saml-a1b2c3d4"
    );
}
