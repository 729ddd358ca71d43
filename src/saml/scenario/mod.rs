//! The catalogue of deliberately broken (and compatibility-probing) responses.
//!
//! Each [`Scenario`] is data: a stable kebab-case id (used in the API, URLs and golden-file
//! names), a title and an explanation for QA, the rule or CVE it exercises, the verdict a
//! correct SP must reach, and the hooks it needs. A response is produced in stages (see
//! [`crate::saml::issue`]) and a scenario steps in at any of them:
//! - `shape`: change values before anything is signed (the signature stays valid);
//! - `signing`: change what is signed, with which key and algorithms;
//! - `tamper`: change the signed tree (usually breaking the signature on purpose);
//! - `encode`: change the bytes on their way out.
//!
//! Every scenario runs inside a live flow (current times, the right InResponseTo, the right
//! ACS) with exactly one deliberate defect. One file per family; [`catalogue`] lists them all.

mod addressing;
mod attacker;
mod encryption;
mod injection;
pub mod logout;
mod probes;
mod replay;
mod signature;
mod status;
mod structure;
mod time;
mod wrapping;

use ::time::OffsetDateTime;

pub use attacker::attacker_signers;

use super::dsig::{Algorithms, DsigError, KeyInfoStyle, Signer};
use super::response::ResponseSpec;
use super::sp::Encryption;
use super::xml::Element;
use super::xmlenc::{DataEncryption, KeyTransport};

/// Groups of scenarios, in the order the picker shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Valid,
    Time,
    Addressing,
    Signature,
    Wrapping,
    Injection,
    Status,
    Structure,
    Replay,
    /// Encrypted assertions: legacy algorithms, the wrong key, encryption without a signature.
    Encryption,
    /// Responses a correct SP accepts: multi-valued attributes, non-ASCII, URI names, ...
    Compatibility,
}

impl Family {
    pub const ALL: [Family; 11] = [
        Family::Valid,
        Family::Time,
        Family::Addressing,
        Family::Signature,
        Family::Wrapping,
        Family::Injection,
        Family::Status,
        Family::Structure,
        Family::Replay,
        Family::Encryption,
        Family::Compatibility,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Family::Valid => "valid",
            Family::Time => "time",
            Family::Addressing => "addressing",
            Family::Signature => "signature",
            Family::Wrapping => "wrapping",
            Family::Injection => "injection",
            Family::Status => "status",
            Family::Structure => "structure",
            Family::Replay => "replay",
            Family::Encryption => "encryption",
            Family::Compatibility => "compatibility",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Family::Valid => "Valid",
            Family::Time => "Time and validity",
            Family::Addressing => "Addressing and correlation",
            Family::Signature => "Signature and trust",
            Family::Wrapping => "Signature wrapping",
            Family::Injection => "Comment and text injection",
            Family::Status => "Status",
            Family::Structure => "Structure",
            Family::Replay => "Replay",
            Family::Encryption => "Encrypted assertions",
            Family::Compatibility => "Compatibility probes (a correct SP accepts)",
        }
    }
}

/// The outcome a scenario expects of a correct SP: what it does with the response. (Not to be
/// confused with the [`SignatureStatus`](crate::saml::request_signature::SignatureStatus) of a
/// request we receive.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// Logs the user in.
    Accept,
    /// Refuses it, for this reason.
    Reject(&'static str),
    /// Accepts or refuses according to a policy the SP states (skew tolerance, legacy
    /// algorithms, unsolicited responses); the text says which.
    Policy(&'static str),
}

impl Expected {
    pub fn id(self) -> &'static str {
        match self {
            Expected::Accept => "accept",
            Expected::Reject(_) => "reject",
            Expected::Policy(_) => "policy",
        }
    }

    pub fn reason(self) -> Option<&'static str> {
        match self {
            Expected::Accept => None,
            Expected::Reject(r) | Expected::Policy(r) => Some(r),
        }
    }
}

