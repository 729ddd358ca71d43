//! Freshdesk and Freshservice, which sign in through Freshworks' shared SSO ("Admin Center >
//! Security > Default login methods > SSO Login > SAML").
//!
//! Sources (as gathered in the project's reference on SaaS presets): Freshworks CRM support
//! article 50000002414, the KZero (Kelvin Zero) Freshworks SSO guide, and the Freshdesk support
//! sandbox article 11000000028091.
//! - entity ID `https://<org>.myfreshworks.com/sp/SAML/<id>/metadata`, ACS
//!   `https://<org>.myfreshworks.com/sp/SAML/<id>/callback`, where `<org>` is the organisation's
//!   subdomain and `<id>` a number Freshworks shows (18 digits in the KZero guide's example);
//! - NameID format emailAddress, the email being the only required field; FirstName and
//!   LastName (or givenname/surname), phone, company, job_title, unique_id and `custom_field_*`
//!   are optional attributes;
//! - the admin picks what must be signed ("Signing options": response and assertion, assertion
//!   only, or response only); RSA-SHA256; signed AuthnRequests optional;
//! - SP-initiated over HTTP-POST; single logout optional, its URL not in the sources, so no
//!   `slo_url` is set.

use super::{
    dns_label, email_name_id, id_of, post_acs, renames, required, Preset, PresetError, PresetParams,
};
use crate::saml::dsig::{Algorithms, SignatureAlgorithm};
use crate::saml::sp::{ServiceProvider, Sign};

pub(super) fn freshworks(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
    const P: Preset = Preset::Freshworks;
    let org = required(
        P,
        "subdomain",
        params.subdomain.as_ref(),
        "the organisation's subdomain, e.g. `acme` for acme.myfreshworks.com",
    )?;
    dns_label(P, "subdomain", org, "myfreshworks.com")?;
    let id = required(
        P,
        "saml_id",
        params.saml_id.as_ref(),
        "the number in the SAML URLs Freshworks shows (https://<subdomain>.myfreshworks.com/sp/SAML/<saml_id>/callback)",
    )?;
    id_of(
        P,
        "saml_id",
        id,
        |c| c.is_ascii_digit(),
        "is not a Freshworks SAML ID: give the digits between /sp/SAML/ and /callback",
    )?;
    // Freshworks article 50000002414; KZero Freshworks guide.
    let base = format!("https://{org}.myfreshworks.com/sp/SAML/{id}");
    let mut sp = ServiceProvider::new(&format!("{base}/metadata"));
    sp.acs = post_acs(format!("{base}/callback"));
    // NameID format emailAddress (Freshworks article 50000002414; KZero guide).
    sp.name_id = email_name_id();
    // The first of the admin's three signing options, response and assertion; it satisfies the
    // other two as well. "RSA - SHA 256 (Recommended)" (KZero guide).
    sp.sign = Sign::Both;
    sp.algorithms = Algorithms::from(SignatureAlgorithm::RsaSha256);
    // FirstName and LastName (Freshworks article 50000002414; KZero guide).
    sp.attributes = renames(&[("firstName", "FirstName"), ("lastName", "LastName")]);
    Ok(sp)
}
