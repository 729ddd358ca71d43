//! The third layer of an entry: each field written in it, which wins over the preset and the
//! metadata. Every value is checked here as it is laid on (text an XML document can carry, a
//! word from its list, a readable certificate), and a mistake names the field and its line.

use openssl::x509::X509;
use time::Duration;

use super::raw::{Pairs, RawAttributeMap, RawEncryption, RawSp};
use super::{AcsSource, Ctx, Layered, SloSource, SpsError};
use crate::saml::binding::Binding;
use crate::saml::browser_url;
use crate::saml::dsig::{DigestAlgorithm, SignatureAlgorithm};
use crate::saml::ns;
use crate::saml::sp::{
    attribute_name_format_from_id, name_id_format_from_id, AcsEndpoint, NameIdSource,
    ResponseStyle, ServiceProvider, Sign,
};
use crate::saml::xmlenc::{DataEncryption, KeyTransport};
use crate::server::flow::login::MAX_RELAY_STATE;
use crate::server::yaml::{field_name, xml_problem, PathStep, ScalarText, Values};

/// The allowed words of each enumerated field, in the order messages list them.
pub(super) const SIGN_IDS: [&str; 4] = ["assertion", "response", "both", "none"];
const NAME_ID_FORMAT_IDS: &str = "email, persistent, transient, unspecified, x509 or a URN";
const NAME_ID_SOURCE_IDS: &str = "email, id, persistent, transient or attribute:<name>";
const BINDING_IDS: &str = "post, redirect or a binding URN";
const ATTRIBUTE_NAME_FORMAT_IDS: &str = "basic, uri, unspecified or a URI";
const SLO_BINDING_IDS: &str = "redirect, post or their binding URNs";

