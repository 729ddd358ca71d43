//! XML laid out for reading in a report: a line per tag where the message has only whitespace
//! between two tags, indented by depth. Nothing else changes: every tag, comment and piece of
//! text is kept byte for byte, so a comment injected inside a NameID or a doubled attribute is
//! seen exactly as the SP received it. The text need not be well-formed (a broken message is
//! shown as it was, its tags still laid out).

/// Nesting deeper than this is shown at this indentation; SAML messages nest about 8 deep.
const MAX_INDENT: usize = 32;

/// `xml` with each tag that follows another tag (whitespace between) on its own line,
/// indented two spaces per open element, up to [`MAX_INDENT`] levels. An element holding only whitespace, or nothing,
/// keeps it, so `<a> </a>` stays as it is.
pub fn indent(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len() + xml.len() / 8);
    let mut depth = 0usize;
    // The previous token, when it was a tag, and the whitespace seen since.
    let mut after_tag: Option<(Kind, &str)> = None;
    for (kind, token) in Tokens(xml) {
        let pending = match kind {
            Kind::Text if token.trim().is_empty() && after_tag.is_some() => {
                after_tag = after_tag.map(|(k, _)| (k, token));
                continue;
            }
            Kind::Text => {
                if let Some((_, space)) = after_tag.take() {
                    out.push_str(space);
                }
                out.push_str(token);
                continue;
            }
            _ => after_tag.take(),
        };
        if kind == Kind::Close {
            depth = depth.saturating_sub(1);
        }
        match pending {
            Some((Kind::Open, space)) if kind == Kind::Close => out.push_str(space),
            Some(_) => {
                out.push('\n');
                // Capped, so a message nested without end (an SP's answer need not have
                // parsed) costs output in proportion to its length, not its depth squared.
                out.extend(std::iter::repeat_n("  ", depth.min(MAX_INDENT)));
            }
            None => {}
        }
        out.push_str(token);
        if kind == Kind::Open {
            depth += 1;
        }
        after_tag = Some((kind, ""));
    }
    if let Some((_, space)) = after_tag {
        out.push_str(space);
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A start tag.
    Open,
    /// An end tag.
    Close,
    /// An empty-element tag, comment, processing instruction or declaration.
    Leaf,
    /// Character data, a CDATA section, or what is left of a tag that never ends.
    Text,
}

/// The tokens of an XML text, in order; together they are the whole text.
struct Tokens<'a>(&'a str);

impl<'a> Iterator for Tokens<'a> {
    type Item = (Kind, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.0;
        if s.is_empty() {
            return None;
        }
        let (kind, len) = if !s.starts_with('<') {
            (Kind::Text, s.find('<').unwrap_or(s.len()))
        } else if s.starts_with("<!--") {
            ends(s, "-->", Kind::Leaf)
        } else if s.starts_with("<![CDATA[") {
            ends(s, "]]>", Kind::Text)
        } else if s.starts_with("<?") {
            ends(s, "?>", Kind::Leaf)
        } else if s.starts_with("<!") {
            // A DOCTYPE, whose internal subset may hold '>'.
            tag_end(s, true).map_or((Kind::Text, s.len()), |n| (Kind::Leaf, n))
        } else {
            match tag_end(s, false) {
                None => (Kind::Text, s.len()),
                Some(n) if s.starts_with("</") => (Kind::Close, n),
                Some(n) if s[..n].ends_with("/>") => (Kind::Leaf, n),
                Some(n) => (Kind::Open, n),
            }
        };
        self.0 = &s[len..];
        Some((kind, &s[..len]))
    }
}

/// The length of `s` up to and including `end`; all of it, as text, when `end` never comes.
fn ends(s: &str, end: &str, kind: Kind) -> (Kind, usize) {
    match s.find(end) {
        Some(at) => (kind, at + end.len()),
        None => (Kind::Text, s.len()),
    }
}

/// The length of the tag `s` starts with, up to its `>` outside quotes (and, with `brackets`,
/// outside `[...]`).
fn tag_end(s: &str, brackets: bool) -> Option<usize> {
    let mut quote = None;
    let mut nested = 0usize;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') if brackets => nested += 1,
            (None, ']') if brackets => nested = nested.saturating_sub(1),
            (None, '>') if nested == 0 => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
#[path = "tests/indent.rs"]
mod tests;
