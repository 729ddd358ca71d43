//! Compatibility probes: honest, correctly signed responses with values SPs often mishandle
//! (several values, non-ASCII text, claim URIs as names, long values, many attributes, XML
//! special characters), and both signatures at once. A correct SP accepts every one of them
//! and reads back exactly what was sent.

use std::fmt::Write;

use super::{Expected, Family, Scenario, ShapeContext, SigningPlan};
use crate::saml::ns::{attrname, claims};
use crate::saml::response::{AttributeSpec, ResponseSpec};
use crate::saml::sp::ResponseStyle;

/// The groups `multi-valued-attributes` asserts.
const GROUPS: [&str; 3] = ["support-agents", "billing", "escalations"];
const NON_ASCII_NAME: &str = "Zoë Łukasiewicz-Müller";
const NON_ASCII_MANAGER: &str = "José Núñez";
const NON_ASCII_OFFICE: &str = "東京都千代田区丸の内 (본사)";
/// Length in bytes of the `long-attribute-value` value.
const LONG_VALUE_BYTES: usize = 4096;
/// How many attributes `many-attributes` sends in all.
const MANY: usize = 50;
const SPECIAL_DISPLAY_NAME: &str = "Alice \"Ally\" O'Brien <Support & Billing>";
const SPECIAL_DEPARTMENT: &str = "R&D <Tier 2> \"Escalations\" & 'Billing' ]]> &amp;";

pub const ALL: &[Scenario] = &[
    Scenario {
        shape: Some(multi_valued),
        ..Scenario::new(
            "multi-valued-attributes",
            Family::Compatibility,
            "Multi-valued attribute",
            "The groups attribute carries three AttributeValue elements (support-agents, billing, escalations). A correct SP reads all three; one that keeps only the first or the last loses group memberships.",
            "saml-core 2.7.3.1 (an Attribute holds any number of AttributeValue elements)",
            Expected::Accept,
        )
    },
    Scenario {
        shape: Some(non_ascii),
        ..Scenario::new(
            "non-ascii-values",
            Family::Compatibility,
            "Non-ASCII attribute values",
            "The display name is \"Zoë Łukasiewicz-Müller\", a manager attribute is \"José Núñez\" and an office attribute is written in Japanese and Korean. The document is UTF-8 and the signatures are valid. A correct SP shows the names exactly as sent, without mojibake (Ã«), question marks or a failed login.",
            "XML 1.0 section 2.2 (characters are Unicode; UTF-8 encoding); saml-core 1.3.1 (string values)",
            Expected::Accept,
        )
    },
    Scenario {
        shape: Some(uri_names),
        ..Scenario::new(
            "uri-attribute-names",
            Family::Compatibility,
            "Claim URIs as attribute names",
            "Every attribute is named by its claim URI, as AD FS and Entra ID send them (http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress, .../givenname, .../surname, .../name, the Microsoft role and groups claims), with NameFormat uri. A correct SP accepts the login and, when mapped to these names, reads the values; long names with slashes, colons and dots must not break its attribute mapping.",
            "saml-core 2.7.3.1 (Name, NameFormat); saml-core 8.2.2 (URI attribute name format)",
            Expected::Accept,
        )
    },
    Scenario {
        signing: Some(sign_both),
        ..Scenario::new(
            "both-signed",
            Family::Compatibility,
            "Response and Assertion both signed",
            "Both the Response and the Assertion carry a valid signature, whatever this SP's signing setting says. A correct SP accepts it: an SP that requires only one of them must not refuse the other being signed too.",
            "saml-core 5.4 (signing Response and Assertion); saml-profiles 4.1.3.5",
            Expected::Accept,
        )
    },
    Scenario {
        shape: Some(long_value),
        ..Scenario::new(
            "long-attribute-value",
            Family::Compatibility,
            "4 KiB attribute value",
            "A description attribute holds a 4096-byte value (numbered segments, so truncation shows). A correct SP accepts it and keeps it whole; one that stores attributes in a 255-character column or in a 4 KB session cookie truncates it or fails the login.",
            "saml-core 2.7.3.1 (AttributeValue has no length limit)",
            Expected::Accept,
        )
    },
    Scenario {
        shape: Some(many),
        ..Scenario::new(
            "many-attributes",
            Family::Compatibility,
            "50 attributes",
            "The AttributeStatement carries 50 attributes: the usual ones, then attribute-NN = value-NN up to 50. A correct SP accepts it; one with a fixed-size attribute table or a session cookie that overflows fails.",
            "saml-core 2.7.3 (an AttributeStatement holds any number of Attribute elements)",
            Expected::Accept,
        )
    },
    Scenario {
        shape: Some(special_characters),
        ..Scenario::new(
            "xml-special-characters",
            Family::Compatibility,
            "XML special characters in values",
            "The display name is Alice \"Ally\" O'Brien <Support & Billing> and a department attribute is R&D <Tier 2> \"Escalations\" & 'Billing' ]]> &amp; (the last five characters are literal, not an escape). They are escaped in the XML (&amp;, &lt;, &gt;) and the signatures are valid. A correct SP reads back exactly these strings: not escaped twice (&amp;amp;), not unescaped once too often (&amp; shown as &), not cut at the first <.",
            "XML 1.0 sections 2.4 (& and < escaped in character data) and 2.7; C14N 1.0 section 2.3",
            Expected::Accept,
        )
    },
];

