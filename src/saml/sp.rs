//! Service providers: what the IdP knows about an SP, and where a response to it goes.
//!
//! A [`ServiceProvider`] comes from the SP registry file (optionally filled from the SP's own
//! metadata or a help-desk preset). [`resolve_target`] applies saml-core 3.4.1 and
//! saml-profiles 4.1.4.1 to decide the audience and the AssertionConsumerService URL of one
//! response, under the unknown-SP [`Policy`].

use time::Duration;

use super::authn_request::AuthnRequest;
use super::binding::Binding;
use super::dsig::{Algorithms, KeyInfoStyle};
use super::ns;
use super::xmlenc::{DataEncryption, KeyTransport};

/// The shape of the XML sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseStyle {
    /// `samlp:`/`saml:` prefixes, both signed by default.
    #[default]
    Standard,
    /// As AD FS 2.0/3.0 writes it: default-namespace Assertion, Consent, the
    /// `http://<host>/adfs/services/trust` issuer, claim-URI attributes, assertion signed.
    Adfs,
}

impl ResponseStyle {
    pub const ALL: [ResponseStyle; 2] = [ResponseStyle::Standard, ResponseStyle::Adfs];

    pub fn id(self) -> &'static str {
        match self {
            ResponseStyle::Standard => "standard",
            ResponseStyle::Adfs => "adfs",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    /// What this style signs unless told otherwise: AD FS signs the assertion only.
    pub fn default_sign(self) -> Sign {
        match self {
            ResponseStyle::Standard => Sign::Both,
            ResponseStyle::Adfs => Sign::Assertion,
        }
    }

    pub fn key_info(self) -> KeyInfoStyle {
        match self {
            ResponseStyle::Standard => KeyInfoStyle::Prefixed,
            ResponseStyle::Adfs => KeyInfoStyle::DefaultNamespace,
        }
    }
}

/// What to sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sign {
    /// Response and Assertion: a default node-saml SP requires both.
    #[default]
    Both,
    Assertion,
    Response,
    /// Nothing: only for SPs configured to accept that.
    None,
}

impl Sign {
    pub const ALL: [Sign; 4] = [Sign::Both, Sign::Assertion, Sign::Response, Sign::None];

    pub fn id(self) -> &'static str {
        match self {
            Sign::Both => "both",
            Sign::Assertion => "assertion",
            Sign::Response => "response",
            Sign::None => "none",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }

    pub fn assertion(self) -> bool {
        matches!(self, Sign::Both | Sign::Assertion)
    }

    pub fn response(self) -> bool {
        matches!(self, Sign::Both | Sign::Response)
    }
}

/// Where a NameID value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameIdSource {
    /// The user's email.
    Email,
    /// The user's id.
    Id,
    /// The first value of one of the user's attributes.
    Attribute(String),
    /// Opaque, stable per user and SP.
    Persistent,
    /// New for every login.
    Transient,
}

impl NameIdSource {
    /// `email`, `id`, `attribute:<name>`, `persistent`, `transient`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(NameIdSource::Email),
            "id" => Some(NameIdSource::Id),
            "persistent" => Some(NameIdSource::Persistent),
            "transient" => Some(NameIdSource::Transient),
            _ => s
                .strip_prefix("attribute:")
                .filter(|n| !n.is_empty())
                .map(|n| NameIdSource::Attribute(n.to_owned())),
        }
    }
}

/// How an SP's NameID is made, when the request does not ask for a format.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameIdRule {
    /// A NameID format URN.
    pub format: Option<String>,
    pub source: Option<NameIdSource>,
}

/// Short names for the NameID formats, as config files and forms write them.
pub fn name_id_format_from_id(id: &str) -> Option<&'static str> {
    Some(match id {
        "unspecified" => ns::nameid::UNSPECIFIED,
        "email" | "emailAddress" => ns::nameid::EMAIL,
        "x509" | "X509SubjectName" => ns::nameid::X509_SUBJECT,
        "persistent" => ns::nameid::PERSISTENT,
        "transient" => ns::nameid::TRANSIENT,
        _ => return None,
    })
}

/// Short names for the attribute NameFormats (saml-core 8.2), as the registry writes them.
pub fn attribute_name_format_from_id(id: &str) -> Option<&'static str> {
    Some(match id {
        "basic" => ns::attrname::BASIC,
        "uri" => ns::attrname::URI,
        "unspecified" => ns::attrname::UNSPECIFIED,
        _ => return None,
    })
}

