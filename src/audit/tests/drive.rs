//! Where the SP's login reaches this IdP (a redirect to any SSO URL, or an auto-submitting
//! form), and the LogoutResponse an SP sends back.

use super::*;
use crate::saml::sp::Policy;
use crate::server::flow::testkit::{self, BASE_URL};

fn driver(state: &AppState) -> Driver<'_> {
    Driver {
        state,
        agent: crate::audit::browser::agent(crate::audit::browser::Options {
            timeout: std::time::Duration::from_secs(1),
            insecure_tls: false,
        }),
        origins: Origins::default(),
        start: Start::SpInitiated {
            login_url: Url::parse("http://sp.test/login").unwrap(),
        },
        check: Check::new(None, Some("200"), None, None).unwrap(),
        user: "alice".into(),
        relay_state: None,
    }
}

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn page(at: &str, status: u16, location: Option<&str>, body: &str) -> Page {
    Page {
        url: url(at),
        status,
        location: location.map(str::to_owned),
        body: body.to_owned(),
    }
}

#[test]
fn the_sso_url_and_the_ad_fs_paths_take_requests_whatever_the_query() {
    let state = testkit::state(Policy::Permissive);
    let d = driver(&state);
    for yes in [
        format!("{BASE_URL}/sso?SAMLRequest=x"),
        format!("{BASE_URL}/adfs/ls/?SAMLRequest=x&RelayState=y"),
        format!("{BASE_URL}/adfs/ls"),
        "HTTP://LOCALHOST:8000/sso#top".to_owned(),
    ] {
        assert!(d.is_sso(&url(&yes)), "{yes}");
    }
    for no in [
        format!("{BASE_URL}/sso/login"),
        format!("{BASE_URL}/slo?SAMLRequest=x"),
        "http://localhost:8001/sso".to_owned(),
        "https://localhost:8000/sso".to_owned(),
    ] {
        assert!(!d.is_sso(&url(&no)), "{no}");
    }
}

#[test]
fn an_auto_submitting_form_to_the_idp_carries_the_request() {
    let state = testkit::state(Policy::Permissive);
    let d = driver(&state);
    let body = format!(
        r#"<form method="post" action="https://elsewhere.test/sso"><input name="SAMLRequest" value="decoy"></form>
<form method="post" action="{BASE_URL}/sso"><input type="hidden" name="SAMLRequest" value="PHg+">
<input type="hidden" name="RelayState" value="r&amp;s"></form>"#
    );
    match d.posted_request(&page("http://sp.test/login", 200, None, &body)) {
        Some(Arrived::Post {
            saml_request,
            relay_state,
        }) => {
            assert_eq!(saml_request, "PHg+");
            assert_eq!(relay_state.as_deref(), Some("r&s"));
        }
        _ => panic!("the form to the IdP was not found"),
    }
    let get_form =
        format!(r#"<form action="{BASE_URL}/sso"><input name="SAMLRequest" value="x"></form>"#);
    assert!(
        d.posted_request(&page("http://sp.test/login", 200, None, &get_form))
            .is_none(),
        "a GET form is not the POST binding"
    );
}

#[test]
fn the_sps_logout_response_is_read_from_its_redirect_back_to_the_idp() {
    let response = r#"<samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" InResponseTo="_q"><saml:Issuer>http://sp.test</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"/></samlp:Status></samlp:LogoutResponse>"#;
    let query = binding::encode_redirect(response, binding::MessageParam::SamlResponse, None, None)
        .unwrap();
    let is_idp = |u: &Url| u.path() == "/slo";
    let back = page(
        "http://sp.test/sls",
        302,
        Some(&format!("{BASE_URL}/slo?{query}")),
        "",
    );
    let (xml, status) = logout_answer(&back, &is_idp).unwrap();
    assert_eq!(xml, response);
    assert_eq!(
        status.as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:status:Requester")
    );
    let elsewhere = page("http://sp.test/sls", 302, Some("http://sp.test/"), "");
    assert_eq!(logout_answer(&elsewhere, &is_idp), None);
}
