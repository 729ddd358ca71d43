//! The first layer of an entry: the help-desk preset it names, built from its parameters
//! (`site`, `host`, `helpdesk`, `n`, `org_id`, `data_centre`), or a blank SP when it names none.
//! A preset's parameter written without the preset is a mistake, reported at the parameter.

use super::raw::RawSp;
use super::{AcsSource, Ctx, Layered, SpsError};
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
    };
    let Some(id) = &raw.preset else {
        if let Some(param) = params.given().first() {
            let owner = Preset::taking(param).map_or("", Preset::id);
            return Err(ctx.invalid(
                &ctx.here(&[param]),
                format!("`{param}` is a parameter of the {owner} preset: add `preset: {owner}`, or remove it"),
            ));
        }
        return Ok(Layered {
            sp: ServiceProvider::new(""),
            entity_id_at: ctx.here(&[]),
            acs_source: AcsSource::None,
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
    })
}
