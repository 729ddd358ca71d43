//! One login, as the picker form and the API both perform it: decode and parse the request
//! (or, IdP-initiated, find the SP), resolve where the answer goes, apply the SP's settings and
//! the tester's choices, look up the user, and run the engine with the real clock and random IDs.

use serde::Deserialize;

use crate::saml::authn_request::{self, AuthnRequest, RequestError};
use crate::saml::binding::{self, Binding, BindingError, Encoding};
use crate::saml::compare::{self, Recorder};
use crate::saml::dsig::{DigestAlgorithm, KeyKind, SignatureAlgorithm};
use crate::saml::issue::{self, IssueError, IssuedResponse, Login, ResponseProfile, SessionInfo};
use crate::saml::request_signature::{Judgement, SignatureRefusal};
use crate::saml::scenario::{self, Scenario, Special, VALID};
use crate::saml::sp::{
    self, name_id_format_from_id, Resolution, ResponseStyle, ServiceProvider, Sign, TargetError,
};
use crate::saml::xml::Element;
use crate::saml::xmlenc::{DataEncryption, KeyTransport};
use crate::server::clock;
use crate::server::flow::{Classified, FaultKind};
use crate::server::inspector::Exchange;

use crate::server::state::AppState;

/// Longest RelayState carried through. saml-bindings 3.4.3 says 80 bytes, which many SPs
/// exceed with a return URL; this only stops abuse.
pub const MAX_RELAY_STATE: usize = 8 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("no SAMLRequest parameter; service providers send users here with one (HTTP-Redirect: ?SAMLRequest=...; HTTP-POST: a SAMLRequest form field)")]
    MissingRequest,
    #[error("{0}")]
    Binding(#[from] BindingError),
    #[error("{0}")]
    Request(#[from] RequestError),
    #[error("{0}")]
    Target(#[from] TargetError),
    #[error("no sp parameter: IdP-initiated login needs the entity ID of a registered service provider ({0})")]
    MissingSp(String),
    #[error("no user given; choose one of: {0}")]
    MissingUser(String),
    #[error("unknown user {0:?}; choose one of: {1}")]
    UnknownUser(String, String),
    #[error("{field} {value:?} is not one of: {allowed}")]
    BadChoice {
        field: &'static str,
        value: String,
        allowed: String,
    },
    #[error("RelayState is {0} bytes; at most {MAX_RELAY_STATE} are carried")]
    RelayStateTooLong(usize),
    #[error("the request body or query string could not be read: {0}")]
    Malformed(String),
    #[error("there is no previous response to {0} to replay: log in once first")]
    NothingToReplay(String),
    #[error("this scenario answers the request {0} sent before this one, and there is none: log in once first")]
    NoPreviousRequest(String),
    #[error("{0}")]
    Issue(IssueError),
    #[error("{0}")]
    Signature(#[from] SignatureRefusal),
    /// Encryption asked for where it cannot be done: no certificate, or a scenario it hides.
    #[error("{0}")]
    Encryption(IssueError),
    /// A signature method the IdP's key cannot make, chosen for this login or by a scenario.
    #[error("{0}")]
    AlgorithmForKey(String),
}

impl From<IssueError> for LoginError {
    fn from(e: IssueError) -> Self {
        match e {
            IssueError::NoEncryptionCertificate(_) | IssueError::EncryptionConflict(_) => {
                LoginError::Encryption(e)
            }
            IssueError::AlgorithmNeedsOtherKey { .. } => LoginError::AlgorithmForKey(e.to_string()),
            other => LoginError::Issue(other),
        }
    }
}

impl Classified for LoginError {
    fn kind(&self) -> FaultKind {
        match self {
            LoginError::Issue(_) => FaultKind::Internal,
            _ if self.is_refusal() => FaultKind::Refused,
            _ => FaultKind::BadInput,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            LoginError::MissingRequest | LoginError::Binding(_) => "No usable SAMLRequest",
            LoginError::Request(_) => "The AuthnRequest is not valid",
            LoginError::Target(
                TargetError::UnregisteredSp(_) | TargetError::UnregisteredAcs { .. },
            ) => "Refused in strict mode",
            LoginError::Target(_) | LoginError::MissingSp(_) => "No place to send the response",
            LoginError::MissingUser(_) | LoginError::UnknownUser(..) => "Unknown user",
            LoginError::BadChoice { .. }
            | LoginError::RelayStateTooLong(_)
            | LoginError::Malformed(_) => "Bad request",
            LoginError::Issue(_) => "The response could not be issued",
            LoginError::Encryption(_) => "The assertion cannot be encrypted",
            LoginError::AlgorithmForKey(_) => "The signature algorithm does not fit the IdP's key",
            LoginError::NothingToReplay(_) | LoginError::NoPreviousRequest(_) => {
                "Nothing to replay yet"
            }
            LoginError::Signature(_) => "Request signature refused in strict mode",
        }
    }

    fn hint(&self) -> Option<&'static str> {
        match self {
            LoginError::MissingRequest => {
                Some("start the login at the service provider, or see the home page for the API")
            }
            LoginError::Binding(_) => {
                Some("HTTP-Redirect carries base64 of raw DEFLATE; HTTP-POST carries base64 of the XML")
            }
            LoginError::Target(TargetError::UnregisteredSp(_) | TargetError::UnregisteredAcs { .. }) => {
                Some("register the service provider and its ACS URL in the file given to --sps, or run without --strict")
            }
            LoginError::Target(_) => Some(
                "the AuthnRequest must name its Issuer and an AssertionConsumerServiceURL, or the service provider must be registered (--sps)",
            ),
            LoginError::Signature(_) => Some(
                "have the service provider sign its AuthnRequests with the key of the certificate registered for it (certificate: in the --sps file, or its metadata), or run without --strict to answer with a warning",
            ),
            _ => None,
        }
    }
}

impl LoginError {
    /// Refusals of strict mode, as opposed to malformed input.
    fn is_refusal(&self) -> bool {
        matches!(
            self,
            LoginError::Target(
                TargetError::UnregisteredSp(_) | TargetError::UnregisteredAcs { .. }
            )
        )
    }
}

/// A decoded, parsed AuthnRequest and how it arrived.
pub struct Received {
    pub xml: String,
    pub encoding: Encoding,
    pub binding: Binding,
    pub request: AuthnRequest,
    /// `xml` parsed, which the signature check reads.
    pub tree: Element,
    /// HTTP-Redirect: the query string exactly as received (the signature covers these bytes).
    pub redirect_query: Option<String>,
    /// The request's signature, once judged with the SP's certificate.
    pub signature: Option<Judgement>,
}

/// Decodes and parses a `SAMLRequest` parameter. `binding` is how it arrived, when known.
pub fn receive(
    saml_request: Option<&str>,
    binding: Option<Binding>,
) -> Result<Received, LoginError> {
    let param = saml_request
        .filter(|s| !s.trim().is_empty())
        .ok_or(LoginError::MissingRequest)?;
    let decoded = binding::decode(param)?;
    let (request, tree) = authn_request::parse_with_tree(&decoded.xml)?;
    Ok(Received {
        binding: binding.unwrap_or(decoded.encoding.likely_binding()),
        encoding: decoded.encoding,
        xml: decoded.xml,
        request,
        tree,
        redirect_query: None,
        signature: None,
    })
}

pub fn check_relay_state(relay_state: Option<&str>) -> Result<(), LoginError> {
    match relay_state {
        Some(r) if r.len() > MAX_RELAY_STATE => Err(LoginError::RelayStateTooLong(r.len())),
        _ => Ok(()),
    }
}

pub fn parse_binding(value: Option<&str>) -> Result<Option<Binding>, LoginError> {
    choice(value, "binding", Binding::from_id, &["redirect", "post"])
}

/// Where one login's response goes, and for which registered SP, if any.
pub struct Destination<'a> {
    pub sp: Option<&'a ServiceProvider>,
    pub resolution: Resolution,
}

/// SP-initiated: the SP is the request's issuer.
pub fn destination_for_request<'a>(
    state: &'a AppState,
    request: &AuthnRequest,
) -> Result<Destination<'a>, LoginError> {
    let sp = request
        .issuer
        .as_deref()
        .and_then(|i| state.registry.get(i));
    let resolution = sp::resolve_target(Some(request), sp, state.policy)?;
    Ok(Destination { sp, resolution })
}

