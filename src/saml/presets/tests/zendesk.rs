//! Unit tests of `zendesk`.

use super::*;
use crate::saml::sp::Sign;

fn with(subdomain: &str) -> PresetParams {
    PresetParams {
        subdomain: Some(subdomain.into()),
        ..params()
    }
}

#[test]
fn zendesk() {
    let sp = built(Preset::Zendesk, with("acme"));
    assert_eq!(sp.entity_id, "https://acme.zendesk.com");
    assert_eq!(sp.name.as_deref(), Some("Zendesk"));
    assert_eq!(sp.acs, only_acs("https://acme.zendesk.com/access/saml"));
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.name_id.source, Some(NameIdSource::Email));
    assert_eq!(sp.sign, Sign::Assertion);
    assert_eq!(sp.algorithms, Default::default());
    assert_eq!(sp.slo_url, None, "its remote logout is a plain redirect");
    assert_eq!(
        sent_attributes(&sp),
        pairs(&[
            ("email", "alice@example.com"),
            ("displayName", "Alice Martin"),
            (ns::claims::GIVEN_NAME, "Alice"),
            (ns::claims::SURNAME, "Martin"),
        ])
    );
}

#[test]
fn zendesk_errors() {
    let e = refused(Preset::Zendesk, params());
    assert_eq!(
        e.to_string(),
        "the zendesk preset needs `subdomain`: the Zendesk subdomain, e.g. `acme` for acme.zendesk.com"
    );
    let e = refused(Preset::Zendesk, with("acme.zendesk.com"));
    assert_eq!(e.parameter(), "subdomain");
    assert_eq!(
        e.to_string(),
        r#"subdomain "acme.zendesk.com" (for the zendesk preset) is more than the name: give the name alone (`acme`, not `https://acme.zendesk.com`)"#
    );
    assert_eq!(
        refused(Preset::Zendesk, with("https://acme")).parameter(),
        "subdomain"
    );
    for bad in ["-acme", "acme-", "ac me", "acme_1", &"a".repeat(64)] {
        let e = refused(Preset::Zendesk, with(bad));
        assert!(
            e.to_string()
                .contains("use only letters, digits and inner hyphens"),
            "{e}"
        );
    }
    let e = refused(
        Preset::Zendesk,
        PresetParams {
            host: Some("help.acme.example".into()),
            ..with("acme")
        },
    );
    assert_eq!(
        e.to_string(),
        "`host` is not a parameter of the zendesk preset (it takes subdomain)"
    );
}