/// How much it matters that an SP accepts a response it must refuse: the severity of that
/// finding. Only `reject` scenarios have one: accepting an `accept` probe is right, and a
/// `policy` scenario's outcome is the SP's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Time, structure and status defects: a response that should have expired, been refused
    /// for its shape, or been read as an error still logs the user in. Logout defects too: a
    /// forged or stale logout message ends a session, or leaves one open.
    Medium,
    /// Addressing and replay: a genuine response is used where, or when, it was not meant to be
    /// (another SP's, another request's, the same one twice).
    High,
    /// Signature, wrapping, injection and encryption defects: whoever forges or alters the
    /// response chooses who logs in.
    Critical,
}

impl Severity {
    /// `critical`, `high`, `medium`: for the API and reports.
    pub fn id(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
        }
    }

    /// The severity a scenario of `family` with `verdict` has unless it says otherwise.
    pub const fn default_for(family: Family, verdict: Expected) -> Option<Severity> {
        if !matches!(verdict, Expected::Reject(_)) {
            return None;
        }
        Some(match family {
            Family::Signature | Family::Wrapping | Family::Injection | Family::Encryption => {
                Severity::Critical
            }
            Family::Addressing | Family::Replay => Severity::High,
            Family::Valid
            | Family::Time
            | Family::Status
            | Family::Structure
            | Family::Compatibility => Severity::Medium,
        })
    }
}

/// Whose identity a vulnerable SP takes from a scenario's response where that is not the
/// identity the IdP signed: what an audit compares with the identity the SP shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Forged {
    /// The attacker's subject, admin@acme-support.example, in an assertion nothing valid signs
    /// (altered, unsigned, wrapped, second or nested); the signed assertion names the user.
    Attacker,
    /// The user's own NameID, cut short at a node injected into the signed
    /// `<user>.evil.example`: the victim's account, where a correct SP reads the whole text.
    Truncated,
}

impl Forged {
    /// What every scenario of `family` forges unless it says otherwise: each wrapping
    /// scenario puts the attacker's assertion where a careless SP reads.
    pub const fn default_for(family: Family) -> Option<Forged> {
        match family {
            Family::Wrapping => Some(Forged::Attacker),
            _ => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Forged::Attacker => "attacker",
            Forged::Truncated => "truncated",
        }
    }
}

/// Which key signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SigningKey {
    /// The IdP's own key and certificate.
    #[default]
    Idp,
    /// An attacker's key, its self-signed certificate in KeyInfo.
    Attacker,
    /// An attacker's key with a certificate cloned from the IdP's (same subject, issuer,
    /// serial and validity).
    Cloned,
}

/// Whose certificate an assertion is encrypted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EncryptFor {
    /// The SP's encryption certificate (the profile's).
    #[default]
    Sp,
    /// The attacker's published certificate: the SP holds no key that decrypts it.
    Attacker,
}

/// Whether and how the signed assertion is encrypted, before the Response is signed
/// (saml-core 6.2: sign, then encrypt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EncryptionPlan {
    pub enabled: bool,
    pub data: DataEncryption,
    pub key_transport: KeyTransport,
    pub recipient: EncryptFor,
    /// The EncryptedKey beside the EncryptedData, reached through a `ds:RetrievalMethod`.
    pub retrieval_method: bool,
    /// A second signed assertion (same content, its own ID) stays in plaintext after the
    /// EncryptedAssertion.
    pub keep_plaintext: bool,
}

impl EncryptionPlan {
    /// What the profile asks for: its algorithms, for the SP, inline.
    pub fn from_profile(e: &Encryption) -> Self {
        EncryptionPlan {
            enabled: e.enabled,
            data: e.data,
            key_transport: e.key_transport,
            ..Default::default()
        }
    }
}

/// What gets signed, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigningPlan {
    pub assertion: bool,
    pub response: bool,
    pub algorithms: Algorithms,
    pub key_info: KeyInfoStyle,
    pub key: SigningKey,
    /// Set from the profile; encryption scenarios change it in their `signing` hook.
    pub encryption: EncryptionPlan,
}

/// The keys a response may be signed with.
pub struct Keys<'a> {
    pub idp: &'a Signer,
    pub attacker: &'a Signer,
    pub cloned: &'a Signer,
}