/// IdP-initiated: a registered SP, answered at its default ACS.
pub fn destination_for_sp<'a>(
    state: &'a AppState,
    entity_id: Option<&str>,
) -> Result<Destination<'a>, LoginError> {
    let registered = || {
        state
            .registry
            .all()
            .iter()
            .map(|s| s.entity_id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let entity_id = entity_id.filter(|e| !e.is_empty()).ok_or_else(|| {
        LoginError::MissingSp(if state.registry.is_empty() {
            "none is registered".into()
        } else {
            format!("registered: {}", registered())
        })
    })?;
    let sp = state
        .registry
        .get(entity_id)
        .ok_or_else(|| TargetError::UnknownSp(entity_id.to_owned()))?;
    let resolution = sp::resolve_target(None, Some(sp), state.policy)?;
    Ok(Destination {
        sp: Some(sp),
        resolution,
    })
}

/// The per-login choices of the picker and the API; absent or empty means the SP's setting.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Choices {
    pub style: Option<String>,
    pub sign: Option<String>,
    pub algorithm: Option<String>,
    pub digest: Option<String>,
    pub name_id_format: Option<String>,
    pub authn_context: Option<String>,
    /// A scenario id from the catalogue; `valid` when absent.
    pub scenario: Option<String>,
    /// `none`, `yes` (the SP's algorithm) or a data encryption (`aes256-gcm`, ...): whether
    /// and how the assertion is encrypted for the SP's encryption certificate.
    pub encrypt: Option<String>,
    /// `rsa-oaep-mgf1p` or `rsa-oaep`: how the content key travels; encrypts unless
    /// `encrypt=none`.
    pub key_transport: Option<String>,
}

