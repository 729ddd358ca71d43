//! A response reviewed before it is posted: the text a person edits, and the response made of
//! the edit, either as typed or re-signed the way the original was signed.
//!
//! The text is the document indented element by element, with the namespace declarations
//! exclusive c14n renders (so it parses again, unlike the inspector's reading copy). The
//! indentation is layout, not content: [`as_typed`] and [`resign`] both take it out again, so
//! an unedited text gives back the original bytes, and a part nobody edited keeps a digest
//! that verifies.

use super::dsig::{self, Algorithms, DigestAlgorithm, DsigError, KeyInfoStyle, SignatureAlgorithm};
use super::ns;
use super::xml::c14n::write_document;
use super::xml::reader::{parse, Limits, ReadError};
use super::xml::{Element, Node};

/// Limits for an edited response: generous, since scenarios nest and repeat elements.
const LIMITS: Limits = Limits {
    max_depth: 128,
    max_attributes: 256,
    allow_cdata: true,
    max_namespaces: 32,
};

/// The most `ds:Signature` elements a reviewed response may hold to be re-signed: each costs a
/// signature and a digest of its element, and a response has two (a scenario's at most a few).
pub const MAX_SIGNATURES: usize = 16;

/// `xml` indented for editing, or `xml` itself when it does not parse (a scenario's
/// deliberately malformed output is edited as it is).
pub fn editable(xml: &str) -> String {
    match parse(xml.as_bytes(), LIMITS) {
        Ok(mut root) => {
            indent(&mut root, 0);
            write_document(&root)
        }
        Err(_) => xml.to_owned(),
    }
}

/// Whether `el` holds elements (or comments) and, besides them, whitespace at most: the
/// elements whose whitespace is layout.
fn is_element_only(el: &Element) -> bool {
    el.children.iter().any(|n| !matches!(n, Node::Text(_)))
        && el
            .children
            .iter()
            .all(|n| !matches!(n, Node::Text(t) if !t.trim().is_empty()))
}

/// Puts each child of an element-only element on its own line, two spaces deeper.
fn indent(el: &mut Element, depth: usize) {
    for child in &mut el.children {
        if let Node::Element(e) = child {
            indent(e, depth + 1);
        }
    }
    if !is_element_only(el) {
        return;
    }
    let inner = format!("\n{}", "  ".repeat(depth + 1));
    let children = std::mem::take(&mut el.children);
    for child in children.into_iter().filter(|n| !matches!(n, Node::Text(_))) {
        el.children.push(Node::Text(inner.clone()));
        el.children.push(child);
    }
    el.children
        .push(Node::Text(format!("\n{}", "  ".repeat(depth))));
}

/// Takes out what [`indent`] puts in: whitespace between the children of element-only
/// elements.
fn unindent(el: &mut Element) {
    if is_element_only(el) {
        el.children.retain(|n| !matches!(n, Node::Text(_)));
    }
    for child in &mut el.children {
        if let Node::Element(e) = child {
            unindent(e);
        }
    }
}

/// The edited text as it is posted: exactly as typed, except that line ends are LF (browsers
/// send a textarea with CRLF) and whitespace that spans lines between a `>` and a `<` is
/// removed (the indentation [`editable`] added, and the line breaks a person adds between
/// elements). Whitespace inside a comment or CDATA section that looks the same is removed too.
pub fn as_typed(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(gt) = rest.find('>') {
        out.push_str(&rest[..=gt]);
        rest = &rest[gt + 1..];
        let ws = rest.len() - rest.trim_start().len();
        if rest[..ws].contains('\n') && rest[ws..].starts_with('<') {
            rest = &rest[ws..];
        }
    }
    out.push_str(rest);
    out
}

/// Why an edited response cannot be re-signed.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the edited response is not well-formed XML: line {line}, column {column}: {message}")]
    At {
        line: u64,
        column: u64,
        message: String,
    },
    #[error("the edited response cannot be read: {0}")]
    Read(ReadError),
    #[error("the ds:Signature inside <{0}> cannot be re-signed: that element has no ID attribute for the signature to reference")]
    NoId(String),
    #[error("the edited response holds {0} ds:Signature elements; at most {MAX_SIGNATURES} are re-signed (a response has two)")]
    TooManySignatures(usize),
    #[error("signing failed: {0}")]
    Signing(#[from] DsigError),
}

