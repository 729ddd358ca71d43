//! The auto-submitting form that carries a SAML response to the SP's ACS (HTTP-POST binding),
//! and the headers of every page that holds a response or a request: never cached.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Serialize;

use super::error::PageError;
use super::render;
use crate::saml::b64::Base64;

#[derive(Serialize, Clone, Copy)]
struct PostPage<'a> {
    acs_url: &'a str,
    saml_response: &'a Base64,
    relay_state: Option<&'a str>,
    user: &'a str,
}

/// The page that posts `saml_response` (base64) to `acs_url` as soon as it loads.
pub fn post_page(
    acs_url: &str,
    saml_response: &Base64,
    relay_state: Option<&str>,
    user: &str,
) -> Result<HttpResponse, PageError> {
    let page = PostPage {
        acs_url,
        saml_response,
        relay_state,
        user,
    };
    let body = match compiled() {
        Some(compiled) => compiled.render(&page),
        None => render::page("post", &page).map_err(PageError::internal)?,
    };
    html(body)
}

/// An HTML page that must not be cached (saml-bindings 3.5.5.1).
pub fn html(body: String) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .body(body))
}

/// [`PostPage`] with a marker for each value, which is not base64: what the template is split at.
#[derive(Serialize)]
struct Markers<'a> {
    acs_url: &'a str,
    saml_response: &'a str,
    relay_state: Option<&'a str>,
    user: &'a str,
}

/// A value of [`PostPage`] the template writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    AcsUrl,
    SamlResponse,
    RelayState,
    User,
}

impl Field {
    const ALL: [Field; 4] = [
        Field::AcsUrl,
        Field::SamlResponse,
        Field::RelayState,
        Field::User,
    ];

    /// What stands for the field when the template is split: nothing HTML escaping changes,
    /// and nothing the template itself holds.
    fn marker(self) -> &'static str {
        match self {
            Field::AcsUrl => "\u{1}acs_url\u{1}",
            Field::SamlResponse => "\u{1}saml_response\u{1}",
            Field::RelayState => "\u{1}relay_state\u{1}",
            Field::User => "\u{1}user\u{1}",
        }
    }

    fn of<'a>(self, page: &PostPage<'a>) -> &'a str {
        match self {
            Field::AcsUrl => page.acs_url,
            Field::SamlResponse => page.saml_response.as_str(),
            Field::RelayState => page.relay_state.unwrap_or_default(),
            Field::User => page.user,
        }
    }
}

/// The post page as the template writes it, cut at its values: text, then a value, and so
/// on. Rendering the template ran handlebars over the layout (3 kB) and copied the base64
/// response through its JSON data on every login; this writes the same bytes by copying the
/// text and escaping the values as `{{x}}` does (the SAMLResponse, base64, has nothing to
/// escape but its padding).
struct Split {
    pieces: Vec<(String, Field)>,
    tail: String,
}

impl Split {
    /// `rendered`, the page rendered with each value's marker, cut at the markers; `None` if
    /// a marker is not found whole (the template would have changed the value).
    fn of(rendered: &str) -> Option<Split> {
        let mut pieces = Vec::new();
        let mut rest = rendered;
        while let Some(start) = rest.find('\u{1}') {
            let field = Field::ALL
                .into_iter()
                .find(|f| rest[start..].starts_with(f.marker()))?;
            pieces.push((rest[..start].to_owned(), field));
            rest = &rest[start + field.marker().len()..];
        }
        Some(Split {
            pieces,
            tail: rest.to_owned(),
        })
    }

    fn render(&self, page: &PostPage) -> String {
        let values: usize = Field::ALL.iter().map(|f| f.of(page).len()).sum();
        let text: usize = self.pieces.iter().map(|(t, _)| t.len()).sum();
        let mut out = String::with_capacity(text + self.tail.len() + values + values / 8);
        for (text, field) in &self.pieces {
            out.push_str(text);
            match field {
                Field::SamlResponse => render::escape_base64_into(page.saml_response, &mut out),
                _ => render::escape_html_into(field.of(page), &mut out),
            }
        }
        out.push_str(&self.tail);
        out
    }
}

/// The page split twice: with a RelayState and without (handlebars' `{{#if}}` takes an
/// empty one as none).
struct Compiled {
    with_relay_state: Split,
    without_relay_state: Split,
}

impl Compiled {
    fn new() -> Option<Compiled> {
        let split = |relay_state: Option<&str>| {
            let markers = Markers {
                acs_url: Field::AcsUrl.marker(),
                saml_response: Field::SamlResponse.marker(),
                relay_state,
                user: Field::User.marker(),
            };
            Split::of(&render::page("post", &markers).ok()?)
        };
        let compiled = Compiled {
            with_relay_state: split(Some(Field::RelayState.marker()))?,
            without_relay_state: split(None)?,
        };
        // Held to what handlebars writes for values that need escaping, before it is used.
        let response = Base64::encode(b"<?xml><x></x>");
        let probe = PostPage {
            acs_url: "https://sp.example/acs?a=1&b=\"2\"",
            saml_response: &response,
            relay_state: Some("<relay> 'state' `=`"),
            user: "Zo\u{eb} & \u{1}",
        };
        for page in [
            probe,
            PostPage {
                relay_state: None,
                ..probe
            },
        ] {
            if compiled.render(&page) != render::page("post", &page).ok()? {
                return None;
            }
        }
        Some(compiled)
    }

    fn render(&self, page: &PostPage) -> String {
        match page.relay_state {
            Some(r) if !r.is_empty() => self.with_relay_state.render(page),
            _ => self.without_relay_state.render(page),
        }
    }
}

/// The split page, made on first use; `None` (handlebars renders each page) if the template
/// cannot be split.
fn compiled() -> Option<&'static Compiled> {
    static COMPILED: OnceLock<Option<Compiled>> = OnceLock::new();
    COMPILED.get_or_init(Compiled::new).as_ref()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_split_page_is_what_the_template_writes() {
        let compiled = compiled().expect("the post template splits");
        let long = "QUJD+/9=".repeat(2000);
        let values = [
            "",
            "plain",
            "https://sp.example/acs?x=\"1\"&y='2'",
            "<script>alert(1)</script>",
            "Zo\u{eb} \u{141}ukasiewicz \u{6771}\u{4eac} `=`",
            "\u{1}user\u{1}",
            &long,
        ];
        // Base64 of each value: padded with none, one and two `=`.
        let responses: Vec<Base64> = values
            .iter()
            .map(|v| Base64::encode(v.as_bytes()))
            .collect();
        for (i, &a) in values.iter().enumerate() {
            for relay_state in [
                None,
                Some(""),
                Some(values[(i + 3) % values.len()]),
                Some(a),
            ] {
                let page = PostPage {
                    acs_url: a,
                    saml_response: &responses[(i + 1) % values.len()],
                    relay_state,
                    user: values[(i + 2) % values.len()],
                };
                assert_eq!(
                    compiled.render(&page),
                    render::page("post", &page).expect("renders"),
                    "{:?}",
                    (a, relay_state)
                );
            }
        }
    }

    #[test]
    fn a_page_that_changes_a_value_is_not_split() {
        assert!(Split::of("<p>\u{1}user\u{1}</p>").is_some());
        assert!(Split::of("<p>\u{1}USER\u{1}</p>").is_none());
        assert!(Split::of("<p>\u{1}user</p>").is_none());
    }
}
