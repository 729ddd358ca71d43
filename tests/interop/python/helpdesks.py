"""The help desks the registry presets describe, as their own admin guides configure them.

The values here are written from the help desks' documentation, not read from mock-idp, so
that a preset which derived another entity ID or ACS URL fails the tests. The registry files
in tests/fixtures/sps/ register the same help desks through the presets:

- Desk.com, site `mysite` (desk.yaml): entity ID = the bare site name, ACS
  https://mysite.desk.com/auth/saml/acs, email NameID, deflated HTTP-Redirect AuthnRequest,
  trust by SHA-1 fingerprint.
- DeskPRO, https://acme.deskpro.com SAML app 1 (deskpro.yaml): entity ID = its metadata URL,
  ACS /login/authenticate-callback/1, attributes email, name, first_name, last_name.
- ServiceDesk Plus Cloud through Zoho Accounts, org 90000000000 (servicedesk-plus.yaml):
  entity ID zoho.com, ACS https://accounts.zoho.com/signin/samlsp/90000000000, an unsigned
  HTTP-POST AuthnRequest to the AD FS endpoint /adfs/ls/, email NameID, AD FS-style response.
"""

import datetime
import os
import re
import uuid

DESK = {
    "name": "Desk.com",
    "entity_id": "mysite",
    "acs": "https://mysite.desk.com/auth/saml/acs",
}
# The same Desk.com site answering at a URL its registration does not list.
DESK_UNREGISTERED_ACS = {
    "name": "Desk.com at an unregistered ACS URL",
    "entity_id": "mysite",
    "acs": "https://support.mysite.example/auth/saml/acs",
}
DESKPRO = {
    "name": "DeskPRO",
    "entity_id": "https://acme.deskpro.com/saml/metadata/1.xml",
    "acs": "https://acme.deskpro.com/login/authenticate-callback/1",
}
# Another SAML app of the same help desk (the user-facing one), which is not registered.
DESKPRO_APP_2 = {
    "name": "DeskPRO app 2",
    "entity_id": "https://acme.deskpro.com/saml/metadata/2.xml",
    "acs": "https://acme.deskpro.com/login/authenticate-callback/2",
}
ZOHO = {
    "name": "ServiceDesk Plus (Zoho)",
    "entity_id": "zoho.com",
    "acs": "https://accounts.zoho.com/signin/samlsp/90000000000",
}

# The attribute names DeskPRO's agent auto-creation reads, and which of the user's values
# each must carry (the key of the driver's expectation).
DESKPRO_ATTRIBUTES = {
    "email": "email",
    "name": "displayName",
    "first_name": "firstName",
    "last_name": "lastName",
}

# The AD FS claim types mock-idp's AD FS style sends, and the user's value each carries.
CLAIM_EMAIL = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"
CLAIM_UPN = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"
CLAIM_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name"
CLAIM_GIVEN_NAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"
CLAIM_SURNAME = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname"
CLAIM_ROLE = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
CLAIM_GROUP = "http://schemas.xmlsoap.org/claims/Group"
ADFS_CLAIMS = {
    CLAIM_EMAIL: "email",
    CLAIM_UPN: "email",
    CLAIM_NAME: "displayName",
    CLAIM_GIVEN_NAME: "firstName",
    CLAIM_SURNAME: "lastName",
    CLAIM_ROLE: "role",
    CLAIM_GROUP: "groups",
}

ADFS_SSO_PATH = "/adfs/ls/"
FEDERATION_METADATA_PATH = "/FederationMetadata/2007-06/FederationMetadata.xml"

ZOHO_SAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures",
                           "requests", "servicedesk-plus-sample.xml")


def adfs_entity_id(base):
    """`http://<host:port>/adfs/services/trust` for the IdP at `base` (AD FS writes `http://`
    whatever the scheme it is served over)."""
    host = base.split("://", 1)[1].split("/", 1)[0]
    return "http://%s/adfs/services/trust" % host


def adfs_claims(expect):
    """The claim values an AD FS-style response must carry for the expected user."""
    out = {}
    for claim, key in ADFS_CLAIMS.items():
        if key in expect["attributes"]:
            out[claim] = expect["attributes"][key]
    return out


def zoho_authn_request(base, acs=ZOHO["acs"]):
    """Zoho's AuthnRequest: the published sample with a fresh ID and IssueInstant, addressed to
    this IdP's AD FS endpoint and naming `acs`. Returns (xml, request id)."""
    with open(ZOHO_SAMPLE, encoding="utf-8") as f:
        xml = f.read()
    # The sample's ID is "_" and 39 hex digits; keep that shape.
    request_id = "_" + (uuid.uuid4().hex + uuid.uuid4().hex)[:39]
    now = datetime.datetime.now(datetime.timezone.utc)
    instant = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
    replacements = [
        (r'\bID="[^"]*"', 'ID="%s"' % request_id),
        (r'\bIssueInstant="[^"]*"', 'IssueInstant="%s"' % instant),
        (r'\bDestination="[^"]*"', 'Destination="%s"' % (base + ADFS_SSO_PATH)),
        (r'\bAssertionConsumerServiceURL=\s*"[^"]*"', 'AssertionConsumerServiceURL=\n"%s"' % acs),
    ]
    for pattern, value in replacements:
        xml, n = re.subn(pattern, lambda _m, v=value: v, xml, count=1)
        if n != 1:
            raise ValueError("the Zoho sample has no %s" % pattern)
    return xml, request_id
