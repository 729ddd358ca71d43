//! The pipeline from a parsed AuthnRequest (or none, for IdP-initiated login) to a signed,
//! encoded Response.
//!
//! ```text
//! Target + Principal + ResponseProfile (+ AuthnRequest)
//!      │ plan(now, ids)                 every value decided        -> ResponseSpec
//!      │   scenario.shape
//!      │ sign(signer)                   build tree, sign the       -> SignedResponse
//!      │                                assertion, encrypt it, sign the response
//!      │   scenario.signing, scenario.tamper
//!      │ encode                         bytes, base64              -> IssuedResponse
//!          scenario.encode
//! ```
//! Each stage has its own type, so none can be skipped or run out of order. The clock and the
//! ID source (which also supplies the random bytes of encryption keys and IVs) are parameters:
//! the same inputs give the same bytes (RSA PKCS#1 v1.5 signatures are deterministic), which
//! is what the golden files rely on. The one exception is an encrypted assertion's wrapped
//! content key, whose RSA padding openssl randomises (see [`super::xmlenc`]).

use time::OffsetDateTime;

use super::authn_request::AuthnRequest;
use super::b64::Base64;
use super::binding;
use super::dsig::{self, Algorithms, DsigError, KeyKind};
use super::nameid::{self, NameId, NameIdInputs};
use super::ns;
use super::principal::Principal;
use super::response::{
    self, AssertionSpec, AttributeSpec, AuthnSpec, ConditionsSpec, ConfirmationSpec, ResponseSpec,
    StatusSpec,
};
use super::scenario::{
    EncryptFor, EncryptionPlan, Keys, Scenario, ShapeContext, SigningKey, SigningPlan,
    TamperContext,
};
use super::sp::{
    AttributeMap, Encryption, NameIdRule, ResponseStyle, ServiceProvider, Sign, Target, Validity,
};
use super::xml::c14n::write_document;
use super::xml::{Element, Node};
use super::xmlenc::{self, EncryptionOptions, KeyPlacement, XmlencError};

/// Where fresh identifiers come from. The server draws random ones; tests count.
pub trait IdSource {
    /// A new xs:ID (starts with `_`).
    fn next_id(&mut self) -> String;

    /// A new xs:ID shaped as AD FS writes them, `_` and a GUID. Defaults to [`next_id`].
    ///
    /// [`next_id`]: IdSource::next_id
    fn next_guid_id(&mut self) -> String {
        self.next_id()
    }

    /// Fills `buf` with secret random bytes (content keys and IVs of encrypted assertions);
    /// outside tests a CSPRNG.
    fn fill_random(&mut self, buf: &mut [u8]);
}

/// `_id1`, `_id2`, ...: deterministic IDs for tests and golden files, and "random" bytes that
/// only count up (0, 1, 2, ... across calls): never use outside tests.
#[derive(Debug, Default)]
pub struct SequentialIds(u64, u8);

impl IdSource for SequentialIds {
    fn next_id(&mut self) -> String {
        self.0 += 1;
        format!("_id{}", self.0)
    }

    fn fill_random(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.1;
            self.1 = self.1.wrapping_add(1);
        }
    }
}

/// The identity provider issuing the response.
pub struct Idp<'a> {
    pub entity_id: &'a str,
    /// The issuer of ADFS-style responses, `http://<host>/adfs/services/trust`.
    pub adfs_entity_id: &'a str,
    /// Its signing key, and the attacker keys scenarios sign with.
    pub keys: Keys<'a>,
    /// Keys persistent NameIDs (see [`nameid`]).
    pub persistent_secret: &'a [u8],
}

