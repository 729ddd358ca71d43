//! Atlassian Cloud (Jira Service Management and the other Atlassian Cloud products) through
//! Atlassian Guard ("admin.atlassian.com > Security > Identity providers > SAML single sign-on").
//!
//! Sources (as gathered in the project's reference on SaaS presets): Okta's SAML doc "How to
//! Configure SAML 2.0 for Atlassian Cloud", Microsoft Entra's Atlassian Cloud tutorial, and
//! PingFederate's Atlassian Cloud configuration guide.
//! - SP entity ID `https://auth.atlassian.com/saml/<id>` and ACS
//!   `https://auth.atlassian.com/login/callback?connection=saml-<id>`: the ACS carries a query
//!   string, which is part of the URL and posted to as written. `<id>` is the unique ID that
//!   ends the entity ID Atlassian shows (`a1b2c3d4` in Okta's example);
//! - NameID = the email (required); attributes givenname, surname and name (the
//!   PingFederate guide writes them as the `http://schemas.xmlsoap.org/ws/2005/05/identity/claims/`
//!   claim URIs, and asks for an ID that is not the email under `name`);
//! - the assertion is signed;
//! - IdP-initiated login lands on the RelayState's URL, the site (`https://<site>.atlassian.net`
//!   in Okta's and Entra's set-ups): with the optional `site` parameter that URL is the SP's
//!   default RelayState; no single logout, so no `slo_url` is set.

use super::{
    dns_label, email_name_id, id_of, post_acs, renames, required, Preset, PresetError, PresetParams,
};
use crate::saml::ns;
use crate::saml::sp::{ServiceProvider, Sign};

pub(super) fn atlassian(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
    const P: Preset = Preset::Atlassian;
    let id = required(
        P,
        "saml_id",
        params.saml_id.as_ref(),
        "the unique ID that ends the SP entity ID Atlassian shows (https://auth.atlassian.com/saml/<saml_id>)",
    )?;
    id_of(
        P,
        "saml_id",
        id,
        |c| c.is_ascii_alphanumeric() || c == '-',
        "is not an Atlassian SAML ID: give the letters, digits and hyphens after https://auth.atlassian.com/saml/",
    )?;
    // Okta "Atlassian Cloud"; Microsoft Entra Atlassian Cloud tutorial; PingFederate guide.
    let mut sp = ServiceProvider::new(&format!("https://auth.atlassian.com/saml/{id}"));
    sp.acs = post_acs(format!(
        "https://auth.atlassian.com/login/callback?connection=saml-{id}"
    ));
    // NameID = email, required (same sources).
    sp.name_id = email_name_id();
    // The assertion is signed (same sources); rsa-sha256, the default.
    sp.sign = Sign::Assertion;
    // givenname, surname and name as claim URIs (PingFederate guide). `name` is to be a stable
    // ID that is not the email: a test user's display name stands in for it here.
    sp.attributes = renames(&[
        ("firstName", ns::claims::GIVEN_NAME),
        ("lastName", ns::claims::SURNAME),
        ("displayName", ns::claims::NAME),
    ]);
    // The site IdP-initiated logins land on (Okta "Atlassian Cloud"; Entra tutorial).
    if let Some(site) = params.site.as_deref().map(str::trim) {
        dns_label(P, "site", site, "atlassian.net")?;
        sp.relay_state = Some(format!("https://{site}.atlassian.net"));
    }
    Ok(sp)
}
