//! Unit tests of `freshworks`.

use super::*;
use crate::saml::dsig::SignatureAlgorithm;
use crate::saml::sp::Sign;

fn with(subdomain: &str, saml_id: &str) -> PresetParams {
    PresetParams {
        subdomain: Some(subdomain.into()),
        saml_id: Some(saml_id.into()),
        ..params()
    }
}

#[test]
fn freshworks() {
    let sp = built(Preset::Freshworks, with("acme", "881543301655492912"));
    assert_eq!(
        sp.entity_id,
        "https://acme.myfreshworks.com/sp/SAML/881543301655492912/metadata"
    );
    assert_eq!(sp.name.as_deref(), Some("Freshdesk / Freshservice"));
    assert_eq!(
        sp.acs,
        only_acs("https://acme.myfreshworks.com/sp/SAML/881543301655492912/callback")
    );
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.name_id.source, Some(NameIdSource::Email));
    assert_eq!(sp.sign, Sign::Both);
    assert_eq!(sp.algorithms.signature, SignatureAlgorithm::RsaSha256);
    assert_eq!(sp.slo_url, None);
    assert_eq!(
        sent_attributes(&sp),
        pairs(&[
            ("email", "alice@example.com"),
            ("displayName", "Alice Martin"),
            ("FirstName", "Alice"),
            ("LastName", "Martin"),
        ])
    );
}

#[test]
fn freshworks_errors() {
    let e = refused(
        Preset::Freshworks,
        PresetParams {
            subdomain: Some("acme".into()),
            ..params()
        },
    );
    assert_eq!(e.parameter(), "saml_id");
    assert!(matches!(e, PresetError::Missing { .. }));
    let e = refused(Preset::Freshworks, with("acme.myfreshworks.com", "1"));
    assert_eq!(e.parameter(), "subdomain");
    assert!(
        e.to_string().contains("`https://acme.myfreshworks.com`"),
        "{e}"
    );
    let e = refused(Preset::Freshworks, with("acme", "88154/../x"));
    assert_eq!(
        e.to_string(),
        r#"saml_id "88154/../x" (for the freshworks preset) is not a Freshworks SAML ID: give the digits between /sp/SAML/ and /callback"#
    );
}