/// Everything that shapes one response: the SP's settings, then the tester's choices.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseProfile {
    pub style: ResponseStyle,
    pub sign: Sign,
    pub algorithms: Algorithms,
    pub name_id: NameIdRule,
    /// A NameID format chosen for this login; it wins over the request's NameIDPolicy.
    pub name_id_format: Option<String>,
    pub attributes: AttributeMap,
    pub validity: Validity,
    /// The AuthnContextClassRef to assert; `None`: PasswordProtectedTransport, unless the SP
    /// requested only other classes.
    pub authn_context: Option<String>,
    /// The SP's encryption certificate and algorithms; `enabled`: encrypt the assertion.
    pub encryption: Encryption,
    /// `(attribute name, NameFormat URI)`: NameFormats that replace the style's.
    pub attribute_name_formats: Vec<(String, String)>,
}

impl ResponseProfile {
    /// The settings of a registered SP (or the defaults) as the IdP's `key` can sign them: a
    /// signature method written for another kind of key becomes this key's default method
    /// (ecdsa-sha256 for EC P-256, rsa-sha256 for RSA); the digest stays as set.
    pub fn for_sp_and_key(sp: Option<&ServiceProvider>, key: KeyKind) -> Self {
        let mut p = Self::for_sp(sp);
        p.algorithms.signature = p.algorithms.signature.for_key(key);
        p
    }

    /// The settings of a registered SP, or the defaults for an unregistered one.
    pub fn for_sp(sp: Option<&ServiceProvider>) -> Self {
        match sp {
            None => ResponseProfile::default(),
            Some(sp) => ResponseProfile {
                style: sp.style,
                sign: sp.sign,
                algorithms: sp.algorithms,
                name_id: sp.name_id.clone(),
                name_id_format: None,
                attributes: sp.attributes.clone(),
                validity: sp.validity,
                authn_context: sp.authn_context.clone(),
                encryption: sp.encryption.clone(),
                attribute_name_formats: sp.attribute_name_formats.clone(),
            },
        }
    }
}

/// The IdP session a login belongs to: its responses assert when the user authenticated and
/// one SessionIndex for the whole session (saml-core 2.7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub authn_instant: OffsetDateTime,
    pub session_index: String,
}

/// One login to answer.
pub struct Login<'a> {
    /// `None`: an unsolicited, IdP-initiated response.
    pub request: Option<&'a AuthnRequest>,
    pub target: &'a Target,
    pub principal: &'a Principal,
    pub profile: &'a ResponseProfile,
    /// The ID of this SP's request before the current one (scenario `reused-request-id`).
    pub previous_request_id: Option<&'a str>,
    /// The IdP session this login continues; `None`: a fresh authentication now.
    pub session: Option<&'a SessionInfo>,
}

