//! Zammad, self-hosted ("Admin > Security > Third-party applications > Authentication via
//! SAML").
//!
//! Source (as gathered in the project's reference on SaaS presets): Zammad admin docs,
//! "Security > Third-party applications > SAML".
//! - entity ID (its metadata URL) `https://<host>/auth/saml/metadata`, ACS
//!   `https://<host>/auth/saml/callback` (HTTP-POST, index 0, the default, in that metadata);
//! - the NameID format is configurable ("Name Identifier Format"); the attributes Zammad
//!   requests are `email`, `name`, `first_name` and `last_name`;
//! - Zammad checks the IdP's certificate or its SHA-1 fingerprint, and refuses an unsigned
//!   assertion;
//! - its logout URL is configurable; the SP's own logout endpoint is not in the source, so no
//!   `slo_url` is set.

use super::{
    email_name_id, host_problem, invalid, post_acs, renames, required, Preset, PresetError,
    PresetParams,
};
use crate::saml::sp::{ServiceProvider, Sign};

pub(super) fn zammad(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
    const P: Preset = Preset::Zammad;
    let host = required(
        P,
        "host",
        params.host.as_ref(),
        "the host name Zammad is served at, e.g. support.example.com",
    )?;
    if let Some(problem) = host_problem(host) {
        return Err(invalid(P, "host", host, problem));
    }
    // Zammad admin docs, "SAML": the metadata URL (the entity ID) and the ACS it lists.
    let mut sp = ServiceProvider::new(&format!("https://{host}/auth/saml/metadata"));
    sp.acs = post_acs(format!("https://{host}/auth/saml/callback"));
    // The format is set in Zammad (same source); the email, with format emailAddress, here.
    sp.name_id = email_name_id();
    // "an unsigned assertion is refused" (same source); rsa-sha256, the default.
    sp.sign = Sign::Assertion;
    // email, name, first_name, last_name (same source), renamed from the built-in values.
    sp.attributes = renames(&[
        ("displayName", "name"),
        ("firstName", "first_name"),
        ("lastName", "last_name"),
    ]);
    Ok(sp)
}
