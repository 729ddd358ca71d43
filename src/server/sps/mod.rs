//! The service-provider registry file (`--sps`): the SPs this IdP knows, read once at start-up.
//!
//! ```yaml
//! service_providers:
//!   - entity_id: https://sp.example.com/metadata  # required unless a preset or metadata gives it
//!     name: Example SP                             # shown on pages
//!     preset: zendesk                              # a product's settings: deskpro, desk,
//!                                                  #   servicedesk-plus, zendesk, freshworks,
//!                                                  #   atlassian, servicenow, salesforce,
//!                                                  #   hubspot, helpscout, zammad; parameters:
//!     site: mysite                                 #   desk: the site name; atlassian: the
//!                                                  #   site, RelayState https://<site>.atlassian.net
//!     host: support.example.com                    #   desk: a CNAME (default <site>.desk.com);
//!                                                  #   zammad: its host
//!     helpdesk: https://acme.deskpro.com           #   deskpro: the base URL
//!     n: 1                                         #   deskpro: the SAML app number (default 1)
//!     org_id: "90000000000"                        #   servicedesk-plus: the Zoho org ID;
//!                                                  #   salesforce: the `so=` org ID
//!     data_centre: com                             #   servicedesk-plus (default com; eu, in,
//!                                                  #   com.au, com.cn, jp, uk, ca, sa, ae)
//!     subdomain: acme                              #   zendesk, freshworks
//!     saml_id: "881543301655492912"                #   freshworks, atlassian: the ID in its URLs
//!     instance: acme                               #   servicenow
//!     my_domain: acme                              #   salesforce: acme.my.salesforce.com
//!     portal_id: "1234567"                         #   hubspot
//!     connection: acme                             #   helpscout: <connection>-sso-saml
//!     metadata: sp-metadata.xml                    # the SP's own metadata, relative to this file
//!     acs:                                         # replaces the preset's or metadata's
//!       - url: https://sp.example.com/acs
//!         binding: post                            # post | redirect | <binding URN>; default post
//!         index: 0
//!         default: true
//!     slo_url: https://sp.example.com/slo
//!     slo_binding: redirect                        # redirect | post | <binding URN>: how its
//!                                                  #   LogoutRequests go (default: the metadata's,
//!                                                  #   else redirect)
//!     name_id: { format: email, source: email }
//!     audience: https://override.example.com
//!     sign: assertion | response | both | none
//!     signature_algorithm: rsa-sha256             # rsa-sha1 | rsa-sha256 | rsa-sha384 | rsa-sha512
//!     digest_algorithm: sha256                    # default: the signature algorithm's
//!     attributes: { drop: [locale], rename: { email: mail }, add: { tags: [a, b] },
//!                   name_format: { mail: unspecified } }  # basic | uri | unspecified | a URI;
//!                                                  #   default: uri for names with `:`, else basic
//!     style: standard | adfs
//!     validity: { assertion_seconds: 300, confirmation_seconds: 300,
//!                 not_before_skew_seconds: 120, session_seconds: 28800 }
//!     authn_context: urn:federation:authentication:windows
//!     certificate: sp.crt                          # a PEM or DER file, or an inline PEM block
//!     want_signed_requests: true                   # its AuthnRequests must be signed (default:
//!                                                  #   the metadata's AuthnRequestsSigned)
//!     encryption:                                  # encrypt assertions to this SP
//!       certificate: sp-encryption.crt             # as above; default: the metadata's
//!                                                  #   KeyDescriptor use="encryption" (or no use)
//!       data: aes256-gcm                           # aes128-cbc | aes256-cbc | aes128-gcm |
//!                                                  #   aes256-gcm; default: the metadata's
//!                                                  #   EncryptionMethod hint, else aes256-cbc
//!       key_transport: rsa-oaep-mgf1p              # rsa-oaep-mgf1p | rsa-oaep (xmlenc11,
//!                                                  #   SHA-256); default: hint, else rsa-oaep-mgf1p
//!       enabled: true                              # false: only for logins that ask
//!     relay_state: https://site.example.com/       # IdP-initiated logins that give none send it
//! ```
//!
//! Settings are layered: the preset first, then the metadata file, then each field written
//! here, which wins over both. An encryption certificate from the metadata is kept for logins
//! and scenarios that ask for encryption; assertions are encrypted by default only when an
//! `encryption:` block is written. Under `attributes`, each of `drop`, `rename`, `add` and `name_format` that
//! is written replaces the list the preset gave (`name_format` names attributes as sent, after
//! `rename`); under `validity` and `name_id`, each sub-field
//! replaces only itself.
//!
//! As with the users file, every mistake is reported with the file, the line and the field
//! (`sps.yaml line 12: service_providers[1].sign: "maybe" is not one of assertion, response,
//! both, none`), since a start-up error is the only feedback the file's author gets. Shape
//! errors come from serde_yaml with their location; for the checks made afterwards the line is
//! found again by walking the document to the value (see `yaml::locate`).
//!
//! Each entry is built in the steps of that layering, one file each: `raw` is the file as
//! written, then `preset`, `metadata` and `fields` lay their settings on, and
//! `deliverability` checks that a response can reach the result.

