//! The users file: the people this IdP can log in, read once at start-up.
//!
//! ```yaml
//! users:
//!   - id: alice                      # required; letters, digits and . _ @ -
//!     email: alice@example.com       # required
//!     display_name: Alice Martin     # required
//!     first_name: Alice              # required
//!     last_name: Martin              # required
//!     name_id: "A-1001"              # optional NameID of the user's own
//!     attributes:                    # optional, sent in this order
//!       role: agent                  # a single value...
//!       groups: [support, billing]   # ...or a list
//! ```
//!
//! Every mistake is reported with the file, the line and the field (`users.yaml line 14:
//! users[2].email: ...`), because the file is edited by hand and a start-up error is the only
//! feedback its author gets. Shape errors (unknown fields, wrong types) come from serde_yaml,
//! which knows the location; for the checks made afterwards the location is found again by
//! walking the document to the offending value (see `yaml::locate`).

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::yaml::{self, at, field_name, locate, xml_problem, PathStep, Values};
use crate::saml::principal::{Attribute, Principal};

/// The validated users, in file order.
#[derive(Debug, Clone)]
pub struct Directory {
    users: Vec<Principal>,
    by_id: HashMap<String, usize>,
}

impl Directory {
    /// Reads and validates the users file at `path`.
    pub fn load(path: &Path) -> Result<Directory, UsersError> {
        let origin = path.display().to_string();
        let text = super::files::read_text(path).map_err(|error| UsersError::Read {
            origin: origin.clone(),
            error,
        })?;
        Directory::parse(&text, &origin)
    }

    /// Validates users file text; `origin` names it in messages (usually the file name).
    pub fn parse(text: &str, origin: &str) -> Result<Directory, UsersError> {
        let file = parse_file(text, origin)?;
        let users = validate(file, text, origin)?;
        let by_id = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.id.clone(), i))
            .collect();
        Ok(Directory { users, by_id })
    }

    /// All users, in file order; never empty.
    pub fn users(&self) -> &[Principal] {
        &self.users
    }

    /// The user with exactly this id.
    pub fn get(&self, id: &str) -> Option<&Principal> {
        self.by_id.get(id).map(|&i| &self.users[i])
    }
}

/// Same as [`Directory::load`].
pub fn load(path: &Path) -> Result<Directory, UsersError> {
    Directory::load(path)
}

/// Same as [`Directory::parse`].
pub fn parse(text: &str, origin: &str) -> Result<Directory, UsersError> {
    Directory::parse(text, origin)
}

#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    #[error("cannot read users file {origin}: {error}")]
    Read {
        origin: String,
        error: std::io::Error,
    },
    /// Not YAML, or not the expected shape; `message` is serde_yaml's, with the field path.
    #[error("{origin}{}: {message}", at(*.line, *.column))]
    Syntax {
        origin: String,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error("{origin}: the file is empty: list the users under a top-level `users:` key")]
    EmptyFile { origin: String },
    #[error("{origin}{}: users: the list is empty: add at least one user", at(*.line, None))]
    NoUsers { origin: String, line: Option<usize> },
    /// A value of the right type that is not acceptable.
    #[error("{origin}{}: {field}: {problem}", at(*.line, None))]
    Invalid {
        origin: String,
        line: Option<usize>,
        field: String,
        problem: String,
    },
    #[error(
        "{origin}{}: users[{index}].id: duplicate id {id:?}, already used by users[{first}].id{}",
        at(*.line, None),
        at(*.first_line, None)
    )]
    DuplicateId {
        origin: String,
        id: String,
        /// Position in the list of the second user with this id, and its line.
        index: usize,
        line: Option<usize>,
        /// Position and line of the first.
        first: usize,
        first_line: Option<usize>,
    },
}

