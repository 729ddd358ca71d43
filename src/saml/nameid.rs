//! Choosing the NameID for a login (saml-core 8.3, 3.4.1.1).
//!
//! The SP may ask for a format in its NameIDPolicy; we produce the five formats help desks
//! list (unspecified, emailAddress, X509SubjectName, persistent, transient) and refuse any
//! other, which the caller turns into the status `InvalidNameIDPolicy`.

use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::sign::Signer as Hmac;

use super::ns::nameid as fmt;
use super::principal::Principal;
use super::sp::{NameIdRule, NameIdSource};

/// A NameID as it goes into the Subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameId {
    pub format: String,
    pub value: String,
    /// The IdP's entity ID; set for persistent and transient identifiers (saml-core 8.3.7).
    pub name_qualifier: Option<String>,
    /// The SP's entity ID; set for persistent and transient identifiers.
    pub sp_name_qualifier: Option<String>,
}

impl NameId {
    /// The bytes of its strings (for the byte budgets of the stores that keep NameIDs).
    pub fn text_bytes(&self) -> usize {
        self.format.len()
            + self.value.len()
            + self.name_qualifier.as_ref().map_or(0, String::len)
            + self.sp_name_qualifier.as_ref().map_or(0, String::len)
    }
}

/// The format asked for cannot be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("NameID format {0} cannot be produced; supported are unspecified, emailAddress, X509SubjectName, persistent and transient")]
pub struct UnsupportedFormat(pub String);

/// Why no NameID could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameIdError {
    #[error(transparent)]
    UnsupportedFormat(#[from] UnsupportedFormat),
    #[error("user {user} has no attribute {attribute} to take the NameID from")]
    MissingAttribute { user: String, attribute: String },
}

/// The NameID for one login. The format is, by precedence: the one chosen for this login, the
/// one the request's NameIDPolicy asks for (`unspecified` asks for none), the SP's. The SP's
/// source, when it has one, gives the value whenever the SP's own format (or none) is used.
pub fn choose(
    chosen: Option<&str>,
    requested: Option<&str>,
    rule: &NameIdRule,
    principal: &Principal,
    inputs: NameIdInputs<'_>,
) -> Result<NameId, NameIdError> {
    let requested = requested.filter(|f| *f != fmt::UNSPECIFIED);
    let format = chosen.or(requested).or(rule.format.as_deref());
    let source = rule
        .source
        .as_ref()
        .filter(|_| format.is_none() || format == rule.format.as_deref());
    let Some(source) = source else {
        return Ok(resolve(format, principal, inputs)?);
    };
    let value = match source {
        NameIdSource::Email => principal.email.clone(),
        NameIdSource::Id => principal.id.clone(),
        NameIdSource::Attribute(name) => principal
            .attributes
            .iter()
            .find(|a| &a.name == name)
            .and_then(|a| a.values.first())
            .cloned()
            .ok_or_else(|| NameIdError::MissingAttribute {
                user: principal.id.clone(),
                attribute: name.clone(),
            })?,
        NameIdSource::Persistent => {
            return Ok(resolve(Some(fmt::PERSISTENT), principal, inputs)?)
                .map(|n| with_format(n, format))
        }
        NameIdSource::Transient => {
            return Ok(resolve(Some(fmt::TRANSIENT), principal, inputs)?)
                .map(|n| with_format(n, format))
        }
    };
    let default_format = if matches!(source, NameIdSource::Email) {
        fmt::EMAIL
    } else {
        fmt::UNSPECIFIED
    };
    Ok(NameId {
        format: format.unwrap_or(default_format).to_owned(),
        value,
        name_qualifier: None,
        sp_name_qualifier: None,
    })
}

fn with_format(mut n: NameId, format: Option<&str>) -> NameId {
    if let Some(f) = format {
        f.clone_into(&mut n.format);
    }
    n
}

