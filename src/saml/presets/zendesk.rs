//! Zendesk single sign-on with SAML.
//!
//! Sources (as gathered in the project's reference on SaaS presets): the Cloudflare One
//! Zendesk SSO tutorial and Ubisecure's Zendesk integration page.
//! - entity ID `https://<subdomain>.zendesk.com`, ACS `https://<subdomain>.zendesk.com/access/saml`;
//! - the NameID is the user's email; first and last name are optional, and the givenname and
//!   surname claim URIs are among the names Zendesk reads;
//! - the assertion is signed and carries the certificate in its KeyInfo; Zendesk stores the
//!   certificate's SHA-256 (or SHA-1) fingerprint, not the certificate;
//! - IdP-initiated login works; its "Remote logout URL" is a plain browser redirect, not SAML
//!   single logout, so no `slo_url` is set.

use super::{
    dns_label, email_name_id, post_acs, renames, required, Preset, PresetError, PresetParams,
};
use crate::saml::ns;
use crate::saml::sp::{ServiceProvider, Sign};

pub(super) fn zendesk(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
    const P: Preset = Preset::Zendesk;
    let subdomain = required(
        P,
        "subdomain",
        params.subdomain.as_ref(),
        "the Zendesk subdomain, e.g. `acme` for acme.zendesk.com",
    )?;
    dns_label(P, "subdomain", subdomain, "zendesk.com")?;
    // Cloudflare One Zendesk tutorial; Ubisecure Zendesk page.
    let mut sp = ServiceProvider::new(&format!("https://{subdomain}.zendesk.com"));
    sp.acs = post_acs(format!("https://{subdomain}.zendesk.com/access/saml"));
    // NameID = email (same sources).
    sp.name_id = email_name_id();
    // "assertion signed, certificate in KeyInfo" (same sources); rsa-sha256, the default.
    sp.sign = Sign::Assertion;
    // The optional names, under the claim URIs Zendesk also reads (same sources).
    sp.attributes = renames(&[
        ("firstName", ns::claims::GIVEN_NAME),
        ("lastName", ns::claims::SURNAME),
    ]);
    Ok(sp)
}
