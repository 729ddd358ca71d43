//! The seeds' presets, the help desks this IdP was first tested against: Desk.com, DeskPRO and
//! ServiceDesk Plus Cloud (sign-in through Zoho Accounts).
//!
//! - **Desk.com** agent SSO: the SP entity ID is the bare site name (`mysite`), even behind a
//!   CNAME; the ACS is `https://<site>.desk.com/auth/saml/acs` (or the CNAME's); the NameID
//!   is the agent's email (Desk.com support article 2050550). Desk trusts a SHA-1 fingerprint
//!   and takes the certificate from the response's KeyInfo, which the engine always includes
//!   (the seeds' Desk.com set-up document).
//! - **DeskPRO**: one SAML app per number `n`; entity ID `<helpdesk>/saml/metadata/<n>.xml`,
//!   ACS `<helpdesk>/login/authenticate-callback/<n>` and the email as NameID (RSA's DeskPro
//!   integration guide: Identifier Type = Email, attribute `email`), and the `name`,
//!   `first_name` and `last_name` attributes that let it create agents on first login
//!   [unconfirmed: no public source names them].
//! - **ServiceDesk Plus Cloud** (sign-in through Zoho Accounts): entity ID `zoho.<dc>` per
//!   data centre (`zohocloud.ca` in Canada), ACS `https://accounts.<that domain>/signin/samlsp/<org_id>`,
//!   email NameID only, and a response shaped as the AD FS 2.0/3.0 ones it was tested with:
//!   the assertion signed, Conditions valid for an hour, SubjectConfirmation for five minutes.
//!   Zoho's AD FS guide confirms `zoho.com` and `https://accounts.zoho.com/...`; the other data
//!   centres' hosts (`accounts.zoho.eu`, ..., `accounts.zoho.sa` and `zoho.ae` among them, as
//!   Zoho lists its data centres) follow the same pattern, but their entity IDs were not found
//!   in a public source [unconfirmed]: `entity_id:` in the registry overrides one. No default
//!   RelayState is set: the one public example (Okta's Zoho Directory guide,
//!   `https://directory.zoho.com/`) is Zoho Directory's, not ServiceDesk Plus's.

use time::Duration;

use super::{
    email_name_id, host_problem, invalid, post_acs, required, Preset, PresetError, PresetParams,
};
use crate::saml::dsig::{Algorithms, SignatureAlgorithm};
use crate::saml::sp::{AttributeMap, ResponseStyle, ServiceProvider, Sign, Validity};

/// The Zoho data centres ServiceDesk Plus Cloud runs in, as `data_centre` names them: each is
/// the end of the data centre's domain (`accounts.zoho.sa` for Saudi Arabia, `zoho.ae` for the
/// United Arab Emirates), Canada's excepted (see [`zoho_domain`]). `uk` is not among the data
/// centres the public sources list [unconfirmed].
pub const ZOHO_DATA_CENTRES: [&str; 10] = [
    "com", "eu", "in", "com.au", "com.cn", "jp", "uk", "ca", "sa", "ae",
];

pub(super) fn desk(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
    const P: Preset = Preset::Desk;
    let site = required(
        P,
        "site",
        params.site.as_ref(),
        "the Desk.com site name, e.g. `mysite` for mysite.desk.com",
    )?;
    // The site name is a DNS label (it is the desk.com subdomain).
    let label_ok = site.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !site.starts_with('-')
        && !site.ends_with('-');
    if !label_ok {
        let problem = if site.contains('.') {
            "is not a site name: give the name alone (`mysite`, not `mysite.desk.com`); a CNAME goes in `host`"
        } else {
            "is not a site name: use only letters, digits and hyphens"
        };
        return Err(invalid(P, "site", site, problem));
    }
    let host = match params.host.as_deref().map(str::trim) {
        None => format!("{site}.desk.com"),
        Some(h) => {
            if let Some(problem) = host_problem(h) {
                return Err(invalid(P, "host", h, problem));
            }
            h.to_owned()
        }
    };
    // Desk.com names itself by the bare site name, even behind a CNAME.
    let mut sp = ServiceProvider::new(site);
    sp.acs = post_acs(format!("https://{host}/auth/saml/acs"));
    sp.name_id = email_name_id();
    sp.style = ResponseStyle::Standard;
    Ok(sp)
}