/// What `encrypt` accepts besides `none` and `yes`; the legacy algorithms are scenarios.
pub const ENCRYPT_IDS: [&str; 4] = ["aes128-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm"];
pub const KEY_TRANSPORT_IDS: [&str; 2] = ["rsa-oaep-mgf1p", "rsa-oaep"];

impl Choices {
    /// The chosen scenario.
    pub fn scenario(&self) -> Result<&'static Scenario, LoginError> {
        match self.scenario.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(&VALID),
            Some(id) => scenario::find(id).ok_or_else(|| LoginError::BadChoice {
                field: "scenario",
                value: id.to_owned(),
                allowed: match scenario::logout::find(id) {
                    Some(_) => "the login scenarios; this scenario applies to logout (choose it \
                                with POST /slo/idp-initiated or GET /slo/select)"
                        .into(),
                    None => "the ids listed by GET /api/scenarios".into(),
                },
            }),
        }
    }

    /// The SP's profile with these choices applied, for an IdP signing with a `key` key. The
    /// SP's settings follow the key (see [`ResponseProfile::for_sp_and_key`]); an `algorithm`
    /// chosen for this login that the key cannot make is refused.
    pub fn profile(
        &self,
        sp: Option<&ServiceProvider>,
        key: KeyKind,
    ) -> Result<ResponseProfile, LoginError> {
        let mut p = ResponseProfile::for_sp_and_key(sp, key);
        if let Some(style) = choice(
            self.style.as_deref(),
            "style",
            ResponseStyle::from_id,
            &ResponseStyle::ALL.map(ResponseStyle::id),
        )? {
            if p.style != style {
                // Another style brings its own signing default, unless `sign` is chosen too.
                p.sign = style.default_sign();
            }
            p.style = style;
        }
        if let Some(sign) = choice(
            self.sign.as_deref(),
            "sign",
            Sign::from_id,
            &Sign::ALL.map(Sign::id),
        )? {
            p.sign = sign;
        }
        if let Some(a) = choice(
            self.algorithm.as_deref(),
            "algorithm",
            SignatureAlgorithm::from_id,
            &SignatureAlgorithm::ALL.map(SignatureAlgorithm::id),
        )? {
            if a.key_kind() != key {
                let fits: Vec<_> = key.algorithms().map(SignatureAlgorithm::id).collect();
                return Err(LoginError::AlgorithmForKey(format!(
                    "algorithm {} needs an {} key, and the IdP's signing key is {key}: choose {}",
                    a.id(),
                    a.key_kind(),
                    fits.join(", ")
                )));
            }
            p.algorithms = a.into();
        }
        if let Some(d) = choice(
            self.digest.as_deref(),
            "digest",
            DigestAlgorithm::from_id,
            &DigestAlgorithm::ALL.map(DigestAlgorithm::id),
        )? {
            p.algorithms.digest = d;
        }
        if let Some(v) = self.name_id_format.as_deref().filter(|v| !v.is_empty()) {
            let format = name_id_format_from_id(v)
                .map(str::to_owned)
                .or_else(|| v.contains(':').then(|| v.to_owned()));
            p.name_id_format = Some(format.ok_or_else(|| LoginError::BadChoice {
                field: "name_id_format",
                value: v.to_owned(),
                allowed: "unspecified, email, x509, persistent, transient, or a format URN".into(),
            })?);
        }
        let off = self.encrypt.as_deref() == Some("none");
        match self.encrypt.as_deref().filter(|v| !v.is_empty()) {
            None => {}
            Some("none") => p.encryption.enabled = false,
            Some("yes") => p.encryption.enabled = true,
            Some(v) => {
                p.encryption.data = DataEncryption::from_id(v)
                    .filter(|a| !a.is_legacy())
                    .ok_or_else(|| LoginError::BadChoice {
                        field: "encrypt",
                        value: v.to_owned(),
                        allowed: format!("none, yes, {}", ENCRYPT_IDS.join(", ")),
                    })?;
                p.encryption.enabled = true;
            }
        }
        if let Some(k) = choice(
            self.key_transport.as_deref(),
            "key_transport",
            |v| KeyTransport::from_id(v).filter(|a| !a.is_legacy()),
            &KEY_TRANSPORT_IDS,
        )? {
            p.encryption.key_transport = k;
            p.encryption.enabled = !off;
        }
        if let Some(c) = self.authn_context.as_deref().filter(|v| !v.is_empty()) {
            p.authn_context = Some(match c {
                "password-protected-transport" => {
                    crate::saml::ns::AC_PASSWORD_PROTECTED_TRANSPORT.to_owned()
                }
                "windows" => crate::saml::ns::AC_WINDOWS.to_owned(),
                urn if urn.contains(':') => urn.to_owned(),
                other => {
                    return Err(LoginError::BadChoice {
                        field: "authn_context",
                        value: other.to_owned(),
                        allowed: "password-protected-transport, windows, or a class URN".into(),
                    })
                }
            });
        }
        Ok(p)
    }
}

