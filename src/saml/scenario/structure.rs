//! Structure: required parts missing or empty, a foreign version, a repeated attribute, and
//! documents an SP's XML parser must refuse (a DTD, broken XML, an oversized message).
//!
//! The first group changes the response before signing, so the signatures stay valid: an SP
//! that accepts one checks the signature but not the shape of what it covers. The last three
//! change the bytes after signing.

use super::{Expected, Family, Scenario, Severity, ShapeContext};
use crate::saml::ns;
use crate::saml::response::{AttributeSpec, ResponseSpec};

/// The version a SAML 1.1 message carries (MajorVersion 1, MinorVersion 1).
const VERSION_1_1: &str = "1.1";
/// The name of the internal entity `doctype-entity` declares.
const ENTITY: &str = "tail";
/// What `oversize` appends: 1 MiB of whitespace, in lines of 1024 bytes.
const PADDING_LINES: usize = 1024;
const PADDING_LINE: usize = 1024;

pub const ALL: &[Scenario] = &[
    Scenario {
        shape: Some(missing_nameid),
        ..Scenario::new(
            "missing-nameid",
            Family::Structure,
            "No NameID",
            "The Subject carries only its bearer SubjectConfirmation: there is no NameID saying who logged in. The signatures are valid.",
            "saml-core 2.4.1 (Subject); python3-saml NO_NAMEID (wantNameId); ruby-saml want_name_id",
            Expected::Policy("rejected by SPs that identify the user by NameID (python3-saml by default, ruby-saml with want_name_id); an SP configured to take the user from an attribute may accept it"),
        )
    },
    Scenario {
        shape: Some(empty_nameid),
        ..Scenario::new(
            "empty-nameid",
            Family::Structure,
            "Empty NameID",
            "The NameID element is present, with its usual Format, but empty. No user may be matched to an empty identifier.",
            "saml-core 2.2.3 (NameID), 8.3 (formats); python3-saml EMPTY_NAMEID; ruby-saml \"An empty NameID value found\"",
            Expected::Reject("the NameID is empty"),
        )
    },
    Scenario {
        shape: Some(missing_subject_confirmation),
        ..Scenario::new(
            "missing-subject-confirmation",
            Family::Structure,
            "No subject confirmation",
            "The Subject carries the NameID but no bearer SubjectConfirmation, so nothing binds the assertion to this SP's ACS, to the request or to a time limit.",
            "saml-profiles 4.1.4.2: the Subject MUST contain a bearer SubjectConfirmation",
            Expected::Reject("the assertion has no bearer SubjectConfirmation"),
        )
    },
    Scenario {
        shape: Some(missing_conditions),
        ..Scenario::new(
            "missing-conditions",
            Family::Structure,
            "No Conditions",
            "The Assertion has no Conditions element: no validity window and no AudienceRestriction.",
            "saml-profiles 4.1.4.2 (AudienceRestriction required); saml-core 2.5; python3-saml MISSING_CONDITIONS",
            Expected::Reject("the assertion has no Conditions"),
        )
    },
    Scenario {
        shape: Some(missing_authn_statement),
        ..Scenario::new(
            "missing-authn-statement",
            Family::Structure,
            "No AuthnStatement",
            "The Assertion has no AuthnStatement: it says who the user is but not that they authenticated.",
            "saml-profiles 4.1.4.2: at least one assertion MUST contain an AuthnStatement",
            Expected::Reject("the assertion has no AuthnStatement"),
        )
    },
    Scenario {
        shape: Some(version_1_1),
        ..Scenario::new(
            "version-1-1",
            Family::Structure,
            "Version 1.1",
            "The Response and the Assertion carry Version=\"1.1\" instead of 2.0; nothing else changes and the signatures are valid.",
            "saml-core 3.2.2 and 2.3.3 (Version is 2.0), 4.1 (versioning)",
            Expected::Reject("unsupported SAML version 1.1"),
        )
    },
    Scenario {
        shape: Some(duplicate_attribute),
        ..Scenario::new(
            "duplicate-attribute",
            Family::Structure,
            "Attribute repeated with another value",
            "The AttributeStatement carries the role attribute twice, as two Attribute elements with the same Name: the user's own value (agent) and admin. The signatures are valid. An SP must not silently keep whichever comes last (or first).",
            "saml-core 2.7.3 (AttributeStatement); python3-saml DUPLICATED_ATTRIBUTE_NAME_FOUND (allowRepeatAttributeName); ruby-saml check_duplicated_attributes",
            Expected::Policy("rejected by SPs that refuse repeated attribute names (python3-saml by default, ruby-saml with check_duplicated_attributes); others merge the values into one multi-valued role, and must then grant the admin role knowingly, never by overwriting"),
        )
    },
    Scenario {
        encode: Some(doctype_entity),
        // Not a matter of shape: a parser that takes DTDs is open to XXE, and this very trick
        // forged logins at GitHub Enterprise (CVE-2025-23369).
        severity: Some(Severity::Critical),
        ..Scenario::new(
            "doctype-entity",
            Family::Structure,
            "DOCTYPE with an internal entity",
            "The signed response is sent with a DOCTYPE declaring an internal entity, and the end of the NameID (the part after the @) is written as a reference to it. A parser that expands entities sees the signed NameID and a valid signature; one that keeps the reference unexpanded sees only alice@. SAML never needs a DTD, and a DTD is how entity expansion and XXE attacks get in.",
            "XML 1.0 section 4 (entities); ruby-saml attackxee.xml; FusionAuth CVE-2021-27736; GitHub Enterprise CVE-2025-23369",
            Expected::Reject("DOCTYPE not allowed"),
        )
    },
    Scenario {
        encode: Some(malformed_xml),
        ..Scenario::new(
            "malformed-xml",
            Family::Structure,
            "Not well-formed XML",
            "The signed response is sent without its closing </samlp:Response> tag. A parser that recovers from errors would rebuild the document and find valid signatures; a correct SP refuses it outright.",
            "XML 1.0 section 2.1 (well-formed documents)",
            Expected::Reject("the response is not well-formed XML"),
        )
    },
    Scenario {
        encode: Some(oversize),
        ..Scenario::new(
            "oversize",
            Family::Structure,
            "Response over 1 MiB",
            "The signed response is followed by 1 MiB of whitespace after its closing tag, so the message exceeds 1 MiB (about 1.4 MB once base64-encoded) while the document and its signatures stay valid. Probes whether the SP limits the size of what it parses.",
            "ruby-saml CVE-2025-54572 (message_max_bytesize, default 250000 bytes)",
            Expected::Policy("rejected by SPs that cap the message size below 1 MiB (ruby-saml's default cap is 250,000 bytes); an SP that accepts it has no size limit, since nothing else is wrong"),
        )
    },
];

