//! Same-site as browsers decide it for cookies, and excerpts cut on character boundaries.

use super::*;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

#[test]
fn a_site_is_the_scheme_and_registrable_domain_whatever_the_port() {
    assert!(same_site(
        &url("http://127.0.0.1:7000/sso"),
        &url("http://127.0.0.1:8000/acs")
    ));
    assert!(same_site(
        &url("https://idp.acme.test/"),
        &url("https://help.acme.test/acs")
    ));
    assert!(same_site(
        &url("https://acme.test/"),
        &url("https://www.ACME.test/")
    ));
    assert!(!same_site(
        &url("http://idp.acme.test/"),
        &url("https://idp.acme.test/")
    ));
    assert!(!same_site(
        &url("http://idp.audit.test/"),
        &url("http://127.0.0.1:8000/")
    ));
    assert!(!same_site(
        &url("https://idp.one.test/"),
        &url("https://sp.two.test/")
    ));
    assert!(!same_site(
        &url("http://127.0.0.1/"),
        &url("http://127.0.0.2/")
    ));
}

#[test]
fn an_excerpt_keeps_whole_characters() {
    let long = "é".repeat(EXCERPT);
    let cut = excerpt(&long);
    assert!(cut.ends_with('…'));
    assert!(cut.len() <= EXCERPT + '…'.len_utf8());
    assert_eq!(excerpt("short"), "short");
}
