//! Exclusive XML Canonicalization 1.0 without comments (<http://www.w3.org/2001/10/xml-exc-c14n#>)
//! of an [`Element`] tree, used both to write documents and to compute digests.
//!
//! exc-c14n (section 3) renders a namespace declaration on an element only when the element
//! or one of its attributes *visibly utilises* the prefix and the nearest output ancestor has
//! not already rendered the same binding. A tree we build stores no declarations at all, so
//! writing it this way is the whole story: no prefix list is ever needed, and no declaration an
//! ancestor outside a signed subtree made can leak into, or be missing from, that subtree's
//! digest. (A received tree may keep the declarations it was written with; they are never
//! copied to the output, only consulted for a PrefixList.)
//!
//! Other c14n rules applied here (C14N 1.0 section 2.3): attributes sorted by namespace URI
//! then local name, unqualified ones first; namespace declarations sorted by prefix with the
//! default first; empty elements as start/end tag pairs; the escapes of section 2.3 for text
//! and attribute values; comments dropped.
//!
//! Received documents are another matter: their signers may have written an
//! InclusiveNamespaces PrefixList, which renders declarations no element visibly uses.
//! `ExcC14n` is that variant, for checking signatures on parsed input; it shares the start
//! tags and escapes with the writer.

use std::collections::BTreeMap;

use super::{Element, Name, Node};
use crate::saml::escape::escape_into;

/// The canonical form of `el` as an apex element: what a verifier digests for a same-document
/// reference to it (after the enveloped-signature transform, when `el` is signed).
pub fn canonicalize(el: &Element) -> String {
    let mut out = String::with_capacity(4096);
    write_element(el, &mut Vec::new(), &mut out, false);
    out
}

/// The document as sent. Identical to [`canonicalize`] unless the tree carries comments,
/// which only deliberately broken documents do.
pub fn write_document(el: &Element) -> String {
    let mut out = String::with_capacity(4096);
    write_element(el, &mut Vec::new(), &mut out, true);
    out
}

/// `(prefix, uri)` pairs rendered by output ancestors; `""` is the default namespace / no
/// namespace.
pub(crate) type Rendered<'a> = Vec<(&'a str, &'a str)>;

/// The namespace declarations exclusive c14n renders on `el`, given what its output ancestors
/// rendered: each prefix `el` visibly uses whose binding differs from the one in scope, sorted.
pub(crate) fn declarations<'a>(
    el: &'a Element,
    rendered: &Rendered<'a>,
) -> Vec<(&'a str, &'a str)> {
    declarations_including(el, rendered, &[])
}

/// [`declarations`], with `inclusive` (prefix, URI) bindings treated as visibly used too: the
/// InclusiveNamespaces PrefixList of exc-c14n.
fn declarations_including<'a>(
    el: &'a Element,
    rendered: &Rendered<'a>,
    inclusive: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut decls: Vec<(&str, &str)> = Vec::new();
    let mut visibly_uses = |prefix: &'a str, uri: &'a str| {
        if prefix == "xml" || decls.iter().any(|(p, _)| *p == prefix) {
            return;
        }
        let current = rendered
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map_or("", |(_, u)| *u);
        if current != uri {
            decls.push((prefix, uri));
        }
    };
    visibly_uses(
        el.name.prefix.as_deref().unwrap_or(""),
        el.name.ns.as_deref().unwrap_or(""),
    );
    for (name, _) in attributes(el) {
        // An unprefixed attribute is in no namespace; it does not use the default one.
        if let (Some(prefix), Some(ns)) = (name.prefix.as_deref(), name.ns.as_deref()) {
            visibly_uses(prefix, ns);
        }
    }
    for (prefix, uri) in inclusive {
        visibly_uses(prefix, uri);
    }
    decls.sort_unstable_by(|a, b| a.0.cmp(b.0));
    decls
}

/// Writes the canonical start tag of `el`: its name, `decls`, then its attributes sorted by
/// namespace URI and local name (C14N 1.0 section 2.2).
fn write_start_tag(el: &Element, decls: &[(&str, &str)], out: &mut String) {
    out.push('<');
    el.name.write_qualified(out);
    write_declarations(decls, out);
    let write_attr = |(name, value): &(Name, String), out: &mut String| {
        out.push(' ');
        name.write_qualified(out);
        out.push_str("=\"");
        escape_attr(value, out);
        out.push('"');
    };
    // Most elements are written with their attributes already in canonical order (the
    // builders add them so); only the others need a sorted copy.
    if attributes(el).is_sorted_by(|(a, _), (b, _)| attr_key(a) <= attr_key(b)) {
        for attr in attributes(el) {
            write_attr(attr, out);
        }
    } else {
        let mut attrs: Vec<_> = attributes(el).collect();
        attrs.sort_by(|(a, _), (b, _)| attr_key(a).cmp(&attr_key(b)));
        for attr in attrs {
            write_attr(attr, out);
        }
    }
    out.push('>');
}

