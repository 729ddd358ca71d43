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
/// The namespace of namespace declarations (Namespaces in XML 1.0, section 3): a declaration
/// kept on a received element is an attribute in it, as the DOM keeps them.
pub const XMLNS: &str = "http://www.w3.org/2000/xmlns/";

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
    pub const UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";
}

pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
pub const AC_PASSWORD_PROTECTED_TRANSPORT: &str =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";

/// XML-DSig and canonicalisation algorithm URIs.
pub mod alg {
    pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
    /// `hmac-sha1` (XML-DSig 1.0 section 6.3.1). Never used to sign a real response: only to
    /// show that an SP refuses a symmetric method keyed with something public (the
    /// key-confusion attack).
    pub const HMAC_SHA1: &str = "http://www.w3.org/2000/09/xmldsig#hmac-sha1";
    /// Signature methods that exist but are not supported here (XML-DSig 1.0/1.1, RFC 6931).
    pub const DSA_OR_ECDSA: [&str; 6] = [
        "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
        "http://www.w3.org/2009/xmldsig11#dsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha224",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
    ];
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

/// XML Encryption 1.0 namespace, prefix `xenc`.
pub const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// XML Encryption 1.1 namespace, prefix `xenc11` (the `MGF` element).
pub const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";

/// `Type` of an EncryptedData whose plaintext is one element (xmlenc-core1 3.1; saml-core 6.1
/// requires this value when Type is present).
pub const XENC_TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";
/// `Type` of a RetrievalMethod pointing at an EncryptedKey (xmlenc-core1 3.5, "The
/// ds:RetrievalMethod Element").
pub const XENC_TYPE_ENCRYPTED_KEY: &str = "http://www.w3.org/2001/04/xmlenc#EncryptedKey";

/// Algorithm URIs of XML Encryption 1.1 (section 5).
pub mod xenc_alg {
    /// 5.2.1, legacy: 3DES, 192-bit key, 64-bit IV.
    pub const TRIPLEDES_CBC: &str = "http://www.w3.org/2001/04/xmlenc#tripledes-cbc";
    /// 5.2.2: AES-128 in CBC mode.
    pub const AES128_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
    /// 5.2.2: AES-256 in CBC mode.
    pub const AES256_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
    /// 5.2, AES-GCM: AES-128 in GCM mode.
    pub const AES128_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
    /// 5.2, AES-GCM: AES-256 in GCM mode.
    pub const AES256_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
    /// 5.5.1, legacy: RSA PKCS#1 v1.5 key transport.
    pub const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
    /// 5.5.2: RSA-OAEP with MGF1-SHA-1.
    pub const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    /// 5.5.2: RSA-OAEP with the mask generation function named by `xenc11:MGF`.
    pub const RSA_OAEP: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
    /// 5.5.2: MGF1 with SHA-1 (the default when `xenc11:MGF` is absent).
    pub const MGF1_SHA1: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
    pub const MGF1_SHA224: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha224";
    pub const MGF1_SHA256: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha256";
    pub const MGF1_SHA384: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha384";
    pub const MGF1_SHA512: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha512";
    /// Message digests (`ds:DigestMethod` of RSA-OAEP): the URIs of XML-DSig's digest methods.
    /// SHA-1 is the OAEP digest when `ds:DigestMethod` is absent (5.5.2).
    pub use super::alg::{SHA1, SHA256, SHA384, SHA512};
}
