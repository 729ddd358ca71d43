"""Checks mock-idp's signatures with the xmlsec1 command-line tool.

Usage: xmlsec1_check.py --idp http://127.0.0.1:PORT --scenario NAME --expect JSON
                        --other-cert PEM [--fixtures DIR] [--banner-sha1 FINGERPRINT]

The AuthnRequest is built by python3-saml (or taken from a fixture file), the user logs in
through the picker like a browser, and every signature in the SAMLResponse is verified on its
own with `xmlsec1 --verify --node-xpath ...` against the certificate served at /certs/idp.crt.
Each scenario also verifies with a different certificate and after changing the NameID, and
requires both to fail, so a verification that accepts anything cannot pass. One JSON line on
stdout tells the verdict.
"""

import argparse
import base64
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import traceback
import urllib.parse
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import browser  # noqa: E402
import helpdesks  # noqa: E402
import samlxml  # noqa: E402
from python3_saml_sp import SP_A, SP_B, RELAY_STATE, Sp  # noqa: E402

XPATH = {
    "response": "/*[local-name()='Response']/*[local-name()='Signature']",
    "assertion": "/*[local-name()='Response']/*[local-name()='Assertion']/*[local-name()='Signature']",
}
ID_ATTRS = [
    "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response",
    "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
]
TAMPERED_NAMEID = "mallory@attacker.example"


def xmlsec1_version():
    try:
        out = subprocess.run(["xmlsec1", "--version"], capture_output=True, text=True, check=False)
        return out.stdout.strip() or out.stderr.strip()
    except FileNotFoundError:
        return None


