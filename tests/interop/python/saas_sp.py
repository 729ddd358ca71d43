"""python3-saml set up as each SaaS product of saas.py documents it, against a running mock-idp.

Usage: saas_sp.py --idp http://127.0.0.1:PORT --scenario PRESET --expect JSON --other-cert PEM
                  [--banner-sha1 FINGERPRINT] [--banner-sha256 FINGERPRINT]

The server runs with tests/fixtures/sps/saas-presets.yaml under --strict. For the product
PRESET (zendesk, freshworks, atlassian, servicenow, salesforce, hubspot, helpscout, zammad):

- SP-initiated: python3-saml, configured with the product's entity ID, ACS URL (query string
  included), NameID format, what it requires signed and its trust (the certificate, or the
  SHA-256 / SHA-1 fingerprint the product stores), builds the AuthnRequest; it goes to
  POST /api/sso as the library wrote it, and python3-saml validates the response with the
  request ID;
- IdP-initiated: POST /api/idp-initiated naming the SP and no RelayState must bring the SP's
  registered RelayState back intact, and python3-saml accepts the unsolicited response (the
  picker's link is walked too);
- query-string ACS products: AuthnRequests built by python3-saml for the same SP with an ACS
  that differs only in its query are refused with 403;
- fingerprint products: the fingerprint of another certificate refuses the same response.

One JSON line on stdout tells the verdict, as python3_saml_sp.py's does.
"""

import argparse
import base64
import hashlib
import json
import os
import ssl
import sys
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import browser  # noqa: E402
import python3_saml_sp as base_sp  # noqa: E402
import saas  # noqa: E402
import samlxml  # noqa: E402

RELAY_STATE = base_sp.RELAY_STATE