/// The attributes of `el`, without the namespace declarations a received element may keep
/// among them: declarations are rendered from what is visibly used, never copied.
fn attributes(el: &Element) -> impl Iterator<Item = &(Name, String)> {
    el.attrs.iter().filter(|(name, _)| !name.is_declaration())
}

/// The order of attributes in canonical form: namespace URI (none first), then local name.
fn attr_key(name: &Name) -> (&str, &str) {
    (name.ns.as_deref().unwrap_or(""), name.local.as_ref())
}

/// Writes the end tag of `el`.
fn write_end_tag(el: &Element, out: &mut String) {
    out.push_str("</");
    el.name.write_qualified(out);
    out.push('>');
}

/// Writes ` xmlns:p="uri"` (or ` xmlns="uri"`) for each declaration.
pub(crate) fn write_declarations(decls: &[(&str, &str)], out: &mut String) {
    for (prefix, uri) in decls {
        if prefix.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(prefix);
            out.push_str("=\"");
        }
        escape_attr(uri, out);
        out.push('"');
    }
}

fn write_element<'a>(
    el: &'a Element,
    rendered: &mut Rendered<'a>,
    out: &mut String,
    comments: bool,
) {
    let decls = declarations(el, rendered);

    write_start_tag(el, &decls, out);

    let depth = rendered.len();
    rendered.extend(decls);
    for child in &el.children {
        match child {
            Node::Element(e) => write_element(e, rendered, out, comments),
            Node::Text(t) => escape_text(t, out),
            Node::Comment(c) if comments => {
                out.push_str("<!--");
                out.push_str(c);
                out.push_str("-->");
            }
            Node::Comment(_) => {}
        }
    }
    rendered.truncate(depth);

    write_end_tag(el, out);
}

/// `prefix -> namespace URI` in scope at one element (`""` is the default namespace).
pub type Scope = BTreeMap<String, String>;

/// The namespaces in scope at each element of the tree under `root`, in document order (the
/// order of [`Element::elements`] depth-first), from the declarations a tree read with
/// [`super::reader::parse_keeping_declarations`] keeps; a tree without them has nothing in
/// scope. `xml` is never listed.
pub fn in_scope_namespaces(root: &Element) -> Vec<Scope> {
    fn walk(el: &Element, inherited: &Scope, out: &mut Vec<Scope>) {
        let mut scope = inherited.clone();
        for (prefix, uri) in el.declarations() {
            scope.insert(prefix.to_owned(), uri.to_owned());
        }
        out.push(scope.clone());
        for child in el.elements() {
            walk(child, &scope, out);
        }
    }
    let mut out = Vec::new();
    walk(root, &Scope::new(), &mut out);
    out
}

/// Exclusive XML Canonicalization 1.0 without comments, with an InclusiveNamespaces PrefixList
/// (exc-c14n section 3): [`canonicalize`] plus, on every element, the in-scope binding of each
/// listed prefix, rendered when the nearest output ancestor has not rendered the same binding
/// (as inclusive C14N and libxml2 do). With an empty list the output is that of `canonicalize`.
pub(crate) struct ExcC14n<'a> {
    /// In-scope namespaces of every element of the document, in document order.
    pub(crate) scopes: &'a [Scope],
    /// The PrefixList; `""` stands for `#default`.
    pub(crate) inclusive: &'a [String],
    /// The Signature removed by the enveloped-signature transform (by identity).
    pub(crate) skip: Option<&'a Element>,
}

impl<'a> ExcC14n<'a> {
    /// The canonical form of `el`, whose document-order index is `index`, as an apex.
    pub(crate) fn canonicalize(&self, el: &'a Element, index: usize) -> String {
        let mut out = String::with_capacity(4096);
        self.write(el, index, &mut Vec::new(), &mut out);
        out
    }

    /// Writes `el` and returns the document-order index after its subtree.
    fn write(
        &self,
        el: &'a Element,
        index: usize,
        rendered: &mut Rendered<'a>,
        out: &mut String,
    ) -> usize {
        let inclusive: Vec<(&'a str, &'a str)> = self
            .scopes
            .get(index)
            .map(|scope| {
                self.inclusive
                    .iter()
                    .filter_map(|prefix| scope.get_key_value(prefix.as_str()))
                    .map(|(p, uri)| (p.as_str(), uri.as_str()))
                    .collect()
            })
            .unwrap_or_default();
        let decls = declarations_including(el, rendered, &inclusive);

        write_start_tag(el, &decls, out);

        let depth = rendered.len();
        rendered.extend(decls);
        let mut next = index + 1;
        for child in &el.children {
            match child {
                Node::Element(e) if self.skip.is_some_and(|s| std::ptr::eq(s, e)) => {
                    next += count_elements(e);
                }
                Node::Element(e) => next = self.write(e, next, rendered, out),
                Node::Text(t) => escape_text(t, out),
                Node::Comment(_) => {}
            }
        }
        rendered.truncate(depth);

        write_end_tag(el, out);
        next
    }
}

