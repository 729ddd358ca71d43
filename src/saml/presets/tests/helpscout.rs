//! Unit tests of `helpscout`.

use super::*;
use crate::saml::sp::Sign;

fn with(connection: &str) -> PresetParams {
    PresetParams {
        connection: Some(connection.into()),
        ..params()
    }
}

#[test]
fn helpscout() {
    let sp = built(Preset::HelpScout, with("acme"));
    assert_eq!(sp.entity_id, "urn:auth0:helpscout:acme-sso-saml");
    assert_eq!(sp.name.as_deref(), Some("Help Scout"));
    assert_eq!(
        sp.acs,
        only_acs("https://helpscout.auth0.com/login/callback?connection=acme-sso-saml")
    );
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.name_id.source, Some(NameIdSource::Email));
    assert_eq!(sp.sign, Sign::Assertion);
    assert_eq!(sp.slo_url, None);
    // The whole connection, as copied from the URL, names the same one.
    assert_eq!(built(Preset::HelpScout, with("acme-sso-saml")), sp);
}

#[test]
fn helpscout_errors() {
    assert_eq!(
        refused(Preset::HelpScout, params()).parameter(),
        "connection"
    );
    for bad in ["-sso-saml", "acme sso", "acme&x=1", "-acme"] {
        let e = refused(Preset::HelpScout, with(bad));
        assert_eq!(e.parameter(), "connection");
        assert!(e.to_string().contains("is not a connection name"), "{e}");
    }
}