fn missing_nameid(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(a) = &mut spec.assertion {
        a.name_id = None;
    }
}

fn empty_nameid(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(n) = spec.assertion.as_mut().and_then(|a| a.name_id.as_mut()) {
        n.value.clear();
    }
}

fn missing_subject_confirmation(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(a) = &mut spec.assertion {
        a.confirmation = None;
    }
}

fn missing_conditions(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(a) = &mut spec.assertion {
        a.conditions = None;
    }
}

fn missing_authn_statement(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(a) = &mut spec.assertion {
        a.authn = None;
    }
}

fn version_1_1(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    VERSION_1_1.clone_into(&mut spec.version);
    if let Some(a) = &mut spec.assertion {
        VERSION_1_1.clone_into(&mut a.version);
    }
}

/// Repeats the role attribute (or, when the user has none, the first attribute) with the value
/// `admin`, or `agent` when it already holds `admin`. With no attributes at all, sends role
/// twice.
fn duplicate_attribute(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    let Some(a) = &mut spec.assertion else {
        return;
    };
    let is_role = |n: &str| n == "role" || n == "roles" || n == ns::claims::ROLE;
    let original = a
        .attributes
        .iter()
        .find(|attr| is_role(&attr.name))
        .or(a.attributes.first())
        .cloned();
    let original = match original {
        Some(o) => o,
        None => {
            let role = AttributeSpec::new("role", vec!["agent".to_owned()]);
            a.attributes.push(role.clone());
            role
        }
    };
    let value = if original.values.iter().any(|v| v == "admin") {
        "agent"
    } else {
        "admin"
    };
    a.attributes.push(AttributeSpec {
        values: vec![value.to_owned()],
        ..original
    });
}

/// The byte range of the NameID's text in `xml`, if there is a NameID.
fn name_id_text(xml: &str) -> Option<(usize, usize)> {
    let tag = xml.match_indices('<').map(|(i, _)| i).find(|&i| {
        let name = xml[i + 1..]
            .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .next()
            .unwrap_or_default();
        name.rsplit(':').next() == Some("NameID")
    })?;
    let start = tag + xml[tag..].find('>')? + 1;
    let end = start + xml[start..].find('<')?;
    Some((start, end))
}