/// Gives the attribute named any of `names` the `values`; without one, adds it under
/// `standard` or, in the AD FS style, `adfs` (without NameFormat, as AD FS writes claims).
pub(super) fn set_attribute(
    spec: &mut ResponseSpec,
    names: &[&str],
    standard: &str,
    adfs: &str,
    values: Vec<String>,
) {
    let style = spec.style;
    let Some(a) = &mut spec.assertion else { return };
    match a
        .attributes
        .iter_mut()
        .find(|a| names.contains(&a.name.as_str()))
    {
        Some(attr) => attr.values = values,
        None => a.attributes.push(match style {
            ResponseStyle::Standard => AttributeSpec::new(standard, values),
            ResponseStyle::Adfs => AttributeSpec {
                name: adfs.to_owned(),
                name_format: None,
                values,
            },
        }),
    }
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

fn multi_valued(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    set_attribute(
        spec,
        &["groups", "group", claims::GROUP, claims::GROUPS],
        "groups",
        claims::GROUP,
        strings(&GROUPS),
    );
}

fn non_ascii(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    let display = &["displayName", claims::NAME];
    set_attribute(
        spec,
        display,
        "displayName",
        claims::NAME,
        strings(&[NON_ASCII_NAME]),
    );
    set_attribute(
        spec,
        &["manager"],
        "manager",
        "manager",
        strings(&[NON_ASCII_MANAGER]),
    );
    set_attribute(
        spec,
        &["office"],
        "office",
        "office",
        strings(&[NON_ASCII_OFFICE]),
    );
}

/// The claim URI for a basic attribute name, if there is a usual one.
fn claim_uri(name: &str) -> Option<&'static str> {
    Some(match name {
        "email" | "mail" => claims::EMAIL,
        "displayName" => claims::NAME,
        "firstName" | "givenName" => claims::GIVEN_NAME,
        "lastName" | "sn" | "surname" => claims::SURNAME,
        "upn" => claims::UPN,
        "role" | "roles" => claims::ROLE,
        "group" | "groups" => claims::GROUPS,
        _ => return None,
    })
}

fn uri_names(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    let Some(a) = &mut spec.assertion else { return };
    for attr in &mut a.attributes {
        if let Some(uri) = claim_uri(&attr.name) {
            uri.clone_into(&mut attr.name);
        }
        if attr.name.contains(':') {
            attr.name_format = Some(attrname::URI.to_owned());
        }
    }
}

fn sign_both(plan: &mut SigningPlan) {
    plan.assertion = true;
    plan.response = true;
}

/// `0000:0001:0002:...`, cut at [`LONG_VALUE_BYTES`].
fn long_text() -> String {
    let mut v = String::with_capacity(LONG_VALUE_BYTES + 5);
    let mut i = 0;
    while v.len() < LONG_VALUE_BYTES {
        let _ = write!(v, "{i:04}:");
        i += 1;
    }
    v.truncate(LONG_VALUE_BYTES);
    v
}

