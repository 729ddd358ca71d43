"""The SaaS products the eight newer registry presets describe, as their own docs configure them.

Each value is written from the product's documentation (the sources are those of
`../shared/reference/saas-presets.md`, repeated per product below), not read from mock-idp, so
that a preset deriving another entity ID, ACS URL, NameID format or signature fails the tests.
tests/fixtures/sps/saas-presets.yaml registers the same products through the presets, each with
the default RelayState below (the Rust test checks that the two files agree).

Per product:
- `entity_id`, `acs`: what the product's SAML screen shows for the parameters of the fixture;
- `nameid`: the NameID format the SP asks for and expects;
- `signed`: what the product requires signed (python3-saml's wantMessagesSigned for
  "response", wantAssertionsSigned for "assertion"), and so what the preset must sign;
- `trust`: "certificate", or the fingerprint algorithm the product stores instead;
- `attributes`: attribute name -> the user's value it must carry (key of the expectation);
- `name_format`: attribute name -> the NameFormat it must be written with, where one is set;
- `idp_initiated`: whether the sources document IdP-initiated login (it is tested for all);
- `query_variants`: ACS URLs that differ from the registered one only in the query string,
  which strict mode must refuse (query-string ACS products only).
"""

CLAIM_GIVEN_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
CLAIM_SURNAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
CLAIM_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
UNSPECIFIED = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified"

