//! What the hand-edited YAML files (the users file, the SP registry) share: reading a document
//! into its schema with serde_yaml's location moved to the front of the message, the text
//! types that take a number or a boolean as written, and finding a field's line again.
//!
//! Both files report every mistake with the file, the line and the field, because a start-up
//! error is the only feedback their authors get. Shape errors (unknown fields, wrong types) come
//! from serde_yaml, which knows the location; for the checks made afterwards the location is
//! found again by walking the document to the offending value ([`locate`]) along a path of
//! [`PathStep`]s, which also names the field ([`field_name`]).

use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Deserializer};

/// ` line 3 column 7`, ` line 3` or nothing: where a message's location goes, after the file
/// name.
pub(super) fn at(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(" line {l} column {c}"),
        (Some(l), None) => format!(" line {l}"),
        (None, _) => String::new(),
    }
}

// ---- reading a document ----------------------------------------------------------------------

/// A document serde_yaml could not read into the schema: its message, with the location taken
/// out of it and kept apart.
pub(super) struct SyntaxError {
    pub(super) line: Option<usize>,
    pub(super) column: Option<usize>,
    /// serde_yaml's message, with the field path.
    pub(super) message: String,
}

/// Whether `text` holds no document at all (nothing, comments, a bare `---`). serde_yaml reports
/// that as an obscure end-of-stream error; the loaders say it plainly.
pub(super) fn is_empty_document(text: &str) -> bool {
    matches!(
        serde_yaml::from_str::<serde_yaml::Value>(text),
        Ok(serde_yaml::Value::Null)
    )
}

/// `text` read into `T`.
pub(super) fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, SyntaxError> {
    serde_yaml::from_str(text).map_err(|e| {
        let location = e.location();
        let mut message = e.to_string();
        if let Some(loc) = &location {
            // The location moves to the front, next to the file name, where it is read first.
            message = message.replacen(
                &format!(" at line {} column {}", loc.line(), loc.column()),
                "",
                1,
            );
        }
        SyntaxError {
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            message,
        }
    })
}

// ---- text as written -------------------------------------------------------------------------

/// Text that YAML may have read as a whole number or a boolean (`org_id: 90000000000`,
/// `employee_id: 1042`), taken as written. Fractions are refused because YAML has already
/// rewritten them (`1.10` reads as 1.1), so they have to be quoted.
pub(super) struct ScalarText(pub(super) String);

impl<'de> Deserialize<'de> for ScalarText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor;
        impl Visitor<'_> for ScalarVisitor {
            type Value = ScalarText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ScalarText(v.to_owned()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ScalarText(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(ScalarText(v.to_string()))
            }
        }
        deserializer.deserialize_any(ScalarVisitor)
    }
}

/// An attribute's values: `role: agent` or `groups: [a, b]`, each value a [`ScalarText`].
pub(super) struct Values(pub(super) Vec<String>);

