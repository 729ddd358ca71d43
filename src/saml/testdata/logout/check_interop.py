"""Checks mock-idp's logout messages with xmlsec1 and python3-saml.

Run from the repository root with the python3-saml that tests/run installs:
    tests/interop/.venv/bin/python src/saml/testdata/logout/check_interop.py

It has cargo write fresh messages (the ignored unit test `write_interop_samples`, with the
current time passed in, signed with tests/fixtures/keys/test.key), then:
- xmlsec1 --verify: the enveloped signature of the signed LogoutRequest and LogoutResponse
  (HTTP-POST form) and of the two golden files, against tests/fixtures/keys/test.crt; each must
  also fail with another certificate and after one changed character;
- python3-saml in strict mode with wantMessagesSigned, the IdP certificate configured:
  OneLogin_Saml2_Logout_Request.is_valid / OneLogin_Saml2_Logout_Response.is_valid, the
  Redirect query signature (both from the raw query string and as python3-saml re-encodes the
  parameters), the whole OneLogin_Saml2_Auth.process_slo, and the POST form's enveloped
  signature with OneLogin_Saml2_Utils.validate_sign; a changed byte in the query must fail;
- @node-saml/node-saml through check_node.js: validateRedirectAsync for both messages,
  validatePostRequestAsync and validatePostResponseAsync for the POST forms.
Prints one line per check and exits non-zero if any fails.
"""

import base64
import datetime
import os
import subprocess
import sys
import tempfile
import urllib.parse

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.logout_response import OneLogin_Saml2_Logout_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", "..", ".."))
CERT = os.path.join(REPO, "tests", "fixtures", "keys", "test.crt")
OTHER_CERT = os.path.join(REPO, "src", "saml", "scenario", "attacker.crt")
IDP = "http://127.0.0.1:8080/metadata"
SP_HOST = "python-sp.example"
SP_REQUEST_ID = "ONELOGIN_sp_request"
PROTOCOL = "urn:oasis:names:tc:SAML:2.0:protocol"

results = []


def check(name, ok, detail=""):
    results.append(ok)
    print("%s %s%s" % ("PASS" if ok else "FAIL", name, (": " + detail) if detail else ""))


