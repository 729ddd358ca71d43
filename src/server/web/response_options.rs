//! The picker's "Response options" box: the style, signing, algorithm, NameID, authentication
//! context and encryption choices, with the SP's defaults selected. It depends only on those
//! defaults and the kind of the IdP's key, so each combination is rendered once and kept
//! (a few per registered SP at most) instead of on every picker page.

use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use crate::saml::dsig::{KeyKind, SignatureAlgorithm};
use crate::saml::issue::ResponseProfile;
use crate::saml::ns;
use crate::saml::sp::{ResponseStyle, Sign};
use crate::saml::xmlenc::{DataEncryption, KeyTransport};

use super::render;

#[derive(Serialize)]
struct Choice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Serialize)]
struct ResponseOptions {
    styles: Vec<Choice>,
    signs: Vec<Choice>,
    algorithms: Vec<Choice>,
    name_id_formats: Vec<Choice>,
    authn_contexts: Vec<Choice>,
    encryptions: Vec<Choice>,
    key_transports: Vec<Choice>,
    /// Whether this SP's assertions are encrypted, and what is known for that.
    encryption_note: String,
}

/// What the box depends on: the selected style and method, the key's kind, and the
/// encryption note.
type Key = (ResponseStyle, SignatureAlgorithm, KeyKind, String);

/// Combinations kept at most; past that the kept ones are dropped and rendering starts over
/// (a registry has far fewer distinct defaults).
const KEPT: usize = 64;

static RENDERED: Mutex<Vec<(Key, Arc<str>)>> = Mutex::new(Vec::new());

/// The box for an SP with these `defaults`, signed with a key of kind `key`.
pub fn for_defaults(defaults: &ResponseProfile, key: KeyKind) -> Result<Arc<str>, String> {
    let note = encryption_note(defaults);
    let wanted: Key = (defaults.style, defaults.algorithms.signature, key, note);
    if let Some((_, html)) = RENDERED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .find(|(k, _)| *k == wanted)
    {
        return Ok(Arc::clone(html));
    }
    let page = options(defaults, key, wanted.3.clone());
    let html: Arc<str> = render::page("response-options", &page)?.into();
    let mut kept = RENDERED.lock().unwrap_or_else(PoisonError::into_inner);
    if kept.len() >= KEPT {
        kept.clear();
    }
    kept.push((wanted, Arc::clone(&html)));
    Ok(html)
}

/// Whether this SP's assertions are encrypted by default, and with what; or why they cannot be.
fn encryption_note(defaults: &ResponseProfile) -> String {
    let encryption = &defaults.encryption;
    if encryption.certificate.is_none() {
        return "no encryption certificate is registered for this SP: encryption and the \
                encryption scenarios are refused (register one under `encryption:` in the --sps \
                file)"
            .to_owned();
    }
    format!(
        "{} by default with {} and {}",
        if encryption.enabled {
            "encrypted"
        } else {
            "plaintext"
        },
        encryption.data.id(),
        encryption.key_transport.id()
    )
}

fn options(defaults: &ResponseProfile, key: KeyKind, encryption_note: String) -> ResponseOptions {
    ResponseOptions {
        styles: ResponseStyle::ALL
            .iter()
            .map(|s| Choice {
                value: s.id(),
                label: s.id(),
                selected: *s == defaults.style,
            })
            .collect(),
        // Empty: what the SP's settings (or the chosen style) sign. A browser always submits
        // the select, so an explicit default here would override a style change.
        signs: std::iter::once(Choice {
            value: "",
            label: "the style's default",
            selected: true,
        })
        .chain(Sign::ALL.iter().map(|s| Choice {
            value: s.id(),
            label: s.id(),
            selected: false,
        }))
        .collect(),
        // Only what the IdP's key can make: RSA methods for an RSA key, ecdsa-sha256 for EC.
        algorithms: key
            .algorithms()
            .map(|a| Choice {
                value: a.id(),
                label: a.id(),
                selected: a == defaults.algorithms.signature,
            })
            .collect(),
        name_id_formats: [
            ("", "as requested"),
            ("email", "emailAddress"),
            ("persistent", "persistent"),
            ("transient", "transient"),
            ("unspecified", "unspecified"),
            ("x509", "X509SubjectName"),
        ]
        .into_iter()
        .map(first_selected)
        .collect(),
        authn_contexts: [
            ("", "PasswordProtectedTransport (or as requested)"),
            ("windows", ns::AC_WINDOWS),
        ]
        .into_iter()
        .map(first_selected)
        .collect(),
        encryptions: [("", "the SP's setting"), ("none", "no"), ("yes", "yes")]
            .into_iter()
            .chain(DataEncryption::offered().map(|a| (a.id(), a.id())))
            .map(first_selected)
            .collect(),
        key_transports: std::iter::once(("", "the SP's setting"))
            .chain(KeyTransport::offered().map(|a| (a.id(), a.id())))
            .map(first_selected)
            .collect(),
        encryption_note,
    }
}

/// A choice from `(value, label)`, selected when its value is empty (the SP's setting, or
/// what the request asks for).
fn first_selected((value, label): (&'static str, &'static str)) -> Choice {
    Choice {
        value,
        label,
        selected: value.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_combination_is_rendered_once_with_its_defaults_selected() {
        let mut defaults = ResponseProfile::for_sp_and_key(None, KeyKind::Rsa);
        let first = for_defaults(&defaults, KeyKind::Rsa).unwrap();
        let again = for_defaults(&defaults, KeyKind::Rsa).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "kept, not rendered again");
        assert!(first.starts_with("<details class=\"options-box\">"));
        assert!(first.contains(&format!(
            "<option value=\"{0}\" selected>{0}</option>",
            defaults.algorithms.signature.id()
        )));
        assert!(first.contains("no encryption certificate is registered"));

        defaults.algorithms.signature = SignatureAlgorithm::RsaSha512;
        let other = for_defaults(&defaults, KeyKind::Rsa).unwrap();
        assert!(other.contains("<option value=\"rsa-sha512\" selected>rsa-sha512</option>"));
        assert!(!other.contains("<option value=\"rsa-sha256\" selected>"));

        // An EC key offers only its own method.
        let ec = ResponseProfile::for_sp_and_key(None, KeyKind::EcP256);
        let ec_box = for_defaults(&ec, KeyKind::EcP256).unwrap();
        assert!(ec_box.contains("ecdsa-sha256"));
        assert!(!ec_box.contains("rsa-sha256"));
    }
}
