//! Help-desk and SaaS presets: the service-provider settings of the products this IdP is set up
//! against, so that registering one takes the values its admin screen shows (a subdomain, an
//! instance, an org or portal ID, a connection name, a host) rather than its entity ID, ACS
//! URL, NameID format, response style and algorithms copied from vendor docs.
//!
//! This module owns the list of presets, their parameters, the parameters' errors and the
//! helpers they share; each product's values, with the public source of each, are in its own
//! file: `seeds.rs` (Desk.com, DeskPRO, ServiceDesk Plus), `zendesk.rs`, `freshworks.rs`,
//! `atlassian.rs`, `servicenow.rs`, `salesforce.rs`, `hubspot.rs`, `helpscout.rs` and
//! `zammad.rs`. Values no primary source confirms are marked `[unconfirmed]` where they are set.
//! A preset decides only what its product documents; every other setting stays at its default,
//! and the registry can override any of them.

mod atlassian;
mod freshworks;
mod helpscout;
mod hubspot;
mod salesforce;
mod seeds;
mod servicenow;
mod zammad;
mod zendesk;

pub use seeds::ZOHO_DATA_CENTRES;

use super::ns;
use super::sp::{AcsEndpoint, AttributeMap, NameIdRule, NameIdSource, ServiceProvider};

/// A product whose SP settings are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    DeskPro,
    Desk,
    ServiceDeskPlus,
    Zendesk,
    /// Freshdesk and Freshservice, which sign in through Freshworks' shared SSO.
    Freshworks,
    /// Jira Service Management and the other Atlassian Cloud products, through Atlassian Guard.
    Atlassian,
    ServiceNow,
    Salesforce,
    HubSpot,
    HelpScout,
    Zammad,
}

impl Preset {
    pub const ALL: [Preset; 11] = [
        Preset::DeskPro,
        Preset::Desk,
        Preset::ServiceDeskPlus,
        Preset::Zendesk,
        Preset::Freshworks,
        Preset::Atlassian,
        Preset::ServiceNow,
        Preset::Salesforce,
        Preset::HubSpot,
        Preset::HelpScout,
        Preset::Zammad,
    ];

    /// The name used in the registry file (`preset: deskpro`).
    pub fn id(self) -> &'static str {
        match self {
            Preset::DeskPro => "deskpro",
            Preset::Desk => "desk",
            Preset::ServiceDeskPlus => "servicedesk-plus",
            Preset::Zendesk => "zendesk",
            Preset::Freshworks => "freshworks",
            Preset::Atlassian => "atlassian",
            Preset::ServiceNow => "servicenow",
            Preset::Salesforce => "salesforce",
            Preset::HubSpot => "hubspot",
            Preset::HelpScout => "helpscout",
            Preset::Zammad => "zammad",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The product's name, as pages show it.
    pub fn name(self) -> &'static str {
        match self {
            Preset::DeskPro => "DeskPRO",
            Preset::Desk => "Desk.com",
            Preset::ServiceDeskPlus => "ServiceDesk Plus (Zoho)",
            Preset::Zendesk => "Zendesk",
            Preset::Freshworks => "Freshdesk / Freshservice",
            Preset::Atlassian => "Jira Service Management (Atlassian)",
            Preset::ServiceNow => "ServiceNow",
            Preset::Salesforce => "Salesforce (Service Cloud)",
            Preset::HubSpot => "HubSpot (Service Hub)",
            Preset::HelpScout => "Help Scout",
            Preset::Zammad => "Zammad",
        }
    }

    /// The parameters this preset takes, required first.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            Preset::DeskPro => &["helpdesk", "n"],
            Preset::Desk => &["site", "host"],
            Preset::ServiceDeskPlus => &["org_id", "data_centre"],
            Preset::Zendesk => &["subdomain"],
            Preset::Freshworks => &["subdomain", "saml_id"],
            Preset::Atlassian => &["saml_id", "site"],
            Preset::ServiceNow => &["instance"],
            Preset::Salesforce => &["my_domain", "org_id"],
            Preset::HubSpot => &["portal_id"],
            Preset::HelpScout => &["connection"],
            Preset::Zammad => &["host"],
        }
    }

    /// The presets that take a parameter, in [`Preset::ALL`] order; several share a name when
    /// it means the same thing to each (`site`, `host`, `subdomain`, `org_id`, `saml_id`).
    pub fn taking(parameter: &str) -> Vec<Preset> {
        Self::ALL
            .into_iter()
            .filter(|p| p.parameters().contains(&parameter))
            .collect()
    }
}