impl EditError {
    fn from_read(e: ReadError, text: &str) -> EditError {
        let at = |needle: &str| {
            text.find(needle).map(|offset| {
                let before = &text[..offset];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |p| p + 1) + 1;
                (line as u64, column as u64)
            })
        };
        let located = match &e {
            // xml-rs starts its messages with the position, `row:column `.
            ReadError::Malformed(m) => m.split_once(' ').and_then(|(pos, message)| {
                let (l, c) = pos.split_once(':')?;
                Some((l.parse().ok()?, c.parse().ok()?, message.to_owned()))
            }),
            ReadError::Doctype => at("<!DOCTYPE").map(|(l, c)| (l, c, e.to_string())),
            ReadError::ProcessingInstruction(name) => {
                at(&format!("<?{name}")).map(|(l, c)| (l, c, e.to_string()))
            }
            ReadError::Entity(name) => at(&format!("&{name};")).map(|(l, c)| (l, c, e.to_string())),
            ReadError::Cdata => at("<![CDATA[").map(|(l, c)| (l, c, e.to_string())),
            ReadError::TooDeep(_)
            | ReadError::Empty
            | ReadError::SecondRoot(_)
            | ReadError::TooManyAttributes(_)
            | ReadError::TooManyNamespaces(_) => None,
        };
        match located {
            Some((line, column, message)) => EditError::At {
                line,
                column,
                message,
            },
            None => EditError::Read(e),
        }
    }
}

/// A re-signed response and what was signed in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resigned {
    pub xml: String,
    /// The IDs of the elements whose signatures were recomputed, innermost first.
    pub signed: Vec<String>,
}

/// Parses the edited `text` and recomputes every enveloped signature in it with `signer`,
/// innermost first (an assertion before the response that covers it): each `ds:Signature`
/// child of an element with an ID becomes the standard signature of that element, with the
/// SignatureMethod and DigestMethod it had (or `fallback` when it named no method we sign with;
/// a method the signer's kind of key cannot make becomes the key's own), and
/// the signer's certificate as KeyInfo if it had a KeyInfo. No signature is added where there
/// was none. Whitespace between elements is layout and taken out (see [`editable`]).
pub fn resign(
    text: &str,
    fallback: Algorithms,
    signer: &dsig::Signer,
) -> Result<Resigned, EditError> {
    let mut root = parse(text.as_bytes(), LIMITS).map_err(|e| EditError::from_read(e, text))?;
    let count = count_signatures(&root);
    if count > MAX_SIGNATURES {
        return Err(EditError::TooManySignatures(count));
    }
    unindent(&mut root);
    let mut signed = Vec::new();
    resign_within(&mut root, fallback, signer, &mut signed)?;
    Ok(Resigned {
        xml: write_document(&root),
        signed,
    })
}

/// Every `ds:Signature` element in the tree, at any depth (inside another signature too).
fn count_signatures(el: &Element) -> usize {
    el.elements()
        .map(|e| usize::from(e.name.is(ns::DSIG, "Signature")) + count_signatures(e))
        .sum()
}

fn is_signature(n: &Node) -> bool {
    matches!(n, Node::Element(e) if e.name.is(ns::DSIG, "Signature"))
}

fn resign_within(
    el: &mut Element,
    fallback: Algorithms,
    signer: &dsig::Signer,
    signed: &mut Vec<String>,
) -> Result<(), EditError> {
    for child in &mut el.children {
        match child {
            // A signature is rebuilt whole, so what is inside it needs no work.
            Node::Element(e) if !e.name.is(ns::DSIG, "Signature") => {
                resign_within(e, fallback, signer, signed)?;
            }
            _ => {}
        }
    }
    let positions: Vec<usize> = (0..el.children.len())
        .filter(|i| is_signature(&el.children[*i]))
        .collect();
    if positions.is_empty() {
        return Ok(());
    }
    let id = el
        .attribute("ID")
        .ok_or_else(|| EditError::NoId(el.name.qualified()))?
        .to_owned();
    for i in positions {
        let Node::Element(old) = &el.children[i] else {
            continue;
        };
        let mut algorithms = algorithms_of(old).unwrap_or(fallback);
        // Re-signed with the IdP's key: its method of the kind, as the response was signed
        // with another kind of key (an attacker scenario) or edited to name one.
        algorithms.signature = algorithms.signature.for_key(signer.kind());
        let key_info = old.first(ns::DSIG, "KeyInfo").map(|k| match k.name.prefix {
            None => KeyInfoStyle::DefaultNamespace,
            Some(_) => KeyInfoStyle::Prefixed,
        });
        // The enveloped-signature transform: the element without this signature (taken out
        // for the digest and replaced below, rather than a copy of the element made per
        // signature).
        let old = el.children.remove(i);
        let value = dsig::digest(el, algorithms.digest);
        el.children.insert(i, old);
        let value = value?;
        let signed_info = dsig::signed_info(
            algorithms.signature.uri(),
            [dsig::reference(
                &format!("#{id}"),
                dsig::saml_transforms(),
                algorithms.digest,
                &value,
            )],
        );
        let signature_value = signer.sign_signed_info(algorithms.signature, &signed_info)?;
        el.children[i] = Node::Element(dsig::signature(
            signed_info,
            &signature_value,
            key_info.map(|style| signer.key_info(style)),
        ));
        signed.push(id.clone());
    }
    Ok(())
}

