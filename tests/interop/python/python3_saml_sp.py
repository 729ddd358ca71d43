"""A service provider built on python3-saml (OneLogin), played against a running mock-idp.

Usage: python3_saml_sp.py --idp http://127.0.0.1:PORT --scenario NAME --expect JSON
                          [--other-cert PEM]

The SP builds its own AuthnRequest, the request travels to the IdP the way a browser carries
it, the picker and the auto-post page are walked like a browser does, and python3-saml then
validates the SAMLResponse in strict mode. One JSON line on stdout tells the verdict:
{"driver", "library", "scenario", "ok", "checks": [{"name", "ok", "detail"}], "logins": [...]}.
"""

import argparse
import hashlib
import json
import os
import ssl
import sys
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import browser  # noqa: E402
import samlxml  # noqa: E402

from onelogin.saml2.auth import OneLogin_Saml2_Auth  # noqa: E402
from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request  # noqa: E402
from onelogin.saml2.settings import OneLogin_Saml2_Settings  # noqa: E402
from onelogin.saml2.utils import OneLogin_Saml2_Utils  # noqa: E402

try:
    from importlib.metadata import version as _dist_version

    LIBRARY = "python3-saml " + _dist_version("python3-saml")
except Exception:  # pragma: no cover - metadata is always there for a pip install
    LIBRARY = "python3-saml"

BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"

# RelayState with every character the picker has to HTML-escape and give back unchanged.
RELAY_STATE = "https://python-sp.example/app?tab=1&q=<a \"b\" 'c'>`=`"

SP_A = {"host": "python-sp.example", "entity_id": "https://python-sp.example/metadata"}
SP_B = {"host": "python-sp-b.example", "entity_id": "https://python-sp-b.example/metadata"}


def acs_url(sp):
    return "https://%s/acs" % sp["host"]


def request_data(sp, post_data=None):
    data = {
        "https": "on",
        "http_host": sp["host"],
        "server_port": "443",
        "script_name": "/acs",
        "get_data": {},
        "post_data": {},
    }
    if post_data is not None:
        data["post_data"] = post_data
    return data


def pem_body(pem):
    return "".join(line for line in pem.strip().splitlines() if "-----" not in line)


def sha1_fingerprint(pem):
    der = ssl.PEM_cert_to_DER_cert(pem.strip() + "\n")
    digest = hashlib.sha1(der).hexdigest().upper()
    # The colon-separated form that admin consoles show; python3-saml normalises it.
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


class Sp:
    """One SP configuration: who it is, which IdP key it trusts and what it demands."""

    def __init__(self, base, sp, cert=None, fingerprint=None, nameid_format="emailAddress",
                 want_assertions_signed=True, want_messages_signed=True, entity_id=None):
        self.base = base
        self.sp = sp
        idp = {
            "entityId": base + "/metadata",
            "singleSignOnService": {"url": base + "/sso", "binding": BINDING_REDIRECT},
        }
        if cert is not None:
            idp["x509cert"] = pem_body(cert)
        if fingerprint is not None:
            idp["certFingerprint"] = fingerprint
            idp["certFingerprintAlgorithm"] = "sha1"
        self.settings = {
            "strict": True,
            "debug": False,
            "sp": {
                "entityId": entity_id or sp["entity_id"],
                "assertionConsumerService": {"url": acs_url(sp), "binding": BINDING_POST},
                "NameIDFormat": samlxml.NAMEID_FORMATS[nameid_format],
                "x509cert": "",
                "privateKey": "",
            },
            "idp": idp,
            "security": {
                "authnRequestsSigned": False,
                "wantAssertionsSigned": want_assertions_signed,
                "wantMessagesSigned": want_messages_signed,
                "wantNameId": True,
                "wantAttributeStatement": True,
                "rejectDeprecatedAlgorithm": False,
            },
        }

    def redirect_login_url(self, relay_state):
        auth = OneLogin_Saml2_Auth(request_data(self.sp), self.settings)
        url = auth.login(return_to=relay_state)
        return url, auth.get_last_request_id(), auth.get_last_request_xml()

    def post_authn_request(self):
        settings = OneLogin_Saml2_Settings(self.settings, sp_validation_only=True)
        req = OneLogin_Saml2_Authn_Request(settings)
        return req.get_xml(), req.get_id()

    def process(self, delivered, request_id):
        post = {"SAMLResponse": delivered["SAMLResponse"]}
        if delivered.get("RelayState") is not None:
            post["RelayState"] = delivered["RelayState"]
        auth = OneLogin_Saml2_Auth(request_data(self.sp, post), self.settings)
        auth.process_response(request_id=request_id)
        errors = auth.get_errors()
        result = {
            "authenticated": bool(auth.is_authenticated()) and not errors,
            "errors": errors,
            "error_reason": auth.get_last_error_reason(),
        }
        if result["authenticated"]:
            result.update({
                "nameid": auth.get_nameid(),
                "nameid_format": auth.get_nameid_format(),
                "attributes": auth.get_attributes(),
                "session_index": auth.get_session_index(),
            })
        return result