impl Keys<'_> {
    pub fn get(&self, key: SigningKey) -> &Signer {
        match key {
            SigningKey::Idp => self.idp,
            SigningKey::Attacker => self.attacker,
            SigningKey::Cloned => self.cloned,
        }
    }
}

/// What `shape` may need besides the spec.
pub struct ShapeContext<'a> {
    pub now: OffsetDateTime,
    /// The ID of the request this SP sent before the current one, for `reused-request-id`.
    pub previous_request_id: Option<&'a str>,
}

/// What `tamper` may need: the keys (to re-sign a rearranged document) and the plan used.
pub struct TamperContext<'a> {
    pub keys: &'a Keys<'a>,
    pub plan: SigningPlan,
    pub spec: &'a ResponseSpec,
}

/// Things the engine cannot do alone; the server performs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Special {
    /// Post the previous response for this SP again, byte for byte.
    Replay,
    /// Needs the ID of this SP's previous request (see [`ShapeContext`]).
    PreviousRequest,
}

pub type ShapeHook = fn(&mut ResponseSpec, &ShapeContext<'_>);
pub type SigningHook = fn(&mut SigningPlan);
pub type TamperHook = fn(&mut Element, &TamperContext<'_>) -> Result<(), DsigError>;
pub type EncodeHook = fn(&mut String);

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub id: &'static str,
    pub family: Family,
    pub title: &'static str,
    /// What it does and what it proves, for a QA engineer.
    pub explanation: &'static str,
    /// The rule, specification section or CVE it exercises.
    pub rule: &'static str,
    pub verdict: Expected,
    /// How much it matters when an SP accepts it against the verdict (`reject` scenarios only):
    /// the family's [`Severity::default_for`] unless the scenario sets its own.
    pub severity: Option<Severity>,
    /// The identity a vulnerable SP takes instead of the signed one, if the scenario forges
    /// one: the family's [`Forged::default_for`] unless the scenario sets its own.
    pub forged: Option<Forged>,
    pub shape: Option<ShapeHook>,
    pub signing: Option<SigningHook>,
    pub tamper: Option<TamperHook>,
    pub encode: Option<EncodeHook>,
    pub special: Option<Special>,
}

impl Scenario {
    /// A scenario with no hooks; families fill in what they need with struct update syntax.
    pub const fn new(
        id: &'static str,
        family: Family,
        title: &'static str,
        explanation: &'static str,
        rule: &'static str,
        verdict: Expected,
    ) -> Self {
        Scenario {
            id,
            family,
            title,
            explanation,
            rule,
            verdict,
            severity: Severity::default_for(family, verdict),
            forged: Forged::default_for(family),
            shape: None,
            signing: None,
            tamper: None,
            encode: None,
            special: None,
        }
    }
}

impl Scenario {
    /// Whether this scenario encrypts an assertion for the SP whatever the profile says, and
    /// so needs the SP's encryption certificate.
    pub fn encrypts_for_sp(&self) -> bool {
        let Some(signing) = self.signing else {
            return false;
        };
        let mut plan = SigningPlan {
            assertion: true,
            response: true,
            algorithms: Algorithms::default(),
            key_info: KeyInfoStyle::Prefixed,
            key: SigningKey::Idp,
            encryption: EncryptionPlan::default(),
        };
        signing(&mut plan);
        plan.encryption.enabled && plan.encryption.recipient == EncryptFor::Sp
    }

    /// Whether it rewrites the response after signing (or its bytes), which an encrypted
    /// assertion would hide from it.
    pub fn rewrites_signed_response(&self) -> bool {
        self.tamper.is_some() || self.encode.is_some()
    }
}

/// The honest response.
pub const VALID: Scenario = Scenario::new(
    "valid",
    Family::Valid,
    "Valid response",
    "The response a correct IdP sends: every check an SP makes passes.",
    "saml-profiles 4.1.4",
    Expected::Accept,
);

/// Every scenario, `valid` first, then family by family.
pub fn catalogue() -> impl Iterator<Item = &'static Scenario> {
    std::iter::once(&VALID)
        .chain(time::ALL)
        .chain(addressing::ALL)
        .chain(signature::ALL)
        .chain(wrapping::ALL)
        .chain(injection::ALL)
        .chain(status::ALL)
        .chain(structure::ALL)
        .chain(replay::ALL)
        .chain(encryption::ALL)
        .chain(probes::ALL)
}

