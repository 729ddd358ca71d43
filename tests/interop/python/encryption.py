"""Encrypted assertions from a running mock-idp, decrypted by python3-saml and xmlsec1.

Usage: encryption.py --idp http://127.0.0.1:PORT --sp-key PEM --sp-cert PEM --combos JSON

The server runs with tests/fixtures/sps/encryption.yaml, which registers
https://python-enc.example/metadata with the encryption certificate SP_CERT. For each
combination [data, key_transport] of COMBOS, python3-saml builds an AuthnRequest, the response
comes from POST /api/sso with `encrypt=<data>` and `key_transport=<key_transport>`, and:

- python3-saml (strict; wantAssertionsEncrypted, wantAssertionsSigned, wantMessagesSigned)
  decrypts it with SP_KEY and must authenticate alice;
- xmlsec1 verifies the Response signature (over the EncryptedAssertion), decrypts with
  `xmlsec1 --decrypt --privkey-pem SP_KEY`, and verifies the decrypted assertion's signature.

One JSON line per judge and combination:
{"judge", "library", "data", "key_transport", "accepted", "message", "algorithms", "nameid"}.
"""

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request

from lxml import etree
from onelogin.saml2.auth import OneLogin_Saml2_Auth

try:
    from importlib.metadata import version as _dist_version

    PYTHON3_SAML = "python3-saml " + _dist_version("python3-saml")
except Exception:  # pragma: no cover
    PYTHON3_SAML = "python3-saml"

HOST = "python-enc.example"
ENTITY_ID = "https://%s/metadata" % HOST
ACS = "https://%s/acs" % HOST
USER = "alice"
EXPECTED_NAMEID = "alice.martin@acme-support.example"
NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
}
ID_ATTRS = [
    "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response",
    "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
]


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def http(method, url, data=None, content_type=None):
    headers = {"Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def pem_body(pem):
    return "".join(line for line in pem.strip().splitlines() if "-----" not in line)


def settings(base, idp_cert, sp_cert, sp_key):
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": ENTITY_ID,
            "assertionConsumerService": {"url": ACS,
                                         "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"},
            "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
            "x509cert": pem_body(sp_cert),
            "privateKey": sp_key,
        },
        "idp": {
            "entityId": base + "/metadata",
            "singleSignOnService": {"url": base + "/sso",
                                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"},
            "x509cert": pem_body(idp_cert),
        },
        "security": {
            "wantAssertionsSigned": True,
            "wantMessagesSigned": True,
            "wantAssertionsEncrypted": True,
            "wantNameId": True,
            "rejectDeprecatedAlgorithm": True,
        },
    }


def request_data(post_data=None):
    return {"https": "on", "http_host": HOST, "server_port": "443", "script_name": "/acs",
            "get_data": {}, "post_data": post_data or {}}


def algorithms(raw):
    root = etree.fromstring(raw)
    return [m.get("Algorithm") for m in root.iter("{%s}EncryptionMethod" % NS["xenc"])]


def tail(text):
    unknown = re.search(r"xmlSecTransformIdListFindByHref.*href=(\S+)", text)
    if unknown:
        return "unknown algorithm " + unknown.group(1)
    lines = [line.strip() for line in text.splitlines() if line.strip()
             and "X509_verify_cert" not in line and "certificate verification failed" not in line]
    return " | ".join(lines[-2:])[:400]