class Run:
    def __init__(self, base, expect, other_cert):
        self.base = base.rstrip("/")
        self.expect = expect
        self.user = expect["user"]
        self.other_cert = other_cert
        self.cert = browser.get_ok(self.base + "/certs/idp.crt")
        self.checks = []
        self.logins = []

    def check(self, name, ok, detail=None):
        self.checks.append({"name": name, "ok": bool(ok), "detail": detail})
        return ok

    def sp(self, **kw):
        kw.setdefault("cert", self.cert)
        return Sp(self.base, kw.pop("sp", SP_A), **kw)

    def deliver(self, sp, binding, sign=None, algorithm=None, label=None):
        """The SP sends an AuthnRequest, the user logs in, the browser brings back a response."""
        if binding == "redirect":
            url, request_id, request_xml = sp.redirect_login_url(RELAY_STATE)
            delivered = browser.sso_redirect(self.base, url, self.user, sign, algorithm)
        elif binding == "post":
            request_xml, request_id = sp.post_authn_request()
            delivered = browser.sso_post(self.base, request_xml, RELAY_STATE, self.user, sign, algorithm)
        elif binding == "api":
            url, request_id, request_xml = sp.redirect_login_url(RELAY_STATE)
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
            answer = browser.sso_api(self.base, query["SAMLRequest"][0], query["RelayState"][0],
                                     "redirect", self.user, sign, algorithm)
            delivered = {"acs_url": answer.get("acs_url"), "SAMLResponse": answer.get("SAMLResponse"),
                         "RelayState": answer.get("RelayState")}
            self.check("api: request_id echoes the AuthnRequest ID",
                       answer.get("request_id") == request_id,
                       {"sent": request_id, "got": answer.get("request_id")})
            self.check("api: user echoes the chosen user", answer.get("user") == self.user,
                       {"got": answer.get("user")})
        else:
            raise ValueError("unknown binding " + binding)
        label = label or binding
        self.check("%s: browser posts to the SP's ACS URL" % label,
                   delivered["acs_url"] == acs_url(sp.sp),
                   {"expected": acs_url(sp.sp), "got": delivered["acs_url"]})
        self.check("%s: RelayState comes back unchanged" % label,
                   delivered.get("RelayState") == RELAY_STATE,
                   {"sent": RELAY_STATE, "got": delivered.get("RelayState")})
        xml = samlxml.decode_response(delivered["SAMLResponse"])
        return delivered, request_id, xml

    def login(self, sp, binding, sign=None, algorithm=None, label=None):
        delivered, request_id, xml = self.deliver(sp, binding, sign, algorithm, label)
        facts = samlxml.response_facts(xml)
        result = sp.process(delivered, request_id)
        entry = {
            "label": label or binding,
            "sp": sp.settings["sp"]["entityId"],
            "binding": binding,
            "request_id": request_id,
            "sign": sign,
            "algorithm": algorithm,
            "signed": samlxml.signed_parts(facts),
            "response": facts,
        }
        entry.update(result)
        if not result["authenticated"]:
            entry["response_xml"] = xml
        self.logins.append(entry)
        self.check("%s: python3-saml accepts the response" % entry["label"], result["authenticated"],
                   {"errors": result["errors"], "reason": result["error_reason"]})
        return entry, delivered, request_id, xml

    def expect_identity(self, entry, nameid_format="emailAddress"):
        label = entry["label"]
        if not entry["authenticated"]:
            return
        if nameid_format in ("emailAddress", "unspecified-or-email"):
            self.check("%s: NameID is the user's default NameID" % label,
                       entry["nameid"] == self.expect["nameid"],
                       {"expected": self.expect["nameid"], "got": entry["nameid"]})
        if nameid_format == "unspecified-or-email":
            allowed = [samlxml.NAMEID_FORMATS["emailAddress"], samlxml.NAMEID_FORMATS["unspecified"]]
        else:
            allowed = [samlxml.NAMEID_FORMATS[nameid_format]]
        self.check("%s: NameID Format" % label, entry["nameid_format"] in allowed,
                   {"expected one of": allowed, "got": entry["nameid_format"]})
        got = entry["attributes"] or {}
        missing = {}
        for name, values in self.expect["attributes"].items():
            if got.get(name) != values:
                missing[name] = {"expected": values, "got": got.get(name)}
        self.check("%s: attributes" % label, not missing,
                   {"mismatched": missing, "received": sorted(got)})

    def expect_signed(self, entry, parts, algorithm=None):
        label = entry["label"]
        self.check("%s: signed elements" % label, entry["signed"] == parts,
                   {"expected": parts, "got": entry["signed"]})
        for part in parts:
            sig = entry["response"][part + "_signature"]
            self.check("%s: %s signature references its own element" % (label, part),
                       sig["references_parent"], sig["reference_uri"])
            if algorithm:
                self.check("%s: %s SignatureMethod" % (label, part),
                           sig["signature_method"] == samlxml.ALGORITHMS[algorithm],
                           {"expected": samlxml.ALGORITHMS[algorithm], "got": sig["signature_method"]})

    def rejects(self, label, sp, delivered, request_id, needle):
        result = sp.process(delivered, request_id)
        reason = result["error_reason"] or ""
        self.check("%s: python3-saml rejects the response" % label, not result["authenticated"],
                   {"errors": result["errors"], "reason": reason})
        self.check("%s: rejected for the expected reason (%r)" % (label, needle),
                   needle.lower() in reason.lower(), reason)
        self.logins.append({"label": label, "sp": sp.settings["sp"]["entityId"],
                            "request_id": request_id, **result})

    # Scenarios -------------------------------------------------------------------------

    def scenario_redirect_default(self):
        entry = self.login(self.sp(), "redirect")[0]
        self.expect_identity(entry)
        self.expect_signed(entry, ["response", "assertion"], "rsa-sha256")

    def scenario_post_default(self):
        entry = self.login(self.sp(), "post")[0]
        self.expect_identity(entry)
        self.expect_signed(entry, ["response", "assertion"], "rsa-sha256")

    def scenario_api_redirect(self):
        entry = self.login(self.sp(), "api")[0]
        self.expect_identity(entry)
        self.expect_signed(entry, ["response", "assertion"], "rsa-sha256")

    def scenario_nameid_unspecified(self):
        entry = self.login(self.sp(nameid_format="unspecified"), "redirect")[0]
        self.expect_identity(entry, "unspecified-or-email")

    def scenario_sign_assertion(self):
        sp = self.sp(want_messages_signed=False, want_assertions_signed=True)
        entry, delivered, request_id, _ = self.login(sp, "post", sign="assertion")
        self.expect_identity(entry)
        self.expect_signed(entry, ["assertion"], "rsa-sha256")
        # An SP that demands a signed Response turns the same message away.
        self.rejects("sign=assertion to an SP wanting a signed Response", self.sp(), delivered,
                     request_id, "The Message of the Response is not signed")

    def scenario_sign_response(self):
        sp = self.sp(want_messages_signed=True, want_assertions_signed=False)
        entry, delivered, request_id, _ = self.login(sp, "redirect", sign="response")
        self.expect_identity(entry)
        self.expect_signed(entry, ["response"], "rsa-sha256")
        self.rejects("sign=response to an SP wanting a signed Assertion", self.sp(), delivered,
                     request_id, "The Assertion of the Response is not signed")

    def _algorithm(self, algorithm):
        for binding in ("redirect", "post"):
            entry = self.login(self.sp(), binding, algorithm=algorithm,
                               label="%s %s" % (binding, algorithm))[0]
            self.expect_identity(entry)
            self.expect_signed(entry, ["response", "assertion"], algorithm)

    def scenario_sha1(self):
        self._algorithm("rsa-sha1")

    def scenario_sha512(self):
        self._algorithm("rsa-sha512")

    def scenario_nameid_persistent(self):
        a = self.sp(nameid_format="persistent")
        b = self.sp(sp=SP_B, nameid_format="persistent")
        first = self.login(a, "redirect", label="persistent SP A #1")[0]
        second = self.login(a, "post", label="persistent SP A #2")[0]
        other = self.login(b, "redirect", label="persistent SP B")[0]
        for entry in (first, second, other):
            self.expect_identity(entry, "persistent")
        ids = [e.get("nameid") for e in (first, second, other)]
        self.check("persistent: same NameID for the same user at the same SP",
                   ids[0] is not None and ids[0] == ids[1], ids)
        self.check("persistent: different NameID at another SP",
                   ids[2] is not None and ids[2] != ids[0], ids)

    def scenario_nameid_transient(self):
        sp = self.sp(nameid_format="transient")
        first = self.login(sp, "redirect", label="transient #1")[0]
        second = self.login(sp, "redirect", label="transient #2")[0]
        for entry in (first, second):
            self.expect_identity(entry, "transient")
        ids = [first.get("nameid"), second.get("nameid")]
        self.check("transient: a new NameID on every login",
                   None not in ids and ids[0] != ids[1], ids)

    def scenario_fingerprint(self):
        fp = sha1_fingerprint(self.cert)
        sp = self.sp(cert=None, fingerprint=fp)
        entry, delivered, request_id, _ = self.login(sp, "redirect", label="sha1 fingerprint")
        self.expect_identity(entry)
        wrong = self.sp(cert=None, fingerprint=sha1_fingerprint(self.other_cert))
        self.rejects("fingerprint of another certificate", wrong, delivered, request_id,
                     "Signature validation failed")

    def scenario_reject_wrong_cert(self):
        wrong = self.sp(cert=self.other_cert)
        delivered, request_id, _ = self.deliver(self.sp(), "redirect")
        self.rejects("another IdP certificate configured", wrong, delivered, request_id,
                     "Signature validation failed")
        # The very same response passes once the real certificate is configured.
        entry = self.sp().process(delivered, request_id)
        self.check("control: the same response passes with the IdP's certificate",
                   entry["authenticated"], {"errors": entry["errors"], "reason": entry["error_reason"]})

    def scenario_reject_audience(self):
        delivered, request_id, _ = self.deliver(self.sp(), "post")
        other = self.sp(entity_id="https://python-sp.example/other-entity")
        self.rejects("SP entity ID differs from the request's Issuer", other, delivered, request_id,
                     "is not a valid audience")
        entry = self.sp().process(delivered, request_id)
        self.check("control: the same response passes for the SP that asked",
                   entry["authenticated"], {"errors": entry["errors"], "reason": entry["error_reason"]})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idp", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--expect", required=True, help="JSON: {user, nameid, attributes}")
    ap.add_argument("--other-cert", required=True, help="PEM of a certificate that is not the IdP's")
    args = ap.parse_args()
    verdict = {"driver": "python3-saml", "library": LIBRARY, "scenario": args.scenario}
    try:
        with open(args.other_cert) as f:
            other_cert = f.read()
        run = Run(args.idp, json.loads(args.expect), other_cert)
        scenario = getattr(run, "scenario_" + args.scenario, None)
        if scenario is None:
            raise SystemExit("unknown scenario %r" % args.scenario)
        try:
            scenario()
        finally:
            verdict["checks"] = run.checks
            verdict["logins"] = run.logins
        verdict["ok"] = bool(run.checks) and all(c["ok"] for c in run.checks)
    except Exception as err:  # the verdict line must still be printed
        verdict["ok"] = False
        verdict["error"] = "%s: %s" % (type(err).__name__, err)
        verdict["traceback"] = traceback.format_exc()
    print(json.dumps(verdict, default=str))


if __name__ == "__main__":
    main()
