//! The forms of an HTML page, read as a browser without JavaScript sees them: enough to find
//! the auto-submitting form an SP uses for the HTTP-POST binding (its action and hidden
//! fields). A small tolerant tag scanner, not an HTML parser: comments, scripts and styles are
//! skipped, attribute values may be quoted either way or not at all, and character references
//! in them are decoded.

/// One `<form>`: its action (as written) and method, and its named `<input>` fields in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    pub action: String,
    pub method: String,
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every form of `html`, in document order.
pub fn forms(html: &str) -> Vec<Form> {
    let mut forms: Vec<Form> = Vec::new();
    let mut open = false;
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some((tag, after)) = tag(rest) else {
            rest = &rest[1..];
            continue;
        };
        rest = after;
        match tag.name.as_str() {
            "script" | "style" | "textarea" => {
                let close = format!("</{}", tag.name);
                rest = find_ci(rest, &close).map_or("", |end| &rest[end..]);
            }
            "form" => {
                forms.push(Form {
                    action: tag.attribute("action").unwrap_or_default(),
                    method: tag
                        .attribute("method")
                        .unwrap_or_else(|| "get".into())
                        .to_ascii_lowercase(),
                    fields: Vec::new(),
                });
                open = true;
            }
            "/form" => open = false,
            "input" | "button" if open => {
                if let (Some(name), Some(form)) = (tag.attribute("name"), forms.last_mut()) {
                    form.fields
                        .push((name, tag.attribute("value").unwrap_or_default()));
                }
            }
            _ => {}
        }
    }
    forms
}

struct Tag {
    /// Lower case; `/form` for a closing tag.
    name: String,
    attributes: Vec<(String, String)>,
}

impl Tag {
    fn attribute(&self, name: &str) -> Option<String> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

/// The tag `s` starts with (`s` starts with `<`), and what follows it.
fn tag(s: &str) -> Option<(Tag, &str)> {
    let body = &s[1..];
    let name_len = body
        .find(|c: char| c.is_ascii_whitespace() || c == '>')
        .unwrap_or(body.len());
    let name = body[..name_len].trim_end_matches('/').to_ascii_lowercase();
    if name.is_empty()
        || !name
            .trim_start_matches('/')
            .starts_with(|c: char| c.is_ascii_alphabetic())
    {
        return None;
    }
    let mut attributes = Vec::new();
    let mut rest = &body[name_len..];
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if let Some(after) = rest.strip_prefix('>') {
            return Some((Tag { name, attributes }, after));
        }
        if rest.is_empty() {
            return Some((Tag { name, attributes }, rest));
        }
        let key_len = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '>' || c == '/')
            .unwrap_or(rest.len())
            .max(1);
        let key = rest[..key_len].to_ascii_lowercase();
        rest = rest[key_len..].trim_start();
        let value = if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (raw, next) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let inner = &after[1..];
                    let end = inner.find(q).unwrap_or(inner.len());
                    (&inner[..end], inner.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_ascii_whitespace() || c == '>')
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            rest = next;
            decode(raw)
        } else {
            String::new()
        };
        attributes.push((key, value));
    }
}

/// The position of `needle` in `hay`, ignoring ASCII case.
pub(super) fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Decodes the character references an attribute value may hold.
pub fn decode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // The longest reference named here (`&#x10FFFF;`, `&equals;`) fits in 12 bytes: looking
        // no further keeps decoding linear in the text, whatever it holds.
        let end = rest.bytes().take(13).position(|b| b == b';');
        let decoded = end.and_then(|e| reference(&rest[1..e]));
        match (end, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn reference(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "equals" => '=',
        "sol" => '/',
        "plus" => '+',
        "colon" => ':',
        "nbsp" => '\u{a0}',
        _ => return None,
    })
}

#[cfg(test)]
#[path = "tests/form.rs"]
mod tests;