/// The number of elements in `el`'s subtree, `el` included.
pub(crate) fn count_elements(el: &Element) -> usize {
    1 + el.elements().map(count_elements).sum::<usize>()
}

/// C14N 1.0 section 2.3, text nodes.
pub fn escape_text(s: &str, out: &mut String) {
    escape_into(s, out, [b'&', b'<', b'>', b'\r'], |b| match b {
        b'&' => "&amp;",
        b'<' => "&lt;",
        b'>' => "&gt;",
        _ => "&#xD;",
    });
}

/// C14N 1.0 section 2.3, attribute values.
pub fn escape_attr(s: &str, out: &mut String) {
    escape_into(
        s,
        out,
        [b'&', b'<', b'"', b'\t', b'\n', b'\r'],
        |b| match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'"' => "&quot;",
            b'\t' => "&#x9;",
            b'\n' => "&#xA;",
            _ => "&#xD;",
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::xml::reader::{self, Limits};
    use crate::saml::xml::Name;

    const A: &str = "urn:a";
    const B: &str = "urn:b";

    #[test]
    fn declares_each_prefix_where_first_used_and_not_again_below() {
        let doc = Element::new(Name::prefixed("a", A, "root"))
            .child(Element::new(Name::prefixed("a", A, "kid")).text("x"))
            .child(Element::new(Name::prefixed("b", B, "other")));
        assert_eq!(
            write_document(&doc),
            r#"<a:root xmlns:a="urn:a"><a:kid>x</a:kid><b:other xmlns:b="urn:b"></b:other></a:root>"#
        );
    }

    #[test]
    fn siblings_redeclare_because_a_sibling_is_not_an_output_ancestor() {
        let doc = Element::new(Name::prefixed("a", A, "root"))
            .child(Element::new(Name::prefixed("b", B, "one")))
            .child(Element::new(Name::prefixed("b", B, "two")));
        assert_eq!(
            write_document(&doc),
            r#"<a:root xmlns:a="urn:a"><b:one xmlns:b="urn:b"></b:one><b:two xmlns:b="urn:b"></b:two></a:root>"#
        );
    }

    #[test]
    fn a_subtree_as_apex_declares_what_it_inherited() {
        let kid = Element::new(Name::prefixed("a", A, "kid")).text("x");
        let doc = Element::new(Name::prefixed("a", A, "root")).child(kid.clone());
        assert!(write_document(&doc).contains("<a:kid>x</a:kid>"));
        assert_eq!(canonicalize(&kid), r#"<a:kid xmlns:a="urn:a">x</a:kid>"#);
    }

    #[test]
    fn default_namespace_is_declared_by_unprefixed_elements_only() {
        // The ADFS shape: KeyInfo redeclares the dsig namespace as default inside ds:Signature.
        let doc = Element::new(Name::prefixed("ds", B, "Signature")).child(
            Element::new(Name::default_ns(B, "KeyInfo"))
                .child(Element::new(Name::prefixed("ds", B, "X509Data"))),
        );
        assert_eq!(
            write_document(&doc),
            r#"<ds:Signature xmlns:ds="urn:b"><KeyInfo xmlns="urn:b"><ds:X509Data></ds:X509Data></KeyInfo></ds:Signature>"#
        );
    }

    #[test]
    fn unprefixed_no_namespace_child_undeclares_an_inherited_default() {
        let doc =
            Element::new(Name::default_ns(A, "root")).child(Element::new(Name::local("plain")));
        assert_eq!(
            write_document(&doc),
            r#"<root xmlns="urn:a"><plain xmlns=""></plain></root>"#
        );
        // ... but not when nothing declared a default.
        assert_eq!(
            canonicalize(&Element::new(Name::local("plain"))),
            "<plain></plain>"
        );
    }

    #[test]
    fn attributes_sort_by_namespace_then_local_name_unqualified_first() {
        let mut el = Element::new(Name::local("e")).attr("b", "1").attr("a", "2");
        el.attrs.push((Name::prefixed("z", A, "c"), "3".into()));
        el.attrs.push((Name::prefixed("y", B, "a"), "4".into()));
        assert_eq!(
            canonicalize(&el),
            r#"<e xmlns:y="urn:b" xmlns:z="urn:a" a="2" b="1" z:c="3" y:a="4"></e>"#
        );
    }

    #[test]
    fn escapes_text_and_attributes_as_c14n_section_2_3_says() {
        let el = Element::new(Name::local("e"))
            .attr("v", "a&b<c>\"d\te\nf\rg'")
            .text("a&b<c>\"d\te\nf\rg'");
        assert_eq!(
            canonicalize(&el),
            "<e v=\"a&amp;b&lt;c>&quot;d&#x9;e&#xA;f&#xD;g'\">a&amp;b&lt;c&gt;\"d\te\nf&#xD;g'</e>"
        );
    }

    #[test]
    fn escaping_keeps_multibyte_characters_next_to_escaped_ones_whole() {
        let el = Element::new(Name::local("e"))
            .attr("v", "é&ü\"日本\n")
            .text("<Zoë & 日本>\r");
        assert_eq!(
            canonicalize(&el),
            "<e v=\"é&amp;ü&quot;日本&#xA;\">&lt;Zoë &amp; 日本&gt;&#xD;</e>"
        );
    }

    #[test]
    fn attributes_already_in_order_are_written_as_they_are() {
        let mut el = Element::new(Name::local("e")).attr("a", "1").attr("b", "2");
        el.attrs.push((Name::prefixed("z", A, "c"), "3".into()));
        assert_eq!(
            canonicalize(&el),
            r#"<e xmlns:z="urn:a" a="1" b="2" z:c="3"></e>"#
        );
    }

    #[test]
    fn xml_prefix_is_never_declared() {
        let mut el = Element::new(Name::local("e"));
        el.attrs.push((
            Name::prefixed("xml", "http://www.w3.org/XML/1998/namespace", "lang"),
            "en".into(),
        ));
        assert_eq!(canonicalize(&el), r#"<e xml:lang="en"></e>"#);
    }

    #[test]
    fn comments_are_dropped_from_the_canonical_form_but_kept_in_the_document() {
        let mut el = Element::new(Name::local("e")).text("a");
        el.children.push(Node::Comment("c".into()));
        el.children.push(Node::Text("b".into()));
        assert_eq!(canonicalize(&el), "<e>ab</e>");
        assert_eq!(write_document(&el), "<e>a<!--c-->b</e>");
    }

    #[test]
    fn exc_c14n_renders_listed_prefixes_once_and_the_default_only_where_it_changes() {
        let xml = r#"<p:a xmlns:p="urn:p" xmlns:x="urn:x" xmlns="urn:d"><p:b/><c xmlns=""><x:d xmlns:x="urn:x2"/></c></p:a>"#;
        let root = reader::parse_keeping_declarations(xml.as_bytes(), Limits::default()).unwrap();
        let scopes = in_scope_namespaces(&root);
        let render = |list: &[&str]| {
            let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            ExcC14n {
                scopes: &scopes,
                inclusive: &list,
                skip: None,
            }
            .canonicalize(&root, 0)
        };
        assert_eq!(
            render(&[]),
            r#"<p:a xmlns:p="urn:p"><p:b></p:b><c><x:d xmlns:x="urn:x2"></x:d></c></p:a>"#
        );
        assert_eq!(
            render(&["x", "#default"].map(|p| if p == "#default" { "" } else { p })),
            r#"<p:a xmlns="urn:d" xmlns:p="urn:p" xmlns:x="urn:x"><p:b></p:b><c xmlns=""><x:d xmlns:x="urn:x2"></x:d></c></p:a>"#
        );
        // A listed prefix that is not in scope is not rendered.
        assert_eq!(render(&["nope"]), render(&[]));
    }

    #[test]
    fn in_scope_namespaces_include_inherited_and_default_bindings() {
        let root = reader::parse_keeping_declarations(
            r#"<a xmlns="urn:d" xmlns:p="urn:p"><p:b xmlns:q="urn:q"/><c xmlns=""/></a>"#
                .as_bytes(),
            Limits::default(),
        )
        .unwrap();
        let scopes = in_scope_namespaces(&root);
        let get = |i: usize, p: &str| scopes[i].get(p).map(String::as_str);
        assert_eq!(scopes.len(), 3);
        assert_eq!(
            (get(0, ""), get(0, "p"), get(0, "q")),
            (Some("urn:d"), Some("urn:p"), None)
        );
        assert_eq!((get(1, "p"), get(1, "q")), (Some("urn:p"), Some("urn:q")));
        assert_eq!(get(2, ""), Some(""));
        assert!(scopes.iter().all(|s| !s.contains_key("xml")));
    }
}