pub(super) fn deskpro(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
    const P: Preset = Preset::DeskPro;
    let raw = required(
        P,
        "helpdesk",
        params.helpdesk.as_ref(),
        "the help desk's base URL, e.g. https://acme.deskpro.com",
    )?;
    // A trailing slash is how the URL is often copied from the browser; DeskPRO's own URLs
    // have none before the path.
    let helpdesk = raw.trim_end_matches('/');
    let rest = helpdesk
        .strip_prefix("https://")
        .or_else(|| helpdesk.strip_prefix("http://"));
    match rest {
        None => return Err(invalid(
            P,
            "helpdesk",
            raw,
            "is not an http(s) URL: give the help desk's base URL, e.g. https://acme.deskpro.com",
        )),
        Some(r) if r.is_empty() || r.contains(['?', '#']) || r.contains(char::is_whitespace) => {
            return Err(invalid(
                P,
                "helpdesk",
                raw,
                "is not a base URL: give the scheme, host and any path prefix only",
            ))
        }
        Some(_) => {}
    }
    let n = params.n.unwrap_or(1);
    if n == 0 {
        return Err(invalid(
            P,
            "n",
            "0",
            "is not a SAML app number: DeskPRO numbers them from 1",
        ));
    }
    let mut sp = ServiceProvider::new(&format!("{helpdesk}/saml/metadata/{n}.xml"));
    sp.acs = post_acs(format!("{helpdesk}/login/authenticate-callback/{n}"));
    sp.name_id = email_name_id();
    sp.style = ResponseStyle::Standard;
    // The engine sends `email`, `displayName`, `firstName` and `lastName`; DeskPRO's agent
    // auto-creation maps `email`, `name`, `first_name` and `last_name`. Renaming (rather than
    // adding copies) keeps one attribute per value, so the assertion says each thing once.
    sp.attributes = AttributeMap {
        drop: Vec::new(),
        rename: [
            ("displayName", "name"),
            ("firstName", "first_name"),
            ("lastName", "last_name"),
        ]
        .into_iter()
        .map(|(from, to)| (from.to_owned(), to.to_owned()))
        .collect(),
        add: Vec::new(),
    };
    Ok(sp)
}

/// The Zoho domain of a data centre: `zoho.<dc>`, except Canada's `zohocloud.ca`.
fn zoho_domain(data_centre: &str) -> String {
    match data_centre {
        "ca" => "zohocloud.ca".to_owned(),
        dc => format!("zoho.{dc}"),
    }
}

pub(super) fn servicedesk_plus(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
    const P: Preset = Preset::ServiceDeskPlus;
    let org_id = required(
        P,
        "org_id",
        params.org_id.as_ref(),
        "the organisation ID that ends the ACS URL Zoho shows (https://accounts.zoho.com/signin/samlsp/<org_id>)",
    )?;
    if !org_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(invalid(
            P,
            "org_id",
            org_id,
            "is not an organisation ID: use only the letters and digits at the end of the ACS URL",
        ));
    }
    let data_centre = params.data_centre.as_deref().map_or("com", str::trim);
    if !ZOHO_DATA_CENTRES.contains(&data_centre) {
        return Err(invalid(
            P,
            "data_centre",
            data_centre,
            &format!("is not one of {}", ZOHO_DATA_CENTRES.join(", ")),
        ));
    }
    let domain = zoho_domain(data_centre);
    let mut sp = ServiceProvider::new(&domain);
    sp.acs = post_acs(format!("https://accounts.{domain}/signin/samlsp/{org_id}"));
    // "Zoho only supports email address Name ID format".
    sp.name_id = email_name_id();
    sp.style = ResponseStyle::Adfs;
    // AD FS relying-party trusts sign the assertion only; rsa-sha256 is what current ones use
    // (the 2013 Zoho sample's rsa-sha1 can still be chosen in the registry).
    sp.sign = Sign::Assertion;
    sp.algorithms = Algorithms::from(SignatureAlgorithm::RsaSha256);
    sp.validity = Validity {
        assertion: Duration::hours(1),
        confirmation: Duration::minutes(5),
        ..Validity::default()
    };
    Ok(sp)
}