def xmlsec1(raw, sp_key_path, idp_cert_path, work):
    path = os.path.join(work, "response.xml")
    with open(path, "wb") as f:
        f.write(raw)
    proc = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", idp_cert_path] + ID_ATTRS
                          + ["--node-xpath", "/*/*[local-name()='Signature']", path],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return False, "response signature: " + tail(proc.stderr)
    proc = subprocess.run(["xmlsec1", "--decrypt", "--privkey-pem", sp_key_path, path],
                          capture_output=True, check=False)
    if proc.returncode != 0:
        return False, "decryption: " + tail(proc.stderr.decode("utf-8", "replace"))
    decrypted = os.path.join(work, "decrypted.xml")
    with open(decrypted, "wb") as f:
        f.write(proc.stdout)
    doc = etree.fromstring(proc.stdout)
    names = doc.findall("saml:EncryptedAssertion/saml:Assertion/saml:Subject/saml:NameID", NS)
    if len(names) != 1 or names[0].text != EXPECTED_NAMEID:
        return False, "no assertion for %s in place of the EncryptedData" % EXPECTED_NAMEID
    proc = subprocess.run(["xmlsec1", "--verify", "--pubkey-cert-pem", idp_cert_path] + ID_ATTRS
                          + ["--node-xpath", "/*/*[local-name()='EncryptedAssertion']"
                             "/*[local-name()='Assertion']/*[local-name()='Signature']", decrypted],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return False, "assertion signature: " + tail(proc.stderr)
    return True, ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idp", required=True)
    ap.add_argument("--sp-key", required=True)
    ap.add_argument("--sp-cert", required=True)
    ap.add_argument("--combos", required=True)
    args = ap.parse_args()
    base = args.idp.rstrip("/")
    status, idp_cert = http("GET", base + "/certs/idp.crt")
    if status != 200:
        raise SystemExit("GET /certs/idp.crt -> %s" % status)
    idp_cert = idp_cert.decode()
    sp_key = open(args.sp_key).read()
    conf = settings(base, idp_cert, open(args.sp_cert).read(), sp_key)
    xmlsec1_version = subprocess.run(["xmlsec1", "--version"], capture_output=True, text=True,
                                     check=False).stdout.strip()
    with tempfile.TemporaryDirectory() as work:
        idp_cert_path = os.path.join(work, "idp.crt")
        with open(idp_cert_path, "w") as f:
            f.write(idp_cert)
        for data, key_transport in json.loads(args.combos):
            auth = OneLogin_Saml2_Auth(request_data(), conf)
            url = auth.login(return_to="https://python-enc.example/app")
            request_id = auth.get_last_request_id()
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
            payload = {"SAMLRequest": query["SAMLRequest"][0], "binding": "redirect", "user": USER,
                       "encrypt": data, "key_transport": key_transport}
            status, body = http("POST", base + "/api/sso", json.dumps(payload).encode(),
                                "application/json")
            if status != 200:
                for judge in ("python3-saml", "xmlsec1"):
                    emit({"judge": judge, "data": data, "key_transport": key_transport,
                          "accepted": False, "message": "HTTP %s from /api/sso: %s" % (status, body[:300])})
                continue
            answer = json.loads(body)
            raw = base64.b64decode(answer["SAMLResponse"])
            algs = algorithms(raw)

            result = {"judge": "python3-saml", "library": PYTHON3_SAML, "data": data,
                      "key_transport": key_transport, "algorithms": algs}
            auth = OneLogin_Saml2_Auth(request_data({"SAMLResponse": answer["SAMLResponse"]}), conf)
            try:
                auth.process_response(request_id=request_id)
                errors = auth.get_errors()
                ok = auth.is_authenticated() and not errors and auth.get_nameid() == EXPECTED_NAMEID
                result.update({"accepted": bool(ok), "nameid": auth.get_nameid() if ok else None,
                               "message": "" if ok else (auth.get_last_error_reason() or ", ".join(errors))})
            except Exception as err:  # python3-saml raises for a failed decryption
                result.update({"accepted": False, "message": "%s: %s" % (type(err).__name__, err)})
            emit(result)

            ok, message = xmlsec1(raw, args.sp_key, idp_cert_path, work)
            emit({"judge": "xmlsec1", "library": xmlsec1_version, "data": data,
                  "key_transport": key_transport, "algorithms": algs, "accepted": ok,
                  "message": message})


if __name__ == "__main__":
    main()
