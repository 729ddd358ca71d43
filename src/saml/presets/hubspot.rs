//! HubSpot (Service Hub and the rest of an account) single sign-on with SAML.
//!
//! Sources (as gathered in the project's reference on SaaS presets): HubSpot knowledge base
//! "Can I use SSO with HubSpot", Microsoft Entra's HubSpot tutorial, and PingIdentity's HubSpot
//! guide.
//! - entity ID `https://api.hubspot.com/login-api/v1/saml/login?portalId=<id>` and ACS `https://api.hubspot.com/login-api/v1/saml/acs?portalId=<id>`, both with a query
//!   string, posted to as written;
//! - the NameID is the user's email;
//! - what must be signed is [unconfirmed]: the preset signs both the response and the
//!   assertion, which an SP that checks either accepts;
//! - SP- and IdP-initiated login; no single logout found, so no `slo_url` is set.

use super::{email_name_id, id_of, post_acs, required, Preset, PresetError, PresetParams};
use crate::saml::sp::{ServiceProvider, Sign};

pub(super) fn hubspot(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
    const P: Preset = Preset::HubSpot;
    let portal_id = required(
        P,
        "portal_id",
        params.portal_id.as_ref(),
        "the account's portal (hub) ID, the `portalId=` of the URLs HubSpot shows",
    )?;
    id_of(
        P,
        "portal_id",
        portal_id,
        |c| c.is_ascii_digit(),
        "is not a HubSpot portal ID: give the digits after portalId=",
    )?;
    // HubSpot KB "Can I use SSO with HubSpot"; Entra HubSpot tutorial; PingIdentity guide.
    let mut sp = ServiceProvider::new(&format!(
        "https://api.hubspot.com/login-api/v1/saml/login?portalId={portal_id}"
    ));
    sp.acs = post_acs(format!(
        "https://api.hubspot.com/login-api/v1/saml/acs?portalId={portal_id}"
    ));
    // NameID = email (same sources).
    sp.name_id = email_name_id();
    // [unconfirmed]: no source says which part must be signed; both are.
    sp.sign = Sign::Both;
    Ok(sp)
}
