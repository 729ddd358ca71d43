//! The service-provider registry file (`--sps`): the SPs this IdP knows, read once at start-up.
//!
//! ```yaml
//! service_providers:
//!   - entity_id: https://sp.example.com/metadata  # required unless a preset or metadata gives it
//!     name: Example SP                             # shown on pages
//!     preset: desk | deskpro | servicedesk-plus    # a help desk's settings; its parameters:
//!     site: mysite                                 #   desk: the site name
//!     host: support.example.com                    #   desk: a CNAME (default <site>.desk.com)
//!     helpdesk: https://acme.deskpro.com           #   deskpro: the base URL
//!     n: 1                                         #   deskpro: the SAML app number (default 1)
//!     org_id: "90000000000"                        #   servicedesk-plus: the Zoho org ID
//!     data_centre: com                             #   servicedesk-plus (default com)
//!     metadata: sp-metadata.xml                    # the SP's own metadata, relative to this file
//!     acs:                                         # replaces the preset's or metadata's
//!       - url: https://sp.example.com/acs
//!         binding: post                            # post | redirect | <binding URN>; default post
//!         index: 0
//!         default: true
//!     slo_url: https://sp.example.com/slo
//!     name_id: { format: email, source: email }
//!     audience: https://override.example.com
//!     sign: assertion | response | both | none
//!     signature_algorithm: rsa-sha256             # rsa-sha1 | rsa-sha256 | rsa-sha384 | rsa-sha512
//!     digest_algorithm: sha256                    # default: the signature algorithm's
//!     attributes: { drop: [locale], rename: { email: mail }, add: { tags: [a, b] } }
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
//! ```
//!
//! Settings are layered: the preset first, then the metadata file, then each field written
//! here, which wins over both. An encryption certificate from the metadata is kept for logins
//! and scenarios that ask for encryption; assertions are encrypted by default only when an
//! `encryption:` block is written. Under `attributes`, each of `drop`, `rename` and `add` that is
//! written replaces the list the preset gave; under `validity` and `name_id`, each sub-field
//! replaces only itself.
//!
//! As with the users file, every mistake is reported with the file, the line and the field
//! (`sps.yaml line 12: service_providers[1].sign: "maybe" is not one of assertion, response,
//! both, none`), since a start-up error is the only feedback the file's author gets. Shape
//! errors come from serde_yaml with their location; for the checks made afterwards the line is
//! found again by walking the document to the value (see [`locate`](super::yaml::locate)).

// Errors here are built at most once, at start-up, and carry the file, line and field that make
// them useful; their size costs nothing worth boxing them for.
#![allow(clippy::result_large_err)]

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use openssl::x509::X509;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use time::Duration;

use super::yaml::{self, at, field_name, locate, xml_problem, PathStep, ScalarText, Values};
use crate::saml::dsig::{DigestAlgorithm, SignatureAlgorithm};
use crate::saml::ns;
use crate::saml::presets::{self, Preset, PresetError, PresetParams};
use crate::saml::sp::{
    name_id_format_from_id, AcsEndpoint, NameIdSource, Registry, ResponseStyle, ServiceProvider,
    Sign,
};
use crate::saml::sp_metadata::{self, SpMetadataError};
use crate::saml::xmlenc::{DataEncryption, KeyTransport};

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
    let file = parse_file(text, origin)?;
    let ctx = Ctx {
        text,
        origin,
        base_dir,
    };
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
        let Built { sp, entity_id_at } = build(&ctx, i, raw)?;
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