/// The scenario with this id.
pub fn find(id: &str) -> Option<&'static Scenario> {
    catalogue().find(|s| s.id == id)
}

#[cfg(test)]
#[path = "tests/testkit.rs"]
pub(crate) mod testkit;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn ids_are_unique_kebab_case_and_every_entry_is_documented() {
        let mut seen = HashSet::new();
        for s in catalogue() {
            assert!(seen.insert(s.id), "duplicate id {}", s.id);
            assert!(
                s.id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{} is not kebab-case",
                s.id
            );
            assert!(
                !s.title.is_empty() && !s.explanation.is_empty() && !s.rule.is_empty(),
                "{}",
                s.id
            );
            let hooks = [
                s.shape.is_some(),
                s.signing.is_some(),
                s.tamper.is_some(),
                s.encode.is_some(),
                s.special.is_some(),
            ];
            assert!(
                s.id == "valid" || hooks.iter().any(|h| *h),
                "{} changes nothing",
                s.id
            );
        }
        assert_eq!(find("valid").map(|s| s.id), Some("valid"));
    }

    /// Read from what each scenario issues, so the catalogue's data cannot drift from the
    /// responses: the attacker's subject appears exactly in the `Attacker` scenarios, the
    /// injected `.evil.example` name exactly in the `Truncated` ones.
    #[test]
    fn a_scenario_says_it_forges_an_identity_exactly_when_its_response_carries_one() {
        let profile = testkit::encryption_profile();
        let mut forged = Vec::new();
        for s in catalogue() {
            let xml = testkit::run_with(s, &profile).xml;
            let attacker = xml.contains(signature::EVIL_SUBJECT);
            let truncated = xml.contains(injection::EVIL_SUFFIX);
            let carried = match (attacker, truncated) {
                (true, false) => Some(Forged::Attacker),
                (false, true) => Some(Forged::Truncated),
                (false, false) => None,
                (true, true) => panic!("{} forges two identities", s.id),
            };
            assert_eq!(s.forged, carried, "{}", s.id);
            if let Some(f) = s.forged {
                forged.push((s.id, f.id()));
            }
        }
        assert_eq!(forged.len(), 18, "{forged:?}");
        assert!(forged.contains(&("xsw1", "attacker")));
        assert!(forged.contains(&("nameid-comment", "truncated")));
    }

    #[test]
    fn exactly_the_reject_scenarios_have_a_severity_their_familys_unless_they_say_why() {
        let overridden = [
            ("doctype-entity", Severity::Critical),
            ("enc-3des", Severity::High),
        ];
        let mut by_severity = std::collections::BTreeMap::new();
        for s in catalogue() {
            let Some(severity) = s.severity else {
                assert!(
                    !matches!(s.verdict, Expected::Reject(_)),
                    "{} is refused by a correct SP but has no severity",
                    s.id
                );
                continue;
            };
            assert!(
                matches!(s.verdict, Expected::Reject(_)),
                "{} has a severity but a correct SP does not refuse it",
                s.id
            );
            let family = Severity::default_for(s.family, s.verdict);
            match overridden.iter().find(|(id, _)| *id == s.id) {
                Some((_, own)) => {
                    assert_eq!(severity, *own, "{}", s.id);
                    assert_ne!(Some(severity), family, "{} overrides nothing", s.id);
                }
                None => assert_eq!(Some(severity), family, "{}", s.id),
            }
            *by_severity.entry(severity.id()).or_insert(0) += 1;
        }
        assert_eq!(
            by_severity.into_iter().collect::<Vec<_>>(),
            [("critical", 33), ("high", 13), ("medium", 16)]
        );
        assert_eq!(
            find("xsw1").and_then(|s| s.severity),
            Some(Severity::Critical)
        );
        assert_eq!(
            find("wrong-audience").and_then(|s| s.severity),
            Some(Severity::High)
        );
        assert_eq!(
            find("expired").and_then(|s| s.severity),
            Some(Severity::Medium)
        );
        assert_eq!(find("sha1").and_then(|s| s.severity), None, "a policy");
        assert_eq!(find("valid").and_then(|s| s.severity), None);
        assert!(Severity::Critical > Severity::High && Severity::High > Severity::Medium);
    }

    #[test]
    fn every_scenario_matches_its_golden_file() {
        for s in catalogue().filter(|s| s.special != Some(Special::Replay)) {
            testkit::golden(s.id, &testkit::stable(&testkit::run(s).xml));
        }
    }

    /// With an EC P-256 IdP key every login scenario still applies, signed with ecdsa-sha256
    /// (the attacker's RSA key with rsa-sha256), except `sha1`, whose rsa-sha1 only an RSA key
    /// makes: it is refused, naming itself.
    #[test]
    fn with_an_ec_p256_idp_key_every_scenario_applies_but_sha1() {
        use crate::saml::dsig::{verify_enveloped, KeyKind, SignatureAlgorithm};
        use crate::saml::issue::{IssueError, ResponseProfile};
        let mut profile = testkit::encryption_profile();
        profile.algorithms.signature = profile.algorithms.signature.for_key(KeyKind::EcP256);
        let methods = |xml: &str| -> Vec<String> {
            xml.split("SignatureMethod Algorithm=\"")
                .skip(1)
                .filter_map(|rest| rest.split('"').next().map(str::to_owned))
                .collect()
        };
        for s in catalogue().filter(|s| s.special != Some(Special::Replay)) {
            let result = testkit::try_run_ec(s, &profile);
            if s.id == "sha1" {
                let err = result.unwrap_err();
                assert!(
                    matches!(
                        err,
                        IssueError::AlgorithmNeedsOtherKey {
                            scenario: Some("sha1"),
                            algorithm: "rsa-sha1",
                            needs: KeyKind::Rsa,
                            key: KeyKind::EcP256,
                        }
                    ),
                    "{err}"
                );
                assert!(err.to_string().contains("--key-type rsa"), "{err}");
                continue;
            }
            let out = result.unwrap_or_else(|e| panic!("{}: {e}", s.id));
            for m in methods(&out.xml) {
                let expected = match s.id {
                    "self-signed-keyinfo" | "cloned-cert" => SignatureAlgorithm::RsaSha256.uri(),
                    "hmac-key-confusion" => crate::saml::ns::alg::HMAC_SHA1,
                    _ => SignatureAlgorithm::EcdsaSha256.uri(),
                };
                assert_eq!(m, expected, "{}", s.id);
            }
        }
        // The honest response and the SHA-1-digest one verify with the EC key.
        for id in ["valid", "mixed-algorithms"] {
            let out = testkit::try_run_ec(find(id).unwrap(), &profile).unwrap();
            let doc = testkit::doc(&out.xml);
            let key = testkit::ec_idp_key();
            verify_enveloped(&doc, doc.attribute("ID").unwrap(), &key).unwrap();
            let a = doc.first(crate::saml::ns::ASSERTION, "Assertion").unwrap();
            verify_enveloped(&doc, a.attribute("ID").unwrap(), &key).unwrap();
            if id == "mixed-algorithms" {
                assert!(out.xml.contains(crate::saml::ns::alg::SHA1));
            }
        }
        // A profile left at the RSA default meets the EC key: refused, not signed wrongly.
        let err = testkit::try_run_ec(&VALID, &ResponseProfile::default()).unwrap_err();
        assert!(
            matches!(
                err,
                IssueError::AlgorithmNeedsOtherKey { scenario: None, .. }
            ),
            "{err}"
        );
    }

    #[test]
    fn valid_verifies_with_the_idp_key() {
        let out = testkit::run(&VALID);
        let doc = testkit::doc(&out.xml);
        testkit::verify(&doc, doc.attribute("ID").unwrap()).unwrap();
    }
}
