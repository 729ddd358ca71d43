//! Every SAML, XML-DSig and XML namespace URN and algorithm URI the engine uses, in one place.

/// `urn:oasis:names:tc:SAML:2.0:protocol`, prefix `samlp`.
pub const PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// `urn:oasis:names:tc:SAML:2.0:assertion`, prefix `saml`.
pub const ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// `urn:oasis:names:tc:SAML:2.0:metadata`, prefix `md`.
pub const METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// XML Signature, prefix `ds`.
pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

pub const VERSION_2_0: &str = "2.0";

pub mod binding {
    pub const HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
    pub const HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
}

/// Status codes (saml-core 3.2.2.2).
pub mod status {
    pub const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
    pub const REQUESTER: &str = "urn:oasis:names:tc:SAML:2.0:status:Requester";
    pub const RESPONDER: &str = "urn:oasis:names:tc:SAML:2.0:status:Responder";
    pub const VERSION_MISMATCH: &str = "urn:oasis:names:tc:SAML:2.0:status:VersionMismatch";
    pub const INVALID_NAME_ID_POLICY: &str =
        "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy";
    pub const AUTHN_FAILED: &str = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";
    pub const NO_PASSIVE: &str = "urn:oasis:names:tc:SAML:2.0:status:NoPassive";
    pub const REQUEST_DENIED: &str = "urn:oasis:names:tc:SAML:2.0:status:RequestDenied";
    pub const UNKNOWN_PRINCIPAL: &str = "urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal";
    /// Second-level status of a LogoutResponse when some session participants could not be
    /// logged out (saml-core 3.2.2.2, 3.7.3.2).
    pub const PARTIAL_LOGOUT: &str = "urn:oasis:names:tc:SAML:2.0:status:PartialLogout";
}

/// `Reason` values of a LogoutRequest (saml-core 3.7.3.3).
pub mod logout_reason {
    /// The principal asked to log out.
    pub const USER: &str = "urn:oasis:names:tc:SAML:2.0:logout:user";
    /// An administrator ended the session.
    pub const ADMIN: &str = "urn:oasis:names:tc:SAML:2.0:logout:admin";
}

/// NameID formats (saml-core 8.3).
pub mod nameid {
    pub const UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
    pub const EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    pub const X509_SUBJECT: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName";
    pub const PERSISTENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    pub const TRANSIENT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
}

/// Attribute name formats (saml-core 8.2).
pub mod attrname {
    pub const BASIC: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:basic";
    pub const URI: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
}

pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
pub const AC_PASSWORD_PROTECTED_TRANSPORT: &str =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";

/// XML-DSig and canonicalisation algorithm URIs.
pub mod alg {
    pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    /// The XPath transform (xmldsig-core 6.6.3): SAML forbids it (saml-core 5.4.4).
    pub const XPATH: &str = "http://www.w3.org/TR/1999/REC-xpath-19991116";
    pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
    pub const RSA_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#rsa-sha1";
    pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    pub const RSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384";
    pub const RSA_SHA512: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
    pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
    pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
    pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
    pub const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
}

/// AD FS claim types, sent as attribute Names by ADFS-style responses.
pub mod claims {
    pub const EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    pub const UPN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
    pub const NAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name";
    pub const GIVEN_NAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";
    pub const SURNAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname";
    pub const ROLE: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
    pub const GROUP: &str = "http://schemas.xmlsoap.org/claims/Group";
    /// The group claim Entra ID and AD FS issue by default.
    pub const GROUPS: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups";
}

/// The namespace of the extension element a signature scenario adds to the response; ours, and
/// known to no SP.
pub const SCENARIO_EXTENSION: &str = "urn:mock-idp:scenario:extension";

/// `urn:oasis:names:tc:SAML:2.0:consent:unspecified`, the Consent AD FS puts on responses.
pub const CONSENT_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:2.0:consent:unspecified";
/// Integrated Windows Authentication, as AD FS asserts it.
pub const AC_WINDOWS: &str = "urn:federation:authentication:windows";