fn long_value(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    set_attribute(
        spec,
        &["description"],
        "description",
        "description",
        vec![long_text()],
    );
}

fn many(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    let Some(a) = &mut spec.assertion else { return };
    let adfs = spec.style == ResponseStyle::Adfs;
    let mut n = 0;
    while a.attributes.len() < MANY {
        n += 1;
        let name = format!("attribute-{n:02}");
        let mut attr = AttributeSpec::new(&name, vec![format!("value-{n:02}")]);
        if adfs {
            attr.name_format = None;
        }
        a.attributes.push(attr);
    }
}

fn special_characters(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    let display = &["displayName", claims::NAME];
    set_attribute(
        spec,
        display,
        "displayName",
        claims::NAME,
        strings(&[SPECIAL_DISPLAY_NAME]),
    );
    set_attribute(
        spec,
        &["department"],
        "department",
        "department",
        strings(&[SPECIAL_DEPARTMENT]),
    );
}

#[cfg(test)]
mod tests {
    use super::super::{find, testkit, VALID};
    use super::*;
    use crate::saml::issue::ResponseProfile;
    use crate::saml::ns;
    use crate::saml::sp::Sign;
    use crate::saml::xml::{Element, Node};

    const SAML: &str = ns::ASSERTION;

    type Attrs = Vec<(String, Option<String>, Vec<String>)>;

    /// Both signatures of `xml` verify with the IdP key; returns the parsed document.
    fn both_verify(xml: &str) -> Element {
        let doc = testkit::doc(xml);
        testkit::verify(&doc, doc.attribute("ID").unwrap()).unwrap();
        let a = doc.first(SAML, "Assertion").unwrap();
        testkit::verify(&doc, a.attribute("ID").unwrap()).unwrap();
        doc
    }

    /// The attributes as read back by the reader: name, NameFormat, values.
    fn attributes(doc: &Element) -> Attrs {
        doc.first(SAML, "Assertion")
            .and_then(|a| a.first(SAML, "AttributeStatement"))
            .unwrap()
            .elements_named(SAML, "Attribute")
            .map(|a| {
                (
                    a.attribute("Name").unwrap().to_owned(),
                    a.attribute("NameFormat").map(str::to_owned),
                    a.elements_named(SAML, "AttributeValue")
                        .map(Element::text_content)
                        .collect(),
                )
            })
            .collect()
    }

    /// The probe's document, checked to verify, and the attributes of it and of the valid
    /// response; also checks that nothing but the AttributeStatement differs.
    fn probe(id: &str) -> (String, Attrs, Attrs) {
        let xml = testkit::run(find(id).unwrap()).xml;
        let doc = both_verify(&xml);
        let valid = testkit::doc(&testkit::run(&VALID).xml);
        let without_statement = |d: &Element| {
            let mut a = d.first(SAML, "Assertion").unwrap().clone();
            a.children.retain(|n| {
                !matches!(n, Node::Element(e)
                    if e.name.is(SAML, "AttributeStatement") || e.name.is(ns::DSIG, "Signature"))
            });
            a
        };
        assert_eq!(without_statement(&doc), without_statement(&valid), "{id}");
        (xml, attributes(&valid), attributes(&doc))
    }

    fn basic(name: &str, values: &[&str]) -> (String, Option<String>, Vec<String>) {
        (
            name.to_owned(),
            Some(attrname::BASIC.to_owned()),
            strings(values),
        )
    }

    #[test]
    fn multi_valued_adds_three_groups() {
        let (xml, mut want, got) = probe("multi-valued-attributes");
        want.push(basic("groups", &GROUPS));
        assert_eq!(got, want);
        assert!(xml.contains("<saml:Attribute Name=\"groups\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:basic\"><saml:AttributeValue>support-agents</saml:AttributeValue><saml:AttributeValue>billing</saml:AttributeValue><saml:AttributeValue>escalations</saml:AttributeValue></saml:Attribute>"));
    }