/// Stage 1: decide every value of the response.
pub fn plan(
    login: &Login<'_>,
    idp: &Idp<'_>,
    now: OffsetDateTime,
    ids: &mut dyn IdSource,
) -> ResponseSpec {
    let profile = login.profile;
    let style = profile.style;
    let mut next_id = || match style {
        ResponseStyle::Standard => ids.next_id(),
        ResponseStyle::Adfs => ids.next_guid_id(),
    };
    let issuer = match style {
        ResponseStyle::Standard => idp.entity_id,
        ResponseStyle::Adfs => idp.adfs_entity_id,
    };
    let in_response_to = login.request.map(|r| r.id.clone());
    let mut spec = ResponseSpec {
        style,
        id: next_id(),
        version: ns::VERSION_2_0.to_owned(),
        issue_instant: now,
        destination: login.target.acs_url.clone(),
        in_response_to: in_response_to.clone(),
        issuer: issuer.to_owned(),
        status: StatusSpec::success(),
        assertion: None,
    };
    let requested = login
        .request
        .and_then(|r| r.name_id_policy.as_ref())
        .and_then(|p| p.format.as_deref());
    let inputs = NameIdInputs {
        idp_entity_id: issuer,
        sp_entity_id: &login.target.sp_entity_id,
        persistent_secret: idp.persistent_secret,
        transient_value: next_id(),
    };
    let name_id = match nameid::choose(
        profile.name_id_format.as_deref(),
        requested,
        &profile.name_id,
        login.principal,
        inputs,
    ) {
        Ok(n) => n,
        Err(e) => {
            spec.status = match &e {
                // saml-core 3.4.1.1: a format the IdP cannot produce gets this status.
                nameid::NameIdError::UnsupportedFormat(_) => StatusSpec {
                    code: ns::status::REQUESTER.to_owned(),
                    sub_code: Some(ns::status::INVALID_NAME_ID_POLICY.to_owned()),
                    message: Some(e.to_string()),
                },
                nameid::NameIdError::MissingAttribute { .. } => StatusSpec {
                    code: ns::status::RESPONDER.to_owned(),
                    sub_code: None,
                    message: Some(e.to_string()),
                },
            };
            return spec;
        }
    };
    let assertion_id = next_id();
    let session_index = match (style, login.session) {
        // AD FS uses the assertion ID as the session index.
        (ResponseStyle::Adfs, _) => assertion_id.clone(),
        (ResponseStyle::Standard, Some(s)) => s.session_index.clone(),
        (ResponseStyle::Standard, None) => next_id(),
    };
    let authn_instant = login.session.map_or(now, |s| s.authn_instant);
    let v = profile.validity;
    spec.assertion = Some(AssertionSpec {
        version: ns::VERSION_2_0.to_owned(),
        issue_instant: now,
        issuer: issuer.to_owned(),
        name_id: Some(name_id),
        confirmation: Some(ConfirmationSpec {
            in_response_to,
            recipient: login.target.acs_url.clone(),
            not_before: None,
            not_on_or_after: now + v.confirmation,
        }),
        conditions: Some(ConditionsSpec {
            not_before: now - v.not_before_skew,
            not_on_or_after: now + v.assertion,
            audiences: vec![login.target.audience.clone()],
        }),
        authn: Some(AuthnSpec {
            instant: authn_instant,
            session_index,
            session_not_on_or_after: match style {
                ResponseStyle::Standard => Some(authn_instant + v.session),
                ResponseStyle::Adfs => None,
            },
            class_ref: authn_class(profile.authn_context.as_deref(), login.request),
        }),
        attributes: with_name_formats(
            attributes_of(login.principal, style, &profile.attributes),
            &profile.attribute_name_formats,
        ),
        id: assertion_id,
    });
    spec
}

/// The profile's class if set; else PasswordProtectedTransport, unless the SP asked only for
/// other classes: then the first one it asked for, so a mock login satisfies what it requires.
fn authn_class(configured: Option<&str>, request: Option<&AuthnRequest>) -> String {
    if let Some(c) = configured {
        return c.to_owned();
    }
    let asked = request
        .and_then(|r| r.requested_authn_context.as_ref())
        .map(|c| c.class_refs.as_slice())
        .unwrap_or_default();
    match asked.first() {
        Some(first)
            if !asked
                .iter()
                .any(|c| c == ns::AC_PASSWORD_PROTECTED_TRANSPORT) =>
        {
            first.clone()
        }
        _ => ns::AC_PASSWORD_PROTECTED_TRANSPORT.to_owned(),
    }
}