fn choice<T>(
    value: Option<&str>,
    field: &'static str,
    parse: impl Fn(&str) -> Option<T>,
    allowed: &[&str],
) -> Result<Option<T>, LoginError> {
    match value.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(v) => parse(v).map(Some).ok_or_else(|| LoginError::BadChoice {
            field,
            value: v.to_owned(),
            allowed: allowed.join(", "),
        }),
    }
}

/// Issues the signed response for `user`, broken as the chosen scenario says.
pub fn answer(
    state: &AppState,
    received: Option<&Received>,
    destination: &Destination<'_>,
    user: Option<&str>,
    choices: &Choices,
    session: Option<&SessionInfo>,
) -> Result<IssuedResponse, LoginError> {
    let request = received.map(|r| &r.request);
    let profile = choices.profile(destination.sp, state.signer.kind())?;
    let scenario = choices.scenario()?;
    let known = || {
        state
            .directory
            .users()
            .iter()
            .map(|u| u.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let user = user
        .filter(|u| !u.is_empty())
        .ok_or_else(|| LoginError::MissingUser(known()))?;
    let principal = state
        .directory
        .get(user)
        .ok_or_else(|| LoginError::UnknownUser(user.to_owned(), known()))?;
    let sp = destination.resolution.target.sp_entity_id.as_str();
    if scenario.special == Some(Special::Replay) {
        let issued = state
            .history
            .last_response(sp)
            .ok_or_else(|| LoginError::NothingToReplay(sp.to_owned()))?;
        record(
            state,
            received,
            destination,
            user,
            scenario.id,
            &issued,
            None,
        );
        return Ok(issued);
    }
    let previous = state.history.previous_request(sp);
    if scenario.special == Some(Special::PreviousRequest) && previous.is_none() {
        return Err(LoginError::NoPreviousRequest(sp.to_owned()));
    }
    let idp = state.idp();
    let login = Login {
        request,
        target: &destination.resolution.target,
        principal,
        profile: &profile,
        previous_request_id: previous.as_deref(),
        session,
    };
    let now = clock::now();
    let mut ids = Recorder::new(clock::RandomIds);
    let issued = issue::issue(&login, &idp, now, &mut ids, scenario)?;
    // For the inspector, which marks what the scenario changed: the same login, valid.
    let valid_xml = (scenario.id != VALID.id)
        .then(|| compare::valid_counterpart(&login, &idp, now, ids.into_drawn()))
        .flatten();
    state
        .history
        .record(sp, request.map(|r| r.id.as_str()), &issued);
    record(
        state,
        received,
        destination,
        user,
        scenario.id,
        &issued,
        valid_xml,
    );
    Ok(issued)
}

/// One log line and one inspector entry per answered login.
fn record(
    state: &AppState,
    received: Option<&Received>,
    destination: &Destination<'_>,
    user: &str,
    scenario: &'static str,
    issued: &IssuedResponse,
    valid_xml: Option<String>,
) {
    let sp = destination.resolution.target.sp_entity_id.as_str();
    let binding = received.map_or("idp-initiated", |r| r.binding.id());
    let status = issued
        .status
        .code
        .rsplit(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    let request_signature = match received {
        None => "no request".to_owned(),
        Some(r) => r
            .signature
            .as_ref()
            .map_or_else(|| "not checked".to_owned(), Judgement::summary),
    };
    tracing::info!(sp, user, scenario, binding, status = %status, acs = %issued.acs_url, request_signature = %request_signature, "login answered");
    state.inspector.record(Exchange {
        seq: 0,
        at: clock::now(),
        sp: sp.to_owned(),
        user: user.to_owned(),
        scenario,
        binding,
        request_signature,
        request_xml: received.map(|r| r.xml.clone()),
        response_xml: issued.xml.clone(),
        acs_url: issued.acs_url.clone(),
        status,
        valid_xml,
        review: None,
    });
}

/// The answer to an `IsPassive` request when there is no IdP session: the status
/// Responder/NoPassive and no assertion (saml-core 3.4.1), signed like any response.
pub fn answer_no_passive(
    state: &AppState,
    received: &Received,
    destination: &Destination<'_>,
) -> Result<IssuedResponse, LoginError> {
    let choices = Choices {
        scenario: Some(NO_PASSIVE.to_owned()),
        ..Choices::default()
    };
    // The scenario drops the assertion, so whose it would have been does not matter; the
    // pipeline needs a user to plan one, and the first is as good as any.
    let anyone = state.directory.users().first().map(|u| u.id.clone());
    answer(
        state,
        Some(received),
        destination,
        anyone.as_deref(),
        &choices,
        None,
    )
}

/// The catalogue's Responder/NoPassive response.
const NO_PASSIVE: &str = "status-no-passive";