def write_samples(out):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    env = dict(os.environ, LOGOUT_INTEROP_OUT=out, LOGOUT_INTEROP_NOW=now)
    subprocess.run(
        ["cargo", "test", "--quiet", "--lib", "write_interop_samples", "--", "--ignored"],
        cwd=REPO,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def xmlsec1(path, root, cert):
    out = subprocess.run(
        ["xmlsec1", "--verify", "--pubkey-cert-pem", cert, "--id-attr:ID", "%s:%s" % (PROTOCOL, root), path],
        capture_output=True,
        text=True,
    )
    return out.returncode == 0, out.stderr.strip().splitlines()[-1:] or [""]


def xmlsec1_checks(name, path, root, workdir):
    ok, detail = xmlsec1(path, root, CERT)
    check("xmlsec1 --verify %s" % name, ok, "" if ok else detail[0])
    bad, _ = xmlsec1(path, root, OTHER_CERT)
    check("xmlsec1 refuses %s with another certificate" % name, not bad)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    tampered = os.path.join(workdir, "tampered-" + os.path.basename(path))
    with open(tampered, "w", encoding="utf-8") as f:
        f.write(text.replace("https://", "http://", 1))
    bad, _ = xmlsec1(tampered, root, CERT)
    check("xmlsec1 refuses %s after one changed character" % name, not bad)


def settings(want_messages_signed=True):
    with open(CERT, encoding="ascii") as f:
        cert = f.read()
    return OneLogin_Saml2_Settings(
        {
            "strict": True,
            "sp": {
                "entityId": "https://%s/metadata" % SP_HOST,
                "assertionConsumerService": {
                    "url": "https://%s/acs" % SP_HOST,
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                },
                "singleLogoutService": {
                    "url": "https://%s/sls" % SP_HOST,
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            },
            "idp": {
                "entityId": IDP,
                "singleSignOnService": {
                    "url": "http://127.0.0.1:8080/sso",
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                "singleLogoutService": {
                    "url": "http://127.0.0.1:8080/slo",
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect",
                },
                "x509cert": cert,
            },
            "security": {
                "wantMessagesSigned": want_messages_signed,
                "wantAssertionsSigned": True,
            },
        }
    )


def request_data(query):
    """What a web framework hands python3-saml for GET https://python-sp.example/sls?<query>."""
    return {
        "https": "on",
        "http_host": SP_HOST,
        "script_name": "/sls",
        "get_data": dict(urllib.parse.parse_qsl(query, keep_blank_values=True)),
        "post_data": {},
        "query_string": query,
    }


def redirect_checks(kind, query):
    param = "SAMLRequest" if kind == "request" else "SAMLResponse"
    label = "Logout%s Redirect (%s)" % (kind.capitalize(), dict(urllib.parse.parse_qsl(query))["SigAlg"].rsplit("#")[-1])
    data = request_data(query)
    s = settings()
    if kind == "request":
        message = OneLogin_Saml2_Logout_Request(s, data["get_data"][param])
        ok = message.is_valid(data)
    else:
        message = OneLogin_Saml2_Logout_Response(s, data["get_data"][param])
        ok = message.is_valid(data, request_id=SP_REQUEST_ID)
    check("python3-saml is_valid %s" % label, ok, message.get_error() or "")

    auth = OneLogin_Saml2_Auth(data, s)
    validate = auth.validate_request_signature if kind == "request" else auth.validate_response_signature
    check("python3-saml query signature, parameters re-encoded, %s" % label, validate(data["get_data"]))
    from_qs = dict(data, validate_signature_from_qs=True)
    auth = OneLogin_Saml2_Auth(from_qs, s)
    validate = auth.validate_request_signature if kind == "request" else auth.validate_response_signature
    check("python3-saml query signature, raw query string, %s" % label, validate(from_qs["get_data"]))

    auth = OneLogin_Saml2_Auth(data, s)
    deleted = []
    url = auth.process_slo(request_id=SP_REQUEST_ID, delete_session_cb=lambda: deleted.append(True))
    ok = not auth.get_errors() and deleted == [True]
    if kind == "request":
        ok = ok and url is not None and url.startswith("http://127.0.0.1:8080/slo?SAMLResponse=")
    detail = "" if ok else "%s %s" % (auth.get_errors(), auth.get_last_error_reason() or "")
    check("python3-saml process_slo %s" % label, ok, detail)

    tampered = query.replace("RelayState=https", "RelayState=http", 1)
    tdata = dict(request_data(tampered), validate_signature_from_qs=True)
    auth = OneLogin_Saml2_Auth(tdata, s)
    validate = auth.validate_request_signature if kind == "request" else auth.validate_response_signature
    check("python3-saml refuses %s with one changed byte" % label, not validate(tdata["get_data"]))


def post_checks(kind, xml):
    label = "Logout%s POST" % kind.capitalize()
    with open(CERT, encoding="ascii") as f:
        cert = f.read()
    # validate_sign looks for a Response signature unless told where the signature is.
    xpath = "/samlp:Logout%s/ds:Signature" % kind.capitalize()
    ok = OneLogin_Saml2_Utils.validate_sign(xml, cert=cert, xpath=xpath, raise_exceptions=False)
    check("python3-saml validate_sign %s" % label, ok is True)
    encoded = base64.b64encode(xml.encode("utf-8")).decode("ascii")
    # is_valid's wantMessagesSigned looks for a Redirect Signature parameter; the POST form's
    # signature is the enveloped one checked above.
    s = settings(want_messages_signed=False)
    data = request_data("")
    if kind == "request":
        message = OneLogin_Saml2_Logout_Request(s, encoded)
        ok = message.is_valid(data)
    else:
        message = OneLogin_Saml2_Logout_Response(s, encoded)
        ok = message.is_valid(data, request_id=SP_REQUEST_ID)
    check("python3-saml is_valid %s (strict)" % label, ok, message.get_error() or "")
    bad = xml.replace("https://", "http://", 1)
    check(
        "python3-saml validate_sign refuses %s after one changed character" % label,
        OneLogin_Saml2_Utils.validate_sign(bad, cert=cert, xpath=xpath, raise_exceptions=False) is not True,
    )


def main():
    with tempfile.TemporaryDirectory() as out:
        write_samples(out)
        read = lambda name: open(os.path.join(out, name), encoding="utf-8").read()  # noqa: E731
        xmlsec1_checks("LogoutRequest POST", os.path.join(out, "logout-request-post.xml"), "LogoutRequest", out)
        xmlsec1_checks("LogoutResponse POST", os.path.join(out, "logout-response-post.xml"), "LogoutResponse", out)
        xmlsec1_checks("golden logout-request.xml", os.path.join(HERE, "logout-request.xml"), "LogoutRequest", out)
        xmlsec1_checks("golden logout-response.xml", os.path.join(HERE, "logout-response.xml"), "LogoutResponse", out)
        for kind in ("request", "response"):
            for alg in ("rsa-sha1", "rsa-sha256"):
                redirect_checks(kind, read("logout-%s-redirect-%s.query" % (kind, alg)).strip())
            post_checks(kind, read("logout-%s-post.xml" % kind))
        node = subprocess.run(["node", os.path.join(HERE, "check_node.js"), out], capture_output=True, text=True)
        for line in node.stdout.splitlines():
            status, _, rest = line.partition(" ")
            check(rest, status == "PASS")
        if node.returncode not in (0, 1):
            check("node-saml checks ran", False, node.stderr.strip())
    passed = sum(results)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
