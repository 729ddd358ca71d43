"""Writes the python3-saml logout fixtures next to this file.

Run with the python3-saml that tests/run installs:
    tests/interop/.venv/bin/python src/saml/testdata/logout/gen_python.py
Each file is the XML python3-saml deflates into the SAMLRequest / SAMLResponse parameter
(get_xml()). IDs and IssueInstants change on every run; nothing else does.
"""

import os

from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.logout_response import OneLogin_Saml2_Logout_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings

HERE = os.path.dirname(os.path.abspath(__file__))
IDP = "http://127.0.0.1:8080"
SP = "https://python-sp.example"


def settings(nameid_format):
    return OneLogin_Saml2_Settings(
        {
            "strict": True,
            "sp": {
                "entityId": SP + "/metadata",
                "assertionConsumerService": {
                    "url": SP + "/acs",
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                },
                "singleLogoutService": {
                    "url": SP + "/sls",
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                "NameIDFormat": nameid_format,
            },
            "idp": {
                "entityId": IDP + "/metadata",
                "singleSignOnService": {
                    "url": IDP + "/sso",
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                "singleLogoutService": {
                    "url": IDP + "/slo",
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                # Any certificate does for building a message; none is used.
                "certFingerprint": "00" * 20,
            },
        }
    )


def write(name, xml):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        f.write(xml)
    print("wrote", name)


def main():
    unspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    persistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
    write(
        "python3-saml-logout-request.xml",
        OneLogin_Saml2_Logout_Request(
            settings(unspecified), name_id="zoe@globex.example", session_index="_id4"
        ).get_xml(),
    )
    write(
        "python3-saml-logout-request-persistent.xml",
        OneLogin_Saml2_Logout_Request(
            settings(persistent),
            name_id="p-4f2a9c",
            session_index="_id4",
            nq=IDP + "/metadata",
            spnq=SP + "/metadata",
        ).get_xml(),
    )
    response = OneLogin_Saml2_Logout_Response(settings(unspecified))
    response.build("_id1")
    write("python3-saml-logout-response.xml", response.get_xml())


if __name__ == "__main__":
    main()
