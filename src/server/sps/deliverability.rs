//! The last step of an entry: the SP it built must be one a response can be delivered to. Its
//! ACS endpoints are absolute http(s) URLs with indexes of their own, and one of them takes
//! HTTP-POST, since responses are posted; its logout URL, wherever it came from (the preset,
//! the metadata or `slo_url:`), passes the same check ([`browser_url`]). A mistake points at
//! the field the URL came from.

use std::collections::HashMap;

use super::{AcsSource, Ctx, Layered, SloSource, SpsError};
use crate::saml::browser_url;
use crate::server::yaml::{at, PathStep};

/// Checks the ACS endpoints of the SP `layered` holds.
pub(super) fn check(ctx: &Ctx<'_>, layered: &Layered) -> Result<(), SpsError> {
    let sp = &layered.sp;
    let acs_at = match layered.acs_source {
        AcsSource::Explicit => ctx.here(&["acs"]),
        AcsSource::Metadata => ctx.here(&["metadata"]),
        AcsSource::Preset => ctx.here(&["preset"]),
        AcsSource::None => ctx.here(&[]),
    };
    let explicit = matches!(layered.acs_source, AcsSource::Explicit);
    let endpoint_at = |j: usize, k: &str| {
        if explicit {
            let mut p = ctx.here(&["acs"]);
            p.extend([PathStep::Index(j), PathStep::key(k)]);
            p
        } else {
            acs_at.clone()
        }
    };
    let mut indexes: HashMap<u16, usize> = HashMap::new();
    for (j, e) in sp.acs.iter().enumerate() {
        if let Some(problem) = browser_url::problem(&e.url) {
            let url = browser_url::shown(&e.url);
            let what = if explicit {
                format!("{url} {problem}")
            } else {
                format!("AssertionConsumerService {url} {problem}")
            };
            return Err(ctx.invalid(&endpoint_at(j, "url"), what));
        }
        if let Some(index) = e.index {
            if let Some(first) = indexes.insert(index, j) {
                let first_line = if explicit {
                    at(ctx.line(&endpoint_at(first, "index")), None)
                } else {
                    String::new()
                };
                return Err(ctx.invalid(
                    &endpoint_at(j, "index"),
                    format!(
                        "index {index} is used twice (also by endpoint #{}{first_line}): each ACS endpoint needs its own",
                        first + 1
                    ),
                ));
            }
        }
    }
    if let Some(url) = &sp.slo_url {
        if let Some(problem) = browser_url::problem(url) {
            let (at, what) = match layered.slo_source {
                SloSource::Field => (ctx.here(&["slo_url"]), ""),
                SloSource::Metadata => (ctx.here(&["metadata"]), "SingleLogoutService "),
                SloSource::Preset => (ctx.here(&["preset"]), "the logout URL "),
            };
            let url = browser_url::shown(url);
            return Err(ctx.invalid(&at, format!("{what}{url} {problem}")));
        }
    }
    if sp.post_endpoints().next().is_none() {
        let who = match &sp.name {
            Some(name) => format!("{} ({name})", sp.entity_id),
            None => sp.entity_id.clone(),
        };
        return Err(ctx.invalid(
            &acs_at,
            format!(
                "{who} has no HTTP-POST AssertionConsumerService: a service provider must have one, since responses are posted to it"
            ),
        ));
    }
    Ok(())
}