/// What a NameID is derived from, besides the user.
pub struct NameIdInputs<'a> {
    pub idp_entity_id: &'a str,
    pub sp_entity_id: &'a str,
    /// Keys persistent identifiers; stable for as long as the IdP's key is.
    pub persistent_secret: &'a [u8],
    /// A fresh random identifier, used if the format is transient.
    pub transient_value: String,
}

/// The NameID for `principal` in the requested `format` (`None`: the SP did not ask).
pub fn resolve(
    format: Option<&str>,
    principal: &Principal,
    inputs: NameIdInputs<'_>,
) -> Result<NameId, UnsupportedFormat> {
    let plain = |format: &str, value: &str| NameId {
        format: format.to_owned(),
        value: value.to_owned(),
        name_qualifier: None,
        sp_name_qualifier: None,
    };
    let qualified = |format: &str, value: String| NameId {
        format: format.to_owned(),
        value,
        name_qualifier: Some(inputs.idp_entity_id.to_owned()),
        sp_name_qualifier: Some(inputs.sp_entity_id.to_owned()),
    };
    match format {
        // No preference: the user's own NameID if it has one, else the email, which is what
        // help desks join agents on.
        None | Some(fmt::UNSPECIFIED) => Ok(match &principal.name_id {
            Some(own) => plain(fmt::UNSPECIFIED, own),
            None => plain(fmt::EMAIL, &principal.email),
        }),
        Some(fmt::EMAIL) => Ok(plain(fmt::EMAIL, &principal.email)),
        Some(fmt::X509_SUBJECT) => Ok(plain(fmt::X509_SUBJECT, &x509_subject(principal))),
        Some(fmt::PERSISTENT) => Ok(qualified(
            fmt::PERSISTENT,
            persistent_value(inputs.persistent_secret, inputs.sp_entity_id, &principal.id),
        )),
        Some(fmt::TRANSIENT) => Ok(qualified(fmt::TRANSIENT, inputs.transient_value)),
        Some(other) => Err(UnsupportedFormat(other.to_owned())),
    }
}

/// Opaque, stable per (user, SP), unlinkable across SPs: HMAC-SHA256 over both, hex.
fn persistent_value(secret: &[u8], sp: &str, user: &str) -> String {
    let mac = PKey::hmac(secret)
        .and_then(|key| {
            let mut h = Hmac::new(MessageDigest::sha256(), &key)?;
            h.update(sp.as_bytes())?;
            h.update(&[0])?;
            h.update(user.as_bytes())?;
            h.sign_to_vec()
        })
        .unwrap_or_default();
    mac.iter().take(20).map(|b| format!("{b:02x}")).collect()
}

/// An RFC 4514 distinguished name for the user: `CN=<display name>,UID=<id>`.
fn x509_subject(p: &Principal) -> String {
    format!("CN={},UID={}", escape_dn(&p.display_name), escape_dn(&p.id))
}