/// The built-in attributes, then the user's own in file order, then the SP's mapping.
pub fn attributes_of(
    p: &Principal,
    style: ResponseStyle,
    map: &AttributeMap,
) -> Vec<AttributeSpec> {
    let mut out: Vec<(String, Vec<String>)> = match style {
        ResponseStyle::Standard => vec![
            ("email".into(), vec![p.email.clone()]),
            ("displayName".into(), vec![p.display_name.clone()]),
            ("firstName".into(), vec![p.first_name.clone()]),
            ("lastName".into(), vec![p.last_name.clone()]),
        ],
        ResponseStyle::Adfs => vec![
            (ns::claims::EMAIL.into(), vec![p.email.clone()]),
            (ns::claims::UPN.into(), vec![p.email.clone()]),
            (ns::claims::NAME.into(), vec![p.display_name.clone()]),
            (ns::claims::GIVEN_NAME.into(), vec![p.first_name.clone()]),
            (ns::claims::SURNAME.into(), vec![p.last_name.clone()]),
        ],
    };
    for a in &p.attributes {
        let name = match (style, a.name.as_str()) {
            // The claim types AD FS sends for the usual directory attributes.
            (ResponseStyle::Adfs, "role" | "roles") => ns::claims::ROLE,
            (ResponseStyle::Adfs, "group" | "groups") => ns::claims::GROUP,
            _ => a.name.as_str(),
        };
        // A user attribute named like a built-in one is the more specific: it replaces it.
        match out.iter_mut().find(|(n, _)| n == name) {
            Some((_, values)) => values.clone_from(&a.values),
            None => out.push((name.to_owned(), a.values.clone())),
        }
    }
    out.retain(|(n, _)| !map.drop.contains(n));
    for (from, to) in &map.rename {
        for (n, _) in out.iter_mut().filter(|(n, _)| n == from) {
            to.clone_into(n);
        }
    }
    out.extend(map.add.iter().cloned());
    out.into_iter()
        .map(|(name, values)| match style {
            ResponseStyle::Standard => AttributeSpec::new(&name, values),
            // AD FS writes claim URIs as Name with no NameFormat.
            ResponseStyle::Adfs => AttributeSpec {
                name,
                name_format: None,
                values,
            },
        })
        .collect()
}

/// `attributes` with the NameFormats `formats` names, by attribute name as sent; the others
/// keep the one their style gave.
pub fn with_name_formats(
    mut attributes: Vec<AttributeSpec>,
    formats: &[(String, String)],
) -> Vec<AttributeSpec> {
    for (name, format) in formats {
        for a in attributes.iter_mut().filter(|a| a.name == *name) {
            a.name_format = Some(format.clone());
        }
    }
    attributes
}

/// Stage 2: a response whose signatures are in place.
#[derive(Debug, Clone)]
pub struct SignedResponse {
    pub spec: ResponseSpec,
    pub document: Element,
    /// The document as written, when signing the root already produced it and nothing
    /// changed the tree since; `None`: [`encode`] writes it.
    pub written: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("signing failed: {0}")]
    Signing(#[from] DsigError),
    #[error("encryption failed: {0}")]
    Encryption(#[from] XmlencError),
    /// The login or the scenario encrypts for an SP whose encryption certificate is unknown.
    #[error(
        "the assertion cannot be encrypted: no encryption certificate is known for {0}; register the service provider in the --sps file with `encryption: {{ certificate: <its encryption certificate, PEM file or inline> }}`, or with a `metadata` file whose KeyDescriptor use=\"encryption\" (or without use) carries it"
    )]
    NoEncryptionCertificate(String),
    /// The signature method the profile or the scenario asks for cannot be made with the IdP's
    /// key (a scenario that signs with rsa-sha1 while the IdP holds an EC P-256 key).
    #[error("{}", algorithm_needs_other_key(*.scenario, .algorithm, *.needs, *.key))]
    AlgorithmNeedsOtherKey {
        scenario: Option<&'static str>,
        algorithm: &'static str,
        needs: KeyKind,
        key: KeyKind,
    },
    /// Per-login encryption asked for a scenario that rewrites the signed response.
    #[error(
        "scenario {0} changes the response after signing, which an encrypted assertion would hide from it: choose encrypt=none for this scenario"
    )]
    EncryptionConflict(&'static str),
}

fn algorithm_needs_other_key(
    scenario: Option<&str>,
    algorithm: &str,
    needs: KeyKind,
    key: KeyKind,
) -> String {
    match scenario {
        Some(s) => format!(
            "scenario {s} signs with {algorithm}, which needs an {needs} key, and the IdP's \
             signing key is {key}: this scenario cannot apply with this key; start mock-idp with \
             an RSA key (--key-type rsa and an empty certificate directory) to run it"
        ),
        None => format!(
            "{algorithm} needs an {needs} key, and the IdP's signing key is {key}: choose {}",
            key.default_algorithm().id()
        ),
    }
}