// Errors here are built at most once, at start-up, and carry the file, line and field that make
// them useful; their size costs nothing worth boxing them for.
#![allow(clippy::result_large_err)]

mod deliverability;
mod fields;
mod metadata;
mod preset;
mod raw;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::yaml::{at, field_name, locate, PathStep};
use crate::saml::sp::{Registry, ServiceProvider};
use crate::saml::sp_metadata::SpMetadataError;
use raw::RawSp;

/// The registry of `--sps`, or an empty one without it.
pub fn load_configured(path: Option<&Path>) -> Result<Registry, SpsError> {
    path.map_or_else(|| Ok(Registry::default()), load)
}

/// Reads and validates the registry file at `path`; relative `metadata:` and `certificate:`
/// paths are taken from the file's directory.
pub fn load(path: &Path) -> Result<Registry, SpsError> {
    let origin = path.display().to_string();
    let text = super::files::read_text(path).map_err(|error| SpsError::Read {
        origin: origin.clone(),
        error,
    })?;
    let base_dir = path.parent().unwrap_or_else(|| Path::new(""));
    parse(&text, &origin, base_dir)
}

/// Validates registry text; `origin` names it in messages (usually the file name), `base_dir`
/// resolves relative `metadata:` and `certificate:` paths.
pub fn parse(text: &str, origin: &str, base_dir: &Path) -> Result<Registry, SpsError> {
    let file = raw::read(text, origin)?;
    let raws = match file.service_providers {
        Some(list) if !list.is_empty() => list,
        _ => {
            return Err(SpsError::Empty {
                origin: origin.to_owned(),
                line: locate(text, &[PathStep::key("service_providers")]),
            })
        }
    };
    let mut sps = Vec::with_capacity(raws.len());
    // Entity ID -> (index, path of the field that gave it).
    let mut first_use: HashMap<String, (usize, Vec<PathStep>)> = HashMap::new();
    for (i, raw) in raws.into_iter().enumerate() {
        let ctx = Ctx {
            text,
            origin,
            base_dir,
            index: i,
        };
        let Layered {
            sp, entity_id_at, ..
        } = build(&ctx, raw)?;
        if let Some((_, first_at)) = first_use.get(&sp.entity_id) {
            return Err(SpsError::DuplicateEntityId {
                origin: origin.to_owned(),
                entity_id: sp.entity_id,
                field: field_name(&entity_id_at),
                line: locate(text, &entity_id_at),
                first_field: field_name(first_at),
                first_line: locate(text, first_at),
            });
        }
        first_use.insert(sp.entity_id.clone(), (i, entity_id_at));
        sps.push(sp);
    }
    Ok(Registry::new(sps))
}