/// The RSA SignatureMethod and the first Reference's DigestMethod of `signature` (the digest
/// of the same strength when that is missing or unknown); `None` for any other method.
fn algorithms_of(signature: &Element) -> Option<Algorithms> {
    let signed_info = signature.first(ns::DSIG, "SignedInfo")?;
    let method = signed_info
        .first(ns::DSIG, "SignatureMethod")?
        .attribute("Algorithm")?;
    let signature_algorithm = SignatureAlgorithm::ALL
        .into_iter()
        .find(|a| a.uri() == method)?;
    let digest = signed_info
        .first(ns::DSIG, "Reference")
        .and_then(|r| r.first(ns::DSIG, "DigestMethod"))
        .and_then(|d| d.attribute("Algorithm"))
        .and_then(|uri| DigestAlgorithm::ALL.into_iter().find(|d| d.uri() == uri))
        .unwrap_or(signature_algorithm.matching_digest());
    Some(Algorithms {
        signature: signature_algorithm,
        digest,
    })
}

/// One signed element of a response, as the review page lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedElement {
    /// The element's qualified name, `saml:Assertion`.
    pub element: String,
    pub id: Option<String>,
    /// `None`: not an RSA method this IdP signs with.
    pub algorithms: Option<Algorithms>,
}

/// The elements of `xml` holding a `ds:Signature` child, in document order; empty when it
/// does not parse.
pub fn signed_elements(xml: &str) -> Vec<SignedElement> {
    fn walk(el: &Element, out: &mut Vec<SignedElement>) {
        if let Some(sig) = el.first(ns::DSIG, "Signature") {
            out.push(SignedElement {
                element: el.name.qualified(),
                id: el.attribute("ID").map(str::to_owned),
                algorithms: algorithms_of(sig),
            });
        }
        for child in el.elements().filter(|e| !e.name.is(ns::DSIG, "Signature")) {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    if let Ok(root) = parse(xml.as_bytes(), LIMITS) {
        walk(&root, &mut out);
    }
    out
}

/// The algorithms the first RSA signature of `xml` uses: what a signature added back by hand
/// without a usable SignatureMethod is made with.
pub fn original_algorithms(xml: &str) -> Algorithms {
    signed_elements(xml)
        .into_iter()
        .find_map(|s| s.algorithms)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::dsig::tests::test_signer;
    use crate::saml::dsig::{verify_enveloped, VerifyError};
    use crate::saml::issue::ResponseProfile;
    use crate::saml::scenario::{catalogue, find, testkit, Special, VALID};
    use crate::saml::sp::Sign;

    fn key() -> openssl::pkey::PKey<openssl::pkey::Public> {
        test_signer().certificate().public_key().unwrap()
    }

    fn ids(xml: &str) -> (String, String) {
        let doc = testkit::doc(xml);
        let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
        (
            doc.attribute("ID").unwrap().to_owned(),
            a.attribute("ID").unwrap().to_owned(),
        )
    }

    #[test]
    fn the_editable_text_is_indented_parses_again_and_gives_back_the_same_bytes() {
        let xml = testkit::run(&VALID).xml;
        let text = editable(&xml);
        assert!(text.starts_with("<samlp:Response xmlns:samlp="));
        assert!(text.contains("\n  <saml:Issuer"));
        assert!(text.contains("\n    <saml:Subject>\n      <saml:NameID "));
        assert!(text.lines().count() > 40);
        assert_eq!(as_typed(&text), xml);
        assert_eq!(
            as_typed(&text.replace('\n', "\r\n")),
            xml,
            "CRLF from a browser"
        );
        // Re-signing an unedited text recomputes the same signatures (PKCS#1 v1.5 is
        // deterministic): the same bytes again.
        let again = resign(&text, Algorithms::default(), &test_signer()).unwrap();
        assert_eq!(again.xml, xml);
        let (response, assertion) = ids(&xml);
        assert_eq!(again.signed, [assertion, response], "innermost first");
    }

    #[test]
    fn every_well_formed_scenario_survives_the_round_trip_as_typed() {
        for s in catalogue().filter(|s| s.special != Some(Special::Replay)) {
            let xml = testkit::run(s).xml;
            if parse(xml.as_bytes(), LIMITS).is_err() || matches!(s.id, "nameid-cdata" | "oversize")
            {
                continue; // what the tree does not keep cannot come back from it
            }
            assert_eq!(as_typed(&editable(&xml)), xml, "{}", s.id);
        }
        let malformed = testkit::run(find("malformed-xml").unwrap()).xml;
        assert_eq!(editable(&malformed), malformed, "shown as it is");
    }

    #[test]
    fn a_response_with_more_signatures_than_any_scenario_makes_is_refused_before_signing() {
        // Every scenario's response stays under the cap.
        for s in catalogue().filter(|s| s.special != Some(Special::Replay)) {
            let xml = testkit::run(s).xml;
            if let Ok(root) = parse(xml.as_bytes(), LIMITS) {
                assert!(count_signatures(&root) <= MAX_SIGNATURES, "{}", s.id);
            }
        }
        // Thousands of signatures on one element: refused by count, nothing signed.
        let xml = testkit::run(&VALID).xml;
        let signature = {
            let start = xml.find("<ds:Signature ").unwrap();
            let end =
                xml[start..].find("</ds:Signature>").unwrap() + start + "</ds:Signature>".len();
            xml[start..end].to_owned()
        };
        let many = xml.replacen(&signature, &signature.repeat(5000), 1);
        match resign(&many, Algorithms::default(), &test_signer()) {
            Err(e @ EditError::TooManySignatures(n)) => {
                assert!(n > 5000, "{n}");
                assert!(e.to_string().contains("at most 16 are re-signed"), "{e}");
            }
            other => panic!("{other:?}"),
        }
        // At the cap, each is re-signed.
        let at_cap = xml.replacen(&signature, &signature.repeat(MAX_SIGNATURES - 1), 1);
        let out = resign(&at_cap, Algorithms::default(), &test_signer()).unwrap();
        assert_eq!(out.signed.len(), MAX_SIGNATURES);
    }

    #[test]
    fn an_edit_re_signed_verifies_and_keeps_the_edit() {
        let xml = testkit::run(&VALID).xml;
        let edited = editable(&xml).replace(
            ">alice@acme-support.example</saml:NameID>",
            ">admin@acme-support.example</saml:NameID>",
        );
        let out = resign(&edited, Algorithms::default(), &test_signer()).unwrap();
        assert!(out
            .xml
            .contains(">admin@acme-support.example</saml:NameID>"));
        let doc = testkit::doc(&out.xml);
        let (response, assertion) = ids(&xml);
        verify_enveloped(&doc, &assertion, &key()).unwrap();
        verify_enveloped(&doc, &response, &key()).unwrap();
        // The same edit as typed breaks both digests.
        let typed = testkit::doc(&as_typed(&edited));
        assert_eq!(
            verify_enveloped(&typed, &assertion, &key()),
            Err(VerifyError::DigestMismatch)
        );
        assert_eq!(
            verify_enveloped(&typed, &response, &key()),
            Err(VerifyError::DigestMismatch)
        );
    }

    #[test]
    fn an_edit_outside_the_signed_assertion_as_typed_leaves_its_signature_valid() {
        let profile = ResponseProfile {
            sign: Sign::Assertion,
            ..Default::default()
        };
        let xml = testkit::run_with(&VALID, &profile).xml;
        let edited = editable(&xml).replace(
            r#"Destination="https://sp.example/acs""#,
            r#"Destination="https://elsewhere.example/acs""#,
        );
        let typed = as_typed(&edited);
        assert!(typed.contains("elsewhere.example"));
        let (_, assertion) = ids(&xml);
        verify_enveloped(&testkit::doc(&typed), &assertion, &key()).unwrap();
        // Re-signing adds no Response signature where there was none.
        let out = resign(&edited, Algorithms::default(), &test_signer()).unwrap();
        assert_eq!(out.signed, [assertion]);
        assert_eq!(out.xml.matches("<ds:Signature ").count(), 1);
    }

    #[test]
    fn re_signing_keeps_each_signatures_algorithms_and_key_info_style() {
        let adfs = ResponseProfile {
            style: crate::saml::sp::ResponseStyle::Adfs,
            sign: Sign::Assertion,
            algorithms: SignatureAlgorithm::RsaSha1.into(),
            ..Default::default()
        };
        let xml = testkit::run_with(&VALID, &adfs).xml;
        let out = resign(&editable(&xml), Algorithms::default(), &test_signer()).unwrap();
        assert_eq!(out.xml, xml, "rsa-sha1 and the ADFS KeyInfo, as before");
        assert_eq!(
            original_algorithms(&xml),
            Algorithms::from(SignatureAlgorithm::RsaSha1)
        );
        // A signature without KeyInfo gets none; an unknown method gets the fallback.
        let bare = editable(&testkit::run(&VALID).xml);
        let start = bare.find("<ds:KeyInfo>").unwrap();
        let end = bare.find("</ds:KeyInfo>").unwrap() + "</ds:KeyInfo>".len();
        let bare = format!("{}{}", &bare[..start], &bare[end..]).replacen(
            dsig::SignatureAlgorithm::RsaSha256.uri(),
            ns::alg::HMAC_SHA1,
            1,
        );
        let out = resign(&bare, SignatureAlgorithm::RsaSha512.into(), &test_signer()).unwrap();
        assert_eq!(out.xml.matches("<ds:KeyInfo>").count(), 1);
        assert!(out.xml.contains(SignatureAlgorithm::RsaSha512.uri()));
        let signed = signed_elements(&out.xml);
        assert_eq!(signed.len(), 2);
        // The first signature in the text is the Response's (after its Issuer).
        assert_eq!(signed[0].element, "samlp:Response");
        assert_eq!(
            signed[0].algorithms,
            Some(SignatureAlgorithm::RsaSha512.into())
        );
        assert_eq!(signed[1].element, "saml:Assertion");
        assert_eq!(signed[1].algorithms, Some(Algorithms::default()));
        let doc = testkit::doc(&out.xml);
        for id in [&signed[0].id, &signed[1].id] {
            verify_enveloped(&doc, id.as_deref().unwrap(), &key()).unwrap();
        }
    }

    #[test]
    fn parse_errors_name_the_line_and_column_of_the_text_as_shown() {
        let text = editable(&testkit::run(&VALID).xml);
        let broken = text.replacen("</saml:Subject>", "</saml:Subjectx>", 1);
        let line = broken
            .lines()
            .position(|l| l.contains("</saml:Subjectx>"))
            .unwrap()
            + 1;
        let e = resign(&broken, Algorithms::default(), &test_signer()).unwrap_err();
        match &e {
            EditError::At { line: l, .. } => assert_eq!(*l as usize, line, "{e}"),
            other => panic!("{other}"),
        }
        assert!(e.to_string().contains(&format!("line {line}, column ")));
        let doctype = format!("<!DOCTYPE x>\n{text}");
        let e = resign(&doctype, Algorithms::default(), &test_signer()).unwrap_err();
        assert!(e.to_string().contains("line 1, column 1"), "{e}");
    }

    #[test]
    fn a_signature_on_an_element_without_id_is_refused() {
        let text = editable(&testkit::run(&VALID).xml);
        let start = text.find("<samlp:Response ").unwrap();
        let id = text[start..].find(" ID=\"").unwrap() + start;
        let end = text[id + 5..].find('"').unwrap() + id + 6;
        let no_id = format!("{}{}", &text[..id], &text[end..]);
        let e = resign(&no_id, Algorithms::default(), &test_signer()).unwrap_err();
        assert!(
            matches!(&e, EditError::NoId(el) if el == "samlp:Response"),
            "{e}"
        );
    }

    #[test]
    fn as_typed_keeps_whitespace_that_is_content() {
        assert_eq!(
            as_typed("<a>\n  <b> x </b> <c/>\n</a>"),
            "<a><b> x </b> <c/></a>"
        );
        assert_eq!(as_typed("<a>x\n  y</a>"), "<a>x\n  y</a>");
    }
}