def fingerprint(pem, algorithm):
    """The colon-separated fingerprint an admin console shows."""
    der = ssl.PEM_cert_to_DER_cert(pem.strip() + "\n")
    digest = hashlib.new(algorithm, der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def escape_bare_ampersands(xml, acs):
    """python3-saml writes its ACS URL into the AuthnRequest unescaped: a `&` in it makes the
    document not well-formed (mock-idp refuses it as such). The products send it escaped."""
    raw = 'AssertionConsumerServiceURL="%s"' % acs
    return xml.replace(raw, raw.replace("&", "&amp;"))


class SaasRun(base_sp.Run):
    def __init__(self, base, expect, other_cert, banner_sha1=None, banner_sha256=None):
        super().__init__(base, expect, other_cert, banner_sha1)
        self.banner_sha256 = banner_sha256

    def product_sp(self, product, acs=None, trust_pem=None):
        """python3-saml configured as the product documents it; `acs` another ACS URL, and
        `trust_pem` another certificate to trust (or take the fingerprint of)."""
        sp = {"entity_id": product["entity_id"], "acs": acs or product["acs"]}
        signed = product["signed"]
        pem = trust_pem or self.cert
        trust = product["trust"]
        kw = {
            "nameid_format": product["nameid"],
            "want_assertions_signed": "assertion" in signed,
            "want_messages_signed": "response" in signed,
        }
        if trust == "certificate":
            out = base_sp.Sp(self.base, sp, cert=pem, **kw)
        else:
            out = base_sp.Sp(self.base, sp, cert=None, fingerprint=fingerprint(pem, trust), **kw)
            out.settings["idp"]["certFingerprintAlgorithm"] = trust
        # SHA-256 throughout: refuse SHA-1 signatures and digests.
        out.settings["security"]["rejectDeprecatedAlgorithm"] = True
        return out

    def trusted_fingerprint(self, product):
        """The fingerprint an admin copies from the banner, checked against /certs/idp.crt."""
        trust = product["trust"]
        computed = fingerprint(self.cert, trust)
        banner = {"sha1": self.banner_sha1, "sha256": self.banner_sha256}[trust]
        self.check("the banner's %s fingerprint is the one of /certs/idp.crt" % trust.upper(),
                   banner == computed, {"banner": banner, "certificate": computed})

    def expect_product_response(self, product, entry, acs):
        label = entry["label"]
        facts = entry["response"]
        scd = facts.get("subject_confirmation") or {}
        self.check("%s: Destination and Recipient are the ACS URL as registered" % label,
                   facts.get("destination") == acs and scd.get("recipient") == acs,
                   {"expected": acs, "Destination": facts.get("destination"),
                    "Recipient": scd.get("recipient")})
        self.check("%s: the audience is the product's entity ID" % label,
                   facts.get("audiences") == [product["entity_id"]], facts.get("audiences"))
        self.expect_signed(entry, product["signed"], "rsa-sha256")
        for part in product["signed"]:
            sig = facts.get(part + "_signature") or {}
            self.check("%s: the %s signature digests with SHA-256" % (label, part),
                       sig.get("digest_method") == base_sp.DIGESTS["rsa-sha256"], sig)
            if product["trust"] != "certificate":
                self.check("%s: the %s signature's KeyInfo carries the certificate (the product "
                           "stores its fingerprint)" % (label, part),
                           sig.get("has_x509_certificate"), sig)
        formats = {a["name"]: a["name_format"] for a in facts.get("attributes") or []}
        for name, want in (product.get("name_format") or {}).items():
            self.check("%s: %s is written with NameFormat %s" % (label, name, want),
                       formats.get(name) == want, formats)
        if not entry["authenticated"]:
            return
        self.expect_nameid(entry, (product["nameid"],))
        got = entry["attributes"] or {}
        for name, key in product["attributes"].items():
            want = self.expect["attributes"][key]
            self.check("%s: attribute %s is the user's %s" % (label, name, key),
                       got.get(name) == want, {"expected": want, "got": got.get(name)})

    def sp_initiated(self, product, acs=None, label="SP-initiated, POST /api/sso"):
        """The library's own Redirect AuthnRequest, given to POST /api/sso as it wrote it."""
        acs = acs or product["acs"]
        sp = self.product_sp(product, acs=acs)
        url, request_id, request_xml = sp.redirect_login_url(RELAY_STATE)
        self.check("%s: python3-saml's AuthnRequest names the ACS as registered" % label,
                   'AssertionConsumerServiceURL="%s"' % acs in request_xml, request_xml)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        answer = browser.sso_api(self.base, query["SAMLRequest"][0], query["RelayState"][0],
                                 "redirect", self.user)
        self.check("%s: request_id echoes the AuthnRequest ID" % label,
                   answer.get("request_id") == request_id,
                   {"sent": request_id, "got": answer.get("request_id")})
        delivered = {"acs_url": answer.get("acs_url"), "SAMLResponse": answer.get("SAMLResponse"),
                     "RelayState": answer.get("RelayState")}
        self.check_delivery(label, sp, delivered)
        xml = samlxml.decode_response(delivered["SAMLResponse"])
        entry = self.judge(sp, delivered, request_id, xml, label, "api")
        self.check("%s: InResponseTo is the request ID" % label,
                   entry["response"].get("in_response_to") == request_id,
                   {"sent": request_id, "got": entry["response"].get("in_response_to")})
        self.expect_product_response(product, entry, acs)
        return sp, delivered, request_id

    def idp_initiated(self, product):
        sp = self.product_sp(product)
        documented = "" if product["idp_initiated"] else " (not in the product's sources)"
        registered = product["relay_state"]
        for label, api in (("IdP-initiated, POST /api/idp-initiated" + documented, True),
                           ("IdP-initiated, the picker's link" + documented, False)):
            if api:
                answer = browser.idp_initiated_api(self.base, product["entity_id"], None, self.user)
                self.check("%s: request_id is null" % label,
                           "request_id" in answer and answer["request_id"] is None,
                           {"got": answer.get("request_id", "(missing)")})
                delivered = {"acs_url": answer.get("acs_url"),
                             "SAMLResponse": answer.get("SAMLResponse"),
                             "RelayState": answer.get("RelayState")}
            else:
                delivered = browser.idp_initiated(self.base, product["entity_id"], None, self.user)
            self.check("%s: the answer names the ACS URL as registered" % label,
                       delivered["acs_url"] == product["acs"],
                       {"expected": product["acs"], "got": delivered["acs_url"]})
            self.check("%s: the SP's registered RelayState arrives intact" % label,
                       delivered.get("RelayState") == registered,
                       {"registered": registered, "got": delivered.get("RelayState")})
            xml = samlxml.decode_response(delivered["SAMLResponse"])
            facts = samlxml.response_facts(xml)
            scd = facts.get("subject_confirmation") or {}
            self.check("%s: unsolicited: no InResponseTo" % label,
                       facts.get("in_response_to") is None and scd.get("in_response_to") is None,
                       {"Response": facts.get("in_response_to"),
                        "SubjectConfirmationData": scd.get("in_response_to")})
            entry = self.judge(sp, delivered, None, xml, label, "api" if api else "picker",
                               "idp-initiated")
            self.expect_product_response(product, entry, product["acs"])

    def refused_query_variant(self, product, acs):
        """An AuthnRequest from the product's SP naming `acs`, which differs from the registered
        ACS only in its query: strict mode refuses it."""
        label = "strict: ACS %s" % acs
        sp = self.product_sp(product, acs=acs)
        xml, _ = sp.post_authn_request()
        xml = escape_bare_ampersands(xml, acs)
        encoded = base64.b64encode(xml.encode("utf-8")).decode("ascii")
        status, parsed, body = browser.post_json(self.base + "/api/sso",
                                                 {"SAMLRequest": encoded, "binding": "post",
                                                  "user": self.user})
        error = (parsed or {}).get("error") or ""
        self.check("%s: HTTP 403" % label, status == 403, {"status": status, "body": body[:400]})
        self.check("%s: no SAMLResponse" % label,
                   "SAMLResponse" not in (parsed or {}) and "SAMLResponse" not in body, body[:400])
        self.check("%s: the error says the ACS URL is not registered" % label,
                   ("%s is not registered" % acs) in error, error)

    def run_product(self, preset):
        product = saas.PRODUCTS[preset]
        if product["trust"] != "certificate":
            self.trusted_fingerprint(product)
        _, delivered, request_id = self.sp_initiated(product)
        for other in product.get("other_acs", []):
            self.sp_initiated(product, acs=other, label="SP-initiated at %s" % other)
        self.idp_initiated(product)
        for acs in product.get("query_variants", []):
            self.refused_query_variant(product, acs)
        # Negative control: trusting another key (its certificate or fingerprint) refuses the
        # very response the product's configuration accepted.
        wrong = self.product_sp(product, trust_pem=self.other_cert)
        self.rejects("another IdP %s configured" % product["trust"], wrong, delivered, request_id,
                     "Signature validation failed")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idp", required=True)
    ap.add_argument("--scenario", required=True, help="the preset: " + ", ".join(saas.PRODUCTS))
    ap.add_argument("--expect", required=True, help="JSON: {user, nameid, attributes}")
    ap.add_argument("--other-cert", required=True, help="PEM of a certificate that is not the IdP's")
    ap.add_argument("--banner-sha1", help="the SHA-1 fingerprint mock-idp printed at start-up")
    ap.add_argument("--banner-sha256", help="the SHA-256 fingerprint mock-idp printed at start-up")
    args = ap.parse_args()
    verdict = {"driver": "python3-saml", "library": base_sp.LIBRARY, "scenario": args.scenario}
    run = None
    try:
        if args.scenario not in saas.PRODUCTS:
            raise SystemExit("unknown preset %r" % args.scenario)
        with open(args.other_cert) as f:
            other_cert = f.read()
        run = SaasRun(args.idp, json.loads(args.expect), other_cert, args.banner_sha1,
                      args.banner_sha256)
        run.run_product(args.scenario)
        verdict["ok"] = bool(run.checks) and all(c["ok"] for c in run.checks)
    except BaseException as err:  # the verdict line must still be printed
        verdict["ok"] = False
        verdict["error"] = "%s: %s" % (type(err).__name__, err)
        verdict["traceback"] = traceback.format_exc()
    if run is not None:
        verdict["checks"] = run.checks
        verdict["logins"] = run.logins
    print(json.dumps(verdict, default=str))


if __name__ == "__main__":
    main()
