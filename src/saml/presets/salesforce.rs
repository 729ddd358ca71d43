//! Salesforce (Service Cloud and the rest of an org) as a SAML service provider.
//!
//! Sources (as gathered in the project's reference on SaaS presets): Salesforce Help, "Example
//! SAML Assertions" (xcloud.sso_saml_assertion_examples) and "Just-in-Time SAML Assertion
//! Fields for Salesforce" (xcloud.sso_jit_requirements).
//! - entity ID `https://saml.salesforce.com` or the My Domain URL; the preset takes the My
//!   Domain URL `https://<my_domain>.my.salesforce.com`, built from the name it takes anyway
//!   (`entity_id: https://saml.salesforce.com` in the registry for the other);
//! - ACS `https://<my_domain>.my.salesforce.com?so=<org_id>`: a query string straight after the
//!   host, posted to as written;
//! - the user is named by the Federation ID or the username, in the Subject or an attribute;
//!   the examples put the username in the NameID with format
//!   `urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified`;
//! - assertions are signed "using RSA and either SHA-1 or SHA-256";
//! - Just-in-Time provisioning reads `User.`-prefixed attributes (`User.Email`, `User.LastName`,
//!   `User.ProfileId` and `User.Username` required, `User.FirstName` optional), with NameFormat
//!   `unspecified` in the samples;
//! - IdP-initiated login works; single logout is supported, its URL not in the sources, so no
//!   `slo_url` is set.

use super::{id_of, invalid, post_acs, renames, required, Preset, PresetError, PresetParams};
use crate::saml::dsig::{Algorithms, SignatureAlgorithm};
use crate::saml::ns;
use crate::saml::sp::{NameIdRule, NameIdSource, ServiceProvider, Sign};

pub(super) fn salesforce(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
    const P: Preset = Preset::Salesforce;
    let domain = required(
        P,
        "my_domain",
        params.my_domain.as_ref(),
        "the My Domain name, e.g. `acme` for acme.my.salesforce.com",
    )?;
    my_domain_check(domain)?;
    let org_id = required(
        P,
        "org_id",
        params.org_id.as_ref(),
        "the organisation ID Salesforce shows (Setup > Company Information), the `so=` of its ACS URL",
    )?;
    id_of(
        P,
        "org_id",
        org_id,
        |c| c.is_ascii_alphanumeric(),
        "is not a Salesforce organisation ID: use only its letters and digits",
    )?;
    // Salesforce Help "Example SAML Assertions": the My Domain URL and the `?so=` ACS.
    let mut sp = ServiceProvider::new(&format!("https://{domain}.my.salesforce.com"));
    sp.acs = post_acs(format!("https://{domain}.my.salesforce.com?so={org_id}"));
    // The username in the Subject's NameID, format unspecified (same page); a test user's email
    // stands in for the Salesforce username, which has the shape of one.
    sp.name_id = NameIdRule {
        format: Some(ns::nameid::UNSPECIFIED.to_owned()),
        source: Some(NameIdSource::Email),
    };
    // "signed ... using RSA and either SHA-1 or SHA-256" (same page): the assertion.
    sp.sign = Sign::Assertion;
    sp.algorithms = Algorithms::from(SignatureAlgorithm::RsaSha256);
    // The JIT provisioning names of the built-in values (Salesforce Help "Just-in-Time SAML
    // Assertion Fields"). User.ProfileId (one per profile) goes in `attributes.add`;
    // User.Username (one per user) in each user's attributes in the users file.
    sp.attributes = renames(&[
        ("email", "User.Email"),
        ("firstName", "User.FirstName"),
        ("lastName", "User.LastName"),
    ]);
    Ok(sp)
}

/// A My Domain name: DNS labels (a sandbox's has two, `acme--uat.sandbox`), without the
/// `.my.salesforce.com` the preset adds.
fn my_domain_check(domain: &str) -> Result<(), PresetError> {
    const P: Preset = Preset::Salesforce;
    let problem = if domain.contains("://") || domain.ends_with("salesforce.com") {
        "is not a My Domain name: give the name alone (`acme`, not `https://acme.my.salesforce.com`)"
    } else if domain.split('.').any(|label| {
        label.is_empty()
            || label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    }) {
        "is not a My Domain name: use only letters, digits and hyphens, as in acme.my.salesforce.com"
    } else {
        return Ok(());
    };
    Err(invalid(P, "my_domain", domain, problem))
}