#[derive(Debug, thiserror::Error)]
pub enum SpsError {
    #[error("cannot read service provider file {origin}: {error}")]
    Read {
        origin: String,
        error: std::io::Error,
    },
    /// Not YAML, or not the expected shape; `message` is serde_yaml's, with the field path.
    #[error("{origin}{}: {message}", at(*.line, *.column))]
    Syntax {
        origin: String,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error(
        "{origin}{}: the file lists no service providers: list at least one under a top-level `service_providers:` key",
        at(*.line, None)
    )]
    Empty { origin: String, line: Option<usize> },
    /// A value of the right type that is not acceptable.
    #[error("{origin}{}: {field}: {problem}", at(*.line, None))]
    Invalid {
        origin: String,
        line: Option<usize>,
        field: String,
        problem: String,
    },
    #[error(
        "{origin}{}: {field}: duplicate entity ID {entity_id:?}, already used by {first_field}{}",
        at(*.line, None),
        at(*.first_line, None)
    )]
    DuplicateEntityId {
        origin: String,
        entity_id: String,
        /// The field that gave the second SP its entity ID (`entity_id`, `metadata` or
        /// `preset`), and its line.
        field: String,
        line: Option<usize>,
        first_field: String,
        first_line: Option<usize>,
    },
    /// A `metadata:` or `certificate:` file that cannot be read.
    #[error("{origin}{}: {field}: cannot read {}: {error}", at(*.line, None), .path.display())]
    ReadReferenced {
        origin: String,
        line: Option<usize>,
        field: String,
        path: PathBuf,
        error: std::io::Error,
    },
    /// A `metadata:` file that is not usable SP metadata.
    #[error("{origin}{}: {field}: {}: {error}", at(*.line, None), .path.display())]
    Metadata {
        origin: String,
        line: Option<usize>,
        field: String,
        path: PathBuf,
        error: SpMetadataError,
    },
    /// A `certificate:` that is not an X.509 certificate; `source` is its file or "the inline
    /// PEM block".
    #[error("{origin}{}: {field}: {source_name} is not an X.509 certificate (PEM or DER): {problem}", at(*.line, None))]
    Certificate {
        origin: String,
        line: Option<usize>,
        field: String,
        source_name: String,
        problem: String,
    },
}

// ---- building one SP -------------------------------------------------------------------------

/// What every step needs to report a mistake and find a file: the registry's text and name,
/// the directory relative paths start from, and which entry of the list is being built.
struct Ctx<'a> {
    text: &'a str,
    origin: &'a str,
    base_dir: &'a Path,
    /// The entry's position under `service_providers:`.
    index: usize,
}

impl Ctx<'_> {
    /// The path of this entry (`service_providers[i]`), or of a field under it.
    fn here(&self, keys: &[&str]) -> Vec<PathStep> {
        let mut p = vec![
            PathStep::key("service_providers"),
            PathStep::Index(self.index),
        ];
        p.extend(keys.iter().map(|k| PathStep::key(k)));
        p
    }

    /// The line of the value at `path`, if it can be found.
    fn line(&self, path: &[PathStep]) -> Option<usize> {
        locate(self.text, path)
    }

    fn invalid(&self, path: &[PathStep], problem: impl Into<String>) -> SpsError {
        SpsError::Invalid {
            origin: self.origin.to_owned(),
            line: self.line(path),
            field: field_name(path),
            problem: problem.into(),
        }
    }
}

/// An SP as the steps lay their settings on, with where its entity ID and its ACS list came
/// from, for the messages about them.
struct Layered {
    sp: ServiceProvider,
    /// The field the entity ID came from.
    entity_id_at: Vec<PathStep>,
    acs_source: AcsSource,
    /// Where its logout URL came from, for messages about it.
    slo_source: SloSource,
}

/// Where an SP's ACS list came from, for messages about it.
enum AcsSource {
    None,
    Preset,
    Metadata,
    Explicit,
}

/// Where an SP's logout URL came from (the preset, when neither of the others gave one).
enum SloSource {
    Preset,
    Metadata,
    Field,
}

/// One entry: the preset first, then the metadata file, then each field written, which wins
/// over both; then the checks that a response can be delivered to the result.
fn build(ctx: &Ctx<'_>, mut raw: RawSp) -> Result<Layered, SpsError> {
    let mut layered = preset::apply(ctx, &mut raw)?;
    if let Some(file) = &raw.metadata {
        metadata::apply(ctx, file, &mut layered)?;
    }
    fields::apply(ctx, raw, &mut layered)?;
    deliverability::check(ctx, &layered)?;
    Ok(layered)
}
