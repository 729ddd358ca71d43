//! Unit tests of `atlassian`.

use super::*;
use crate::saml::sp::Sign;

fn with(saml_id: &str) -> PresetParams {
    PresetParams {
        saml_id: Some(saml_id.into()),
        ..params()
    }
}

#[test]
fn atlassian() {
    let sp = built(Preset::Atlassian, with("a1b2c3d4"));
    assert_eq!(sp.entity_id, "https://auth.atlassian.com/saml/a1b2c3d4");
    assert_eq!(
        sp.name.as_deref(),
        Some("Jira Service Management (Atlassian)")
    );
    assert_eq!(
        sp.acs,
        only_acs("https://auth.atlassian.com/login/callback?connection=saml-a1b2c3d4")
    );
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.name_id.source, Some(NameIdSource::Email));
    assert_eq!(sp.sign, Sign::Assertion);
    assert_eq!(sp.slo_url, None);
    assert_eq!(
        sent_attributes(&sp),
        pairs(&[
            ("email", "alice@example.com"),
            (ns::claims::NAME, "Alice Martin"),
            (ns::claims::GIVEN_NAME, "Alice"),
            (ns::claims::SURNAME, "Martin"),
        ])
    );
    let uuid = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
    assert_eq!(
        built(Preset::Atlassian, with(uuid)).acs[0].url,
        format!("https://auth.atlassian.com/login/callback?connection=saml-{uuid}")
    );
}

#[test]
fn atlassian_errors() {
    let e = refused(Preset::Atlassian, with("  "));
    assert_eq!(e.parameter(), "saml_id");
    assert!(matches!(e, PresetError::Missing { .. }));
    for bad in ["https://auth.atlassian.com/saml/a1b2", "a1b2&x=1", "a1 b2"] {
        let e = refused(Preset::Atlassian, with(bad));
        assert_eq!(e.parameter(), "saml_id");
        assert!(e.to_string().contains("is not an Atlassian SAML ID"), "{e}");
    }
}

#[test]
fn atlassian_site_is_the_default_relay_state() {
    assert_eq!(built(Preset::Atlassian, with("a1b2c3d4")).relay_state, None);
    let sp = built(
        Preset::Atlassian,
        PresetParams {
            site: Some("acme".into()),
            ..with("a1b2c3d4")
        },
    );
    assert_eq!(
        sp.relay_state.as_deref(),
        Some("https://acme.atlassian.net")
    );
    for bad in [
        "acme.atlassian.net",
        "https://acme.atlassian.net",
        "-acme",
        "ac me",
    ] {
        let e = refused(
            Preset::Atlassian,
            PresetParams {
                site: Some(bad.into()),
                ..with("a1b2c3d4")
            },
        );
        assert_eq!(e.parameter(), "site", "{bad}");
    }
}