/// Prepends a DOCTYPE declaring the entity `tail` as the end of the NameID (after its `@`, or
/// its second half), and writes that end as `&tail;`. Expanding the entity gives back the
/// signed document exactly.
fn doctype_entity(xml: &mut String) {
    let root = xml[1..]
        .split(|c: char| c.is_whitespace() || c == '>')
        .next()
        .unwrap_or_default()
        .to_owned();
    let (value, range) = match name_id_text(xml) {
        Some((start, end)) => {
            let text = &xml[start..end];
            let split = match text.find('@') {
                Some(at) => at + 1,
                None => text
                    .char_indices()
                    .nth(text.chars().count() / 2)
                    .map_or(text.len(), |(i, _)| i),
            };
            (text[split..].to_owned(), Some((start + split, end)))
        }
        None => (String::new(), None),
    };
    // In an entity value `%` starts a parameter-entity reference and `"` ends the literal.
    let literal = value.replace('%', "&#37;").replace('"', "&#34;");
    if let Some((start, end)) = range {
        xml.replace_range(start..end, &format!("&{ENTITY};"));
    }
    xml.insert_str(
        0,
        &format!("<!DOCTYPE {root} [<!ENTITY {ENTITY} \"{literal}\">]>"),
    );
}

/// Drops the closing tag of the root element.
fn malformed_xml(xml: &mut String) {
    if let Some(pos) = xml.rfind("</") {
        xml.truncate(pos);
    }
}

/// Appends 1 MiB of whitespace after the root element, where it changes no signature.
fn oversize(xml: &mut String) {
    let line = " ".repeat(PADDING_LINE - 1) + "\n";
    xml.reserve(PADDING_LINES * PADDING_LINE + 1);
    xml.push('\n');
    for _ in 0..PADDING_LINES {
        xml.push_str(&line);
    }
}

#[cfg(test)]
mod tests {
    use super::super::addressing::tests::{at, remove, set_text, shaped};
    use super::super::{find, testkit, VALID};
    use crate::saml::issue::ResponseProfile;
    use crate::saml::ns;
    use crate::saml::sp::ResponseStyle;
    use crate::saml::xml::reader::{parse, Limits, ReadError};
    use crate::saml::xml::{Element, Name};

    const ASSERTION: &[&str] = &["Assertion"];
    const SUBJECT: &[&str] = &["Assertion", "Subject"];

    fn run(id: &str) -> String {
        testkit::run(find(id).unwrap()).xml
    }

    fn read(xml: &str) -> Result<Element, ReadError> {
        parse(xml.as_bytes(), Limits::default())
    }

    #[test]
    fn missing_parts_remove_exactly_that_part() {
        shaped("missing-nameid", |r| remove(at(r, SUBJECT), "NameID"));
        shaped("missing-subject-confirmation", |r| {
            remove(at(r, SUBJECT), "SubjectConfirmation")
        });
        shaped("missing-conditions", |r| {
            remove(at(r, ASSERTION), "Conditions")
        });
        shaped("missing-authn-statement", |r| {
            remove(at(r, ASSERTION), "AuthnStatement")
        });
    }

    #[test]
    fn empty_nameid_keeps_the_element_and_its_format() {
        let doc = shaped("empty-nameid", |r| {
            set_text(at(r, &["Assertion", "Subject", "NameID"]), "")
        });
        let name_id = doc
            .first(ns::ASSERTION, "Assertion")
            .and_then(|a| a.first(ns::ASSERTION, "Subject"))
            .and_then(|s| s.first(ns::ASSERTION, "NameID"))
            .unwrap();
        assert_eq!(name_id.text_content(), "");
        assert_eq!(name_id.attribute("Format"), Some(ns::nameid::EMAIL));
    }

    #[test]
    fn version_1_1_is_on_the_response_and_the_assertion() {
        let doc = shaped("version-1-1", |r| {
            r.set_attr("Version", "1.1");
            at(r, ASSERTION).set_attr("Version", "1.1");
        });
        assert_eq!(doc.attribute("Version"), Some("1.1"));
    }

