"""Writes the python3-saml AuthnRequest fixtures to tests/fixtures/requests/.

Run through tests/interop/gen-fixtures. Each file is the decoded XML exactly as python3-saml
put it on the wire: the SAMLRequest query parameter of the URL returned by
OneLogin_Saml2_Auth.login(), inflated.
"""

import base64
import os
import sys
import urllib.parse
import zlib

from onelogin.saml2.auth import OneLogin_Saml2_Auth

IDP_SSO = "http://127.0.0.1:8080/sso"
IDP_ENTITY = "http://127.0.0.1:8080/metadata"
SP_HOST = "python-sp.example"


def settings(nameid_format):
    return {
        "strict": True,
        "sp": {
            "entityId": "https://%s/metadata" % SP_HOST,
            "assertionConsumerService": {
                "url": "https://%s/acs" % SP_HOST,
                "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
            },
            "NameIDFormat": nameid_format,
        },
        "idp": {
            "entityId": IDP_ENTITY,
            "singleSignOnService": {
                "url": IDP_SSO,
                "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
            },
            # Any certificate does for building a request; none is used.
            "certFingerprint": "00" * 20,
        },
        "security": {"wantAssertionsSigned": True, "wantMessagesSigned": True},
    }


def redirect_xml(nameid_format):
    request_data = {"https": "on", "http_host": SP_HOST, "script_name": "/login", "get_data": {}, "post_data": {}}
    url = OneLogin_Saml2_Auth(request_data, settings(nameid_format)).login(return_to="https://%s/" % SP_HOST)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).decode("utf-8")


def main(out_dir):
    files = {
        # python3-saml's own default NameIDFormat (unspecified).
        "python3-saml-redirect.xml": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
        "python3-saml-persistent.xml": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    }
    for name, fmt in files.items():
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(redirect_xml(fmt))
        print("wrote", name)


if __name__ == "__main__":
    main(sys.argv[1])