// ---- the file as written -------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields, expecting = "a mapping with a `users:` list")]
struct UsersFile {
    users: Vec<RawUser>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUser {
    id: String,
    email: String,
    display_name: String,
    first_name: String,
    last_name: String,
    #[serde(default)]
    name_id: Option<String>,
    #[serde(default)]
    attributes: Option<RawAttributes>,
}

/// Attribute name → values, in file order (a map type would lose it), duplicates kept so they
/// can be reported.
struct RawAttributes(Vec<(String, Vec<String>)>);

impl<'de> Deserialize<'de> for RawAttributes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor;
        impl<'de> Visitor<'de> for PairsVisitor {
            type Value = RawAttributes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping from attribute name to a value or a list of values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    let Values(values) = map.next_value()?;
                    pairs.push((name, values));
                }
                Ok(RawAttributes(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor)
    }
}

fn parse_file(text: &str, origin: &str) -> Result<UsersFile, UsersError> {
    if yaml::is_empty_document(text) {
        return Err(UsersError::EmptyFile {
            origin: origin.to_owned(),
        });
    }
    yaml::from_str(text).map_err(|e| UsersError::Syntax {
        origin: origin.to_owned(),
        line: e.line,
        column: e.column,
        message: e.message,
    })
}

// ---- validation ------------------------------------------------------------------------------

fn validate(file: UsersFile, text: &str, origin: &str) -> Result<Vec<Principal>, UsersError> {
    if file.users.is_empty() {
        return Err(UsersError::NoUsers {
            origin: origin.to_owned(),
            line: locate(text, &[PathStep::key("users")]),
        });
    }
    // `path` leads from the top of the document to the offending value; it both names the
    // field in the message and finds its line.
    let invalid = |path: &[PathStep], problem: String| UsersError::Invalid {
        origin: origin.to_owned(),
        line: locate(text, path),
        field: field_name(path),
        problem,
    };

    let mut users = Vec::with_capacity(file.users.len());
    let mut first_use: HashMap<String, usize> = HashMap::new();
    for (i, raw) in file.users.into_iter().enumerate() {
        let field = |key| {
            [
                PathStep::key("users"),
                PathStep::Index(i),
                PathStep::key(key),
            ]
        };
        let text_fields = [
            ("id", Some(&raw.id)),
            ("email", Some(&raw.email)),
            ("display_name", Some(&raw.display_name)),
            ("first_name", Some(&raw.first_name)),
            ("last_name", Some(&raw.last_name)),
            ("name_id", raw.name_id.as_ref()),
        ];
        for (key, value) in text_fields {
            if let Some(problem) = value.and_then(|v| text_problem(v)) {
                return Err(invalid(&field(key), problem));
            }
        }
        if let Some(problem) = id_problem(&raw.id) {
            return Err(invalid(&field("id"), problem));
        }
        if let Some(problem) = email_problem(&raw.email) {
            return Err(invalid(&field("email"), problem));
        }
        if let Some(&first) = first_use.get(&raw.id) {
            let id_path = |j| {
                [
                    PathStep::key("users"),
                    PathStep::Index(j),
                    PathStep::key("id"),
                ]
            };
            return Err(UsersError::DuplicateId {
                origin: origin.to_owned(),
                id: raw.id,
                index: i,
                line: locate(text, &id_path(i)),
                first,
                first_line: locate(text, &id_path(first)),
            });
        }
        first_use.insert(raw.id.clone(), i);

        let pairs = raw.attributes.map(|a| a.0).unwrap_or_default();
        let mut attributes: Vec<Attribute> = Vec::with_capacity(pairs.len());
        for (name, values) in pairs {
            let occurrence = attributes.iter().filter(|a| a.name == name).count();
            let mut path = vec![
                PathStep::key("users"),
                PathStep::Index(i),
                PathStep::key("attributes"),
                PathStep::Key(name.clone(), occurrence),
            ];
            if occurrence > 0 {
                return Err(invalid(&path, "the attribute is listed twice".into()));
            }
            if let Some(problem) = text_problem(&name) {
                return Err(invalid(&path, format!("attribute name: {problem}")));
            }
            let bad_value = values
                .iter()
                .enumerate()
                .find_map(|(k, v)| xml_problem(v).map(|p| (k, p)));
            if let Some((k, problem)) = bad_value {
                // A lone value may have been written as a plain scalar, with no list to index.
                if values.len() > 1 {
                    path.push(PathStep::Index(k));
                }
                return Err(invalid(&path, problem));
            }
            attributes.push(Attribute { name, values });
        }

        users.push(Principal {
            id: raw.id,
            email: raw.email,
            display_name: raw.display_name,
            first_name: raw.first_name,
            last_name: raw.last_name,
            name_id: raw.name_id,
            attributes,
        });
    }
    Ok(users)
}