/// Changes to the attributes an SP receives, applied in this order: drop, rename, add.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttributeMap {
    pub drop: Vec<String>,
    /// `(from, to)`.
    pub rename: Vec<(String, String)>,
    /// Fixed values added for every user.
    pub add: Vec<(String, Vec<String>)>,
}

/// How long what we assert stays valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Conditions NotOnOrAfter, counted from now.
    pub assertion: Duration,
    /// SubjectConfirmationData NotOnOrAfter, counted from now.
    pub confirmation: Duration,
    /// How far Conditions NotBefore is backdated for SPs whose clock runs behind.
    pub not_before_skew: Duration,
    /// SessionNotOnOrAfter, counted from the authentication.
    pub session: Duration,
}

impl Default for Validity {
    fn default() -> Self {
        Validity {
            assertion: Duration::minutes(5),
            confirmation: Duration::minutes(5),
            not_before_skew: Duration::minutes(2),
            session: Duration::hours(8),
        }
    }
}

/// Encrypted assertions (saml-core 6): the SP's encryption certificate and the algorithms to
/// use with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Encryption {
    /// The SP's encryption certificate (DER, an RSA key), from the registry or its metadata;
    /// `None`: no assertion can be encrypted for it.
    pub certificate: Option<Vec<u8>>,
    pub data: DataEncryption,
    pub key_transport: KeyTransport,
    /// Encrypt the assertion: for an SP, unless a login says otherwise; in a
    /// [`ResponseProfile`](super::issue::ResponseProfile), for this login.
    pub enabled: bool,
}

/// An AssertionConsumerService endpoint (saml-metadata 2.2.3 IndexedEndpointType).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcsEndpoint {
    pub url: String,
    /// Binding URN; only HTTP-POST endpoints can receive our responses.
    pub binding: String,
    pub index: Option<u16>,
    pub is_default: Option<bool>,
}

/// Everything the IdP knows about one SP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProvider {
    pub entity_id: String,
    /// A human name for pages (`Desk.com`, `ServiceDesk Plus`), when known.
    pub name: Option<String>,
    pub acs: Vec<AcsEndpoint>,
    pub slo_url: Option<String>,
    pub name_id: NameIdRule,
    /// The Audience to assert, when it is not the entity ID.
    pub audience: Option<String>,
    pub sign: Sign,
    pub algorithms: Algorithms,
    pub attributes: AttributeMap,
    pub style: ResponseStyle,
    pub validity: Validity,
    /// An AuthnContextClassRef to assert instead of PasswordProtectedTransport.
    pub authn_context: Option<String>,
    /// The SP's signing certificate (DER), from the registry or its metadata.
    pub certificate: Option<Vec<u8>>,
    /// From SP metadata: `AuthnRequestsSigned`.
    pub authn_requests_signed: bool,
    /// From SP metadata: `WantAssertionsSigned`.
    pub want_assertions_signed: bool,
    /// Its encryption certificate and algorithms, from the registry or its metadata.
    pub encryption: Encryption,
    /// The RelayState an IdP-initiated login sends when the login names none: the URL
    /// products such as Atlassian, Zoho, HubSpot and Zendesk land on after it.
    pub relay_state: Option<String>,
    /// `(attribute name as sent, NameFormat URI)`: the NameFormat written on those
    /// attributes instead of the one the style gives (the registry's
    /// `attributes: { name_format: ... }`).
    pub attribute_name_formats: Vec<(String, String)>,
    /// The binding our LogoutRequests reach `slo_url` by: HTTP-Redirect, unless its logout
    /// endpoint takes only HTTP-POST (`slo_binding` in the registry, or its metadata).
    pub slo_binding: Binding,
}

impl ServiceProvider {
    /// An SP with nothing but its entity ID; every other setting at its default.
    pub fn new(entity_id: &str) -> Self {
        ServiceProvider {
            entity_id: entity_id.to_owned(),
            name: None,
            acs: Vec::new(),
            slo_url: None,
            name_id: NameIdRule::default(),
            audience: None,
            sign: Sign::default(),
            algorithms: Algorithms::default(),
            attributes: AttributeMap::default(),
            style: ResponseStyle::default(),
            validity: Validity::default(),
            authn_context: None,
            certificate: None,
            authn_requests_signed: false,
            want_assertions_signed: false,
            encryption: Encryption::default(),
            relay_state: None,
            attribute_name_formats: Vec::new(),
            slo_binding: Binding::Redirect,
        }
    }

