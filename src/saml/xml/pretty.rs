//! An indented rendering of a tree, for people reading a message (the inspector). It is not
//! the signed form: whitespace is added between elements, so never sign or send its output.

use super::c14n::{escape_attr, escape_text};
use super::{Element, Node};

/// `el` with each child element on its own line, indented by two spaces per level. Elements
/// holding text keep it inline, exactly.
pub fn pretty(el: &Element) -> String {
    let mut out = String::new();
    write(el, 0, &mut out);
    out
}

fn write(el: &Element, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    out.push_str(&indent);
    out.push('<');
    out.push_str(&el.name.qualified());
    if depth == 0 || el.name.ns.is_some() && el.name.prefix.is_none() {
        // Show where the default namespace is; prefixes are self-explanatory enough.
        if let (None, Some(ns)) = (&el.name.prefix, &el.name.ns) {
            out.push_str(" xmlns=\"");
            escape_attr(ns, out);
            out.push('"');
        }
    }
    for (name, value) in &el.attrs {
        out.push(' ');
        out.push_str(&name.qualified());
        out.push_str("=\"");
        escape_attr(value, out);
        out.push('"');
    }
    let only_text = el.children.iter().all(|c| !matches!(c, Node::Element(_)));
    if el.children.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push('>');
    if only_text {
        for c in &el.children {
            match c {
                Node::Text(t) => escape_text(t, out),
                Node::Comment(c) => {
                    out.push_str("<!--");
                    out.push_str(c);
                    out.push_str("-->");
                }
                Node::Element(_) => {}
            }
        }
    } else {
        out.push('\n');
        for c in &el.children {
            match c {
                Node::Element(e) => write(e, depth + 1, out),
                Node::Text(t) if t.trim().is_empty() => {}
                Node::Text(t) => {
                    out.push_str(&"  ".repeat(depth + 1));
                    escape_text(t, out);
                    out.push('\n');
                }
                Node::Comment(c) => {
                    out.push_str(&"  ".repeat(depth + 1));
                    out.push_str("<!--");
                    out.push_str(c);
                    out.push_str("-->\n");
                }
            }
        }
        out.push_str(&indent);
    }
    out.push_str("</");
    out.push_str(&el.name.qualified());
    out.push_str(">\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::xml::reader::{parse, Limits};

    #[test]
    fn indents_elements_and_keeps_text_and_comments() {
        let el = parse(
            r#"<p:a xmlns:p="urn:p" x="1"><p:b>hi &amp; bye</p:b><p:c/><p:d>x<!--c-->y</p:d></p:a>"#.as_bytes(),
            Limits::default(),
        )
        .unwrap();
        assert_eq!(
            pretty(&el),
            "<p:a x=\"1\">\n  <p:b>hi &amp; bye</p:b>\n  <p:c/>\n  <p:d>x<!--c-->y</p:d>\n</p:a>\n"
        );
    }
}
