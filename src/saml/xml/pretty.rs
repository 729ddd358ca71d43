//! An indented rendering of a tree, for people reading a message (the inspector). It is not
//! the signed form: whitespace is added between elements, so never sign or send its output.
//! Namespace declarations are written where exclusive c14n would write them, so what is copied
//! from it is well-formed, namespace-correct XML.

use super::c14n::{declarations, escape_attr, escape_text, write_declarations, Rendered};
use super::{Element, Node};

/// `el` with each child element on its own line, indented by two spaces per level. Elements
/// holding text keep it inline, exactly.
pub fn pretty(el: &Element) -> String {
    let mut out = String::new();
    write(el, 0, &mut Vec::new(), &mut out);
    out
}

fn write<'a>(el: &'a Element, depth: usize, rendered: &mut Rendered<'a>, out: &mut String) {
    let indent = "  ".repeat(depth);
    out.push_str(&indent);
    out.push('<');
    el.name.write_qualified(out);
    let decls = declarations(el, rendered);
    write_declarations(&decls, out);
    let scope = rendered.len();
    rendered.extend(decls);
    // Declarations a reader kept are written where this writer derives them, not as attributes.
    for (name, value) in el.attrs.iter().filter(|(n, _)| !n.is_declaration()) {
        out.push(' ');
        name.write_qualified(out);
        out.push_str("=\"");
        escape_attr(value, out);
        out.push('"');
    }
    let only_text = el.children.iter().all(|c| !matches!(c, Node::Element(_)));
    if el.children.is_empty() {
        out.push_str("/>\n");
        rendered.truncate(scope);
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
                Node::Element(e) => write(e, depth + 1, rendered, out),
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
    rendered.truncate(scope);
    out.push_str("</");
    el.name.write_qualified(out);
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
            "<p:a xmlns:p=\"urn:p\" x=\"1\">\n  <p:b>hi &amp; bye</p:b>\n  <p:c/>\n  <p:d>x<!--c-->y</p:d>\n</p:a>\n"
        );
    }

    #[test]
    fn declares_namespaces_so_that_the_output_reads_back_as_the_same_tree() {
        let xml = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r"><Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion"><Subject/></Assertion><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">i</saml:Issuer></samlp:Response>"#;
        let el = parse(xml.as_bytes(), Limits::default()).unwrap();
        let shown = pretty(&el);
        assert!(shown.starts_with("<samlp:Response xmlns:samlp="), "{shown}");
        let back = parse(shown.as_bytes(), Limits::default()).unwrap();
        let names = |e: &Element| -> Vec<(Option<String>, String)> {
            e.elements()
                .map(|c| {
                    (
                        c.name.ns.as_deref().map(str::to_owned),
                        c.name.local.to_string(),
                    )
                })
                .collect()
        };
        assert_eq!(names(&back), names(&el));
        assert_eq!(back.name, el.name);
    }
}