    /// The POST endpoints, the only ones a response can be delivered to.
    pub fn post_endpoints(&self) -> impl Iterator<Item = &AcsEndpoint> {
        self.acs
            .iter()
            .filter(|e| e.binding == ns::binding::HTTP_POST)
    }

    /// The default POST endpoint (saml-metadata 2.2.3): the first with `isDefault="true"`,
    /// else the first without `isDefault="false"`, else the first.
    pub fn default_acs(&self) -> Option<&AcsEndpoint> {
        self.post_endpoints()
            .find(|e| e.is_default == Some(true))
            .or_else(|| self.post_endpoints().find(|e| e.is_default.is_none()))
            .or_else(|| self.post_endpoints().next())
    }
}

/// The registered SPs.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    sps: Vec<ServiceProvider>,
}

impl Registry {
    pub fn new(sps: Vec<ServiceProvider>) -> Self {
        Registry { sps }
    }

    pub fn get(&self, entity_id: &str) -> Option<&ServiceProvider> {
        self.sps.iter().find(|sp| sp.entity_id == entity_id)
    }

    pub fn all(&self) -> &[ServiceProvider] {
        &self.sps
    }

    pub fn is_empty(&self) -> bool {
        self.sps.is_empty()
    }
}

/// Who a response is for and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The SP's entity ID, as registered or as its request names it.
    pub sp_entity_id: String,
    /// The Audience asserted: the entity ID unless the registry overrides it.
    pub audience: String,
    /// The AssertionConsumerService URL: Destination, Recipient, and where the form posts.
    pub acs_url: String,
}

/// What to do with SPs and ACS URLs the registry does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Answer any SP at the ACS URL its request names, with a warning.
    #[default]
    Permissive,
    /// Refuse unregistered issuers and unregistered ACS URLs: an assertion is never posted to
    /// a URL the registry does not list.
    Strict,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    #[error("the AuthnRequest has no Issuer, so there is no audience to address the assertion to")]
    NoIssuer,
    #[error("the AuthnRequest names no AssertionConsumerServiceURL{} and its issuer is not registered, so there is nowhere to send the response", .0.map(|i| format!(" (only AssertionConsumerServiceIndex={i})")).unwrap_or_default())]
    NoAcsUrl(Option<u16>),
    /// An AssertionConsumerServiceURL the browser's form cannot be sent to
    /// ([`browser_url`](super::browser_url)).
    #[error("AssertionConsumerServiceURL {shown} {problem}", shown = super::browser_url::shown(.url))]
    BadAcsUrl {
        url: String,
        problem: super::browser_url::UrlProblem,
    },
    #[error(
        "the AuthnRequest asks for ProtocolBinding {0}; responses are sent with HTTP-POST only"
    )]
    UnsupportedBinding(String),
    #[error(
        "{0} is not a registered service provider, and strict mode answers registered ones only"
    )]
    UnregisteredSp(String),
    #[error("AssertionConsumerServiceURL {url} is not registered for {sp}, and strict mode posts to registered URLs only (registered: {registered})")]
    UnregisteredAcs {
        sp: String,
        url: String,
        registered: String,
    },
    #[error("AssertionConsumerServiceIndex {index} is not registered for {sp} (registered HTTP-POST indexes: {registered})")]
    UnknownAcsIndex {
        sp: String,
        index: u16,
        registered: String,
    },
    #[error("{0} has no HTTP-POST AssertionConsumerService registered")]
    NoRegisteredAcs(String),
    #[error("{0} is not a registered service provider; IdP-initiated login needs one")]
    UnknownSp(String),
}

/// A resolved target and what a person should know about how it was reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    pub target: Target,
    pub warnings: Vec<String>,
}