/// Required text: present, not blank, and something XML can carry.
fn text_problem(value: &str) -> Option<String> {
    if value.trim().is_empty() {
        return Some("must not be empty".into());
    }
    xml_problem(value)
}

fn id_problem(id: &str) -> Option<String> {
    // Ids travel in URLs, form fields and persistent NameIDs; a plain alphabet keeps them safe
    // everywhere without escaping.
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-');
    (!id.chars().all(ok))
        .then(|| format!("{id:?} is not a valid id: use only letters, digits and . _ @ -"))
}

fn email_problem(email: &str) -> Option<String> {
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    (!valid).then(|| format!("{email:?} is not an email address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
# comment
users:
  - id: alice
    email: alice@acme-support.example
    display_name: Alice Martin
    first_name: Alice
    last_name: Martin
    attributes:
      role: agent
      http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress: alice@acme-support.example
      groups: [tier1, billing]
      employee_id: 1042
  - id: jose.nunez@initech.example
    email: jose@initech.example
    display_name: José Núñez
    first_name: José
    last_name: Núñez
    name_id: JN-7
";

    fn err(text: &str) -> String {
        Directory::parse(text, "users.yaml")
            .unwrap_err()
            .to_string()
    }

    fn assert_has(msg: &str, parts: &[&str]) {
        for p in parts {
            assert!(msg.contains(p), "{p:?} not in {msg:?}");
        }
    }

    /// GOOD with one line replaced; line numbers are 1-based.
    fn with_line(line: usize, replacement: &str) -> String {
        GOOD.lines()
            .enumerate()
            .map(|(i, l)| if i + 1 == line { replacement } else { l })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn parses_users_in_order() {
        let d = Directory::parse(GOOD, "users.yaml").unwrap();
        let ids: Vec<_> = d.users().iter().map(|u| u.id.as_str()).collect();
        assert_eq!(ids, ["alice", "jose.nunez@initech.example"]);
        let alice = d.get("alice").unwrap();
        assert_eq!(alice.email, "alice@acme-support.example");
        assert_eq!(alice.name_id, None);
        let names: Vec<_> = alice.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "role",
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                "groups",
                "employee_id"
            ]
        );
        assert_eq!(alice.attributes[0].values, ["agent"]);
        assert_eq!(alice.attributes[2].values, ["tier1", "billing"]);
        assert_eq!(alice.attributes[3].values, ["1042"]);
        let jose = d.get("jose.nunez@initech.example").unwrap();
        assert_eq!(jose.display_name, "José Núñez");
        assert_eq!(jose.name_id.as_deref(), Some("JN-7"));
        assert!(jose.attributes.is_empty());
        assert!(d.get("ALICE").is_none());
    }

    #[test]
    fn shipped_users_file_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("users.yaml");
        let d = load(&path).unwrap();
        assert_eq!(d.users()[0].id, "alice");
        assert!(d.users().len() >= 5);
    }

    #[test]
    fn bad_email_names_line_and_field() {
        let msg = err(&with_line(14, "    email: bob-at-example"));
        assert_eq!(
            msg,
            r#"users.yaml line 14: users[1].email: "bob-at-example" is not an email address"#
        );
        assert_has(
            &err(&with_line(14, "    email: a@b@c")),
            &["line 14", "users[1].email"],
        );
        assert_has(
            &err(&with_line(14, "    email: '@initech.example'")),
            &["line 14"],
        );
    }

    #[test]
    fn bad_id_names_line_and_field() {
        let msg = err(&with_line(3, "  - id: alice smith"));
        assert_has(
            &msg,
            &[
                "users.yaml line 3:",
                "users[0].id",
                "\"alice smith\"",
                "letters",
            ],
        );
        let msg = err(&with_line(13, "  - id: \"\""));
        assert_has(&msg, &["line 13:", "users[1].id", "must not be empty"]);
    }

    #[test]
    fn blank_required_field_names_line_and_field() {
        let msg = err(&with_line(5, "    display_name: '  '"));
        assert_has(
            &msg,
            &["line 5:", "users[0].display_name", "must not be empty"],
        );
        let msg = err(&with_line(18, "    name_id: \"\""));
        assert_has(&msg, &["line 18:", "users[1].name_id"]);
    }

    #[test]
    fn control_characters_rejected() {
        let msg = err(&with_line(6, "    first_name: \"Al\\x01ice\""));
        assert_has(&msg, &["line 6:", "users[0].first_name", "U+0001"]);
        let msg = err(&with_line(11, "      groups: [tier1, \"bil\\x02ling\"]"));
        assert_has(&msg, &["line 11:", "users[0].attributes.groups", "U+0002"]);
    }

    #[test]
    fn missing_field_names_line_and_field() {
        let msg = err(&with_line(14, ""));
        assert_has(
            &msg,
            &["users.yaml line 13", "users[1]", "missing field `email`"],
        );
    }

    #[test]
    fn unknown_field_names_line_and_field() {
        let msg = err(&with_line(7, "    surname: Martin"));
        assert_has(
            &msg,
            &["users.yaml line 7", "users[0]", "unknown field `surname`"],
        );
        let msg = err("user:\n  - id: a\n");
        assert_has(&msg, &["users.yaml line 1", "unknown field `user`"]);
    }

    #[test]
    fn wrong_type_names_line_and_field() {
        let msg = err(&with_line(5, "    display_name: [Alice]"));
        assert_has(
            &msg,
            &["users.yaml line 5", "users[0].display_name", "invalid type"],
        );
        let msg = err(&with_line(9, "      role: 1.5"));
        assert_has(
            &msg,
            &[
                "line 9",
                "users[0].attributes.role",
                "a string or a list of strings",
            ],
        );
        let msg = err(&with_line(11, "      groups: [tier1, [nested]]"));
        assert_has(&msg, &["line 11", "users[0].attributes.groups[1]"]);
        let msg = err("users: 3\n");
        assert_has(&msg, &["line 1", "users", "invalid type"]);
        let msg = err("- alice\n");
        assert_has(&msg, &["line 1", "a mapping with a `users:` list"]);
    }

    #[test]
    fn syntax_error_names_line() {
        let msg = err(&with_line(6, "    first_name: Alice: Jane"));
        assert_has(
            &msg,
            &["users.yaml line 6 column", "mapping values are not allowed"],
        );
        let msg = err(&with_line(6, "    first_name: \"Alice"));
        assert_has(&msg, &["users.yaml line ", "quoted scalar"]);
        let msg = err(&with_line(6, "\tfirst_name: Alice"));
        assert_has(&msg, &["users.yaml line 6"]);
    }

    #[test]
    fn duplicate_ids_name_both_lines() {
        let msg = err(&with_line(13, "  - id: alice"));
        assert_eq!(
            msg,
            r#"users.yaml line 13: users[1].id: duplicate id "alice", already used by users[0].id line 3"#
        );
    }

    #[test]
    fn duplicate_attribute_names_second_line() {
        let text = GOOD.replace(
            "      groups: [tier1, billing]\n",
            "      groups: [a]\n      role: lead\n",
        );
        let msg = err(&text);
        assert_has(
            &msg,
            &["line 12:", "users[0].attributes.role", "listed twice"],
        );
    }

    #[test]
    fn empty_user_list_is_an_error() {
        let msg = err("# nobody\nusers: []\n");
        assert_eq!(
            msg,
            "users.yaml line 2: users: the list is empty: add at least one user"
        );
    }

    #[test]
    fn empty_file_is_an_error() {
        for text in ["", "# only a comment\n", "---\n"] {
            let e = Directory::parse(text, "users.yaml").unwrap_err();
            assert!(matches!(e, UsersError::EmptyFile { .. }), "{text:?}: {e}");
            assert_has(&e.to_string(), &["users.yaml", "empty"]);
        }
    }

    #[test]
    fn read_failure_names_file_and_os_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.yaml");
        let e = load(&path).unwrap_err();
        let msg = e.to_string();
        assert_has(&msg, &[&path.display().to_string(), "os error"]);
    }
}