/// Stage 2: build the tree and sign it, assertion first; then encrypt the signed assertion
/// if the plan says so (saml-core 6.2, sign then encrypt); then sign the response, so that
/// its signature covers the (encrypted) signed assertion.
///
/// `sp_entity_id` becomes the EncryptedKey's `Recipient`; `ids` supplies the IDs and the
/// random bytes encryption needs.
pub fn sign(
    spec: ResponseSpec,
    profile: &ResponseProfile,
    keys: &Keys<'_>,
    scenario: &Scenario,
    sp_entity_id: &str,
    ids: &mut dyn IdSource,
) -> Result<SignedResponse, IssueError> {
    let mut plan = SigningPlan {
        assertion: profile.sign.assertion(),
        response: profile.sign.response(),
        algorithms: profile.algorithms,
        key_info: spec.style.key_info(),
        key: SigningKey::Idp,
        encryption: EncryptionPlan::from_profile(&profile.encryption),
    };
    if profile.encryption.enabled && scenario.rewrites_signed_response() {
        return Err(IssueError::EncryptionConflict(scenario.id));
    }
    if let Some(signing) = scenario.signing {
        signing(&mut plan);
    }
    let signer = keys.get(plan.key);
    let wanted = plan.algorithms.signature;
    if wanted.key_kind() != signer.kind() {
        match plan.key {
            // The attacker signs with its own (RSA) key whatever the IdP's kind: the method of
            // its kind with the same digests.
            SigningKey::Attacker | SigningKey::Cloned => {
                plan.algorithms.signature = wanted.for_key(signer.kind());
            }
            SigningKey::Idp => {
                return Err(IssueError::AlgorithmNeedsOtherKey {
                    scenario: (scenario.signing.is_some() && plan.algorithms != profile.algorithms)
                        .then_some(scenario.id),
                    algorithm: wanted.id(),
                    needs: wanted.key_kind(),
                    key: signer.kind(),
                })
            }
        }
    }
    let mut document = response::build(&spec);
    if let (true, Some(a)) = (plan.assertion, &spec.assertion) {
        dsig::sign_enveloped(&mut document, &a.id, plan.algorithms, signer, plan.key_info)?;
    }
    if let (true, Some(_)) = (plan.encryption.enabled, &spec.assertion) {
        encrypt(
            &mut document,
            &spec,
            &plan,
            profile,
            keys,
            sp_entity_id,
            ids,
        )?;
    }
    let mut written = None;
    if plan.response {
        written = Some(dsig::sign_root_and_write(
            &mut document,
            plan.algorithms,
            signer,
            plan.key_info,
        )?);
    }
    if let Some(tamper) = scenario.tamper {
        written = None;
        tamper(
            &mut document,
            &TamperContext {
                keys,
                plan,
                spec: &spec,
            },
        )?;
    }
    Ok(SignedResponse {
        spec,
        document,
        written,
    })
}

/// Replaces the signed assertion of `document` by its encryption, as `plan.encryption` says.
fn encrypt(
    document: &mut Element,
    spec: &ResponseSpec,
    plan: &SigningPlan,
    profile: &ResponseProfile,
    keys: &Keys<'_>,
    sp_entity_id: &str,
    ids: &mut dyn IdSource,
) -> Result<(), IssueError> {
    let e = plan.encryption;
    let sp_certificate;
    let certificate = match e.recipient {
        EncryptFor::Sp => {
            let der = profile
                .encryption
                .certificate
                .as_deref()
                .ok_or_else(|| IssueError::NoEncryptionCertificate(sp_entity_id.to_owned()))?;
            sp_certificate = openssl::x509::X509::from_der(der).map_err(XmlencError::from)?;
            &sp_certificate
        }
        EncryptFor::Attacker => keys.attacker.certificate(),
    };
    let plaintext = if e.keep_plaintext {
        plaintext_copy(spec, plan, keys, ids)?
    } else {
        None
    };
    let placement = if e.retrieval_method {
        KeyPlacement::RetrievalMethod {
            data_id: ids.next_id(),
            key_id: ids.next_id(),
        }
    } else {
        KeyPlacement::Inline
    };
    let options = EncryptionOptions {
        data: e.data,
        key_transport: e.key_transport,
        placement,
        recipient_certificate: true,
        recipient: Some(sp_entity_id.to_owned()),
    };
    let mut random = |buf: &mut [u8]| ids.fill_random(buf);
    xmlenc::encrypt_assertion_in_place(document, certificate, &options, &mut random)?;
    if let Some(copy) = plaintext {
        let at = document
            .children
            .iter()
            .position(
                |n| matches!(n, Node::Element(c) if c.name.is(ns::ASSERTION, "EncryptedAssertion")),
            )
            .map_or(document.children.len(), |i| i + 1);
        document.children.insert(at, Node::Element(copy));
    }
    Ok(())
}

