//! The handlebars templates in `templates/`, compiled into the binary so that it runs from any
//! directory (and in a container) with nothing beside it. Handlebars HTML-escapes every `{{x}}`,
//! which is what keeps SP-supplied values (RelayState, ProviderName, Issuer, URLs) inert.

use std::sync::OnceLock;

use handlebars::Handlebars;
use serde::Serialize;

use crate::saml::b64::Base64;
use crate::saml::escape::escape_into;

const TEMPLATES: [(&str, &str); 13] = [
    ("layout", include_str!("../../../templates/layout.hbs")),
    ("home", include_str!("../../../templates/home.hbs")),
    ("picker", include_str!("../../../templates/picker.hbs")),
    ("post", include_str!("../../../templates/post.hbs")),
    ("error", include_str!("../../../templates/error.hbs")),
    ("select", include_str!("../../../templates/select.hbs")),
    (
        "inspector",
        include_str!("../../../templates/inspector.hbs"),
    ),
    ("exchange", include_str!("../../../templates/exchange.hbs")),
    ("review", include_str!("../../../templates/review.hbs")),
    ("slo", include_str!("../../../templates/slo.hbs")),
    ("slo-post", include_str!("../../../templates/slo-post.hbs")),
    (
        "slo-select",
        include_str!("../../../templates/slo-select.hbs"),
    ),
    (
        "logged-out",
        include_str!("../../../templates/logged-out.hbs"),
    ),
];

/// Parts of pages rendered on their own and kept (see `scenario_list`, `response_options`); their files' final newline
/// is not part of them.
const FRAGMENTS: [(&str, &str); 3] = [
    (
        "scenario-options",
        include_str!("../../../templates/scenario-options.hbs"),
    ),
    (
        "scenario-explanations",
        include_str!("../../../templates/scenario-explanations.hbs"),
    ),
    (
        "response-options",
        include_str!("../../../templates/response-options.hbs"),
    ),
];

#[derive(Debug, Clone, thiserror::Error)]
#[error("template {name} does not compile: {message}")]
pub struct TemplateError {
    name: &'static str,
    message: String,
}

static REGISTRY: OnceLock<Result<Handlebars<'static>, TemplateError>> = OnceLock::new();

/// The compiled templates, compiled by the first page rendered (a few milliseconds): a server
/// used only through the API (`/api/*`, as CI uses it) never holds them, nor the code that
/// compiles them (about 0.9 MiB of an idle server's PSS). Whether they compile is settled by the
/// `every_template_compiles` test, not at run time.
fn registry() -> &'static Result<Handlebars<'static>, TemplateError> {
    REGISTRY.get_or_init(|| {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(escape_html);
        for (name, source) in TEMPLATES {
            let registered = if name == "layout" {
                hb.register_partial(name, source)
            } else {
                hb.register_template_string(name, source)
            };
            registered.map_err(|e| TemplateError {
                name,
                message: e.to_string(),
            })?;
        }
        for (name, source) in FRAGMENTS {
            hb.register_template_string(name, source.trim_end())
                .map_err(|e| TemplateError {
                    name,
                    message: e.to_string(),
                })?;
        }
        Ok(hb)
    })
}

/// What `{{x}}` writes: handlebars' own HTML escaping, byte for byte, done a run of plain
/// bytes at a time instead of a character at a time (a signed response in the auto-POST form
/// is ten kilobytes of base64, escaped on every login).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    escape_html_into(text, &mut out);
    out
}

/// [`escape_html`], appended to `out`.
pub fn escape_html_into(text: &str, out: &mut String) {
    escape_into(
        text,
        out,
        [b'<', b'>', b'"', b'&', b'\'', b'`', b'='],
        |b| match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'&' => "&amp;",
            b'\'' => "&#x27;",
            b'`' => "&#x60;",
            _ => "&#x3D;",
        },
    );
}

/// [`escape_html_into`] for base64, whose only character HTML escaping changes is the `=` of
/// its padding: the rest is copied as it is.
pub fn escape_base64_into(value: &Base64, out: &mut String) {
    let (unpadded, padding) = value.split_padding();
    out.push_str(unpadded);
    for _ in 0..padding {
        out.push_str("&#x3D;");
    }
}

/// Renders page (or fragment) `name` with `data`.
pub fn page(name: &str, data: &impl Serialize) -> Result<String, String> {
    match registry() {
        Ok(hb) => hb.render(name, data).map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_escaped_as_any_value_is() {
        let bytes: Vec<u8> = (0..=255).rev().collect();
        for len in (0..64).chain([255, 256]) {
            let value = Base64::encode(&bytes[..len.min(bytes.len())]);
            let (mut fast, mut any) = (String::from("kept:"), String::from("kept:"));
            escape_base64_into(&value, &mut fast);
            escape_html_into(&value, &mut any);
            assert_eq!(fast, any, "{value:?}");
        }
    }

    #[test]
    fn every_template_compiles() {
        registry().as_ref().expect("the templates compile");
    }

    #[test]
    fn values_are_html_escaped() {
        let html = page(
            "error",
            &serde_json::json!({"title": "<script>x</script>", "detail": "\"'&", "hint": null, "status": 400}),
        )
        .unwrap();
        assert!(!html.contains("<script>x"));
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(html.contains("&quot;&#x27;&amp;"));
    }

    #[test]
    fn escaping_is_handlebars_own_byte_for_byte() {
        let samples = [
            "",
            "plain",
            "<>\"&'`=",
            "a=b&c<d>e\"f'g`h",
            "PHNhbWxwOlJlc3BvbnNlIHhtbG5zOnNhbWxwPQ==",
            "Zoë Łukasiewicz-Müller <José> & 東京=서울",
            "==",
            "&amp;",
        ];
        for text in samples {
            assert_eq!(escape_html(text), handlebars::html_escape(text), "{text:?}");
        }
        // Every ASCII character, and some beyond, at every position of a short string.
        let chars: Vec<char> = (0u8..128).map(char::from).chain(['é', '€', '𝄞']).collect();
        for (i, c) in chars.iter().enumerate() {
            let text: String = [*c, chars[(i * 7) % chars.len()], 'x', *c].iter().collect();
            assert_eq!(
                escape_html(&text),
                handlebars::html_escape(&text),
                "{text:?}"
            );
        }
    }

    /// The layout's page title is its own parameter: a page's `title` fields (a scenario's, an
    /// item's in a list) are not replaced by it.
    #[test]
    fn a_page_title_does_not_shadow_the_page_values() {
        let html = page(
            "slo-select",
            &serde_json::json!({"cleared": false, "scenario": "x", "title": "The scenario title", "applies_to": "y", "sticky": false}),
        )
        .unwrap();
        assert!(html.contains("<p>The scenario title. It breaks"), "{html}");
        assert!(html.contains("<title>Logout scenario · mock-idp</title>"));
    }
}
