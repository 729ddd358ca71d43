//! Unit tests of `zammad`.

use super::*;
use crate::saml::sp::Sign;

fn with(host: &str) -> PresetParams {
    PresetParams {
        host: Some(host.into()),
        ..params()
    }
}

#[test]
fn zammad() {
    let sp = built(Preset::Zammad, with("support.example.com"));
    assert_eq!(
        sp.entity_id,
        "https://support.example.com/auth/saml/metadata"
    );
    assert_eq!(sp.name.as_deref(), Some("Zammad"));
    assert_eq!(
        sp.acs,
        only_acs("https://support.example.com/auth/saml/callback")
    );
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.name_id.source, Some(NameIdSource::Email));
    assert_eq!(sp.sign, Sign::Assertion);
    assert_eq!(sp.slo_url, None);
    assert_eq!(
        sent_attributes(&sp),
        pairs(&[
            ("email", "alice@example.com"),
            ("name", "Alice Martin"),
            ("first_name", "Alice"),
            ("last_name", "Martin"),
        ])
    );
    assert_eq!(
        built(Preset::Zammad, with("zammad.test:8443")).acs[0].url,
        "https://zammad.test:8443/auth/saml/callback"
    );
}

#[test]
fn zammad_errors() {
    let e = refused(Preset::Zammad, params());
    assert_eq!(
        e.to_string(),
        "the zammad preset needs `host`: the host name Zammad is served at, e.g. support.example.com"
    );
    let e = refused(Preset::Zammad, with("https://support.example.com"));
    assert_eq!(e.parameter(), "host");
    assert!(e.to_string().contains("without https://"), "{e}");
    let e = refused(Preset::Zammad, with("support.example.com/zammad"));
    assert_eq!(e.parameter(), "host");
}