def verify(xml_text, cert_path, part, workdir, key_from_key_info=False):
    """Verify the signature of one element ("response" or "assertion"); True when xmlsec1 says OK.

    By default the key is the certificate at `cert_path`. With `key_from_key_info`, xmlsec1
    reads the certificate from the signature's own KeyInfo and accepts it only if it is the
    trusted certificate at `cert_path`.
    """
    path = os.path.join(workdir, "response.xml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(xml_text)
    key = ["--trusted-pem", cert_path] if key_from_key_info else ["--pubkey-cert-pem", cert_path]
    cmd = ["xmlsec1", "--verify"] + key + ["--enabled-reference-uris",
                                           "same-doc"] + ID_ATTRS + ["--node-xpath", XPATH[part], path]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    tail = [line for line in (proc.stderr + proc.stdout).splitlines() if line.strip()][-3:]
    return proc.returncode == 0, {"rc": proc.returncode, "output": tail}


def tamper_nameid(xml_text):
    pattern = re.compile(r"(<(?:[A-Za-z_][\w.-]*:)?NameID\b[^>]*>)([^<]*)(</)")
    changed, count = pattern.subn(lambda m: m.group(1) + TAMPERED_NAMEID + m.group(3), xml_text, count=1)
    if count != 1 or changed == xml_text:
        raise ValueError("no NameID to tamper with")
    return changed


class Run:
    def __init__(self, base, expect, other_cert_path, fixtures, workdir):
        self.base = base.rstrip("/")
        self.expect = expect
        self.user = expect["user"]
        self.other_cert_path = other_cert_path
        self.fixtures = fixtures
        self.workdir = workdir
        self.cert = browser.get_ok(self.base + "/certs/idp.crt")
        self.cert_path = os.path.join(workdir, "idp.crt")
        with open(self.cert_path, "w") as f:
            f.write(self.cert)
        self.checks = []
        self.responses = []

    def check(self, name, ok, detail=None):
        self.checks.append({"name": name, "ok": bool(ok), "detail": detail})
        return ok

    def sp(self, sp=SP_A, nameid_format="emailAddress"):
        return Sp(self.base, sp, cert=self.cert, nameid_format=nameid_format)

    def fetch(self, sp, binding="redirect", sign=None, algorithm=None):
        if binding == "redirect":
            url, request_id, _ = sp.redirect_login_url(RELAY_STATE)
            delivered = browser.sso_redirect(self.base, url, self.user, sign, algorithm)
        else:
            request_xml, request_id = sp.post_authn_request()
            delivered = browser.sso_post(self.base, request_xml, RELAY_STATE, self.user, sign, algorithm)
        return samlxml.decode_response(delivered["SAMLResponse"]), request_id

    def verify_all(self, label, xml, parts, algorithm=None):
        """Every expected signature verifies; none verifies with another key or after tampering."""
        facts = samlxml.response_facts(xml)
        self.responses.append({"label": label, "response": facts})
        self.check("%s: signed elements" % label, samlxml.signed_parts(facts) == parts,
                   {"expected": parts, "got": samlxml.signed_parts(facts)})
        tampered = tamper_nameid(xml)
        for part in ("response", "assertion"):
            sig = facts[part + "_signature"]
            if part not in parts:
                ok, detail = verify(xml, self.cert_path, part, self.workdir)
                self.check("%s: xmlsec1 finds no %s signature to verify" % (label, part), not ok, detail)
                continue
            self.check("%s: %s signature references its own element's ID" % (label, part),
                       sig["references_parent"], sig["reference_uri"])
            if algorithm:
                self.check("%s: %s SignatureMethod is %s" % (label, part, algorithm),
                           sig["signature_method"] == samlxml.ALGORITHMS[algorithm],
                           sig["signature_method"])
            ok, detail = verify(xml, self.cert_path, part, self.workdir)
            self.check("%s: xmlsec1 verifies the %s signature with the IdP certificate" % (label, part),
                       ok, detail)
            ok, detail = verify(xml, self.other_cert_path, part, self.workdir)
            self.check("%s: xmlsec1 rejects the %s signature with another certificate" % (label, part),
                       not ok, detail)
            ok, detail = verify(tampered, self.cert_path, part, self.workdir)
            self.check("%s: xmlsec1 rejects the %s signature once the NameID is changed" % (label, part),
                       not ok, detail)
        return facts

    def expect_email_nameid(self, label, facts):
        self.check("%s: NameID is the user's default NameID" % label,
                   facts.get("nameid") == self.expect["nameid"],
                   {"expected": self.expect["nameid"], "got": facts.get("nameid")})

    # Scenarios -------------------------------------------------------------------------

    def scenario_both_signatures(self):
        for binding in ("redirect", "post"):
            xml, _ = self.fetch(self.sp(), binding)
            facts = self.verify_all(binding, xml, ["response", "assertion"], "rsa-sha256")
            self.expect_email_nameid(binding, facts)

    def scenario_ec_p256(self):
        """mock-idp started with --key-type ec-p256: xmlsec1 verifies the ecdsa-sha256
        signatures, whose values are r||s (64 bytes for P-256), not DER."""
        for binding in ("redirect", "post"):
            xml, _ = self.fetch(self.sp(), binding)
            facts = self.verify_all(binding, xml, ["response", "assertion"], "ecdsa-sha256")
            self.expect_email_nameid(binding, facts)
            lengths = [len(base64.b64decode("".join(v.split())))
                       for v in re.findall(r"<ds:SignatureValue>([^<]*)</ds:SignatureValue>", xml)]
            self.check("%s: each SignatureValue is r||s, 64 bytes" % binding,
                       lengths == [64, 64], lengths)

    def scenario_sign_assertion(self):
        xml, _ = self.fetch(self.sp(), sign="assertion")
        self.verify_all("sign=assertion", xml, ["assertion"], "rsa-sha256")

    def scenario_sign_response(self):
        xml, _ = self.fetch(self.sp(), sign="response")
        self.verify_all("sign=response", xml, ["response"], "rsa-sha256")

    def scenario_sha1(self):
        xml, _ = self.fetch(self.sp(), algorithm="rsa-sha1")
        self.verify_all("rsa-sha1", xml, ["response", "assertion"], "rsa-sha1")

    def scenario_sha512(self):
        xml, _ = self.fetch(self.sp(), algorithm="rsa-sha512")
        self.verify_all("rsa-sha512", xml, ["response", "assertion"], "rsa-sha512")

    def scenario_nameid_formats(self):
        persistent = samlxml.NAMEID_FORMATS["persistent"]
        transient = samlxml.NAMEID_FORMATS["transient"]
        got = {}
        for label, sp, fmt in (("persistent A#1", SP_A, "persistent"), ("persistent A#2", SP_A, "persistent"),
                               ("persistent B", SP_B, "persistent"), ("transient #1", SP_A, "transient"),
                               ("transient #2", SP_A, "transient")):
            xml, _ = self.fetch(self.sp(sp, fmt))
            facts = self.verify_all(label, xml, ["response", "assertion"])
            want = persistent if fmt == "persistent" else transient
            self.check("%s: NameID Format" % label, facts.get("nameid_format") == want,
                       {"expected": want, "got": facts.get("nameid_format")})
            got[label] = facts.get("nameid")
        self.check("persistent: stable for the same SP", got["persistent A#1"] == got["persistent A#2"], got)
        self.check("persistent: differs between SPs", got["persistent A#1"] != got["persistent B"], got)
        self.check("transient: differs between logins", got["transient #1"] != got["transient #2"], got)

    def scenario_fixtures(self):
        files = sorted(glob.glob(os.path.join(self.fixtures, "*.xml")))
        self.check("fixture AuthnRequests found", bool(files), self.fixtures)
        for path in files:
            name = os.path.basename(path)
            with open(path, encoding="utf-8") as f:
                request_xml = f.read()
            req = ET.fromstring(request_xml.encode("utf-8"))
            issuer = (req.findtext("{%s}Issuer" % samlxml.NS["saml"]) or "").strip()
            acs = req.get("AssertionConsumerServiceURL")
            answer = browser.sso_api(self.base, browser.post_encode(request_xml), "fixture-" + name,
                                     "post", self.user)
            self.check("%s: request_id" % name, answer.get("request_id") == req.get("ID"),
                       {"sent": req.get("ID"), "got": answer.get("request_id")})
            if acs:
                self.check("%s: acs_url" % name, answer.get("acs_url") == acs,
                           {"sent": acs, "got": answer.get("acs_url")})
            xml = samlxml.decode_response(answer["SAMLResponse"])
            facts = self.verify_all(name, xml, ["response", "assertion"], "rsa-sha256")
            self.check("%s: InResponseTo" % name, facts.get("in_response_to") == req.get("ID"),
                       {"sent": req.get("ID"), "got": facts.get("in_response_to")})
            self.check("%s: Audience is the request's Issuer" % name, facts.get("audiences") == [issuer],
                       {"expected": [issuer], "got": facts.get("audiences")})


    # AD FS style -----------------------------------------------------------------------

    def verify_adfs(self, label, xml, algorithm):
        """An AD FS-style response: only the assertion is signed, by the IdP key, under the AD FS
        issuer; xmlsec1 also finds the key in the KeyInfo that redeclares the default namespace."""
        facts = self.verify_all(label, xml, ["assertion"], algorithm)
        adfs = helpdesks.adfs_entity_id(self.base)
        self.check("%s: Issuer is the AD FS entity ID" % label, facts.get("issuer") == adfs,
                   {"expected": adfs, "got": facts.get("issuer")})
        self.check("%s: KeyInfo redeclares the dsig namespace as the default one" % label,
                   facts.get("key_info_default_namespace"), samlxml.KEYINFO_DEFAULT_NAMESPACE)
        ok, detail = verify(xml, self.cert_path, "assertion", self.workdir, key_from_key_info=True)
        self.check("%s: xmlsec1 verifies with the certificate from KeyInfo, trusting the IdP's" % label,
                   ok, detail)
        ok, detail = verify(xml, self.other_cert_path, "assertion", self.workdir, key_from_key_info=True)
        self.check("%s: xmlsec1 refuses the certificate from KeyInfo when trusting another" % label,
                   not ok, detail)
        self.expect_email_nameid(label, facts)
        return facts

    def scenario_adfs_style(self):
        # An unregistered SP; the AD FS style is the tester's choice for each login.
        sp = self.sp()
        for algorithm in ("rsa-sha256", "rsa-sha1"):
            url, _, _ = sp.redirect_login_url(RELAY_STATE)
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
            choices = {"style": "adfs"}
            if algorithm != "rsa-sha256":
                choices["algorithm"] = algorithm
            answer = browser.sso_api(self.base, query["SAMLRequest"][0], RELAY_STATE, "redirect", self.user,
                                     choices=choices)
            self.verify_adfs("api style=adfs %s" % algorithm, samlxml.decode_response(answer["SAMLResponse"]),
                             algorithm)
        request_xml, _ = sp.post_authn_request()
        delivered = browser.sso_post(self.base, request_xml, RELAY_STATE, self.user,
                                     choices={"style": "adfs", "sign": "assertion"}, path=helpdesks.ADFS_SSO_PATH)
        self.verify_adfs("POST /adfs/ls/, picker style=adfs sign=assertion",
                         samlxml.decode_response(delivered["SAMLResponse"]), "rsa-sha256")

    def scenario_servicedesk_plus(self):
        # Zoho's AuthnRequest to the AD FS endpoint, answered as the registered preset says.
        for algorithm, choice in (("rsa-sha256", None), ("rsa-sha1", "rsa-sha1")):
            request_xml, request_id = helpdesks.zoho_authn_request(self.base)
            delivered = browser.sso_post(self.base, request_xml, RELAY_STATE, self.user, algorithm=choice,
                                         path=helpdesks.ADFS_SSO_PATH)
            label = "Zoho SP-initiated %s" % algorithm
            self.check("%s: posted to Zoho's ACS URL" % label, delivered["acs_url"] == helpdesks.ZOHO["acs"],
                       {"expected": helpdesks.ZOHO["acs"], "got": delivered["acs_url"]})
            facts = self.verify_adfs(label, samlxml.decode_response(delivered["SAMLResponse"]), algorithm)
            self.check("%s: InResponseTo" % label, facts.get("in_response_to") == request_id,
                       {"sent": request_id, "got": facts.get("in_response_to")})
            self.check("%s: Audience is zoho.com" % label, facts.get("audiences") == [helpdesks.ZOHO["entity_id"]],
                       facts.get("audiences"))
        delivered = browser.idp_initiated(self.base, helpdesks.ZOHO["entity_id"], RELAY_STATE, self.user)
        facts = self.verify_adfs("Zoho IdP-initiated", samlxml.decode_response(delivered["SAMLResponse"]),
                                 "rsa-sha256")
        self.check("Zoho IdP-initiated: no InResponseTo", facts.get("in_response_to") is None,
                   facts.get("in_response_to"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idp", required=True)
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--other-cert", required=True)
    ap.add_argument("--banner-sha1", help="not used here; the other drivers check it")
    ap.add_argument("--fixtures", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "requests"))
    args = ap.parse_args()
    verdict = {"driver": "xmlsec1", "library": xmlsec1_version(), "scenario": args.scenario}
    try:
        if verdict["library"] is None:
            raise RuntimeError("xmlsec1 is not installed (tests/run installs it)")
        with tempfile.TemporaryDirectory() as workdir:
            run = Run(args.idp, json.loads(args.expect), os.path.abspath(args.other_cert),
                      os.path.abspath(args.fixtures), workdir)
            scenario = getattr(run, "scenario_" + args.scenario, None)
            if scenario is None:
                raise SystemExit("unknown scenario %r" % args.scenario)
            try:
                scenario()
            finally:
                verdict["checks"] = run.checks
                verdict["responses"] = run.responses
            verdict["ok"] = bool(run.checks) and all(c["ok"] for c in run.checks)
    except Exception as err:
        verdict["ok"] = False
        verdict["error"] = "%s: %s" % (type(err).__name__, err)
        verdict["traceback"] = traceback.format_exc()
    print(json.dumps(verdict, default=str))


if __name__ == "__main__":
    main()
