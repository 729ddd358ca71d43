"""Writes the python3-saml SP metadata fixtures to tests/fixtures/sp-metadata/.

Usage: tests/interop/.venv/bin/python tests/interop/python/gen_sp_metadata.py tests/fixtures/sp-metadata

Each file is exactly what OneLogin_Saml2_Settings(...).get_sp_metadata() returns for the
settings below. The SP certificate and key are the throwaway pair committed in
tests/fixtures/sp-metadata/keys/. The EntityDescriptor ID (and, for the signed file, the
signature over it) changes on every run; validUntil is pinned so nothing else does.
"""

import os
import sys

from onelogin.saml2.settings import OneLogin_Saml2_Settings

SP_HOST = "python-sp.example"
HTTP_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
HTTP_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"


def read(keys_dir, name):
    with open(os.path.join(keys_dir, name), encoding="utf-8") as f:
        return f.read()


def settings(keys_dir, **security):
    return {
        "strict": True,
        "sp": {
            "entityId": "https://%s/metadata" % SP_HOST,
            "assertionConsumerService": {"url": "https://%s/acs" % SP_HOST, "binding": HTTP_POST},
            "singleLogoutService": {"url": "https://%s/sls" % SP_HOST, "binding": HTTP_REDIRECT},
            "NameIDFormat": EMAIL,
            "x509cert": read(keys_dir, "python-sp.crt"),
            "privateKey": read(keys_dir, "python-sp.key"),
        },
        "idp": {
            "entityId": "http://127.0.0.1:8080/metadata",
            "singleSignOnService": {"url": "http://127.0.0.1:8080/sso", "binding": HTTP_REDIRECT},
            # Metadata does not describe the IdP; any fingerprint satisfies the settings check.
            "certFingerprint": "00" * 20,
        },
        "security": {
            "authnRequestsSigned": True,
            "wantAssertionsSigned": True,
            "metadataValidUntil": "2099-01-01T00:00:00Z",
            **security,
        },
    }


def main(out_dir):
    keys_dir = os.path.join(out_dir, "keys")
    files = {
        # One KeyDescriptor use="signing".
        "python3-saml.xml": {},
        # KeyDescriptors use="signing" and use="encryption" (same certificate), and the
        # metadata itself signed with the SP key.
        "python3-saml-signed-encrypted.xml": {"wantAssertionsEncrypted": True, "signMetadata": True},
    }
    for name, security in files.items():
        xml = OneLogin_Saml2_Settings(settings(keys_dir, **security), sp_validation_only=True).get_sp_metadata()
        if isinstance(xml, bytes):
            xml = xml.decode("utf-8")
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(xml)
        print("wrote", name)


if __name__ == "__main__":
    main(sys.argv[1])