/// Where the response to `request` goes (saml-core 3.4.1, saml-profiles 4.1.4.1): a named
/// AssertionConsumerServiceURL must be one of the SP's endpoints, an index selects one, and
/// with neither the SP's default endpoint is used. `request` is `None` for IdP-initiated login.
pub fn resolve_target(
    request: Option<&AuthnRequest>,
    sp: Option<&ServiceProvider>,
    policy: Policy,
) -> Result<Resolution, TargetError> {
    if let Some(b) = request.and_then(|r| r.protocol_binding.as_deref()) {
        if b != ns::binding::HTTP_POST {
            return Err(TargetError::UnsupportedBinding(b.to_owned()));
        }
    }
    let Some(sp) = sp else {
        let r = request.ok_or_else(|| TargetError::UnknownSp(String::new()))?;
        return unregistered(r, policy);
    };
    let mut warnings = Vec::new();
    let registered = || {
        let urls: Vec<_> = sp.post_endpoints().map(|e| e.url.as_str()).collect();
        if urls.is_empty() {
            "none".to_owned()
        } else {
            urls.join(", ")
        }
    };
    let acs_url = match (
        request.and_then(|r| r.acs_url.as_deref()),
        request.and_then(|r| r.acs_index),
    ) {
        (Some(url), _) => {
            check_http(url)?;
            if sp.post_endpoints().any(|e| e.url == url) {
                url.to_owned()
            } else if policy == Policy::Strict {
                return Err(TargetError::UnregisteredAcs {
                    sp: sp.entity_id.clone(),
                    url: url.to_owned(),
                    registered: registered(),
                });
            } else {
                warnings.push(format!(
                    "The ACS URL {url} is not registered for {}; answering there anyway (permissive mode). Registered: {}.",
                    sp.entity_id,
                    registered()
                ));
                url.to_owned()
            }
        }
        (None, Some(index)) => sp
            .post_endpoints()
            .find(|e| e.index == Some(index))
            .map(|e| e.url.clone())
            .ok_or_else(|| TargetError::UnknownAcsIndex {
                sp: sp.entity_id.clone(),
                index,
                registered: sp
                    .post_endpoints()
                    .filter_map(|e| e.index.map(|i| i.to_string()))
                    .collect::<Vec<_>>()
                    .join(", "),
            })?,
        (None, None) => sp
            .default_acs()
            .map(|e| e.url.clone())
            .ok_or_else(|| TargetError::NoRegisteredAcs(sp.entity_id.clone()))?,
    };
    let target = Target {
        sp_entity_id: sp.entity_id.clone(),
        audience: sp.audience.clone().unwrap_or_else(|| sp.entity_id.clone()),
        acs_url,
    };
    Ok(Resolution { target, warnings })
}

fn unregistered(r: &AuthnRequest, policy: Policy) -> Result<Resolution, TargetError> {
    let issuer = r
        .issuer
        .clone()
        .filter(|i| !i.is_empty())
        .ok_or(TargetError::NoIssuer)?;
    if policy == Policy::Strict {
        return Err(TargetError::UnregisteredSp(issuer));
    }
    let acs_url = r
        .acs_url
        .clone()
        .ok_or(TargetError::NoAcsUrl(r.acs_index))?;
    check_http(&acs_url)?;
    let warnings = vec![format!(
        "{issuer} is not a registered service provider: answering it at the ACS URL its request names (permissive mode)."
    )];
    Ok(Resolution {
        target: Target {
            sp_entity_id: issuer.clone(),
            audience: issuer,
            acs_url,
        },
        warnings,
    })
}

