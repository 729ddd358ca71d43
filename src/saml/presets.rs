//! Help-desk presets: the service-provider settings of the help desks this IdP is mostly
//! tested against, so that registering one takes its site name or org ID rather than its
//! entity ID, ACS URL, NameID format, response style and algorithms copied from vendor docs.
//!
//! What each preset encodes, and where it comes from:
//!
//! - **Desk.com** agent SSO: the SP entity ID is the bare site name (`mysite`), even behind a
//!   CNAME; the ACS is `https://<site>.desk.com/auth/saml/acs` (or the CNAME's); the NameID
//!   is the agent's email. Desk trusts a SHA-1 fingerprint and takes the certificate from the
//!   response's KeyInfo, which the engine always includes.
//! - **DeskPRO**: one SAML app per number `n`; entity ID `<helpdesk>/saml/metadata/<n>.xml`,
//!   ACS `<helpdesk>/login/authenticate-callback/<n>`, the email as NameID, and the `email`,
//!   `name`, `first_name` and `last_name` attributes that let it create agents on first login.
//! - **ServiceDesk Plus Cloud** (sign-in through Zoho Accounts): entity ID `zoho.<dc>` per
//!   data centre (`zohocloud.ca` in Canada), ACS `https://accounts.<that domain>/signin/samlsp/<org_id>`,
//!   email NameID only, and a response shaped as the AD FS 2.0/3.0 ones it was tested with:
//!   the assertion signed, Conditions valid for an hour, SubjectConfirmation for five minutes.

use time::Duration;

use super::dsig::{Algorithms, SignatureAlgorithm};
use super::ns;
use super::sp::{
    AcsEndpoint, AttributeMap, NameIdRule, NameIdSource, ResponseStyle, ServiceProvider, Sign,
    Validity,
};

/// A help desk whose SP settings are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    DeskPro,
    Desk,
    ServiceDeskPlus,
}

impl Preset {
    pub const ALL: [Preset; 3] = [Preset::DeskPro, Preset::Desk, Preset::ServiceDeskPlus];

    /// The name used in the registry file (`preset: deskpro`).
    pub fn id(self) -> &'static str {
        match self {
            Preset::DeskPro => "deskpro",
            Preset::Desk => "desk",
            Preset::ServiceDeskPlus => "servicedesk-plus",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The help desk's name, as pages show it.
    pub fn name(self) -> &'static str {
        match self {
            Preset::DeskPro => "DeskPRO",
            Preset::Desk => "Desk.com",
            Preset::ServiceDeskPlus => "ServiceDesk Plus (Zoho)",
        }
    }

    /// The parameters this preset takes, required first.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            Preset::DeskPro => &["helpdesk", "n"],
            Preset::Desk => &["site", "host"],
            Preset::ServiceDeskPlus => &["org_id", "data_centre"],
        }
    }

    /// The preset a parameter belongs to (each parameter name belongs to exactly one).
    pub fn taking(parameter: &str) -> Option<Preset> {
        Self::ALL
            .into_iter()
            .find(|p| p.parameters().contains(&parameter))
    }
}

/// The Zoho data centres ServiceDesk Plus Cloud runs in, as `data_centre` names them.
pub const ZOHO_DATA_CENTRES: [&str; 8] = ["com", "eu", "in", "com.au", "com.cn", "jp", "uk", "ca"];

/// A preset's parameters; which ones apply depends on the preset (see [`Preset::parameters`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PresetParams {
    /// Desk.com: the site name, `mysite` for mysite.desk.com.
    pub site: Option<String>,
    /// Desk.com: the site's CNAME, when it has one; default `<site>.desk.com`.
    pub host: Option<String>,
    /// DeskPRO: the help desk's base URL, `https://acme.deskpro.com`.
    pub helpdesk: Option<String>,
    /// DeskPRO: the number of the SAML app in its admin (the `<n>` in its URLs); default 1.
    pub n: Option<u32>,
    /// ServiceDesk Plus: the Zoho organisation ID that ends its ACS URL.
    pub org_id: Option<String>,
    /// ServiceDesk Plus: the Zoho data centre; default `com`.
    pub data_centre: Option<String>,
}