/// The assertion of `spec` again under a fresh ID (an ID names one element per document),
/// signed as the plan signs assertions.
fn plaintext_copy(
    spec: &ResponseSpec,
    plan: &SigningPlan,
    keys: &Keys<'_>,
    ids: &mut dyn IdSource,
) -> Result<Option<Element>, IssueError> {
    let mut copy = spec.clone();
    let id = ids.next_id();
    if let Some(a) = copy.assertion.as_mut() {
        a.id.clone_from(&id);
    }
    let mut doc = response::build(&copy);
    if plan.assertion {
        dsig::sign_enveloped(
            &mut doc,
            &id,
            plan.algorithms,
            keys.get(plan.key),
            plan.key_info,
        )?;
    }
    Ok(doc.children.into_iter().find_map(|n| match n {
        Node::Element(c) if c.name.is(ns::ASSERTION, "Assertion") => Some(c),
        _ => None,
    }))
}

/// Stage 3: what the auto-POST form carries to the ACS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedResponse {
    pub acs_url: String,
    pub response_id: String,
    /// The request answered; `None` for IdP-initiated.
    pub request_id: Option<String>,
    pub status: StatusSpec,
    /// The Response document as sent.
    pub xml: String,
    /// Base64 of `xml`, the `SAMLResponse` form value.
    pub saml_response: Base64,
    /// The NameID and SessionIndex asserted, if any: what a later logout names.
    pub name_id: Option<NameId>,
    pub session_index: Option<String>,
}

/// Stage 3: serialise and encode for the HTTP-POST binding, addressed to `target`'s ACS
/// (whatever Destination a scenario may have written).
pub fn encode(signed: SignedResponse, target: &Target, scenario: &Scenario) -> IssuedResponse {
    let mut xml = match signed.written {
        Some(written) => written,
        None => write_document(&signed.document),
    };
    if let Some(encode) = scenario.encode {
        encode(&mut xml);
    }
    let assertion = signed.spec.assertion.as_ref();
    IssuedResponse {
        name_id: assertion.and_then(|a| a.name_id.clone()),
        session_index: assertion
            .and_then(|a| a.authn.as_ref())
            .map(|s| s.session_index.clone()),
        acs_url: target.acs_url.clone(),
        response_id: signed.spec.id,
        request_id: signed.spec.in_response_to,
        status: signed.spec.status,
        saml_response: binding::encode_post(&xml),
        xml,
    }
}

/// All stages in order.
pub fn issue(
    login: &Login<'_>,
    idp: &Idp<'_>,
    now: OffsetDateTime,
    ids: &mut dyn IdSource,
    scenario: &Scenario,
) -> Result<IssuedResponse, IssueError> {
    let mut spec = plan(login, idp, now, ids);
    if let Some(shape) = scenario.shape {
        let ctx = ShapeContext {
            now,
            previous_request_id: login.previous_request_id,
        };
        shape(&mut spec, &ctx);
    }
    let signed = sign(
        spec,
        login.profile,
        &idp.keys,
        scenario,
        &login.target.sp_entity_id,
        ids,
    )?;
    Ok(encode(signed, login.target, scenario))
}

#[cfg(test)]
#[path = "tests/issue.rs"]
mod tests;