    #[test]
    fn duplicate_attribute_adds_a_second_role_with_another_value() {
        let doc = shaped("duplicate-attribute", |r| {
            let statement = at(r, &["Assertion", "AttributeStatement"]);
            let saml =
                |local: &'static str| Element::new(Name::prefixed("saml", ns::ASSERTION, local));
            statement.children.push(crate::saml::xml::Node::Element(
                saml("Attribute")
                    .attr("Name", "role")
                    .attr("NameFormat", ns::attrname::BASIC)
                    .child(saml("AttributeValue").text("admin")),
            ));
        });
        let roles: Vec<String> = doc
            .first(ns::ASSERTION, "Assertion")
            .and_then(|a| a.first(ns::ASSERTION, "AttributeStatement"))
            .unwrap()
            .elements()
            .filter(|e| e.attribute("Name") == Some("role"))
            .map(|e| {
                e.first(ns::ASSERTION, "AttributeValue")
                    .unwrap()
                    .text_content()
            })
            .collect();
        assert_eq!(roles, ["agent", "admin"]);
    }

    #[test]
    fn doctype_entity_is_refused_and_expands_to_the_signed_response() {
        let valid = testkit::run(&VALID).xml;
        let xml = run("doctype-entity");
        assert!(xml.starts_with(
            r#"<!DOCTYPE samlp:Response [<!ENTITY tail "acme-support.example">]><samlp:Response "#
        ));
        assert!(xml.contains(">alice@&tail;</saml:NameID>"));
        assert_eq!(read(&xml).unwrap_err(), ReadError::Doctype);
        // What an entity-expanding parser reads is the valid signed response, byte for byte.
        let body = &xml[xml.find("]>").unwrap() + 2..];
        assert_eq!(body.replace("&tail;", "acme-support.example"), valid);
    }

    #[test]
    fn doctype_entity_escapes_what_an_entity_value_cannot_hold() {
        let mut xml = r#"<p:R xmlns:p="urn:p"><p:NameID F="x">a"b%c</p:NameID></p:R>"#.to_owned();
        super::doctype_entity(&mut xml);
        assert_eq!(
            xml,
            r#"<!DOCTYPE p:R [<!ENTITY tail "b&#37;c">]><p:R xmlns:p="urn:p"><p:NameID F="x">a"&tail;</p:NameID></p:R>"#
        );
    }

    #[test]
    fn doctype_entity_and_duplicate_attribute_follow_the_adfs_style() {
        let adfs = ResponseProfile {
            style: ResponseStyle::Adfs,
            ..ResponseProfile::default()
        };
        let valid = testkit::run_with(&VALID, &adfs).xml;
        let xml = testkit::run_with(find("doctype-entity").unwrap(), &adfs).xml;
        assert!(
            xml.starts_with(r#"<!DOCTYPE samlp:Response [<!ENTITY tail "acme-support.example">]>"#)
        );
        assert!(xml.contains(">alice@&tail;</NameID>"));
        let body = &xml[xml.find("]>").unwrap() + 2..];
        assert_eq!(body.replace("&tail;", "acme-support.example"), valid);

        let doc =
            read(&testkit::run_with(find("duplicate-attribute").unwrap(), &adfs).xml).unwrap();
        let roles: Vec<String> = doc
            .first(ns::ASSERTION, "Assertion")
            .and_then(|a| a.first(ns::ASSERTION, "AttributeStatement"))
            .unwrap()
            .elements()
            .filter(|e| e.attribute("Name") == Some(ns::claims::ROLE))
            .map(|e| {
                e.first(ns::ASSERTION, "AttributeValue")
                    .unwrap()
                    .text_content()
            })
            .collect();
        assert_eq!(roles, ["agent", "admin"]);
    }

    #[test]
    fn malformed_xml_lacks_only_the_closing_tag() {
        let valid = testkit::run(&VALID).xml;
        let xml = run("malformed-xml");
        assert!(matches!(read(&xml), Err(ReadError::Malformed(_))));
        assert_eq!(format!("{xml}</samlp:Response>"), valid);
    }

    #[test]
    fn oversize_exceeds_a_mebibyte_with_valid_signatures() {
        let valid = testkit::run(&VALID).xml;
        let out = testkit::run(find("oversize").unwrap());
        assert!(out.xml.len() > 1024 * 1024 + valid.len());
        assert!(out.saml_response.len() > 1024 * 1024 * 4 / 3);
        assert_eq!(out.xml.trim_end(), valid);
        let doc = read(&out.xml).unwrap();
        testkit::verify(&doc, doc.attribute("ID").unwrap()).unwrap();
        let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
        testkit::verify(&doc, a.attribute("ID").unwrap()).unwrap();
    }
}