impl<'de> Deserialize<'de> for Values {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValuesVisitor;
        impl<'de> Visitor<'de> for ValuesVisitor {
            type Value = Values;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut values = Vec::new();
                while let Some(ScalarText(v)) = seq.next_element()? {
                    values.push(v);
                }
                Ok(Values(values))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Values(vec![v.to_owned()]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Values(vec![v.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Values(vec![v.to_string()]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Values(vec![v.to_string()]))
            }
        }
        deserializer.deserialize_any(ValuesVisitor)
    }
}

/// Every value read ends up in an XML document, which cannot hold most control characters.
pub(super) fn xml_problem(value: &str) -> Option<String> {
    value
        .chars()
        .find(|&c| {
            (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
                || matches!(c, '\u{FFFE}' | '\u{FFFF}')
        })
        .map(|c| {
            format!(
                "{value:?} contains the character U+{:04X}, which XML cannot carry",
                c as u32
            )
        })
}

// ---- finding a value's line again ------------------------------------------------------------

/// One step of a path from the top of a YAML document down to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum PathStep {
    /// The value of the `n`th (from 0) occurrence of this key in a mapping.
    Key(String, usize),
    /// The element at this index of a sequence.
    Index(usize),
}

impl PathStep {
    /// The value of the first occurrence of key `k`.
    pub(super) fn key(k: &str) -> PathStep {
        PathStep::Key(k.to_owned(), 0)
    }
}

/// The path as serde_yaml writes it in its messages: `service_providers[1].acs[0].url`.
pub(super) fn field_name(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Key(k, _) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Text no real document error contains, to tell the probe's own stop from anything else.
const PROBE_MARK: &str = "\u{1}mock-idp-probe\u{1}";

/// The line of the value at `path` in `text`, which has already been parsed successfully.
///
/// serde_yaml only reveals positions through errors, so this deserializes the document with a
/// seed that walks `path`, skipping everything else, and fails on purpose when it reaches the
/// value: the error's location is the value's.
pub(super) fn locate(text: &str, path: &[PathStep]) -> Option<usize> {
    let deserializer = serde_yaml::Deserializer::from_str(text);
    match (Probe { path }).deserialize(deserializer) {
        Err(e) if e.to_string().contains(PROBE_MARK) => e.location().map(|l| l.line()),
        _ => None,
    }
}

struct Probe<'p> {
    path: &'p [PathStep],
}

impl<'de> DeserializeSeed<'de> for Probe<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Probe<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        // Reaching the target with any visit_* ends in an "invalid type ... expected" error
        // that carries this mark.
        f.write_str(PROBE_MARK)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Some((PathStep::Key(wanted, occurrence), rest)) = self.path.split_first() else {
            return Err(de::Error::custom(PROBE_MARK));
        };
        let mut seen = 0;
        while let Some(key) = map.next_key::<serde_yaml::Value>()? {
            if key.as_str() == Some(wanted.as_str()) {
                if seen == *occurrence {
                    return map.next_value_seed(Probe { path: rest });
                }
                seen += 1;
            }
            map.next_value::<IgnoredAny>()?;
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Some((PathStep::Index(wanted), rest)) = self.path.split_first() else {
            return Err(de::Error::custom(PROBE_MARK));
        };
        for _ in 0..*wanted {
            if seq.next_element::<IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        seq.next_element_seed(Probe { path: rest }).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_finds_values_in_flow_and_block_style() {
        let text = "users: [{id: a, email: a@x}, {id: b,\n  email: b@x}]\n";
        let at = |i, k| {
            locate(
                text,
                &[PathStep::key("users"), PathStep::Index(i), PathStep::key(k)],
            )
        };
        assert_eq!(at(0, "id"), Some(1));
        assert_eq!(at(1, "email"), Some(2));
        assert_eq!(at(2, "id"), None);
        assert_eq!(at(0, "missing"), None);
    }

    #[test]
    fn locate_finds_items_and_nested_values() {
        let text = "service_providers:\n  - entity_id: a\n    acs:\n      - {url: u,\n         index: 1}\n  - entity_id: b\n";
        let sp = |i| vec![PathStep::key("service_providers"), PathStep::Index(i)];
        assert_eq!(locate(text, &sp(0)), Some(2));
        assert_eq!(locate(text, &sp(1)), Some(6));
        let mut index = sp(0);
        index.extend([
            PathStep::key("acs"),
            PathStep::Index(0),
            PathStep::key("index"),
        ]);
        assert_eq!(locate(text, &index), Some(5));
        assert_eq!(field_name(&index), "service_providers[0].acs[0].index");
        assert_eq!(locate(text, &sp(2)), None);
    }

    #[test]
    fn locate_counts_repeated_keys() {
        let text = "a:\n  x: 1\n  y: 2\n  x: 3\n";
        let x = |n| locate(text, &[PathStep::key("a"), PathStep::Key("x".into(), n)]);
        assert_eq!(x(0), Some(2));
        assert_eq!(x(1), Some(4));
        assert_eq!(x(2), None);
    }

    #[test]
    fn field_name_reads_like_serde_yaml() {
        assert_eq!(field_name(&[]), "");
        assert_eq!(field_name(&[PathStep::key("users")]), "users");
        assert_eq!(
            field_name(&[
                PathStep::key("users"),
                PathStep::Index(2),
                PathStep::key("attributes"),
                PathStep::Key("role".into(), 1),
            ]),
            "users[2].attributes.role"
        );
    }

    #[test]
    fn at_writes_what_is_known() {
        assert_eq!(at(Some(3), Some(7)), " line 3 column 7");
        assert_eq!(at(Some(3), None), " line 3");
        assert_eq!(at(None, Some(7)), "");
    }

    #[test]
    fn syntax_errors_carry_their_location_apart() {
        let e = from_str::<Vec<u32>>("- 1\n- x\n").err().unwrap();
        assert_eq!(e.line, Some(2));
        assert!(e.column.is_some());
        assert!(!e.message.contains(" at line "), "{}", e.message);
        assert!(e.message.contains("invalid type"), "{}", e.message);
    }

    #[test]
    fn empty_documents() {
        for text in ["", "# only a comment\n", "---\n"] {
            assert!(is_empty_document(text), "{text:?}");
        }
        for text in ["{}\n", "a: 1\n", "[]\n", "a: b: c\n"] {
            assert!(!is_empty_document(text), "{text:?}");
        }
    }

    #[test]
    fn numbers_and_booleans_are_text_as_written() {
        let read = |t| {
            from_str::<Vec<ScalarText>>(t).map(|v| v.into_iter().map(|s| s.0).collect::<Vec<_>>())
        };
        assert_eq!(
            read("[a, 1042, -7, true]").ok().unwrap(),
            ["a", "1042", "-7", "true"]
        );
        let e = read("[1.5]").err().unwrap();
        assert!(e.message.contains("expected a string"), "{}", e.message);
        let values = |t| from_str::<Values>(t).map(|v| v.0);
        assert_eq!(values("agent").ok().unwrap(), ["agent"]);
        assert_eq!(values("3").ok().unwrap(), ["3"]);
        assert_eq!(values("[a, 2, false]").ok().unwrap(), ["a", "2", "false"]);
        let e = values("{a: b}").err().unwrap();
        assert!(
            e.message.contains("a string or a list of strings"),
            "{}",
            e.message
        );
    }

    #[test]
    fn xml_problem_names_the_character() {
        assert_eq!(xml_problem("tab\tand\nnewline"), None);
        assert_eq!(
            xml_problem("a\u{1}b").as_deref(),
            Some(r#""a\u{1}b" contains the character U+0001, which XML cannot carry"#)
        );
        assert!(xml_problem("\u{FFFE}").is_some());
    }
}
