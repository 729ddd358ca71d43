//! The first layer of an entry: the preset it names, built from its parameters (`site`, `host`,
//! `helpdesk`, `n`, `org_id`, `data_centre`, `subdomain`, `saml_id`, `instance`, `my_domain`,
//! `portal_id`, `connection`), or a blank SP when it names none. A preset's parameter written
//! without the preset is a mistake, reported at the parameter with every preset that takes it.

use super::raw::RawSp;
use super::{AcsSource, Ctx, Layered, SloSource, SpsError};
use crate::saml::presets::{self, Preset, PresetError, PresetParams};
use crate::saml::sp::ServiceProvider;

/// The SP the entry's preset gives, or a blank one; the preset's parameters are taken out of
/// `raw`, since no later step reads them.
pub(super) fn apply(ctx: &Ctx<'_>, raw: &mut RawSp) -> Result<Layered, SpsError> {
    let params = PresetParams {
        site: raw.site.take(),
        host: raw.host.take(),
        helpdesk: raw.helpdesk.take(),
        n: raw.n.take(),
        org_id: raw.org_id.take().map(|t| t.0),
        data_centre: raw.data_centre.take(),
        subdomain: raw.subdomain.take(),
        saml_id: raw.saml_id.take().map(|t| t.0),
        instance: raw.instance.take(),
        my_domain: raw.my_domain.take(),
        portal_id: raw.portal_id.take().map(|t| t.0),
        connection: raw.connection.take(),
    };
    let Some(id) = &raw.preset else {
        if let Some(param) = params.given().first() {
            return Err(ctx.invalid(&ctx.here(&[param]), without_preset(param)));
        }
        return Ok(Layered {
            sp: ServiceProvider::new(""),
            entity_id_at: ctx.here(&[]),
            acs_source: AcsSource::None,
            slo_source: SloSource::Preset,
        });
    };
    let preset = Preset::from_id(id).ok_or_else(|| {
        let mut ids: Vec<_> = Preset::ALL.iter().map(|p| p.id()).collect();
        ids.sort_unstable();
        ctx.invalid(
            &ctx.here(&["preset"]),
            format!("{id:?} is not one of {}", ids.join(", ")),
        )
    })?;
    let sp = presets::service_provider(preset, &params).map_err(|e| {
        // A missing parameter has no line of its own; the preset's is the nearest.
        let path = match e {
            PresetError::Missing { .. } => ctx.here(&["preset"]),
            _ => ctx.here(&[e.parameter()]),
        };
        ctx.invalid(&path, e.to_string())
    })?;
    Ok(Layered {
        sp,
        entity_id_at: ctx.here(&["preset"]),
        acs_source: AcsSource::Preset,
        slo_source: SloSource::Preset,
    })
}

/// What to say of a preset's parameter written without a preset: which presets take it.
fn without_preset(param: &str) -> String {
    let owners: Vec<_> = Preset::taking(param).into_iter().map(Preset::id).collect();
    match owners.as_slice() {
        [owner] => format!(
            "`{param}` is a parameter of the {owner} preset: add `preset: {owner}`, or remove it"
        ),
        _ => {
            let adds: Vec<_> = owners.iter().map(|o| format!("`preset: {o}`")).collect();
            format!(
                "`{param}` is a parameter of the {} presets: add {}, or remove it",
                owners.join(" and "),
                adds.join(" or ")
            )
        }
    }
}