/// Lays every field written in `raw` over `layered`, checking each.
pub(super) fn apply(ctx: &Ctx<'_>, raw: RawSp, layered: &mut Layered) -> Result<(), SpsError> {
    let sp = &mut layered.sp;
    if let Some(id) = raw.entity_id {
        let at = ctx.here(&["entity_id"]);
        check_text(ctx, &at, &id)?;
        sp.entity_id = id;
        layered.entity_id_at = at;
    }
    if sp.entity_id.is_empty() {
        return Err(ctx.invalid(
            &ctx.here(&[]),
            "no entity_id: give `entity_id`, a `preset` or a `metadata` file",
        ));
    }
    if let Some(name) = raw.name {
        check_text(ctx, &ctx.here(&["name"]), &name)?;
        sp.name = Some(name);
    }
    if let Some(list) = raw.acs {
        let mut acs = Vec::with_capacity(list.len());
        for (j, a) in list.into_iter().enumerate() {
            let at = |k: &str| {
                let mut p = ctx.here(&["acs"]);
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
        layered.acs_source = AcsSource::Explicit;
    }
    if let Some(url) = raw.slo_url {
        let at = ctx.here(&["slo_url"]);
        if let Some(problem) = browser_url::problem(&url) {
            let url = browser_url::shown(&url);
            return Err(ctx.invalid(&at, format!("{url} {problem}")));
        }
        sp.slo_url = Some(url);
        layered.slo_source = SloSource::Field;
    }
    if let Some(b) = raw.slo_binding {
        sp.slo_binding = match b.as_str() {
            "redirect" | ns::binding::HTTP_REDIRECT => Binding::Redirect,
            "post" | ns::binding::HTTP_POST => Binding::Post,
            other => {
                return Err(ctx.invalid(
                    &ctx.here(&["slo_binding"]),
                    format!("{other:?} is not one of {SLO_BINDING_IDS}: our LogoutRequests reach a browser's SP by HTTP-Redirect or HTTP-POST only"),
                ))
            }
        };
    }
    if let Some(rule) = raw.name_id {
        if let Some(f) = rule.format {
            let format = name_id_format_from_id(&f)
                .map(str::to_owned)
                .or_else(|| f.starts_with("urn:").then(|| f.clone()))
                .ok_or_else(|| {
                    ctx.invalid(
                        &ctx.here(&["name_id", "format"]),
                        format!("{f:?} is not one of {NAME_ID_FORMAT_IDS}"),
                    )
                })?;
            sp.name_id.format = Some(format);
        }
        if let Some(s) = rule.source {
            let source = NameIdSource::parse(&s).ok_or_else(|| {
                ctx.invalid(
                    &ctx.here(&["name_id", "source"]),
                    format!("{s:?} is not one of {NAME_ID_SOURCE_IDS}"),
                )
            })?;
            sp.name_id.source = Some(source);
        }
    }
    if let Some(audience) = raw.audience {
        check_text(ctx, &ctx.here(&["audience"]), &audience)?;
        sp.audience = Some(audience);
    }
    if let Some(s) = raw.sign {
        sp.sign = Sign::from_id(&s)
            .ok_or_else(|| ctx.invalid(&ctx.here(&["sign"]), not_one_of(&s, &SIGN_IDS)))?;
    }
    if let Some(s) = raw.signature_algorithm {
        let alg = SignatureAlgorithm::from_id(&s).ok_or_else(|| {
            let ids: Vec<_> = SignatureAlgorithm::ALL.iter().map(|a| a.id()).collect();
            ctx.invalid(&ctx.here(&["signature_algorithm"]), not_one_of(&s, &ids))
        })?;
        sp.algorithms.signature = alg;
        // A digest of the same strength, unless one is written too (below).
        sp.algorithms.digest = alg.matching_digest();
    }
    if let Some(d) = raw.digest_algorithm {
        sp.algorithms.digest = DigestAlgorithm::from_id(&d).ok_or_else(|| {
            let ids: Vec<_> = DigestAlgorithm::ALL.iter().map(|a| a.id()).collect();
            ctx.invalid(&ctx.here(&["digest_algorithm"]), not_one_of(&d, &ids))
        })?;
    }
    if let Some(map) = raw.attributes {
        apply_attributes(ctx, &ctx.here(&["attributes"]), map, sp)?;
    }
    if let Some(s) = raw.style {
        sp.style = ResponseStyle::from_id(&s).ok_or_else(|| {
            let ids: Vec<_> = ResponseStyle::ALL.iter().map(|s| s.id()).collect();
            ctx.invalid(&ctx.here(&["style"]), not_one_of(&s, &ids))
        })?;
    }
    if let Some(v) = raw.validity {
        let seconds = |name: &str, value: Option<u32>, zero_ok: bool| match value {
            Some(0) if !zero_ok => Err(ctx.invalid(
                &ctx.here(&["validity", name]),
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
        let at = ctx.here(&["authn_context"]);
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
        sp.certificate = Some(certificate(ctx, &ctx.here(&["certificate"]), &c)?);
    }
    if let Some(want) = raw.want_signed_requests {
        sp.authn_requests_signed = want;
    }
    if let Some(e) = raw.encryption {
        apply_encryption(ctx, &ctx.here(&["encryption"]), e, sp)?;
    }
    if let Some(r) = raw.relay_state {
        let at = ctx.here(&["relay_state"]);
        check_text(ctx, &at, &r)?;
        if r.len() > MAX_RELAY_STATE {
            return Err(ctx.invalid(
                &at,
                format!(
                    "is {} bytes; a RelayState carries at most {MAX_RELAY_STATE}",
                    r.len()
                ),
            ));
        }
        sp.relay_state = Some(r);
    }
    Ok(())
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
    if let Some(Pairs(formats)) = map.name_format {
        let mut out: Vec<(String, String)> = Vec::with_capacity(formats.len());
        for (name, ScalarText(format)) in formats {
            let occurrence = out.iter().filter(|(n, _)| *n == name).count();
            let here = under(&[
                PathStep::key("name_format"),
                PathStep::Key(name.clone(), occurrence),
            ]);
            if occurrence > 0 {
                return Err(ctx.invalid(&here, "the attribute is listed twice"));
            }
            check_text(ctx, &here, &name)?;
            out.push((name, attribute_name_format(ctx, &here, &format)?));
        }
        sp.attribute_name_formats = out;
    }
    Ok(())
}

/// `basic`, `uri`, `unspecified`, or a URI written out (saml-core 8.2: NameFormat is an
/// anyURI): a scheme, then no spaces.
fn attribute_name_format(ctx: &Ctx<'_>, at: &[PathStep], format: &str) -> Result<String, SpsError> {
    if let Some(urn) = attribute_name_format_from_id(format) {
        return Ok(urn.to_owned());
    }
    let has_scheme = format.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if !has_scheme || format.contains(char::is_whitespace) {
        return Err(ctx.invalid(
            at,
            format!("{format:?} is not one of {ATTRIBUTE_NAME_FORMAT_IDS}"),
        ));
    }
    check_text(ctx, at, format)?;
    Ok(format.to_owned())
}

/// The encryption methods a registry may choose are the offered ones: the legacy ones exist
/// only as scenarios.
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
            .ok_or_else(|| {
                ctx.invalid(
                    &under("data"),
                    not_one_of(&d, &DataEncryption::offered_ids()),
                )
            })?;
    }
    if let Some(k) = raw.key_transport {
        sp.encryption.key_transport = KeyTransport::from_id(&k)
            .filter(|a| !a.is_legacy())
            .ok_or_else(|| {
                ctx.invalid(
                    &under("key_transport"),
                    not_one_of(&k, &KeyTransport::offered_ids()),
                )
            })?;
    }
    sp.encryption.enabled = raw.enabled.unwrap_or(true);
    Ok(())
}

/// `certificate:` as an inline PEM block, or the path of a PEM or DER file; the DER is kept.
fn certificate(ctx: &Ctx<'_>, at: &[PathStep], value: &str) -> Result<Vec<u8>, SpsError> {
    let bad = |source_name: String, problem: String| SpsError::Certificate {
        origin: ctx.origin.to_owned(),
        line: ctx.line(at),
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
            line: ctx.line(at),
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