// ---- the file as written -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with a `service_providers:` list"
)]
struct SpsFile {
    #[serde(default)]
    service_providers: Option<Vec<RawSp>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSp {
    #[serde(default)]
    entity_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    preset: Option<String>,
    #[serde(default)]
    site: Option<String>,
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    helpdesk: Option<String>,
    #[serde(default)]
    n: Option<u32>,
    #[serde(default)]
    org_id: Option<ScalarText>,
    #[serde(default)]
    data_centre: Option<String>,
    #[serde(default)]
    metadata: Option<String>,
    #[serde(default)]
    acs: Option<Vec<RawAcs>>,
    #[serde(default)]
    slo_url: Option<String>,
    #[serde(default)]
    name_id: Option<RawNameId>,
    #[serde(default)]
    audience: Option<String>,
    #[serde(default)]
    sign: Option<String>,
    #[serde(default)]
    signature_algorithm: Option<String>,
    #[serde(default)]
    digest_algorithm: Option<String>,
    #[serde(default)]
    attributes: Option<RawAttributeMap>,
    #[serde(default)]
    style: Option<String>,
    #[serde(default)]
    validity: Option<RawValidity>,
    #[serde(default)]
    authn_context: Option<String>,
    #[serde(default)]
    certificate: Option<String>,
    #[serde(default)]
    want_signed_requests: Option<bool>,
    #[serde(default)]
    encryption: Option<RawEncryption>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEncryption {
    #[serde(default)]
    certificate: Option<String>,
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    key_transport: Option<String>,
    #[serde(default)]
    enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAcs {
    url: String,
    #[serde(default)]
    binding: Option<String>,
    #[serde(default)]
    index: Option<u16>,
    #[serde(default)]
    default: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNameId {
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttributeMap {
    #[serde(default)]
    drop: Option<Vec<String>>,
    #[serde(default)]
    rename: Option<Pairs<ScalarText>>,
    #[serde(default)]
    add: Option<Pairs<Values>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawValidity {
    #[serde(default)]
    assertion_seconds: Option<u32>,
    #[serde(default)]
    confirmation_seconds: Option<u32>,
    #[serde(default)]
    not_before_skew_seconds: Option<u32>,
    #[serde(default)]
    session_seconds: Option<u32>,
}

/// A mapping read in file order (a map type would lose it), repeated keys kept so they can be
/// reported.
struct Pairs<V>(Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Pairs<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for PairsVisitor<V> {
            type Value = Pairs<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping from attribute name to value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(ScalarText(name)) = map.next_key()? {
                    pairs.push((name, map.next_value()?));
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor(std::marker::PhantomData))
    }
}

fn parse_file(text: &str, origin: &str) -> Result<SpsFile, SpsError> {
    if yaml::is_empty_document(text) {
        return Err(SpsError::Empty {
            origin: origin.to_owned(),
            line: None,
        });
    }
    yaml::from_str(text).map_err(|e| SpsError::Syntax {
        origin: origin.to_owned(),
        line: e.line,
        column: e.column,
        message: e.message,
    })
}

// ---- building one SP -------------------------------------------------------------------------

/// The allowed words of each enumerated field, in the order messages list them.
const SIGN_IDS: [&str; 4] = ["assertion", "response", "both", "none"];
const NAME_ID_FORMAT_IDS: &str = "email, persistent, transient, unspecified, x509 or a URN";
const NAME_ID_SOURCE_IDS: &str = "email, id, persistent, transient or attribute:<name>";
const BINDING_IDS: &str = "post, redirect or a binding URN";

struct Ctx<'a> {
    text: &'a str,
    origin: &'a str,
    base_dir: &'a Path,
}

impl Ctx<'_> {
    fn invalid(&self, path: &[PathStep], problem: impl Into<String>) -> SpsError {
        SpsError::Invalid {
            origin: self.origin.to_owned(),
            line: locate(self.text, path),
            field: field_name(path),
            problem: problem.into(),
        }
    }
}

struct Built {
    sp: ServiceProvider,
    /// The field the entity ID came from.
    entity_id_at: Vec<PathStep>,
}

/// Where an SP's ACS list came from, for messages about it.
enum AcsSource {
    None,
    Preset,
    Metadata,
    Explicit,
}

fn build(ctx: &Ctx<'_>, i: usize, raw: RawSp) -> Result<Built, SpsError> {
    let here = |steps: &[&str]| -> Vec<PathStep> {
        let mut p = vec![PathStep::key("service_providers"), PathStep::Index(i)];
        p.extend(steps.iter().map(|s| PathStep::key(s)));
        p
    };
    let item = here(&[]);

    // 1. The preset.
    let params = PresetParams {
        site: raw.site,
        host: raw.host,
        helpdesk: raw.helpdesk,
        n: raw.n,
        org_id: raw.org_id.map(|t| t.0),
        data_centre: raw.data_centre,
    };
    let mut entity_id_at = item.clone();
    let mut acs_source = AcsSource::None;
    let mut sp = match &raw.preset {
        None => {
            if let Some(param) = params.given().first() {
                let owner = Preset::taking(param).map_or("", Preset::id);
                return Err(ctx.invalid(
                    &here(&[param]),
                    format!("`{param}` is a parameter of the {owner} preset: add `preset: {owner}`, or remove it"),
                ));
            }
            ServiceProvider::new("")
        }
        Some(id) => {
            let preset = Preset::from_id(id).ok_or_else(|| {
                let mut ids: Vec<_> = Preset::ALL.iter().map(|p| p.id()).collect();
                ids.sort_unstable();
                ctx.invalid(
                    &here(&["preset"]),
                    format!("{id:?} is not one of {}", ids.join(", ")),
                )
            })?;
            let sp = presets::service_provider(preset, &params).map_err(|e| {
                // A missing parameter has no line of its own; the preset's is the nearest.
                let path = match e {
                    PresetError::Missing { .. } => here(&["preset"]),
                    _ => here(&[e.parameter()]),
                };
                ctx.invalid(&path, e.to_string())
            })?;
            entity_id_at = here(&["preset"]);
            acs_source = AcsSource::Preset;
            sp
        }
    };

    // 2. The SP's own metadata.
    if let Some(file) = &raw.metadata {
        let at = here(&["metadata"]);
        if file.starts_with("http://") || file.starts_with("https://") {
            return Err(ctx.invalid(
                &at,
                "metadata is read from a file, not fetched: save the SP's metadata and give its path",
            ));
        }
        let path = ctx.base_dir.join(file);
        let xml = super::files::read_text(&path).map_err(|error| SpsError::ReadReferenced {
            origin: ctx.origin.to_owned(),
            line: locate(ctx.text, &at),
            field: field_name(&at),
            path: path.clone(),
            error,
        })?;
        let md = sp_metadata::parse(&xml).map_err(|error| SpsError::Metadata {
            origin: ctx.origin.to_owned(),
            line: locate(ctx.text, &at),
            field: field_name(&at),
            path: path.clone(),
            error,
        })?;
        let from_md = md.to_service_provider();
        sp.entity_id = from_md.entity_id;
        if !from_md.acs.is_empty() {
            sp.acs = from_md.acs;
            acs_source = AcsSource::Metadata;
        }
        if from_md.slo_url.is_some() {
            sp.slo_url = from_md.slo_url;
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
        entity_id_at = at;
    }

    // 3. Each field written.
    if let Some(id) = raw.entity_id {
        let at = here(&["entity_id"]);
        check_text(ctx, &at, &id)?;
        sp.entity_id = id;
        entity_id_at = at;
    }
    if sp.entity_id.is_empty() {
        return Err(ctx.invalid(
            &item,
            "no entity_id: give `entity_id`, a `preset` or a `metadata` file",
        ));
    }
    if let Some(name) = raw.name {
        check_text(ctx, &here(&["name"]), &name)?;
        sp.name = Some(name);
    }
    if let Some(list) = raw.acs {
        let mut acs = Vec::with_capacity(list.len());
        for (j, a) in list.into_iter().enumerate() {
            let at = |k: &str| {
                let mut p = here(&["acs"]);
                p.extend([PathStep::Index(j), PathStep::key(k)]);
                p
            };
            let binding = match a.binding.as_deref() {
                None | Some("post") => ns::binding::HTTP_POST.to_owned(),
                Some("redirect") => ns::binding::HTTP_REDIRECT.to_owned(),
                Some(urn) if urn.starts_with("urn:") => urn.to_owned(),
                Some(other) => {
                    return Err(ctx.invalid(
                        &at("binding"),
                        format!("{other:?} is not one of {BINDING_IDS}"),
                    ))
                }
            };
            acs.push(AcsEndpoint {
                url: a.url,
                binding,
                index: a.index,
                is_default: a.default,
            });
        }
        sp.acs = acs;
        acs_source = AcsSource::Explicit;
    }
    if let Some(url) = raw.slo_url {
        let at = here(&["slo_url"]);
        if let Some(problem) = http_url_problem(&url) {
            return Err(ctx.invalid(&at, format!("{url:?} {problem}")));
        }
        sp.slo_url = Some(url);
    }
    if let Some(rule) = raw.name_id {
        if let Some(f) = rule.format {
            let format = name_id_format_from_id(&f)
                .map(str::to_owned)
                .or_else(|| f.starts_with("urn:").then(|| f.clone()))
                .ok_or_else(|| {
                    ctx.invalid(
                        &here(&["name_id", "format"]),
                        format!("{f:?} is not one of {NAME_ID_FORMAT_IDS}"),
                    )
                })?;
            sp.name_id.format = Some(format);
        }
        if let Some(s) = rule.source {
            let source = NameIdSource::parse(&s).ok_or_else(|| {
                ctx.invalid(
                    &here(&["name_id", "source"]),
                    format!("{s:?} is not one of {NAME_ID_SOURCE_IDS}"),
                )
            })?;
            sp.name_id.source = Some(source);
        }
    }
    if let Some(audience) = raw.audience {
        check_text(ctx, &here(&["audience"]), &audience)?;
        sp.audience = Some(audience);
    }
    if let Some(s) = raw.sign {
        sp.sign = Sign::from_id(&s)
            .ok_or_else(|| ctx.invalid(&here(&["sign"]), not_one_of(&s, &SIGN_IDS)))?;
    }
    if let Some(s) = raw.signature_algorithm {
        let alg = SignatureAlgorithm::from_id(&s).ok_or_else(|| {
            let ids: Vec<_> = SignatureAlgorithm::ALL.iter().map(|a| a.id()).collect();
            ctx.invalid(&here(&["signature_algorithm"]), not_one_of(&s, &ids))
        })?;
        sp.algorithms.signature = alg;
        // A digest of the same strength, unless one is written too (below).
        sp.algorithms.digest = alg.matching_digest();
    }
    if let Some(d) = raw.digest_algorithm {
        sp.algorithms.digest = DigestAlgorithm::from_id(&d).ok_or_else(|| {
            let ids: Vec<_> = DigestAlgorithm::ALL.iter().map(|a| a.id()).collect();
            ctx.invalid(&here(&["digest_algorithm"]), not_one_of(&d, &ids))
        })?;
    }
    if let Some(map) = raw.attributes {
        apply_attributes(ctx, &here(&["attributes"]), map, &mut sp)?;
    }
    if let Some(s) = raw.style {
        sp.style = ResponseStyle::from_id(&s).ok_or_else(|| {
            let ids: Vec<_> = ResponseStyle::ALL.iter().map(|s| s.id()).collect();
            ctx.invalid(&here(&["style"]), not_one_of(&s, &ids))
        })?;
    }
    if let Some(v) = raw.validity {
        let seconds = |name: &str, value: Option<u32>, zero_ok: bool| match value {
            Some(0) if !zero_ok => Err(ctx.invalid(
                &here(&["validity", name]),
                "must be at least 1 second: an assertion valid for no time cannot be accepted",
            )),
            Some(s) => Ok(Some(Duration::seconds(i64::from(s)))),
            None => Ok(None),
        };
        if let Some(d) = seconds("assertion_seconds", v.assertion_seconds, false)? {
            sp.validity.assertion = d;
        }
        if let Some(d) = seconds("confirmation_seconds", v.confirmation_seconds, false)? {
            sp.validity.confirmation = d;
        }
        // No backdating at all is a fair choice for an SP with an exact clock.
        if let Some(d) = seconds("not_before_skew_seconds", v.not_before_skew_seconds, true)? {
            sp.validity.not_before_skew = d;
        }
        if let Some(d) = seconds("session_seconds", v.session_seconds, false)? {
            sp.validity.session = d;
        }
    }
    if let Some(c) = raw.authn_context {
        let at = here(&["authn_context"]);
        check_text(ctx, &at, &c)?;
        if c.contains(char::is_whitespace) {
            return Err(ctx.invalid(
                &at,
                format!("{c:?} is not a URI: an AuthnContextClassRef has no spaces"),
            ));
        }
        sp.authn_context = Some(c);
    }
    if let Some(c) = raw.certificate {
        sp.certificate = Some(certificate(ctx, &here(&["certificate"]), &c)?);
    }
    if let Some(want) = raw.want_signed_requests {
        sp.authn_requests_signed = want;
    }
    if let Some(e) = raw.encryption {
        apply_encryption(ctx, &here(&["encryption"]), e, &mut sp)?;
    }

    // 4. The result must be an SP a response can be delivered to.
    let acs_at = match acs_source {
        AcsSource::Explicit => here(&["acs"]),
        AcsSource::Metadata => here(&["metadata"]),
        AcsSource::Preset => here(&["preset"]),
        AcsSource::None => item.clone(),
    };
    let explicit = matches!(acs_source, AcsSource::Explicit);
    let endpoint_at = |j: usize, k: &str| {
        if explicit {
            let mut p = here(&["acs"]);
            p.extend([PathStep::Index(j), PathStep::key(k)]);
            p
        } else {
            acs_at.clone()
        }
    };
    let mut indexes: HashMap<u16, usize> = HashMap::new();
    for (j, e) in sp.acs.iter().enumerate() {
        if let Some(problem) = http_url_problem(&e.url) {
            let what = if explicit {
                format!("{:?} {problem}", e.url)
            } else {
                format!("AssertionConsumerService {:?} {problem}", e.url)
            };
            return Err(ctx.invalid(&endpoint_at(j, "url"), what));
        }
        if let Some(index) = e.index {
            if let Some(first) = indexes.insert(index, j) {
                let first_line = if explicit {
                    at(locate(ctx.text, &endpoint_at(first, "index")), None)
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
    Ok(Built { sp, entity_id_at })
}

fn apply_attributes(
    ctx: &Ctx<'_>,
    at: &[PathStep],
    map: RawAttributeMap,
    sp: &mut ServiceProvider,
) -> Result<(), SpsError> {
    let under = |steps: &[PathStep]| -> Vec<PathStep> {
        let mut p = at.to_vec();
        p.extend_from_slice(steps);
        p
    };
    if let Some(drop) = map.drop {
        for (k, name) in drop.iter().enumerate() {
            check_text(
                ctx,
                &under(&[PathStep::key("drop"), PathStep::Index(k)]),
                name,
            )?;
        }
        sp.attributes.drop = drop;
    }
    if let Some(Pairs(rename)) = map.rename {
        let mut out: Vec<(String, String)> = Vec::with_capacity(rename.len());
        for (from, ScalarText(to)) in rename {
            let occurrence = out.iter().filter(|(f, _)| *f == from).count();
            let here = under(&[
                PathStep::key("rename"),
                PathStep::Key(from.clone(), occurrence),
            ]);
            if occurrence > 0 {
                return Err(ctx.invalid(&here, "the attribute is renamed twice"));
            }
            check_text(ctx, &here, &from)?;
            check_text(ctx, &here, &to)?;
            out.push((from, to));
        }
        sp.attributes.rename = out;
    }
    if let Some(Pairs(add)) = map.add {
        let mut out: Vec<(String, Vec<String>)> = Vec::with_capacity(add.len());
        for (name, Values(values)) in add {
            let occurrence = out.iter().filter(|(n, _)| *n == name).count();
            let here = under(&[
                PathStep::key("add"),
                PathStep::Key(name.clone(), occurrence),
            ]);
            if occurrence > 0 {
                return Err(ctx.invalid(&here, "the attribute is listed twice"));
            }
            check_text(ctx, &here, &name)?;
            for v in &values {
                if let Some(problem) = xml_problem(v) {
                    return Err(ctx.invalid(&here, problem));
                }
            }
            out.push((name, values));
        }
        sp.attributes.add = out;
    }
    Ok(())
}

/// The encryption algorithms a registry may choose: the legacy ones exist only as scenarios.
const DATA_IDS: [&str; 4] = ["aes128-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm"];
const KEY_TRANSPORT_IDS: [&str; 2] = ["rsa-oaep-mgf1p", "rsa-oaep"];

fn apply_encryption(
    ctx: &Ctx<'_>,
    at: &[PathStep],
    raw: RawEncryption,
    sp: &mut ServiceProvider,
) -> Result<(), SpsError> {
    let under = |k: &str| -> Vec<PathStep> {
        let mut p = at.to_vec();
        p.push(PathStep::key(k));
        p
    };
    if let Some(c) = raw.certificate {
        let der = certificate(ctx, &under("certificate"), &c)?;
        let is_rsa = X509::from_der(&der)
            .ok()
            .and_then(|c| c.public_key().ok())
            .is_some_and(|k| k.rsa().is_ok());
        if !is_rsa {
            return Err(ctx.invalid(
                &under("certificate"),
                "the certificate's key is not RSA: encrypted assertions carry their key with RSA-OAEP, so the SP's encryption certificate must hold an RSA key",
            ));
        }
        sp.encryption.certificate = Some(der);
    }
    if sp.encryption.certificate.is_none() {
        return Err(ctx.invalid(
            at,
            "no encryption certificate: give `certificate` (a PEM or DER file, or an inline PEM block), or a `metadata` file with a KeyDescriptor use=\"encryption\"",
        ));
    }
    if let Some(d) = raw.data {
        sp.encryption.data = DataEncryption::from_id(&d)
            .filter(|a| !a.is_legacy())
            .ok_or_else(|| ctx.invalid(&under("data"), not_one_of(&d, &DATA_IDS)))?;
    }
    if let Some(k) = raw.key_transport {
        sp.encryption.key_transport = KeyTransport::from_id(&k)
            .filter(|a| !a.is_legacy())
            .ok_or_else(|| {
                ctx.invalid(&under("key_transport"), not_one_of(&k, &KEY_TRANSPORT_IDS))
            })?;
    }
    sp.encryption.enabled = raw.enabled.unwrap_or(true);
    Ok(())
}

/// `certificate:` as an inline PEM block, or the path of a PEM or DER file; the DER is kept.
fn certificate(ctx: &Ctx<'_>, at: &[PathStep], value: &str) -> Result<Vec<u8>, SpsError> {
    let bad = |source_name: String, problem: String| SpsError::Certificate {
        origin: ctx.origin.to_owned(),
        line: locate(ctx.text, at),
        field: field_name(at),
        source_name,
        problem,
    };
    let parsed = if value.contains("-----BEGIN") {
        X509::from_pem(value.as_bytes())
            .map_err(|e| bad("the inline PEM block".into(), e.to_string()))?
    } else {
        let path = ctx.base_dir.join(value.trim());
        let bytes = std::fs::read(&path).map_err(|error| SpsError::ReadReferenced {
            origin: ctx.origin.to_owned(),
            line: locate(ctx.text, at),
            field: field_name(at),
            path: path.clone(),
            error,
        })?;
        let name = path.display().to_string();
        if bytes.windows(10).any(|w| w == b"-----BEGIN") {
            X509::from_pem(&bytes).map_err(|e| bad(name, e.to_string()))?
        } else {
            X509::from_der(&bytes).map_err(|e| bad(name, e.to_string()))?
        }
    };
    parsed
        .to_der()
        .map_err(|e| bad("the certificate".into(), e.to_string()))
}

fn not_one_of(value: &str, allowed: &[&str]) -> String {
    format!("{value:?} is not one of {}", allowed.join(", "))
}

/// Text that ends up in a response: present, not blank, and something XML can carry.
fn check_text(ctx: &Ctx<'_>, at: &[PathStep], value: &str) -> Result<(), SpsError> {
    if value.trim().is_empty() {
        return Err(ctx.invalid(at, "must not be empty"));
    }
    match xml_problem(value) {
        Some(problem) => Err(ctx.invalid(at, problem)),
        None => Ok(()),
    }
}

/// Responses are posted from the browser, so endpoints must be absolute http(s) URLs.
fn http_url_problem(url: &str) -> Option<&'static str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    match rest {
        None => Some("is not an absolute http(s) URL"),
        Some(r) if r.is_empty() || r.starts_with('/') => {
            Some("is not an absolute http(s) URL: it has no host")
        }
        Some(_) if url.contains(char::is_whitespace) => Some("is not a URL: it contains a space"),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::dsig::Algorithms;
    use crate::saml::sp::Validity;

    fn repo() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn fixtures() -> PathBuf {
        repo().join("tests/fixtures/sp-metadata")
    }

    fn ok(text: &str) -> Registry {
        match parse(text, "sps.yaml", &fixtures()) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }

    fn err(text: &str) -> String {
        parse(text, "sps.yaml", &fixtures())
            .unwrap_err()
            .to_string()
    }

    fn assert_has(msg: &str, parts: &[&str]) {
        for p in parts {
            assert!(msg.contains(p), "{p:?} not in {msg:?}");
        }
    }

    fn der(pem_file: &str) -> Vec<u8> {
        let pem = std::fs::read(fixtures().join("keys").join(pem_file)).unwrap();
        X509::from_pem(&pem).unwrap().to_der().unwrap()
    }

    const PLAIN: &str = "\
service_providers:
  - entity_id: https://sp.example.com/metadata
    acs:
      - url: https://sp.example.com/acs
";

    /// One SP whose other fields are `extra` (indented by four spaces).
    fn one(extra: &str) -> String {
        format!("{PLAIN}{extra}")
    }

    #[test]
    fn plain_sp_takes_defaults() {
        let r = ok(PLAIN);
        let sp = r.get("https://sp.example.com/metadata").unwrap();
        let mut expected = ServiceProvider::new("https://sp.example.com/metadata");
        expected.acs = vec![AcsEndpoint {
            url: "https://sp.example.com/acs".into(),
            binding: ns::binding::HTTP_POST.into(),
            index: None,
            is_default: None,
        }];
        assert_eq!(sp, &expected);
    }

    #[test]
    fn every_field() {
        let text = r#"
service_providers:
  - entity_id: https://sp.example.com/metadata
    name: Example SP
    acs:
      - url: https://sp.example.com/acs
        index: 0
        default: true
      - url: https://sp.example.com/acs-redirect
        binding: redirect
        index: 1
      - url: https://sp.example.com/paos
        binding: urn:oasis:names:tc:SAML:2.0:bindings:PAOS
        index: 2
    slo_url: https://sp.example.com/slo
    name_id: { format: persistent, source: "attribute:employee_id" }
    audience: https://override.example.com
    sign: response
    signature_algorithm: rsa-sha512
    digest_algorithm: sha1
    attributes:
      drop: [locale]
      rename: { email: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", displayName: name }
      add: { department: Support, tags: [a, b], level: 3 }
    style: adfs
    validity: { assertion_seconds: 3600, confirmation_seconds: 60, not_before_skew_seconds: 0, session_seconds: 600 }
    authn_context: urn:federation:authentication:windows
    certificate: keys/python-sp.crt
"#;
        let r = ok(text);
        let sp = &r.all()[0];
        assert_eq!(sp.name.as_deref(), Some("Example SP"));
        let acs: Vec<_> = sp
            .acs
            .iter()
            .map(|e| (e.url.as_str(), e.binding.as_str(), e.index, e.is_default))
            .collect();
        assert_eq!(
            acs,
            [
                (
                    "https://sp.example.com/acs",
                    ns::binding::HTTP_POST,
                    Some(0),
                    Some(true)
                ),
                (
                    "https://sp.example.com/acs-redirect",
                    ns::binding::HTTP_REDIRECT,
                    Some(1),
                    None
                ),
                (
                    "https://sp.example.com/paos",
                    "urn:oasis:names:tc:SAML:2.0:bindings:PAOS",
                    Some(2),
                    None
                ),
            ]
        );
        assert_eq!(sp.slo_url.as_deref(), Some("https://sp.example.com/slo"));
        assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::PERSISTENT));
        assert_eq!(
            sp.name_id.source,
            Some(NameIdSource::Attribute("employee_id".into()))
        );
        assert_eq!(sp.audience.as_deref(), Some("https://override.example.com"));
        assert_eq!(sp.sign, Sign::Response);
        assert_eq!(
            sp.algorithms,
            Algorithms {
                signature: SignatureAlgorithm::RsaSha512,
                digest: DigestAlgorithm::Sha1
            }
        );
        assert_eq!(sp.attributes.drop, ["locale"]);
        assert_eq!(
            sp.attributes.rename,
            [
                (
                    "email".to_owned(),
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress".to_owned()
                ),
                ("displayName".to_owned(), "name".to_owned())
            ]
        );
        let add: Vec<_> = sp
            .attributes
            .add
            .iter()
            .map(|(n, v)| (n.as_str(), v.join("|")))
            .collect();
        assert_eq!(
            add,
            [
                ("department", "Support".into()),
                ("tags", "a|b".into()),
                ("level", "3".into())
            ]
        );
        assert_eq!(sp.style, ResponseStyle::Adfs);
        assert_eq!(
            sp.validity,
            Validity {
                assertion: Duration::hours(1),
                confirmation: Duration::minutes(1),
                not_before_skew: Duration::ZERO,
                session: Duration::minutes(10),
            }
        );
        assert_eq!(sp.authn_context.as_deref(), Some(ns::AC_WINDOWS));
        assert_eq!(sp.certificate, Some(der("python-sp.crt")));
    }

    #[test]
    fn digest_follows_the_signature_algorithm_unless_written() {
        let sp = ok(&one("    signature_algorithm: rsa-sha1\n")).all()[0].clone();
        assert_eq!(sp.algorithms, Algorithms::from(SignatureAlgorithm::RsaSha1));
        let sp = ok(&one("    digest_algorithm: sha512\n")).all()[0].clone();
        assert_eq!(sp.algorithms.signature, SignatureAlgorithm::default());
        assert_eq!(sp.algorithms.digest, DigestAlgorithm::Sha512);
    }

    #[test]
    fn presets_from_yaml() {
        let text = r#"service_providers:
  - preset: desk
    site: mysite
  - preset: deskpro
    helpdesk: https://acme.deskpro.com
    n: 2
  - preset: servicedesk-plus
    org_id: 90000000000
    data_centre: eu
"#;
        let r = ok(text);
        let ids: Vec<_> = r.all().iter().map(|sp| sp.entity_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "mysite",
                "https://acme.deskpro.com/saml/metadata/2.xml",
                "zoho.eu"
            ]
        );
        let zoho = r.get("zoho.eu").unwrap();
        assert_eq!(
            zoho.acs[0].url,
            "https://accounts.zoho.eu/signin/samlsp/90000000000"
        );
        assert_eq!(zoho.style, ResponseStyle::Adfs);
        assert_eq!(zoho.name.as_deref(), Some("ServiceDesk Plus (Zoho)"));
    }

    #[test]
    fn layering_preset_then_metadata_then_fields() {
        // The preset says ADFS style and email NameID; the metadata replaces the entity ID,
        // ACS and certificate; the fields written win over both.
        let text = r#"service_providers:
  - preset: servicedesk-plus
    org_id: "123"
    metadata: node-saml.xml
    sign: both
    validity: { confirmation_seconds: 30 }
    name_id: { source: id }
"#;
        let sp = ok(text).all()[0].clone();
        assert_eq!(sp.entity_id, "https://node-sp.example/metadata");
        assert_eq!(sp.acs[0].url, "https://node-sp.example/acs");
        assert_eq!(sp.certificate, Some(der("node-sp-signing.crt")));
        assert!(sp.authn_requests_signed);
        assert_eq!(sp.name.as_deref(), Some("ServiceDesk Plus (Zoho)"));
        assert_eq!(sp.style, ResponseStyle::Adfs);
        assert_eq!(sp.sign, Sign::Both);
        assert_eq!(sp.validity.assertion, Duration::hours(1));
        assert_eq!(sp.validity.confirmation, Duration::seconds(30));
        assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
        assert_eq!(sp.name_id.source, Some(NameIdSource::Id));

        // An explicit entity ID and ACS list win over the metadata's; an explicit certificate
        // over its KeyDescriptor.
        let text = r#"service_providers:
  - metadata: python3-saml.xml
    entity_id: https://renamed.example/metadata
    acs: [{ url: "https://renamed.example/acs" }]
    certificate: keys/node-sp-encryption.crt
"#;
        let sp = ok(text).all()[0].clone();
        assert_eq!(sp.entity_id, "https://renamed.example/metadata");
        assert_eq!(sp.acs.len(), 1);
        assert_eq!(sp.acs[0].url, "https://renamed.example/acs");
        assert_eq!(sp.certificate, Some(der("node-sp-encryption.crt")));
        assert_eq!(sp.slo_url.as_deref(), Some("https://python-sp.example/sls"));
    }

    #[test]
    fn preset_attributes_are_replaced_per_list() {
        let text = r#"service_providers:
  - preset: deskpro
    helpdesk: https://acme.deskpro.com
    attributes: { add: { team: L1 } }
  - preset: deskpro
    helpdesk: https://acme.deskpro.com
    n: 2
    attributes: { rename: { displayName: full_name } }
"#;
        let r = ok(text);
        let first = &r.all()[0].attributes;
        assert_eq!(first.rename.len(), 3, "the preset's renames stay");
        assert_eq!(first.add, [("team".to_owned(), vec!["L1".to_owned()])]);
        let second = &r.all()[1].attributes;
        assert_eq!(
            second.rename,
            [("displayName".to_owned(), "full_name".to_owned())]
        );
    }

    #[test]
    fn metadata_fills_the_sp() {
        let sp = ok("service_providers:\n  - metadata: python3-saml.xml\n").all()[0].clone();
        assert_eq!(sp.entity_id, "https://python-sp.example/metadata");
        assert_eq!(
            sp.default_acs().map(|e| e.url.as_str()),
            Some("https://python-sp.example/acs")
        );
        assert_eq!(sp.certificate, Some(der("python-sp.crt")));
        assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
        assert!(sp.want_assertions_signed);
        assert_eq!(sp.name, None);
    }

    #[test]
    fn relative_paths_are_taken_from_the_file_s_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::copy(
            fixtures().join("node-saml.xml"),
            dir.path().join("sub/md.xml"),
        )
        .unwrap();
        let yaml = dir.path().join("sps.yaml");
        std::fs::write(&yaml, "service_providers:\n  - metadata: sub/md.xml\n").unwrap();
        let r = load(&yaml).unwrap();
        assert!(r.get("https://node-sp.example/metadata").is_some());
    }

    #[test]
    fn metadata_errors_name_both_files() {
        let msg = err("service_providers:\n  - metadata: missing.xml\n");
        assert_has(
            &msg,
            &[
                "sps.yaml line 2: service_providers[0].metadata: cannot read ",
                "missing.xml",
                "os error",
            ],
        );
        let dir = tempfile::tempdir().unwrap();
        let md = dir.path().join("bad.xml");
        std::fs::write(
            &md,
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"/></md:SPSSODescriptor></md:EntityDescriptor>"#,
        )
        .unwrap();
        let e = parse(
            "service_providers:\n  - metadata: bad.xml\n",
            "sps.yaml",
            dir.path(),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "sps.yaml line 2: service_providers[0].metadata: {}: AssertionConsumerService #1 has no Location",
                md.display()
            )
        );
        let msg = err("service_providers:\n  - metadata: https://sp.example.com/metadata\n");
        assert_has(&msg, &["line 2", "not fetched"]);
    }

    #[test]
    fn want_signed_requests_overrides_the_metadata() {
        assert!(!ok(PLAIN).all()[0].authn_requests_signed);
        let sp = ok(&one("    want_signed_requests: true\n")).all()[0].clone();
        assert!(sp.authn_requests_signed);
        // node-saml.xml says AuthnRequestsSigned="true"; the field written wins.
        let text =
            "service_providers:\n  - metadata: node-saml.xml\n    want_signed_requests: false\n";
        assert!(!ok(text).all()[0].authn_requests_signed);
        assert_has(
            &err(&one("    want_signed_requests: maybe\n")),
            &["want_signed_requests"],
        );
    }

    #[test]
    fn certificate_inline_pem_and_files() {
        let pem = std::fs::read_to_string(fixtures().join("keys/node-sp-signing.crt")).unwrap();
        let indented: String = pem.lines().map(|l| format!("      {l}\n")).collect();
        let sp = ok(&one(&format!("    certificate: |\n{indented}"))).all()[0].clone();
        assert_eq!(sp.certificate, Some(der("node-sp-signing.crt")));

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sp.der"), der("python-sp.crt")).unwrap();
        let sp = parse(&one("    certificate: sp.der\n"), "sps.yaml", dir.path()).unwrap();
        assert_eq!(sp.all()[0].certificate, Some(der("python-sp.crt")));
    }

    #[test]
    fn encryption_block_certificate_algorithms_and_switch() {
        use crate::saml::sp::Encryption;
        let sp = ok(&one(
            "    encryption:\n      certificate: keys/node-sp-encryption.crt\n      data: aes128-gcm\n      key_transport: rsa-oaep\n",
        ))
        .all()[0]
            .clone();
        assert_eq!(
            sp.encryption,
            Encryption {
                certificate: Some(der("node-sp-encryption.crt")),
                data: DataEncryption::Aes128Gcm,
                key_transport: KeyTransport::RsaOaep,
                enabled: true,
            }
        );
        let pem = std::fs::read_to_string(fixtures().join("keys/python-sp.crt")).unwrap();
        let indented: String = pem.lines().map(|l| format!("        {l}\n")).collect();
        let sp = ok(&one(&format!(
            "    encryption:\n      enabled: false\n      certificate: |\n{indented}"
        )))
        .all()[0]
            .clone();
        assert_eq!(sp.encryption.certificate, Some(der("python-sp.crt")));
        assert!(!sp.encryption.enabled);
        assert_eq!(sp.encryption.data, DataEncryption::Aes256Cbc);
        assert_eq!(sp.encryption.key_transport, KeyTransport::RsaOaepMgf1p);
    }

    #[test]
    fn metadata_gives_the_encryption_certificate_and_an_empty_block_switches_it_on() {
        let from_md = |extra: &str| {
            ok(&format!(
                "service_providers:\n  - metadata: node-saml.xml\n{extra}"
            ))
            .all()[0]
                .clone()
                .encryption
        };
        let e = from_md("");
        assert_eq!(e.certificate, Some(der("node-sp-encryption.crt")));
        assert_eq!(e.data, DataEncryption::Aes256Gcm);
        assert!(!e.enabled);
        let e = from_md("    encryption: {}\n");
        assert!(e.enabled);
        assert_eq!(e.data, DataEncryption::Aes256Gcm);
        let e = from_md("    encryption: { data: aes256-cbc }\n");
        assert_eq!(e.data, DataEncryption::Aes256Cbc);
        assert!(e.enabled);
    }

    #[test]
    fn encryption_errors_say_what_to_give() {
        let msg = err(&one("    encryption: { data: aes256-gcm }\n"));
        assert_has(
            &msg,
            &[
                "sps.yaml line 5: service_providers[0].encryption: no encryption certificate",
                "`certificate`",
                "KeyDescriptor use=\"encryption\"",
            ],
        );
        let with_cert = |more: &str| {
            err(&one(&format!(
                "    encryption:\n      certificate: keys/python-sp.crt\n{more}"
            )))
        };
        assert_has(
            &with_cert("      data: tripledes-cbc\n"),
            &[
                "line 7",
                "service_providers[0].encryption.data: \"tripledes-cbc\" is not one of aes128-cbc, aes256-cbc, aes128-gcm, aes256-gcm",
            ],
        );
        assert_has(
            &with_cert("      key_transport: rsa-1_5\n"),
            &[
                "line 7",
                "service_providers[0].encryption.key_transport: \"rsa-1_5\" is not one of rsa-oaep-mgf1p, rsa-oaep",
            ],
        );
        assert_has(
            &with_cert("      key: x\n"),
            &["line 7", "unknown field `key`"],
        );
        let msg = err(&one("    encryption:\n      certificate: nope.crt\n"));
        assert_has(
            &msg,
            &[
                "line 6",
                "service_providers[0].encryption.certificate",
                "cannot read",
            ],
        );
    }

    #[test]
    fn an_encryption_certificate_must_hold_an_rsa_key() {
        let dir = tempfile::tempdir().unwrap();
        let group =
            openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
        let key = openssl::pkey::PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap())
            .unwrap();
        let mut b = openssl::x509::X509Builder::new().unwrap();
        b.set_pubkey(&key).unwrap();
        let now = openssl::asn1::Asn1Time::days_from_now(0).unwrap();
        b.set_not_before(&now).unwrap();
        b.set_not_after(&now).unwrap();
        b.sign(&key, openssl::hash::MessageDigest::sha256())
            .unwrap();
        std::fs::write(dir.path().join("ec.crt"), b.build().to_pem().unwrap()).unwrap();
        let msg = parse(
            &one("    encryption:\n      certificate: ec.crt\n"),
            "sps.yaml",
            dir.path(),
        )
        .unwrap_err()
        .to_string();
        assert_has(
            &msg,
            &[
                "line 6",
                "service_providers[0].encryption.certificate: the certificate's key is not RSA",
            ],
        );
    }

    #[test]
    fn bad_certificates_name_their_source() {
        let msg = err(&one(
            "    certificate: |\n      -----BEGIN CERTIFICATE-----\n      AAAA\n      -----END CERTIFICATE-----\n",
        ));
        assert_has(
            &msg,
            &[
                "sps.yaml line 5: service_providers[0].certificate: the inline PEM block is not an X.509 certificate",
            ],
        );
        let msg = err(&one("    certificate: keys/python-sp.key\n"));
        assert_has(
            &msg,
            &[
                "line 5",
                "service_providers[0].certificate",
                "python-sp.key is not an X.509 certificate",
            ],
        );
        let msg = err(&one("    certificate: nope.crt\n"));
        assert_has(&msg, &["line 5", "cannot read", "nope.crt", "os error"]);
    }

    #[test]
    fn unknown_enum_values_list_the_allowed_ones() {
        let cases = [
            (
                "    sign: maybe\n",
                r#"sps.yaml line 5: service_providers[0].sign: "maybe" is not one of assertion, response, both, none"#,
            ),
            (
                "    style: okta\n",
                r#"sps.yaml line 5: service_providers[0].style: "okta" is not one of standard, adfs"#,
            ),
            (
                "    signature_algorithm: rsa-md5\n",
                r#"sps.yaml line 5: service_providers[0].signature_algorithm: "rsa-md5" is not one of rsa-sha1, rsa-sha256, rsa-sha384, rsa-sha512, ecdsa-sha256"#,
            ),
            (
                "    digest_algorithm: md5\n",
                r#"sps.yaml line 5: service_providers[0].digest_algorithm: "md5" is not one of sha1, sha256, sha384, sha512"#,
            ),
            (
                "    name_id:\n      format: mail\n",
                r#"sps.yaml line 6: service_providers[0].name_id.format: "mail" is not one of email, persistent, transient, unspecified, x509 or a URN"#,
            ),
            (
                "    name_id: { source: \"attribute:\" }\n",
                r#"sps.yaml line 5: service_providers[0].name_id.source: "attribute:" is not one of email, id, persistent, transient or attribute:<name>"#,
            ),
            (
                "    preset: zendesk\n",
                r#"sps.yaml line 5: service_providers[0].preset: "zendesk" is not one of desk, deskpro, servicedesk-plus"#,
            ),
        ];
        for (extra, expected) in cases {
            assert_eq!(err(&one(extra)), expected);
        }
        let msg = err(&PLAIN.replace(
            "      - url: https://sp.example.com/acs\n",
            "      - url: https://sp.example.com/acs\n        binding: artifact\n",
        ));
        assert_eq!(
            msg,
            r#"sps.yaml line 5: service_providers[0].acs[0].binding: "artifact" is not one of post, redirect or a binding URN"#
        );
    }

    #[test]
    fn sign_ids_cover_every_variant() {
        let mut listed = SIGN_IDS.to_vec();
        let mut all: Vec<_> = Sign::ALL.iter().map(|s| s.id()).collect();
        listed.sort_unstable();
        all.sort_unstable();
        assert_eq!(listed, all);
    }

    #[test]
    fn acs_urls_must_be_absolute_http() {
        let msg = err(&PLAIN.replace("https://sp.example.com/acs", "/acs"));
        assert_eq!(
            msg,
            r#"sps.yaml line 4: service_providers[0].acs[0].url: "/acs" is not an absolute http(s) URL"#
        );
        let msg = err(&PLAIN.replace("https://sp.example.com/acs", "https:///acs"));
        assert_has(&msg, &["line 4", "acs[0].url", "no host"]);
        let msg = err(&one("    slo_url: ftp://sp.example.com/slo\n"));
        assert_has(&msg, &["line 5", "service_providers[0].slo_url", "http(s)"]);
    }

    #[test]
    fn an_sp_needs_an_http_post_acs() {
        let msg = err(&PLAIN.replace(
            "      - url: https://sp.example.com/acs\n",
            "      - url: https://sp.example.com/acs\n        binding: redirect\n",
        ));
        assert_eq!(
            msg,
            "sps.yaml line 4: service_providers[0].acs: https://sp.example.com/metadata has no HTTP-POST AssertionConsumerService: a service provider must have one, since responses are posted to it"
        );
        let msg = err("service_providers:\n  - entity_id: x\n    name: X\n");
        assert_has(
            &msg,
            &["sps.yaml line 2: service_providers[0]: x (X) has no HTTP-POST"],
        );
        let msg = err(&one("    acs: []\n")
            .replace("    acs:\n      - url: https://sp.example.com/acs\n", ""));
        assert_has(
            &msg,
            &["line 3", "service_providers[0].acs", "no HTTP-POST"],
        );
    }

    #[test]
    fn duplicate_acs_index_is_rejected() {
        let text = "\
service_providers:
  - entity_id: https://sp.example.com/metadata
    acs:
      - url: https://sp.example.com/a
        index: 1
      - url: https://sp.example.com/b
        index: 1
";
        assert_eq!(
            err(text),
            "sps.yaml line 7: service_providers[0].acs[1].index: index 1 is used twice (also by endpoint #1 line 5): each ACS endpoint needs its own"
        );
    }

    #[test]
    fn duplicate_entity_ids_name_both_lines() {
        let text = "\
service_providers:
  - entity_id: mysite
    acs: [{ url: https://a.example/acs }]
  - preset: desk
    site: mysite
";
        assert_eq!(
            err(text),
            r#"sps.yaml line 4: service_providers[1].preset: duplicate entity ID "mysite", already used by service_providers[0].entity_id line 2"#
        );
        let text = "\
service_providers:
  - metadata: node-saml.xml
  - metadata: node-saml-defaults.xml
";
        assert_has(
            &err(text),
            &[
                "line 3: service_providers[1].metadata: duplicate entity ID",
                "service_providers[0].metadata line 2",
            ],
        );
    }

    #[test]
    fn entity_id_is_required_and_not_blank() {
        let msg =
            err("service_providers:\n  - name: Nobody\n    acs: [{url: https://a.example/acs}]\n");
        assert_eq!(
            msg,
            "sps.yaml line 2: service_providers[0]: no entity_id: give `entity_id`, a `preset` or a `metadata` file"
        );
        let msg = err(&PLAIN.replace("https://sp.example.com/metadata", "\"  \""));
        assert_eq!(
            msg,
            "sps.yaml line 2: service_providers[0].entity_id: must not be empty"
        );
        let msg = err(&PLAIN.replace("https://sp.example.com/metadata", "\"a\\x01b\""));
        assert_has(&msg, &["line 2", "U+0001"]);
    }

    #[test]
    fn preset_parameter_errors_point_at_the_parameter() {
        let msg = err("service_providers:\n  - preset: desk\n");
        assert_has(
            &msg,
            &["sps.yaml line 2: service_providers[0].preset: the desk preset needs `site`"],
        );
        let msg = err("service_providers:\n  - preset: servicedesk-plus\n    org_id: 1\n    data_centre: us\n");
        assert_has(
            &msg,
            &[
                "sps.yaml line 4: service_providers[0].data_centre: data_centre \"us\"",
                "com, eu, in",
            ],
        );
        let msg = err(
            "service_providers:\n  - preset: desk\n    site: a\n    helpdesk: https://x.example\n",
        );
        assert_has(
            &msg,
            &[
                "line 4: service_providers[0].helpdesk: `helpdesk` is not a parameter of the desk preset",
            ],
        );
        let msg = err(&one("    site: mysite\n"));
        assert_eq!(
            msg,
            "sps.yaml line 5: service_providers[0].site: `site` is a parameter of the desk preset: add `preset: desk`, or remove it"
        );
    }

    #[test]
    fn validity_must_be_positive() {
        let msg = err(&one("    validity:\n      assertion_seconds: 0\n"));
        assert_has(
            &msg,
            &[
                "line 6",
                "service_providers[0].validity.assertion_seconds",
                "at least 1",
            ],
        );
        let msg = err(&one("    validity: { session_seconds: -5 }\n"));
        assert_has(
            &msg,
            &["line 5", "service_providers[0].validity.session_seconds"],
        );
    }

    #[test]
    fn attribute_map_errors() {
        let msg = err(&one(
            "    attributes:\n      rename: { email: mail, email: e }\n",
        ));
        assert_has(
            &msg,
            &[
                "line 6",
                "service_providers[0].attributes.rename.email",
                "renamed twice",
            ],
        );
        let msg = err(&one(
            "    attributes:\n      add:\n        team: \"\\x02\"\n",
        ));
        assert_has(
            &msg,
            &[
                "line 7",
                "service_providers[0].attributes.add.team",
                "U+0002",
            ],
        );
        let msg = err(&one("    attributes:\n      drop: [\"\"]\n"));
        assert_has(
            &msg,
            &[
                "line 6",
                "service_providers[0].attributes.drop[0]",
                "must not be empty",
            ],
        );
    }

    #[test]
    fn unknown_fields_and_wrong_types_name_line_and_field() {
        let msg = err(&one("    signing: both\n"));
        assert_has(
            &msg,
            &[
                "sps.yaml line 5",
                "service_providers[0]",
                "unknown field `signing`",
            ],
        );
        let msg = err(&one("    validity: { assertion: 5 }\n"));
        assert_has(&msg, &["line 5", "unknown field `assertion`"]);
        let msg = err(&one("    acs: yes\n")
            .replace("    acs:\n      - url: https://sp.example.com/acs\n", ""));
        assert_has(
            &msg,
            &["line 3", "service_providers[0].acs", "invalid type"],
        );
        let msg = err("sps:\n  - entity_id: a\n");
        assert_has(&msg, &["sps.yaml line 1", "unknown field `sps`"]);
        let msg = err("- entity_id: a\n");
        assert_has(
            &msg,
            &["line 1", "a mapping with a `service_providers:` list"],
        );
    }

    #[test]
    fn syntax_error_names_line() {
        let msg = err(&one("    name: a: b\n"));
        assert_has(
            &msg,
            &["sps.yaml line 5 column", "mapping values are not allowed"],
        );
    }

    #[test]
    fn a_file_listing_nothing_is_an_error() {
        for (text, line) in [
            ("", ""),
            ("# nothing yet\n", ""),
            ("service_providers: []\n", " line 1"),
            ("# none\nservice_providers:\n", " line 2"),
            ("{}\n", ""),
        ] {
            let e = parse(text, "sps.yaml", Path::new(".")).unwrap_err();
            assert!(matches!(e, SpsError::Empty { .. }), "{text:?}: {e}");
            assert_eq!(
                e.to_string(),
                format!("sps.yaml{line}: the file lists no service providers: list at least one under a top-level `service_providers:` key"),
                "{text:?}"
            );
        }
    }

    #[test]
    fn read_failure_names_file_and_os_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.yaml");
        let msg = load(&path).unwrap_err().to_string();
        assert_has(&msg, &[&path.display().to_string(), "os error"]);
    }

    #[test]
    fn shipped_examples_load() {
        let dir = repo().join("docs/examples");
        let mut loaded = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let registry = load(&path).unwrap_or_else(|e| panic!("{e}"));
                assert!(!registry.is_empty(), "{}", path.display());
                loaded += 1;
            }
        }
        assert!(loaded >= 5, "only {loaded} examples in {}", dir.display());
    }
}
