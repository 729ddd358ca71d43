//! Received XML to an [`Element`] tree, with xml-rs.
//!
//! SAML messages never need a DTD, and a DTD is how entity-expansion and external-entity
//! attacks get in, so a DOCTYPE is refused outright, as are processing instructions inside the
//! document. CDATA becomes text (or, for protocol requests, is refused: see
//! [`Limits::request`]) and whitespace is kept verbatim, so that the tree canonicalises to what
//! a verifier of the received bytes would compute. A second root element is refused rather than
//! letting one of the two win.
//!
//! [`parse_keeping_declarations`] also keeps the namespace declarations written on each element,
//! for checking a signature whose exc-c14n carries an InclusiveNamespaces PrefixList; the same
//! pass of the parser, so the check works from the one tree received.

use std::borrow::Cow;
use std::io::Read;

use xml::namespace::Namespace;
use xml::reader::{ParserConfig, XmlEvent};

use super::{Element, Name, Node};

/// Limits for a document read from outside.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Most attributes on one element.
    pub max_attributes: usize,
    /// Whether `<![CDATA[...]]>` sections are read (as text) or refused.
    pub allow_cdata: bool,
    /// Most namespace prefixes in scope at one element (the default namespace counts, `xml`
    /// does not). xml-rs hands every element its whole scope, a copy per element: without a
    /// cap, thousands of declarations on the root times thousands of elements is quadratic.
    pub max_namespaces: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_attributes: 64,
            allow_cdata: true,
            max_namespaces: 32,
        }
    }
}

impl Limits {
    /// For the requests SPs send (AuthnRequest, LogoutRequest, LogoutResponse): SP libraries
    /// never write CDATA there, and a CDATA section is a way to make a value read differently
    /// by different parsers, so it is refused.
    pub fn request() -> Self {
        Limits {
            allow_cdata: false,
            // SP libraries declare a handful (samlp, saml, ds, xs, xsi).
            max_namespaces: 16,
            ..Limits::default()
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("not well-formed XML: {0}")]
    Malformed(String),
    #[error("a DOCTYPE is not allowed in a SAML message")]
    Doctype,
    #[error("processing instruction <?{0} ...?> is not allowed in a SAML message")]
    ProcessingInstruction(String),
    #[error("elements are nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("the document has no root element")]
    Empty,
    #[error("the document has a second root element <{0}> after the first one ends")]
    SecondRoot(String),
    #[error("a CDATA section (<![CDATA[...]]>) is not allowed in a SAML request; write the text escaped")]
    Cdata,
    #[error("entity reference &{0}; is not allowed: only &lt; &gt; &amp; &quot; &apos; and character references (&#...;) are")]
    Entity(String),
    #[error("an element has more than {0} attributes, or the document is otherwise larger than accepted")]
    TooManyAttributes(usize),
    #[error("more than {0} namespace prefixes are in scope at an element")]
    TooManyNamespaces(usize),
}

/// Turns an xml-rs error into the most specific [`ReadError`].
fn read_error(e: &xml::reader::Error, limits: Limits) -> ReadError {
    let text = e.to_string();
    if let Some(name) = text.split("Unexpected entity: ").nth(1) {
        return ReadError::Entity(name.trim().to_owned());
    }
    if text.contains("larger/more complex than allowed") {
        return ReadError::TooManyAttributes(limits.max_attributes);
    }
    ReadError::Malformed(text)
}

/// Parses `input` into its root element.
pub fn parse(input: impl Read, limits: Limits) -> Result<Element, ReadError> {
    read(input, limits, false)
}

/// [`parse`], keeping on each element the namespace declarations written on it (those that
/// change what is in scope there), as attributes in the [`XMLNS`](crate::saml::ns::XMLNS) namespace: see
/// [`Element::declarations`]. An InclusiveNamespaces PrefixList needs the namespaces in scope
/// at each element, which the names alone do not tell.
pub fn parse_keeping_declarations(input: impl Read, limits: Limits) -> Result<Element, ReadError> {
    read(input, limits, true)
}

fn read(input: impl Read, limits: Limits, keep_declarations: bool) -> Result<Element, ReadError> {
    let reader = ParserConfig::new()
        .trim_whitespace(false)
        .whitespace_to_characters(true)
        .cdata_to_characters(limits.allow_cdata)
        .coalesce_characters(true)
        .ignore_comments(false)
        .ignore_root_level_whitespace(true)
        .max_attributes(limits.max_attributes)
        .create_reader(input);

    let mut stack: Vec<Element> = Vec::new();
    // With `keep_declarations`, the namespaces in scope at each element of `stack`.
    let mut scopes: Vec<Namespace> = Vec::new();
    let mut root: Option<Element> = None;
    for event in reader {
        match event.map_err(|e| read_error(&e, limits))? {
            XmlEvent::StartDocument { .. } | XmlEvent::EndDocument => {}
            XmlEvent::Doctype { .. } => return Err(ReadError::Doctype),
            XmlEvent::ProcessingInstruction { name, .. } => {
                return Err(ReadError::ProcessingInstruction(name))
            }
            XmlEvent::StartElement {
                name,
                attributes,
                namespace,
            } => {
                if stack.is_empty() && root.is_some() {
                    return Err(ReadError::SecondRoot(match &name.prefix {
                        Some(p) => format!("{p}:{}", name.local_name),
                        None => name.local_name,
                    }));
                }
                if stack.len() >= limits.max_depth {
                    return Err(ReadError::TooDeep(limits.max_depth));
                }
                let in_scope = (&namespace)
                    .into_iter()
                    .filter(|(prefix, _)| !matches!(*prefix, "xml" | "xmlns"))
                    .count();
                if in_scope > limits.max_namespaces {
                    return Err(ReadError::TooManyNamespaces(limits.max_namespaces));
                }
                let mut el = Element::new(Name {
                    prefix: name.prefix.map(Cow::Owned),
                    ns: name.namespace.map(Cow::Owned),
                    local: Cow::Owned(name.local_name),
                });
                el.attrs = attributes
                    .into_iter()
                    .map(|a| {
                        let n = Name {
                            prefix: a.name.prefix.map(Cow::Owned),
                            ns: a.name.namespace.map(Cow::Owned),
                            local: Cow::Owned(a.name.local_name),
                        };
                        (n, a.value)
                    })
                    .collect();
                if keep_declarations {
                    el.attrs.extend(declared(&namespace, scopes.last()));
                    scopes.push(namespace);
                }
                stack.push(el);
            }
            XmlEvent::EndElement { .. } => {
                scopes.pop();
                let el = stack.pop().ok_or(ReadError::Empty)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(el)),
                    None => root = Some(el),
                }
            }
            XmlEvent::CData(_) if !limits.allow_cdata => return Err(ReadError::Cdata),
            XmlEvent::Characters(t) | XmlEvent::Whitespace(t) | XmlEvent::CData(t) => {
                // Text outside the root element is whitespace (xml-rs refuses anything else).
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Text(t));
                }
            }
            XmlEvent::Comment(c) => {
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Comment(c));
                }
            }
        }
    }
    root.ok_or(ReadError::Empty)
}