impl PresetParams {
    /// The names of the parameters that are set, in declaration order.
    pub fn given(&self) -> Vec<&'static str> {
        [
            ("site", self.site.is_some()),
            ("host", self.host.is_some()),
            ("helpdesk", self.helpdesk.is_some()),
            ("n", self.n.is_some()),
            ("org_id", self.org_id.is_some()),
            ("data_centre", self.data_centre.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresetError {
    #[error("the {preset} preset needs `{parameter}`: {hint}")]
    Missing {
        preset: &'static str,
        parameter: &'static str,
        hint: &'static str,
    },
    #[error("{parameter} {value:?} (for the {preset} preset) {problem}")]
    Invalid {
        preset: &'static str,
        parameter: &'static str,
        value: String,
        problem: String,
    },
    #[error("`{parameter}` is not a parameter of the {preset} preset (it takes {takes})")]
    NotApplicable {
        preset: &'static str,
        parameter: &'static str,
        takes: String,
    },
}

impl PresetError {
    /// The parameter at fault.
    pub fn parameter(&self) -> &'static str {
        match self {
            PresetError::Missing { parameter, .. }
            | PresetError::Invalid { parameter, .. }
            | PresetError::NotApplicable { parameter, .. } => parameter,
        }
    }
}

/// The SP a preset describes. Every setting the preset does not decide is at its default, so
/// the registry can still override any of them.
pub fn service_provider(
    preset: Preset,
    params: &PresetParams,
) -> Result<ServiceProvider, PresetError> {
    if let Some(parameter) = params
        .given()
        .into_iter()
        .find(|p| !preset.parameters().contains(p))
    {
        return Err(PresetError::NotApplicable {
            preset: preset.id(),
            parameter,
            takes: preset.parameters().join(" and "),
        });
    }
    let mut sp = match preset {
        Preset::Desk => desk(params)?,
        Preset::DeskPro => deskpro(params)?,
        Preset::ServiceDeskPlus => servicedesk_plus(params)?,
    };
    sp.name = Some(preset.name().to_owned());
    Ok(sp)
}

fn post_acs(url: String) -> Vec<AcsEndpoint> {
    vec![AcsEndpoint {
        url,
        binding: ns::binding::HTTP_POST.to_owned(),
        index: Some(0),
        is_default: Some(true),
    }]
}

fn email_name_id() -> NameIdRule {
    NameIdRule {
        format: Some(ns::nameid::EMAIL.to_owned()),
        source: Some(NameIdSource::Email),
    }
}

fn required<'a>(
    preset: Preset,
    parameter: &'static str,
    value: Option<&'a String>,
    hint: &'static str,
) -> Result<&'a str, PresetError> {
    match value.map(|v| v.trim()) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(PresetError::Missing {
            preset: preset.id(),
            parameter,
            hint,
        }),
    }
}

fn invalid(preset: Preset, parameter: &'static str, value: &str, problem: &str) -> PresetError {
    PresetError::Invalid {
        preset: preset.id(),
        parameter,
        value: value.to_owned(),
        problem: problem.to_owned(),
    }
}

fn desk(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
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

fn host_problem(host: &str) -> Option<&'static str> {
    if host.contains("://") {
        return Some("is not a host name: give the name alone, without https://");
    }
    let ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':'))
        && !host.starts_with(['.', '-', ':']);
    (!ok).then_some(
        "is not a host name (letters, digits, dots and hyphens, e.g. support.example.com)",
    )
}

fn deskpro(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
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

fn servicedesk_plus(params: &PresetParams) -> Result<ServiceProvider, PresetError> {
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

#[cfg(test)]
#[path = "tests/presets.rs"]
mod tests;