/// RFC 4514 section 2.4 escaping of an attribute value.
fn escape_dn(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let last = v.chars().count().saturating_sub(1);
    for (i, c) in v.chars().enumerate() {
        let edge_space = c == ' ' && (i == 0 || i == last);
        if matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || edge_space
            || (i == 0 && c == '#')
        {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> Principal {
        Principal {
            id: "alice".into(),
            email: "alice@example.com".into(),
            display_name: "Martin, Alice".into(),
            first_name: "Alice".into(),
            last_name: "Martin".into(),
            name_id: None,
            attributes: vec![],
        }
    }

    fn inputs<'a>(sp: &'a str, transient: &str) -> NameIdInputs<'a> {
        NameIdInputs {
            idp_entity_id: "https://idp",
            sp_entity_id: sp,
            persistent_secret: b"secret",
            transient_value: transient.into(),
        }
    }

    #[test]
    fn defaults_to_the_email_or_the_users_own_name_id() {
        let n = resolve(None, &alice(), inputs("sp", "_t")).unwrap();
        assert_eq!(
            (n.format.as_str(), n.value.as_str()),
            (fmt::EMAIL, "alice@example.com")
        );
        let mut own = alice();
        own.name_id = Some("AMARTIN".into());
        let n = resolve(Some(fmt::UNSPECIFIED), &own, inputs("sp", "_t")).unwrap();
        assert_eq!(
            (n.format.as_str(), n.value.as_str()),
            (fmt::UNSPECIFIED, "AMARTIN")
        );
        let n = resolve(Some(fmt::EMAIL), &own, inputs("sp", "_t")).unwrap();
        assert_eq!(n.value, "alice@example.com");
    }

    #[test]
    fn persistent_is_stable_per_sp_and_differs_across_sps() {
        let a1 = resolve(Some(fmt::PERSISTENT), &alice(), inputs("sp1", "_t1")).unwrap();
        let a2 = resolve(Some(fmt::PERSISTENT), &alice(), inputs("sp1", "_t2")).unwrap();
        let b = resolve(Some(fmt::PERSISTENT), &alice(), inputs("sp2", "_t1")).unwrap();
        assert_eq!(a1, a2);
        assert_ne!(a1.value, b.value);
        assert_eq!(a1.value.len(), 40);
        assert!(!a1.value.contains("alice"));
        assert_eq!(a1.sp_name_qualifier.as_deref(), Some("sp1"));
        assert_eq!(a1.name_qualifier.as_deref(), Some("https://idp"));
    }

    #[test]
    fn transient_takes_the_fresh_value() {
        let t = resolve(Some(fmt::TRANSIENT), &alice(), inputs("sp", "_fresh")).unwrap();
        assert_eq!(t.value, "_fresh");
    }

    #[test]
    fn x509_subject_escapes_the_display_name() {
        let n = resolve(Some(fmt::X509_SUBJECT), &alice(), inputs("sp", "_t")).unwrap();
        assert_eq!(n.value, r"CN=Martin\, Alice,UID=alice");
    }

    #[test]
    fn choice_beats_request_beats_sp_and_the_sp_source_fills_its_own_format() {
        let rule = NameIdRule {
            format: Some(fmt::UNSPECIFIED.into()),
            source: Some(NameIdSource::Id),
        };
        let pick = |chosen, requested| {
            choose(chosen, requested, &rule, &alice(), inputs("sp", "_t")).unwrap()
        };
        let n = pick(None, None);
        assert_eq!(
            (n.format.as_str(), n.value.as_str()),
            (fmt::UNSPECIFIED, "alice")
        );
        let n = pick(None, Some(fmt::UNSPECIFIED));
        assert_eq!(n.value, "alice");
        let n = pick(None, Some(fmt::EMAIL));
        assert_eq!(n.value, "alice@example.com");
        let n = pick(Some(fmt::TRANSIENT), Some(fmt::EMAIL));
        assert_eq!(n.value, "_t");

        let by_attr = NameIdRule {
            format: Some(fmt::EMAIL.into()),
            source: Some(NameIdSource::Attribute("mail".into())),
        };
        let mut u = alice();
        assert_eq!(
            choose(None, None, &by_attr, &u, inputs("sp", "_t")),
            Err(NameIdError::MissingAttribute {
                user: "alice".into(),
                attribute: "mail".into()
            })
        );
        u.attributes.push(crate::saml::principal::Attribute {
            name: "mail".into(),
            values: vec!["a@corp".into()],
        });
        assert_eq!(
            choose(None, None, &by_attr, &u, inputs("sp", "_t"))
                .unwrap()
                .value,
            "a@corp"
        );

        let persistent = NameIdRule {
            format: None,
            source: Some(NameIdSource::Persistent),
        };
        let n = choose(None, None, &persistent, &alice(), inputs("sp", "_t")).unwrap();
        assert_eq!(n.format, fmt::PERSISTENT);
        assert_eq!(n.value.len(), 40);
    }

    #[test]
    fn refuses_formats_it_cannot_produce() {
        let kerberos = "urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos";
        assert_eq!(
            resolve(Some(kerberos), &alice(), inputs("sp", "_t")),
            Err(UnsupportedFormat(kerberos.into()))
        );
    }
}
