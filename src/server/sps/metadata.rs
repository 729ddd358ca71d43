//! The second layer of an entry: the SP's own metadata file (`metadata:`), read from disk
//! relative to the registry (never fetched), whose entity ID, endpoints, certificates, NameID
//! format and signing wishes replace what the preset gave.

use super::{AcsSource, Ctx, Layered, SloSource, SpsError};
use crate::saml::sp_metadata;
use crate::server::yaml::field_name;

/// Reads the metadata file `file` and lays what it gives over `layered`.
pub(super) fn apply(ctx: &Ctx<'_>, file: &str, layered: &mut Layered) -> Result<(), SpsError> {
    let at = ctx.here(&["metadata"]);
    if file.starts_with("http://") || file.starts_with("https://") {
        return Err(ctx.invalid(
            &at,
            "metadata is read from a file, not fetched: save the SP's metadata and give its path",
        ));
    }
    let path = ctx.base_dir.join(file);
    let xml = crate::server::files::read_text(&path).map_err(|error| SpsError::ReadReferenced {
        origin: ctx.origin.to_owned(),
        line: ctx.line(&at),
        field: field_name(&at),
        path: path.clone(),
        error,
    })?;
    let md = sp_metadata::parse(&xml).map_err(|error| SpsError::Metadata {
        origin: ctx.origin.to_owned(),
        line: ctx.line(&at),
        field: field_name(&at),
        path: path.clone(),
        error,
    })?;
    let from_md = md.to_service_provider();
    let sp = &mut layered.sp;
    sp.entity_id = from_md.entity_id;
    if !from_md.acs.is_empty() {
        sp.acs = from_md.acs;
        layered.acs_source = AcsSource::Metadata;
    }
    if from_md.slo_url.is_some() {
        sp.slo_url = from_md.slo_url;
        sp.slo_binding = from_md.slo_binding;
        layered.slo_source = SloSource::Metadata;
    }
    if from_md.certificate.is_some() {
        sp.certificate = from_md.certificate;
    }
    if from_md.name_id.format.is_some() {
        sp.name_id.format = from_md.name_id.format;
    }
    sp.authn_requests_signed = from_md.authn_requests_signed;
    sp.want_assertions_signed = from_md.want_assertions_signed;
    if from_md.encryption.certificate.is_some() {
        sp.encryption = from_md.encryption;
    }
    layered.entity_id_at = at;
    Ok(())
}
