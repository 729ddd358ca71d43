//! Unit tests of `hubspot`.

use super::*;
use crate::saml::sp::Sign;

fn with(portal_id: &str) -> PresetParams {
    PresetParams {
        portal_id: Some(portal_id.into()),
        ..params()
    }
}

#[test]
fn hubspot() {
    let sp = built(Preset::HubSpot, with("1234567"));
    assert_eq!(
        sp.entity_id,
        "https://api.hubspot.com/login-api/v1/saml/login?portalId=1234567"
    );
    assert_eq!(sp.name.as_deref(), Some("HubSpot (Service Hub)"));
    assert_eq!(
        sp.acs,
        only_acs("https://api.hubspot.com/login-api/v1/saml/acs?portalId=1234567")
    );
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.name_id.source, Some(NameIdSource::Email));
    assert_eq!(sp.sign, Sign::Both);
    assert_eq!(sp.slo_url, None);
    assert_eq!(sp.attributes, AttributeMap::default());
}

#[test]
fn hubspot_errors() {
    assert_eq!(refused(Preset::HubSpot, params()).parameter(), "portal_id");
    let e = refused(Preset::HubSpot, with("12345&portalId=6"));
    assert_eq!(
        e.to_string(),
        r#"portal_id "12345&portalId=6" (for the hubspot preset) is not a HubSpot portal ID: give the digits after portalId="#
    );
}
