//! Help Scout single sign-on with SAML, which Help Scout hosts on Auth0.
//!
//! Sources (as gathered in the project's reference on SaaS presets): the RSA community page
//! "Help Scout SAML relying party configuration" and Help Scout docs article 880 (SSO with a
//! generic identity provider).
//! - entity ID `urn:auth0:helpscout:<name>-sso-saml`, ACS
//!   `https://helpscout.auth0.com/login/callback?connection=<name>-sso-saml` (a query string,
//!   posted to as written), where `<name>-sso-saml` is the Auth0 connection Help Scout made;
//! - the NameID is the email, of a user who must already exist in Help Scout;
//! - the assertion inside the Response is signed;
//! - IdP-initiated login works; no single logout found, so no `slo_url` is set.

use super::{email_name_id, invalid, post_acs, required, Preset, PresetError, PresetParams};
use crate::saml::sp::{ServiceProvider, Sign};

/// What Help Scout appends to the connection's name in both URLs.
const SUFFIX: &str = "-sso-saml";

pub(super) fn helpscout(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
    const P: Preset = Preset::HelpScout;
    let given = required(
        P,
        "connection",
        params.connection.as_ref(),
        "the connection name, `acme` in the ACS URL Help Scout shows (...?connection=acme-sso-saml)",
    )?;
    // The whole connection (`acme-sso-saml`), as copied from the URL, names the same one.
    let name = given.strip_suffix(SUFFIX).unwrap_or(given);
    let label_ok = !name.is_empty()
        && !name.starts_with('-')
        && !name.ends_with('-')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !label_ok {
        return Err(invalid(
            P,
            "connection",
            given,
            "is not a connection name: give the letters, digits and hyphens before -sso-saml",
        ));
    }
    // RSA community "Help Scout SAML relying party configuration"; Help Scout docs article 880.
    let mut sp = ServiceProvider::new(&format!("urn:auth0:helpscout:{name}{SUFFIX}"));
    sp.acs = post_acs(format!(
        "https://helpscout.auth0.com/login/callback?connection={name}{SUFFIX}"
    ));
    // NameID = email (same sources).
    sp.name_id = email_name_id();
    // "assertion inside the Response" signed (same sources); rsa-sha256, the default.
    sp.sign = Sign::Assertion;
    Ok(sp)
}