/// The declarations an element made: the bindings of its scope that differ from its parent's
/// (for the root, from the implicit ones), as [`Name::declaration`] attributes. xml-rs reports
/// each element's whole scope; a redeclaration to the same URI changes nothing and is not kept.
fn declared(scope: &Namespace, parent: Option<&Namespace>) -> Vec<(Name, String)> {
    scope
        .into_iter()
        .filter(|(prefix, uri)| {
            let inherited = match parent {
                Some(parent) => parent.get(*prefix),
                // No default namespace is the same as xmlns="".
                None => prefix.is_empty().then_some(""),
            };
            *prefix != "xml" && *prefix != "xmlns" && inherited != Some(*uri)
        })
        .map(|(prefix, uri)| (Name::declaration(prefix), uri.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::xml::c14n::canonicalize;

    fn read(s: &str) -> Result<Element, ReadError> {
        parse(s.as_bytes(), Limits::default())
    }

    /// xml-rs copies the whole scope to every element: thousands of declarations on the root
    /// times thousands of elements took minutes. The scope is capped, so the copy is small.
    #[test]
    fn too_many_namespaces_in_scope_are_refused_at_the_first_element() {
        let doc = |n: usize, kids: usize| {
            let decls: String = (0..n)
                .map(|i| format!(" xmlns:a{i}=\"urn:x:{i}\""))
                .collect();
            format!("<r xmlns=\"urn:r\"{decls}>{}</r>", "<k/>".repeat(kids))
        };
        for (limits, cap) in [(Limits::default(), 32), (Limits::request(), 16)] {
            assert!(parse(doc(cap - 1, 10).as_bytes(), limits).is_ok(), "{cap}");
            assert_eq!(
                parse(doc(cap, 10).as_bytes(), limits).unwrap_err(),
                ReadError::TooManyNamespaces(cap)
            );
            assert_eq!(
                parse_keeping_declarations(doc(5000, 40_000).as_bytes(), limits).unwrap_err(),
                ReadError::TooManyNamespaces(cap)
            );
        }
        // Declared on siblings, not accumulated: each element's scope stays small.
        let siblings = format!(
            "<r>{}</r>",
            "<k xmlns:a=\"urn:a\" xmlns:b=\"urn:b\"/>".repeat(1000)
        );
        assert!(parse(siblings.as_bytes(), Limits::request()).is_ok());
    }

    #[test]
    fn reads_namespaces_attributes_and_text() {
        let el =
            read(r#"<?xml version="1.0"?><p:a xmlns:p="urn:p" x="1"><p:b>hi</p:b></p:a>"#).unwrap();
        assert!(el.name.is("urn:p", "a"));
        assert_eq!(el.attribute("x"), Some("1"));
        assert_eq!(el.first("urn:p", "b").unwrap().text_content(), "hi");
    }

    #[test]
    fn canonicalises_parsed_input_dropping_unused_declarations_and_comments() {
        let el = read(
            "<p:a xmlns:p=\"urn:p\" xmlns:unused=\"urn:u\" z=\"2\" a=\"1\">\n  <!-- c --><p:b/><![CDATA[<x>]]></p:a>",
        )
        .unwrap();
        assert_eq!(
            canonicalize(&el),
            "<p:a xmlns:p=\"urn:p\" a=\"1\" z=\"2\">\n  <p:b></p:b>&lt;x&gt;</p:a>"
        );
    }

    #[test]
    fn refuses_doctype_and_entities() {
        let xxe = r#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#;
        assert_eq!(read(xxe), Err(ReadError::Doctype));
    }

    #[test]
    fn refuses_processing_instructions() {
        assert_eq!(
            read("<a><?evil x?></a>"),
            Err(ReadError::ProcessingInstruction("evil".into()))
        );
    }

    #[test]
    fn refuses_deep_nesting() {
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(read(&deep), Err(ReadError::TooDeep(64)));
    }

    #[test]
    fn refuses_a_second_root_instead_of_keeping_either() {
        assert_eq!(
            read("<a/><p:b xmlns:p=\"urn:p\"/>"),
            Err(ReadError::SecondRoot("p:b".into()))
        );
    }

    #[test]
    fn cdata_is_text_by_default_and_refused_in_requests() {
        let xml = "<a><![CDATA[x<y]]></a>";
        assert_eq!(read(xml).unwrap().text_content(), "x<y");
        assert_eq!(
            parse(xml.as_bytes(), Limits::request()),
            Err(ReadError::Cdata)
        );
    }

    #[test]
    fn names_undeclared_entities_and_attribute_floods() {
        assert_eq!(read("<a>&foo;</a>"), Err(ReadError::Entity("foo".into())));
        assert_eq!(read("<a>&lt;&#65;</a>").unwrap().text_content(), "<A");
        let attrs: String = (0..100).map(|i| format!(" a{i}=\"v\"")).collect();
        assert_eq!(
            read(&format!("<a{attrs}/>")),
            Err(ReadError::TooManyAttributes(64))
        );
    }

    #[test]
    fn keeps_the_declarations_written_on_each_element_only_when_asked() {
        let xml = concat!(
            r#"<p:a xmlns:p="urn:p" xmlns:unused="urn:u" z="1">"#,
            r#"<p:b xmlns:p="urn:p" xmlns="urn:d"><c xmlns=""/></p:b></p:a>"#
        );
        let kept = parse_keeping_declarations(xml.as_bytes(), Limits::default()).unwrap();
        fn decls(el: &Element) -> Vec<(&str, &str)> {
            el.declarations().collect()
        }
        assert_eq!(decls(&kept), [("p", "urn:p"), ("unused", "urn:u")]);
        // A redeclaration to the same URI changes nothing in scope and is not kept.
        let b = kept.first("urn:p", "b").unwrap();
        assert_eq!(decls(b), [("", "urn:d")]);
        assert_eq!(decls(b.elements().next().unwrap()), [("", "")]);
        assert_eq!(kept.attribute("z"), Some("1"));
        // Without asking, the tree holds none; either way the writer renders the same bytes.
        let plain = read(xml).unwrap();
        assert!(decls(&plain).is_empty());
        assert_eq!(plain.attrs.len(), 1);
        assert_eq!(canonicalize(&kept), canonicalize(&plain));
        // The limits hold when declarations are kept.
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert_eq!(
            parse_keeping_declarations(deep.as_bytes(), Limits::default()),
            Err(ReadError::TooDeep(64))
        );
        let xxe = r#"<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#;
        assert_eq!(
            parse_keeping_declarations(xxe.as_bytes(), Limits::default()),
            Err(ReadError::Doctype)
        );
    }

    #[test]
    fn reports_malformed_input() {
        assert!(matches!(read("<a><b></a>"), Err(ReadError::Malformed(_))));
        assert!(matches!(
            read(""),
            Err(ReadError::Malformed(_)) | Err(ReadError::Empty)
        ));
    }
}