    #[test]
    fn non_ascii_values_read_back_exactly() {
        let (xml, mut want, got) = probe("non-ascii-values");
        want[1].2 = strings(&[NON_ASCII_NAME]);
        want.push(basic("manager", &[NON_ASCII_MANAGER]));
        want.push(basic("office", &[NON_ASCII_OFFICE]));
        assert_eq!(got, want);
        // Sent as UTF-8 characters, not character references.
        assert!(xml.contains(NON_ASCII_NAME) && xml.contains(NON_ASCII_OFFICE));
        assert!(!xml.contains("&#"));
    }

    #[test]
    fn uri_names_rename_every_attribute_with_nameformat_uri() {
        let (_, valid, got) = probe("uri-attribute-names");
        let uri = Some(attrname::URI.to_owned());
        let want: Attrs = [
            claims::EMAIL,
            claims::NAME,
            claims::GIVEN_NAME,
            claims::SURNAME,
            claims::ROLE,
        ]
        .iter()
        .zip(&valid)
        .map(|(name, (_, _, values))| ((*name).to_owned(), uri.clone(), values.clone()))
        .collect();
        assert_eq!(got, want);
        assert_eq!(
            got[0].0,
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
        );
    }

    #[test]
    fn uri_names_sets_nameformat_in_the_adfs_style() {
        let profile = ResponseProfile {
            style: ResponseStyle::Adfs,
            ..Default::default()
        };
        let xml = testkit::run_with(find("uri-attribute-names").unwrap(), &profile).xml;
        let doc = both_verify(&xml);
        let got = attributes(&doc);
        assert!(!got.is_empty());
        assert!(got
            .iter()
            .all(|(_, format, _)| format.as_deref() == Some(attrname::URI)));
    }

    #[test]
    fn both_signed_overrides_every_signing_setting() {
        let both = find("both-signed").unwrap();
        for sign in Sign::ALL {
            let profile = ResponseProfile {
                sign,
                ..Default::default()
            };
            let xml = testkit::run_with(both, &profile).xml;
            both_verify(&xml);
            assert_eq!(xml.matches("<ds:Signature ").count(), 2, "{sign:?}");
            if sign != Sign::Both {
                // The SP's own setting would have signed less.
                let plain = testkit::run_with(&VALID, &profile).xml;
                assert!(plain.matches("<ds:Signature ").count() < 2, "{sign:?}");
            }
        }
        assert_eq!(testkit::run(both).xml, testkit::run(&VALID).xml);
    }

    #[test]
    fn long_value_reads_back_whole() {
        let (xml, mut want, got) = probe("long-attribute-value");
        let value = long_text();
        assert_eq!(value.len(), LONG_VALUE_BYTES);
        assert!(value.starts_with("0000:0001:0002:"));
        assert!(xml.contains(&value));
        want.push(basic("description", &[&value]));
        assert_eq!(got, want);
    }

    #[test]
    fn many_attributes_pads_to_fifty() {
        let (_, valid, got) = probe("many-attributes");
        assert_eq!(got.len(), MANY);
        assert_eq!(&got[..valid.len()], &valid[..]);
        let first = valid.len();
        assert_eq!(got[first], basic("attribute-01", &["value-01"]));
        let n = MANY - first;
        assert_eq!(
            got[MANY - 1],
            basic(&format!("attribute-{n:02}"), &[&format!("value-{n:02}")])
        );
    }

    #[test]
    fn special_characters_are_escaped_and_read_back_exactly() {
        let (xml, mut want, got) = probe("xml-special-characters");
        want[1].2 = strings(&[SPECIAL_DISPLAY_NAME]);
        want.push(basic("department", &[SPECIAL_DEPARTMENT]));
        assert_eq!(got, want);
        assert!(xml.contains(
            "<saml:AttributeValue>Alice \"Ally\" O'Brien &lt;Support &amp; Billing&gt;</saml:AttributeValue>"
        ));
        assert!(xml.contains(
            "<saml:AttributeValue>R&amp;D &lt;Tier 2&gt; \"Escalations\" &amp; 'Billing' ]]&gt; &amp;amp;</saml:AttributeValue>"
        ));
    }
}
