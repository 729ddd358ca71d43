//! Received XML to an [`Element`] tree, with xml-rs.
//!
//! SAML messages never need a DTD, and a DTD is how entity-expansion and external-entity
//! attacks get in, so a DOCTYPE is refused outright, as are processing instructions inside the
//! document. CDATA becomes text and whitespace is kept verbatim, so that the tree canonicalises
//! to what a verifier of the received bytes would compute.

use std::io::Read;

use xml::reader::{ParserConfig, XmlEvent};

use super::{Element, Name, Node};

/// Limits for a document read from outside.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest element nesting accepted.
    pub max_depth: usize,
    /// Most attributes on one element.
    pub max_attributes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_attributes: 64,
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
}

/// Parses `input` into its root element.
pub fn parse(input: impl Read, limits: Limits) -> Result<Element, ReadError> {
    let reader = ParserConfig::new()
        .trim_whitespace(false)
        .whitespace_to_characters(true)
        .cdata_to_characters(true)
        .coalesce_characters(true)
        .ignore_comments(false)
        .ignore_root_level_whitespace(true)
        .max_attributes(limits.max_attributes)
        .create_reader(input);

    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    for event in reader {
        match event.map_err(|e| ReadError::Malformed(e.to_string()))? {
            XmlEvent::StartDocument { .. } | XmlEvent::EndDocument => {}
            XmlEvent::Doctype { .. } => return Err(ReadError::Doctype),
            XmlEvent::ProcessingInstruction { name, .. } => {
                return Err(ReadError::ProcessingInstruction(name))
            }
            XmlEvent::StartElement {
                name, attributes, ..
            } => {
                if stack.len() >= limits.max_depth {
                    return Err(ReadError::TooDeep(limits.max_depth));
                }
                let mut el = Element::new(Name {
                    prefix: name.prefix,
                    ns: name.namespace,
                    local: name.local_name,
                });
                el.attrs = attributes
                    .into_iter()
                    .map(|a| {
                        let n = Name {
                            prefix: a.name.prefix,
                            ns: a.name.namespace,
                            local: a.name.local_name,
                        };
                        (n, a.value)
                    })
                    .collect();
                stack.push(el);
            }
            XmlEvent::EndElement { .. } => {
                let el = stack.pop().ok_or(ReadError::Empty)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(el)),
                    None => root = Some(el),
                }
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::xml::c14n::canonicalize;

    fn read(s: &str) -> Result<Element, ReadError> {
        parse(s.as_bytes(), Limits::default())
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
    fn reports_malformed_input() {
        assert!(matches!(read("<a><b></a>"), Err(ReadError::Malformed(_))));
        assert!(matches!(
            read(""),
            Err(ReadError::Malformed(_)) | Err(ReadError::Empty)
        ));
    }
}