/// A preset's parameters; which ones apply depends on the preset (see [`Preset::parameters`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PresetParams {
    /// Desk.com: the site name, `mysite` for mysite.desk.com. Atlassian: the site, `acme` for
    /// acme.atlassian.net, whose URL becomes the default RelayState.
    pub site: Option<String>,
    /// Desk.com: the site's CNAME, when it has one; default `<site>.desk.com`. Zammad: the
    /// host name it is served at, `support.example.com`.
    pub host: Option<String>,
    /// DeskPRO: the help desk's base URL, `https://acme.deskpro.com`.
    pub helpdesk: Option<String>,
    /// DeskPRO: the number of the SAML app in its admin (the `<n>` in its URLs); default 1.
    pub n: Option<u32>,
    /// ServiceDesk Plus: the Zoho organisation ID that ends its ACS URL. Salesforce: the
    /// organisation ID (`so=` in its ACS URL).
    pub org_id: Option<String>,
    /// ServiceDesk Plus: the Zoho data centre; default `com`.
    pub data_centre: Option<String>,
    /// Zendesk: `acme` for acme.zendesk.com. Freshworks: the organisation's `acme` for
    /// acme.myfreshworks.com.
    pub subdomain: Option<String>,
    /// Freshworks: the number in its SAML URLs (`/sp/SAML/<saml_id>/...`). Atlassian: the
    /// unique ID that ends its SP entity ID (`https://auth.atlassian.com/saml/<saml_id>`).
    pub saml_id: Option<String>,
    /// ServiceNow: `acme` for acme.service-now.com.
    pub instance: Option<String>,
    /// Salesforce: the My Domain name, `acme` for acme.my.salesforce.com.
    pub my_domain: Option<String>,
    /// HubSpot: the account's portal (hub) ID.
    pub portal_id: Option<String>,
    /// Help Scout: the name of its Auth0 connection, the `<name>` of `<name>-sso-saml`.
    pub connection: Option<String>,
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
            ("subdomain", self.subdomain.is_some()),
            ("saml_id", self.saml_id.is_some()),
            ("instance", self.instance.is_some()),
            ("my_domain", self.my_domain.is_some()),
            ("portal_id", self.portal_id.is_some()),
            ("connection", self.connection.is_some()),
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
        Preset::Desk => seeds::desk(params)?,
        Preset::DeskPro => seeds::deskpro(params)?,
        Preset::ServiceDeskPlus => seeds::servicedesk_plus(params)?,
        Preset::Zendesk => zendesk::zendesk(params)?,
        Preset::Freshworks => freshworks::freshworks(params)?,
        Preset::Atlassian => atlassian::atlassian(params)?,
        Preset::ServiceNow => servicenow::servicenow(params)?,
        Preset::Salesforce => salesforce::salesforce(params)?,
        Preset::HubSpot => hubspot::hubspot(params)?,
        Preset::HelpScout => helpscout::helpscout(params)?,
        Preset::Zammad => zammad::zammad(params)?,
    };
    sp.name = Some(preset.name().to_owned());
    Ok(sp)
}

/// One HTTP-POST ACS, index 0 and the default.
fn post_acs(url: String) -> Vec<AcsEndpoint> {
    vec![AcsEndpoint {
        url,
        binding: ns::binding::HTTP_POST.to_owned(),
        index: Some(0),
        is_default: Some(true),
    }]
}

/// The user's email as NameID, format emailAddress.
fn email_name_id() -> NameIdRule {
    NameIdRule {
        format: Some(ns::nameid::EMAIL.to_owned()),
        source: Some(NameIdSource::Email),
    }
}

/// Renames of the built-in attributes (`email`, `displayName`, `firstName`, `lastName`), so
/// that each value is sent once under the name the product reads.
fn renames(pairs: &[(&str, &str)]) -> AttributeMap {
    AttributeMap {
        drop: Vec::new(),
        rename: pairs
            .iter()
            .map(|(from, to)| ((*from).to_owned(), (*to).to_owned()))
            .collect(),
        add: Vec::new(),
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

/// A name the product puts before its own domain (`acme` in acme.zendesk.com): one DNS label
/// (RFC 1035 2.3.1: letters, digits and inner hyphens, at most 63 characters).
fn dns_label(
    preset: Preset,
    parameter: &'static str,
    value: &str,
    domain: &str,
) -> Result<(), PresetError> {
    let problem = if value.contains("://") || value.contains('.') {
        format!("is more than the name: give the name alone (`acme`, not `https://acme.{domain}`)")
    } else if value.len() > 63
        || value.starts_with('-')
        || value.ends_with('-')
        || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        format!(
            "is not a DNS label: use only letters, digits and inner hyphens, as in acme.{domain}"
        )
    } else {
        return Ok(());
    };
    Err(invalid(preset, parameter, value, &problem))
}

/// An ID made only of the characters `allowed` accepts, described by `what` in the error.
fn id_of(
    preset: Preset,
    parameter: &'static str,
    value: &str,
    allowed: fn(char) -> bool,
    what: &str,
) -> Result<(), PresetError> {
    if value.chars().all(allowed) {
        Ok(())
    } else {
        Err(invalid(preset, parameter, value, what))
    }
}

#[cfg(test)]
mod tests;