PRODUCTS = {
    # Cloudflare One Zendesk SSO tutorial; Ubisecure Zendesk integration page. Zendesk stores
    # the certificate's SHA-256 fingerprint; the assertion is signed with the certificate in
    # its KeyInfo.
    "zendesk": {
        "name": "Zendesk",
        "entity_id": "https://acme.zendesk.com",
        "acs": "https://acme.zendesk.com/access/saml",
        "nameid": "emailAddress",
        "signed": ["assertion"],
        "trust": "sha256",
        "attributes": {CLAIM_GIVEN_NAME: "firstName", CLAIM_SURNAME: "lastName"},
        "idp_initiated": True,
        "relay_state": "https://acme.zendesk.com/agent/dashboard?brand=1&view=open",
    },
    # Freshworks CRM support article 50000002414; KZero Freshworks SSO guide; Freshdesk article
    # 11000000028091. The admin's first signing option: response and assertion.
    "freshworks": {
        "name": "Freshdesk / Freshservice",
        "entity_id": "https://acme.myfreshworks.com/sp/SAML/881543301655492912/metadata",
        "acs": "https://acme.myfreshworks.com/sp/SAML/881543301655492912/callback",
        "nameid": "emailAddress",
        "signed": ["response", "assertion"],
        "trust": "certificate",
        "attributes": {"email": "email", "FirstName": "firstName", "LastName": "lastName"},
        # The sources describe SP-initiated login only; the IdP-initiated login is still run, as
        # the library accepts it, but says so.
        "idp_initiated": False,
        "relay_state": "https://acme.freshdesk.com/a/tickets?filter=unresolved&sort=created_at",
    },
    # Okta "Atlassian Cloud"; Microsoft Entra Atlassian Cloud tutorial; PingFederate guide.
    "atlassian": {
        "name": "Jira Service Management (Atlassian)",
        "entity_id": "https://auth.atlassian.com/saml/a1b2c3d4",
        "acs": "https://auth.atlassian.com/login/callback?connection=saml-a1b2c3d4",
        "nameid": "emailAddress",
        "signed": ["assertion"],
        "trust": "certificate",
        "attributes": {CLAIM_GIVEN_NAME: "firstName", CLAIM_SURNAME: "lastName",
                       CLAIM_NAME: "displayName"},
        "idp_initiated": True,
        "relay_state": "https://acme.atlassian.net/jira/servicedesk/projects/HELP/queues?a=1&b=%2F",
        "query_variants": [
            "https://auth.atlassian.com/login/callback?connection=saml-a1b2c3d5",
            "https://auth.atlassian.com/login/callback?connection=saml-a1b2c3d4&next=%2F",
            "https://auth.atlassian.com/login/callback?next=%2F&connection=saml-a1b2c3d4",
            "https://auth.atlassian.com/login/callback",
        ],
    },
    # ServiceNow docs, "Generate IdP metadata for SSO" (Washington DC): navpage.do at index 0,
    # consumer.do at index 1, WantAssertionsSigned.
    "servicenow": {
        "name": "ServiceNow",
        "entity_id": "https://acme.service-now.com",
        "acs": "https://acme.service-now.com/navpage.do",
        "other_acs": ["https://acme.service-now.com/consumer.do"],
        "nameid": "emailAddress",
        "signed": ["assertion"],
        "trust": "certificate",
        "attributes": {"email": "email"},
        "idp_initiated": True,
        "relay_state": ("https://acme.service-now.com/nav_to.do?uri=incident_list.do"
                        "&sysparm_query=active%3Dtrue"),
    },
    # Salesforce Help: "Example SAML Assertions"; "Just-in-Time SAML Assertion Fields". The
    # username in the Subject with the unspecified format; User.* attributes written with the
    # unspecified NameFormat.
    "salesforce": {
        "name": "Salesforce (Service Cloud)",
        "entity_id": "https://acme.my.salesforce.com",
        "acs": "https://acme.my.salesforce.com?so=00D5g000004abcD",
        "nameid": "unspecified",
        "signed": ["assertion"],
        "trust": "certificate",
        "attributes": {"User.Email": "email", "User.FirstName": "firstName",
                       "User.LastName": "lastName"},
        "name_format": {"User.Email": UNSPECIFIED, "User.FirstName": UNSPECIFIED,
                        "User.LastName": UNSPECIFIED},
        "idp_initiated": True,
        "relay_state": "/lightning/o/Case/list?filterName=Recent&a=<b>",
        "query_variants": [
            "https://acme.my.salesforce.com?so=00D5g000004abcE",
            "https://acme.my.salesforce.com?so=00D5g000004abcD&sc=1",
            "https://acme.my.salesforce.com?sc=1&so=00D5g000004abcD",
            "https://acme.my.salesforce.com",
        ],
    },
    # HubSpot knowledge base "Can I use SSO with HubSpot"; Microsoft Entra HubSpot tutorial;
    # PingIdentity HubSpot guide. What must be signed is unconfirmed: the SP demands both.
    "hubspot": {
        "name": "HubSpot (Service Hub)",
        "entity_id": "https://api.hubspot.com/login-api/v1/saml/login?portalId=1234567",
        "acs": "https://api.hubspot.com/login-api/v1/saml/acs?portalId=1234567",
        "nameid": "emailAddress",
        "signed": ["response", "assertion"],
        "trust": "certificate",
        "attributes": {"email": "email"},
        "idp_initiated": True,
        "relay_state": "https://app.hubspot.com/live-messages/1234567?inbox=all&status=open",
        "query_variants": [
            "https://api.hubspot.com/login-api/v1/saml/acs?portalId=7654321",
            "https://api.hubspot.com/login-api/v1/saml/acs?portalId=1234567&loginRedirectUrl=%2F",
            "https://api.hubspot.com/login-api/v1/saml/acs?loginRedirectUrl=%2F&portalId=1234567",
            "https://api.hubspot.com/login-api/v1/saml/acs",
        ],
    },
    # RSA community "Help Scout SAML relying party configuration"; Help Scout docs article 880.
    "helpscout": {
        "name": "Help Scout",
        "entity_id": "urn:auth0:helpscout:acme-sso-saml",
        "acs": "https://helpscout.auth0.com/login/callback?connection=acme-sso-saml",
        "nameid": "emailAddress",
        "signed": ["assertion"],
        "trust": "certificate",
        "attributes": {"email": "email"},
        "idp_initiated": True,
        "relay_state": "https://secure.helpscout.net/mailbox/1/?folder=2&page=1",
        "query_variants": [
            "https://helpscout.auth0.com/login/callback?connection=other-sso-saml",
            "https://helpscout.auth0.com/login/callback?connection=acme-sso-saml&state=1",
            "https://helpscout.auth0.com/login/callback?state=1&connection=acme-sso-saml",
            "https://helpscout.auth0.com/login/callback",
        ],
    },
    # Zammad admin docs, "Security > Third-party applications > SAML": the SHA-1 fingerprint in
    # "IDP certificate fingerprint", an unsigned assertion refused.
    "zammad": {
        "name": "Zammad",
        "entity_id": "https://support.example.com/auth/saml/metadata",
        "acs": "https://support.example.com/auth/saml/callback",
        "nameid": "emailAddress",
        "signed": ["assertion"],
        "trust": "sha1",
        "attributes": {"email": "email", "name": "displayName", "first_name": "firstName",
                       "last_name": "lastName"},
        # The source does not say either way [unconfirmed].
        "idp_initiated": True,
        "relay_state": "https://support.example.com/#ticket/view/my_assigned?x=1&y=2",
    },
}


if __name__ == "__main__":
    # The table as JSON, for the Rust test that holds it against the registry fixture.
    import json

    print(json.dumps(PRODUCTS, sort_keys=True))
