//! The registry file as written: the serde schema of `sps.yaml`, every field optional so that the
//! steps of the build can tell what was written from what was not, and unknown fields refused.
//! Reading the text into it is where serde_yaml's shape and syntax errors arise.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::SpsError;
use crate::server::yaml::{self, ScalarText, Values};

#[derive(Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with a `service_providers:` list"
)]
pub(super) struct SpsFile {
    #[serde(default)]
    pub(super) service_providers: Option<Vec<RawSp>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSp {
    #[serde(default)]
    pub(super) entity_id: Option<String>,
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default)]
    pub(super) preset: Option<String>,
    #[serde(default)]
    pub(super) site: Option<String>,
    #[serde(default)]
    pub(super) host: Option<String>,
    #[serde(default)]
    pub(super) helpdesk: Option<String>,
    #[serde(default)]
    pub(super) n: Option<u32>,
    #[serde(default)]
    pub(super) org_id: Option<ScalarText>,
    #[serde(default)]
    pub(super) data_centre: Option<String>,
    #[serde(default)]
    pub(super) subdomain: Option<String>,
    #[serde(default)]
    pub(super) saml_id: Option<ScalarText>,
    #[serde(default)]
    pub(super) instance: Option<String>,
    #[serde(default)]
    pub(super) my_domain: Option<String>,
    #[serde(default)]
    pub(super) portal_id: Option<ScalarText>,
    #[serde(default)]
    pub(super) connection: Option<String>,
    #[serde(default)]
    pub(super) metadata: Option<String>,
    #[serde(default)]
    pub(super) acs: Option<Vec<RawAcs>>,
    #[serde(default)]
    pub(super) slo_url: Option<String>,
    #[serde(default)]
    pub(super) name_id: Option<RawNameId>,
    #[serde(default)]
    pub(super) audience: Option<String>,
    #[serde(default)]
    pub(super) sign: Option<String>,
    #[serde(default)]
    pub(super) signature_algorithm: Option<String>,
    #[serde(default)]
    pub(super) digest_algorithm: Option<String>,
    #[serde(default)]
    pub(super) attributes: Option<RawAttributeMap>,
    #[serde(default)]
    pub(super) style: Option<String>,
    #[serde(default)]
    pub(super) validity: Option<RawValidity>,
    #[serde(default)]
    pub(super) authn_context: Option<String>,
    #[serde(default)]
    pub(super) certificate: Option<String>,
    #[serde(default)]
    pub(super) want_signed_requests: Option<bool>,
    #[serde(default)]
    pub(super) encryption: Option<RawEncryption>,
    #[serde(default)]
    pub(super) relay_state: Option<String>,
    #[serde(default)]
    pub(super) slo_binding: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEncryption {
    #[serde(default)]
    pub(super) certificate: Option<String>,
    #[serde(default)]
    pub(super) data: Option<String>,
    #[serde(default)]
    pub(super) key_transport: Option<String>,
    #[serde(default)]
    pub(super) enabled: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAcs {
    pub(super) url: String,
    #[serde(default)]
    pub(super) binding: Option<String>,
    #[serde(default)]
    pub(super) index: Option<u16>,
    #[serde(default)]
    pub(super) default: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNameId {
    #[serde(default)]
    pub(super) format: Option<String>,
    #[serde(default)]
    pub(super) source: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAttributeMap {
    #[serde(default)]
    pub(super) drop: Option<Vec<String>>,
    #[serde(default)]
    pub(super) rename: Option<Pairs<ScalarText>>,
    #[serde(default)]
    pub(super) add: Option<Pairs<Values>>,
    #[serde(default)]
    pub(super) name_format: Option<Pairs<ScalarText>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawValidity {
    #[serde(default)]
    pub(super) assertion_seconds: Option<u32>,
    #[serde(default)]
    pub(super) confirmation_seconds: Option<u32>,
    #[serde(default)]
    pub(super) not_before_skew_seconds: Option<u32>,
    #[serde(default)]
    pub(super) session_seconds: Option<u32>,
}

/// A mapping read in file order (a map type would lose it), repeated keys kept so they can be
/// reported.
pub(super) struct Pairs<V>(pub(super) Vec<(String, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Pairs<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PairsVisitor<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for PairsVisitor<V> {
            type Value = Pairs<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping from attribute name to value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(ScalarText(name)) = map.next_key()? {
                    pairs.push((name, map.next_value()?));
                }
                Ok(Pairs(pairs))
            }
        }
        deserializer.deserialize_map(PairsVisitor(std::marker::PhantomData))
    }
}

/// The registry text read into its schema; a file with nothing in it is [`SpsError::Empty`].
pub(super) fn read(text: &str, origin: &str) -> Result<SpsFile, SpsError> {
    if yaml::is_empty_document(text) {
        return Err(SpsError::Empty {
            origin: origin.to_owned(),
            line: None,
        });
    }
    yaml::from_str(text).map_err(|e| SpsError::Syntax {
        origin: origin.to_owned(),
        line: e.line,
        column: e.column,
        message: e.message,
    })
}