/// A requested ACS URL becomes the action of the auto-submitting form: it passes the one check.
fn check_http(url: &str) -> Result<(), TargetError> {
    match super::browser_url::problem(url) {
        None => Ok(()),
        Some(problem) => Err(TargetError::BadAcsUrl {
            url: url.to_owned(),
            problem,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::authn_request;

    fn request(attrs: &str) -> AuthnRequest {
        authn_request::parse(&format!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" {attrs}><saml:Issuer>https://sp.example/metadata</saml:Issuer></samlp:AuthnRequest>"#
        ))
        .unwrap()
    }

    fn endpoint(url: &str, index: u16, is_default: Option<bool>) -> AcsEndpoint {
        AcsEndpoint {
            url: url.into(),
            binding: ns::binding::HTTP_POST.into(),
            index: Some(index),
            is_default,
        }
    }

    fn registered() -> ServiceProvider {
        let mut sp = ServiceProvider::new("https://sp.example/metadata");
        sp.acs = vec![
            AcsEndpoint {
                url: "https://sp.example/artifact".into(),
                binding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact".into(),
                index: Some(0),
                is_default: Some(true),
            },
            endpoint("https://sp.example/acs/1", 1, None),
            endpoint("https://sp.example/acs/2", 2, Some(true)),
        ];
        sp
    }

    fn acs(r: Result<Resolution, TargetError>) -> String {
        r.unwrap().target.acs_url
    }

    #[test]
    fn unregistered_sps_are_answered_at_their_own_acs_in_permissive_mode_only() {
        let r = request(r#"AssertionConsumerServiceURL="https://sp.example/acs""#);
        let res = resolve_target(Some(&r), None, Policy::Permissive).unwrap();
        assert_eq!(res.target.acs_url, "https://sp.example/acs");
        assert_eq!(res.target.audience, "https://sp.example/metadata");
        assert_eq!(res.warnings.len(), 1);
        assert_eq!(
            resolve_target(Some(&r), None, Policy::Strict),
            Err(TargetError::UnregisteredSp(
                "https://sp.example/metadata".into()
            ))
        );
        let no_acs = request(r#"AssertionConsumerServiceIndex="1""#);
        assert_eq!(
            resolve_target(Some(&no_acs), None, Policy::Permissive),
            Err(TargetError::NoAcsUrl(Some(1)))
        );
        let js = request(r#"AssertionConsumerServiceURL="javascript:alert(1)""#);
        assert!(matches!(
            resolve_target(Some(&js), None, Policy::Permissive),
            Err(TargetError::BadAcsUrl { .. })
        ));
        // Registered or not, a requested ACS URL passes the one check (the form's action).
        for bad in [
            "javascript:alert(1)",
            "https://sp.example/acs&#13;&#10;x",
            "https://",
        ] {
            let r = request(&format!("AssertionConsumerServiceURL=\"{bad}\""));
            for sp in [None, Some(&registered())] {
                let err = resolve_target(Some(&r), sp, Policy::Permissive).unwrap_err();
                assert!(matches!(err, TargetError::BadAcsUrl { .. }), "{bad}: {err}");
            }
        }
        let artifact = request(
            r#"AssertionConsumerServiceURL="https://sp.example/acs" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact""#,
        );
        assert!(matches!(
            resolve_target(Some(&artifact), None, Policy::Permissive),
            Err(TargetError::UnsupportedBinding(_))
        ));
        let mut anonymous = request(r#"AssertionConsumerServiceURL="https://sp.example/acs""#);
        anonymous.issuer = None;
        assert_eq!(
            resolve_target(Some(&anonymous), None, Policy::Permissive),
            Err(TargetError::NoIssuer)
        );
    }

    #[test]
    fn a_registered_sp_gets_the_named_url_the_indexed_one_or_its_default() {
        let sp = registered();
        let named = request(r#"AssertionConsumerServiceURL="https://sp.example/acs/1""#);
        assert_eq!(
            acs(resolve_target(Some(&named), Some(&sp), Policy::Strict)),
            "https://sp.example/acs/1"
        );
        let indexed = request(r#"AssertionConsumerServiceIndex="1""#);
        assert_eq!(
            acs(resolve_target(Some(&indexed), Some(&sp), Policy::Strict)),
            "https://sp.example/acs/1"
        );
        // The Artifact endpoint is the declared default, but we can only POST.
        let plain = request("");
        assert_eq!(
            acs(resolve_target(Some(&plain), Some(&sp), Policy::Strict)),
            "https://sp.example/acs/2"
        );
        assert_eq!(
            acs(resolve_target(None, Some(&sp), Policy::Strict)),
            "https://sp.example/acs/2"
        );
        let unknown_index = request(r#"AssertionConsumerServiceIndex="0""#);
        assert!(matches!(
            resolve_target(Some(&unknown_index), Some(&sp), Policy::Permissive),
            Err(TargetError::UnknownAcsIndex { index: 0, .. })
        ));
    }

    #[test]
    fn strict_mode_never_posts_to_an_unregistered_acs_url() {
        let sp = registered();
        let r = request(r#"AssertionConsumerServiceURL="https://evil.example/acs""#);
        assert!(matches!(
            resolve_target(Some(&r), Some(&sp), Policy::Strict),
            Err(TargetError::UnregisteredAcs { .. })
        ));
        let res = resolve_target(Some(&r), Some(&sp), Policy::Permissive).unwrap();
        assert_eq!(res.target.acs_url, "https://evil.example/acs");
        assert!(res.warnings[0].contains("not registered"));
    }

    /// Atlassian's ACS (through Auth0) and Salesforce's carry a query string that names the
    /// connection or the org: it is part of the URL, compared and sent byte for byte.
    #[test]
    fn acs_urls_with_query_strings_are_matched_byte_for_byte() {
        const ATLASSIAN: &str = "https://auth.atlassian.com/login/callback?connection=saml-1234";
        const SALESFORCE: &str = "https://acme.my.salesforce.com?so=00D000000000001&x=a%20b";
        let mut sp = ServiceProvider::new("https://sp.example/metadata");
        sp.acs = vec![endpoint(ATLASSIAN, 0, None), endpoint(SALESFORCE, 1, None)];
        let named = |url: &str| {
            request(&format!(
                r#"AssertionConsumerServiceURL="{}""#,
                url.replace('&', "&amp;")
            ))
        };
        for url in [ATLASSIAN, SALESFORCE] {
            let r = named(url);
            let res = resolve_target(Some(&r), Some(&sp), Policy::Strict).unwrap();
            assert_eq!(res.target.acs_url, url);
            assert!(res.warnings.is_empty());
        }
        let indexed = request(r#"AssertionConsumerServiceIndex="1""#);
        assert_eq!(
            acs(resolve_target(Some(&indexed), Some(&sp), Policy::Strict)),
            SALESFORCE
        );
        assert_eq!(
            acs(resolve_target(None, Some(&sp), Policy::Strict)),
            ATLASSIAN
        );
        for other in [
            "https://auth.atlassian.com/login/callback?connection=saml-9999",
            "https://auth.atlassian.com/login/callback?connection=saml-1234&next=/x",
            "https://auth.atlassian.com/login/callback",
            "https://auth.atlassian.com/login/callback?connection=saml-1234#",
            "https://acme.my.salesforce.com?x=a%20b&so=00D000000000001",
            "https://acme.my.salesforce.com?so=00D000000000001&x=a+b",
            "https://acme.my.salesforce.com/?so=00D000000000001&x=a%20b",
        ] {
            let r = named(other);
            let Err(TargetError::UnregisteredAcs { url, .. }) =
                resolve_target(Some(&r), Some(&sp), Policy::Strict)
            else {
                panic!("strict mode answered {other}");
            };
            assert_eq!(url, other);
            // Permissive mode answers there as named, with the same warning as any other
            // unregistered URL.
            let res = resolve_target(Some(&r), Some(&sp), Policy::Permissive).unwrap();
            assert_eq!(res.target.acs_url, other);
            assert_eq!(res.warnings.len(), 1);
            assert!(res.warnings[0].contains("is not registered"), "{other}");
        }
    }

    #[test]
    fn default_endpoint_follows_saml_metadata_2_2_3() {
        let mut sp = ServiceProvider::new("sp");
        sp.acs = vec![
            endpoint("https://a", 0, Some(false)),
            endpoint("https://b", 1, None),
        ];
        assert_eq!(sp.default_acs().unwrap().url, "https://b");
        sp.acs = vec![
            endpoint("https://a", 0, Some(false)),
            endpoint("https://b", 1, Some(false)),
        ];
        assert_eq!(sp.default_acs().unwrap().url, "https://a");
        sp.acs.clear();
        assert_eq!(
            resolve_target(None, Some(&sp), Policy::Permissive),
            Err(TargetError::NoRegisteredAcs("sp".into()))
        );
    }

    #[test]
    fn audience_override_and_parsers() {
        let mut sp = registered();
        sp.audience = Some("urn:audience".into());
        assert_eq!(
            resolve_target(None, Some(&sp), Policy::Strict)
                .unwrap()
                .target
                .audience,
            "urn:audience"
        );
        assert_eq!(
            NameIdSource::parse("attribute:mail"),
            Some(NameIdSource::Attribute("mail".into()))
        );
        assert_eq!(NameIdSource::parse("attribute:"), None);
        assert_eq!(name_id_format_from_id("email"), Some(ns::nameid::EMAIL));
        assert_eq!(
            Sign::from_id("none").map(|s| (s.assertion(), s.response())),
            Some((false, false))
        );
        assert_eq!(ResponseStyle::Adfs.default_sign(), Sign::Assertion);
    }
}
