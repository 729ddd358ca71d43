//! Unit tests of `presets`: the list and its parameters here, each product's values in the
//! file named after the module that sets them.

use super::*;
use crate::saml::issue::attributes_of;
use crate::saml::principal::Principal;

mod atlassian;
mod freshworks;
mod helpscout;
mod hubspot;
mod salesforce;
mod seeds;
mod servicenow;
mod zammad;
mod zendesk;

fn params() -> PresetParams {
    PresetParams::default()
}

/// The SP of a preset whose parameters are right.
fn built(preset: Preset, params: PresetParams) -> ServiceProvider {
    service_provider(preset, &params).unwrap_or_else(|e| panic!("{e}"))
}

/// The error of a preset whose parameters are wrong.
fn refused(preset: Preset, params: PresetParams) -> PresetError {
    service_provider(preset, &params).unwrap_err()
}

/// The one HTTP-POST endpoint presets give, index 0 and the default.
fn only_acs(url: &str) -> Vec<AcsEndpoint> {
    vec![AcsEndpoint {
        url: url.into(),
        binding: ns::binding::HTTP_POST.into(),
        index: Some(0),
        is_default: Some(true),
    }]
}

/// The attributes `sp` sends for a typical user, as (name, first value).
fn sent_attributes(sp: &ServiceProvider) -> Vec<(String, String)> {
    let alice = Principal {
        id: "alice".into(),
        email: "alice@example.com".into(),
        display_name: "Alice Martin".into(),
        first_name: "Alice".into(),
        last_name: "Martin".into(),
        name_id: None,
        attributes: Vec::new(),
    };
    attributes_of(&alice, sp.style, &sp.attributes)
        .into_iter()
        .map(|a| (a.name, a.values[0].clone()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn ids_round_trip_and_every_parameter_is_listed_once() {
    for p in Preset::ALL {
        assert_eq!(Preset::from_id(p.id()), Some(p));
        for param in p.parameters() {
            assert!(Preset::taking(param).contains(&p), "{param} of {}", p.id());
        }
    }
    assert_eq!(Preset::from_id("kayako"), None);
    let all = PresetParams {
        site: Some(String::new()),
        host: Some(String::new()),
        helpdesk: Some(String::new()),
        n: Some(1),
        org_id: Some(String::new()),
        data_centre: Some(String::new()),
        subdomain: Some(String::new()),
        saml_id: Some(String::new()),
        instance: Some(String::new()),
        my_domain: Some(String::new()),
        portal_id: Some(String::new()),
        connection: Some(String::new()),
    };
    let mut listed: Vec<_> = Preset::ALL
        .iter()
        .flat_map(|p| p.parameters().iter().copied())
        .collect();
    listed.sort_unstable();
    listed.dedup();
    let mut given = all.given();
    given.sort_unstable();
    assert_eq!(listed, given);
}

#[test]
fn shared_parameters_name_every_preset_that_takes_them() {
    let ids =
        |param: &str| -> Vec<&str> { Preset::taking(param).into_iter().map(Preset::id).collect() };
    assert_eq!(ids("site"), ["desk", "atlassian"]);
    assert_eq!(ids("host"), ["desk", "zammad"]);
    assert_eq!(ids("subdomain"), ["zendesk", "freshworks"]);
    assert_eq!(ids("org_id"), ["servicedesk-plus", "salesforce"]);
    assert_eq!(ids("saml_id"), ["freshworks", "atlassian"]);
    assert_eq!(ids("instance"), ["servicenow"]);
    assert_eq!(ids("nonsense"), Vec::<&str>::new());
}

#[test]
fn every_preset_has_a_name_of_its_own_and_needs_its_first_parameter() {
    let names: Vec<_> = Preset::ALL.iter().map(|p| p.name()).collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "{names:?}");
    for p in Preset::ALL {
        let e = refused(p, params());
        assert!(matches!(e, PresetError::Missing { .. }), "{}: {e}", p.id());
        assert_eq!(e.parameter(), p.parameters()[0], "{}", p.id());
    }
}
