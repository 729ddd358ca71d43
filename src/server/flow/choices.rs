//! The per-login choices of the picker and the API (response style, signing, algorithms,
//! NameID format, AuthnContext, encryption, scenario), applied over the SP's settings.

use serde::Deserialize;

use crate::saml::binding::Binding;
use crate::saml::dsig::{DigestAlgorithm, KeyKind, SignatureAlgorithm};
use crate::saml::issue::ResponseProfile;
use crate::saml::scenario::{self, Scenario, VALID};
use crate::saml::sp::{name_id_format_from_id, ResponseStyle, ServiceProvider, Sign};
use crate::saml::xmlenc::{DataEncryption, KeyTransport};

use super::login_error::LoginError;

/// The per-login choices of the picker and the API; absent or empty means the SP's setting.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Choices {
    pub style: Option<String>,
    pub sign: Option<String>,
    pub algorithm: Option<String>,
    pub digest: Option<String>,
    pub name_id_format: Option<String>,
    pub authn_context: Option<String>,
    /// A scenario id from the catalogue; `valid` when absent.
    pub scenario: Option<String>,
    /// `none`, `yes` (the SP's algorithm) or a data encryption (`aes256-gcm`, ...): whether
    /// and how the assertion is encrypted for the SP's encryption certificate.
    pub encrypt: Option<String>,
    /// `rsa-oaep-mgf1p` or `rsa-oaep`: how the content key travels; encrypts unless
    /// `encrypt=none`.
    pub key_transport: Option<String>,
}

impl Choices {
    /// The chosen scenario.
    pub fn scenario(&self) -> Result<&'static Scenario, LoginError> {
        match self.scenario.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(&VALID),
            Some(id) => scenario::find(id).ok_or_else(|| LoginError::BadChoice {
                field: "scenario",
                value: id.to_owned(),
                allowed: match scenario::logout::find(id) {
                    Some(_) => "the login scenarios; this scenario applies to logout (choose it \
                                with POST /slo/idp-initiated or GET /slo/select)"
                        .into(),
                    None => "the ids listed by GET /api/scenarios".into(),
                },
            }),
        }
    }

    /// The SP's profile with these choices applied, for an IdP signing with a `key` key. The
    /// SP's settings follow the key (see [`ResponseProfile::for_sp_and_key`]); an `algorithm`
    /// chosen for this login that the key cannot make is refused.
    pub fn profile(
        &self,
        sp: Option<&ServiceProvider>,
        key: KeyKind,
    ) -> Result<ResponseProfile, LoginError> {
        let mut p = ResponseProfile::for_sp_and_key(sp, key);
        if let Some(style) = choice(
            self.style.as_deref(),
            "style",
            ResponseStyle::from_id,
            &ResponseStyle::ALL.map(ResponseStyle::id),
        )? {
            if p.style != style {
                // Another style brings its own signing default, unless `sign` is chosen too.
                p.sign = style.default_sign();
            }
            p.style = style;
        }
        if let Some(sign) = choice(
            self.sign.as_deref(),
            "sign",
            Sign::from_id,
            &Sign::ALL.map(Sign::id),
        )? {
            p.sign = sign;
        }
        if let Some(a) = choice(
            self.algorithm.as_deref(),
            "algorithm",
            SignatureAlgorithm::from_id,
            &SignatureAlgorithm::ALL.map(SignatureAlgorithm::id),
        )? {
            if a.key_kind() != key {
                let fits: Vec<_> = key.algorithms().map(SignatureAlgorithm::id).collect();
                return Err(LoginError::AlgorithmForKey(format!(
                    "algorithm {} needs an {} key, and the IdP's signing key is {key}: choose {}",
                    a.id(),
                    a.key_kind(),
                    fits.join(", ")
                )));
            }
            p.algorithms = a.into();
        }
        if let Some(d) = choice(
            self.digest.as_deref(),
            "digest",
            DigestAlgorithm::from_id,
            &DigestAlgorithm::ALL.map(DigestAlgorithm::id),
        )? {
            p.algorithms.digest = d;
        }
        if let Some(v) = self.name_id_format.as_deref().filter(|v| !v.is_empty()) {
            let format = name_id_format_from_id(v)
                .map(str::to_owned)
                .or_else(|| v.contains(':').then(|| v.to_owned()));
            p.name_id_format = Some(format.ok_or_else(|| LoginError::BadChoice {
                field: "name_id_format",
                value: v.to_owned(),
                allowed: "unspecified, email, x509, persistent, transient, or a format URN".into(),
            })?);
        }
        let off = self.encrypt.as_deref() == Some("none");
        match self.encrypt.as_deref().filter(|v| !v.is_empty()) {
            None => {}
            Some("none") => p.encryption.enabled = false,
            Some("yes") => p.encryption.enabled = true,
            Some(v) => {
                p.encryption.data = DataEncryption::from_id(v)
                    .filter(|a| !a.is_legacy())
                    .ok_or_else(|| LoginError::BadChoice {
                        field: "encrypt",
                        value: v.to_owned(),
                        allowed: format!("none, yes, {}", DataEncryption::offered_ids().join(", ")),
                    })?;
                p.encryption.enabled = true;
            }
        }
        if let Some(k) = choice(
            self.key_transport.as_deref(),
            "key_transport",
            |v| KeyTransport::from_id(v).filter(|a| !a.is_legacy()),
            &KeyTransport::offered_ids(),
        )? {
            p.encryption.key_transport = k;
            p.encryption.enabled = !off;
        }
        if let Some(c) = self.authn_context.as_deref().filter(|v| !v.is_empty()) {
            p.authn_context = Some(match c {
                "password-protected-transport" => {
                    crate::saml::ns::AC_PASSWORD_PROTECTED_TRANSPORT.to_owned()
                }
                "windows" => crate::saml::ns::AC_WINDOWS.to_owned(),
                urn if urn.contains(':') => urn.to_owned(),
                other => {
                    return Err(LoginError::BadChoice {
                        field: "authn_context",
                        value: other.to_owned(),
                        allowed: "password-protected-transport, windows, or a class URN".into(),
                    })
                }
            });
        }
        Ok(p)
    }
}

fn choice<T>(
    value: Option<&str>,
    field: &'static str,
    parse: impl Fn(&str) -> Option<T>,
    allowed: &[&str],
) -> Result<Option<T>, LoginError> {
    match value.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => parse(v).map(Some).ok_or_else(|| LoginError::BadChoice {
            field,
            value: v.to_owned(),
            allowed: allowed.join(", "),
        }),
    }
}

pub fn parse_binding(value: Option<&str>) -> Result<Option<Binding>, LoginError> {
    choice(value, "binding", Binding::from_id, &["redirect", "post"])
}
