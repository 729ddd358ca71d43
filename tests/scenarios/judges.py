"""Two judges of mock-idp's scenario catalogue, run in one process: python3-saml and xmlsec1.

Usage: judges.py --idp http://127.0.0.1:PORT --scenarios FILE --user ID [--judges a,b]
                 --sp-key PEM --sp-cert PEM

FILE is the JSON array GET /api/scenarios returns. For every scenario, each judge plays a
service provider of its own (its own entity ID, so the IdP's memory of the last response and
request, which `replay` and `reused-request-id` use, is never shared):

- python3-saml builds a fresh AuthnRequest (HTTP-Redirect), the response is fetched with
  POST /api/sso and `scenario=<id>`, and python3-saml validates it in strict mode, wanting the
  Response and the Assertion signed;
- xmlsec1 gets the response the same way (the AuthnRequest is python3-saml's) and verifies
  every signature found on the Response and on each of its Assertions with the IdP's
  certificate (`--pubkey-cert-pem`, so the KeyInfo is ignored), following same-document and
  empty (whole-document) references. It judges the signature layer
  only: a response whose content is wrong but whose signatures hold is "accepted". An
  EncryptedAssertion is decrypted first (`xmlsec1 --decrypt` with SP_KEY, any algorithm), and
  the decrypted assertion's signature verified; the Response signature is verified as sent.

Both SPs are registered with the IdP with the encryption certificate SP_CERT, and hold SP_KEY:
python3-saml decrypts encrypted assertions (without requiring them).

A scenario that needs a previous login gets one first: a valid login to the same SP, judged
like any other. Each result is one JSON line on stdout:
  {"type": "library", "judge", "library"}
  {"type": "verdict", "judge", "scenario", "verdict": "accepted"|"rejected", "message",
   "nameid", "attributes", "xml", "prior", "seconds"}
  {"type": "error", "judge", "scenario", "error", "traceback"}   (the IdP did not answer)
  {"type": "done", "judge"}
"xml" holds what the response says, read independently of the judge: the NameID and the
attribute values of its first Assertion, as XPath string values (comments left out); null
when the response carries an EncryptedAssertion (what it says is only known once decrypted).
"""

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

from lxml import etree

from onelogin.saml2.auth import OneLogin_Saml2_Auth

try:
    from importlib.metadata import version as _dist_version

    PYTHON3_SAML = "python3-saml " + _dist_version("python3-saml")
except Exception:  # pragma: no cover - metadata is always there for a pip install
    PYTHON3_SAML = "python3-saml"

NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "ds": "http://www.w3.org/2000/09/xmldsig#",
    "xenc": "http://www.w3.org/2001/04/xmlenc#",
}
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
RELAY_STATE = "https://scenarios.example/app?judge=1"

SPS = {
    "python3-saml": {"host": "python3-saml-judge.example",
                     "entity_id": "https://python3-saml-judge.example/metadata"},
    "xmlsec1": {"host": "xmlsec1-judge.example", "entity_id": "https://xmlsec1-judge.example/metadata"},
}

_OUT = threading.Lock()


def emit(obj):
    line = json.dumps(obj, default=str, ensure_ascii=False)
    with _OUT:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


# --- the IdP ---------------------------------------------------------------------------------

def http(method, url, data=None, content_type=None, timeout=60):
    headers = {"Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def get_text(url):
    status, body = http("GET", url)
    if status != 200:
        raise RuntimeError("GET %s -> HTTP %s: %s" % (url, status, body[:300]))
    return body.decode("utf-8")


def sso_api(base, login_url, user, scenario):
    """POST /api/sso with the SAMLRequest and RelayState of the SP's redirect URL."""
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(login_url).query)
    payload = {
        "SAMLRequest": query["SAMLRequest"][0],
        "RelayState": query.get("RelayState", [RELAY_STATE])[0],
        "binding": "redirect",
        "user": user,
        "scenario": scenario,
    }
    status, body = http("POST", base + "/api/sso", json.dumps(payload).encode("utf-8"), "application/json")
    if status != 200:
        raise RuntimeError("POST /api/sso (scenario %s) -> HTTP %s: %s"
                           % (scenario, status, body[:500].decode("utf-8", "replace")))
    return json.loads(body)


# --- what the response says ------------------------------------------------------------------

def response_bytes(saml_response):
    try:
        return base64.b64decode(saml_response, validate=True)
    except Exception:
        return None


def parse(raw):
    """The document, or None when it is not well-formed (or not parsed safely)."""
    if raw is None:
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)
    try:
        return etree.fromstring(raw, parser)
    except Exception:
        return None


def xml_facts(root):
    """The NameID and attributes of the first Assertion, as XPath string values."""
    if root is None or root.find("saml:EncryptedAssertion", NS) is not None:
        return None
    assertion = root.find("saml:Assertion", NS)
    if assertion is None:
        return {"nameid": None, "attributes": {}}
    nameid = assertion.find("saml:Subject/saml:NameID", NS)
    attributes = {}
    for a in assertion.findall("saml:AttributeStatement/saml:Attribute", NS):
        values = [v.xpath("string(.)") for v in a.findall("saml:AttributeValue", NS)]
        attributes.setdefault(a.get("Name"), []).extend(values)
    return {"nameid": nameid.xpath("string(.)") if nameid is not None else None, "attributes": attributes}


# --- python3-saml ----------------------------------------------------------------------------

def acs_url(sp):
    return "https://%s/acs" % sp["host"]


def request_data(sp, post_data=None):
    return {
        "https": "on",
        "http_host": sp["host"],
        "server_port": "443",
        "script_name": "/acs",
        "get_data": {},
        "post_data": post_data or {},
    }


def pem_body(pem):
    return "".join(line for line in pem.strip().splitlines() if "-----" not in line)


def python3_saml_settings(base, sp, cert, sp_key="", sp_cert=""):
    return {
        "strict": True,
        "debug": False,
        "sp": {
            "entityId": sp["entity_id"],
            "assertionConsumerService": {"url": acs_url(sp), "binding": BINDING_POST},
            "NameIDFormat": EMAIL_FORMAT,
            "x509cert": pem_body(sp_cert) if sp_cert else "",
            "privateKey": sp_key,
        },
        "idp": {
            "entityId": base + "/metadata",
            "singleSignOnService": {"url": base + "/sso", "binding": BINDING_REDIRECT},
            "x509cert": pem_body(cert),
        },
        "security": {
            "authnRequestsSigned": False,
            "wantAssertionsSigned": True,
            "wantMessagesSigned": True,
            "wantNameId": True,
            "wantAttributeStatement": True,
            "rejectDeprecatedAlgorithm": False,
        },
    }


class Python3Saml:
    name = "python3-saml"
    library = PYTHON3_SAML

    def __init__(self, base, cert, workdir, sp_key, sp_cert):
        self.sp = SPS[self.name]
        self.settings = python3_saml_settings(base, self.sp, cert, open(sp_key).read(),
                                              open(sp_cert).read())

    def request(self):
        auth = OneLogin_Saml2_Auth(request_data(self.sp), self.settings)
        url = auth.login(return_to=RELAY_STATE)
        return url, auth.get_last_request_id()

    def judge(self, answer, request_id, root):
        post = {"SAMLResponse": answer["SAMLResponse"]}
        if answer.get("RelayState") is not None:
            post["RelayState"] = answer["RelayState"]
        auth = OneLogin_Saml2_Auth(request_data(self.sp, post), self.settings)
        try:
            auth.process_response(request_id=request_id)
        except Exception as err:  # python3-saml raises for some refusals instead of listing them
            return {"verdict": "rejected", "message": "%s: %s" % (type(err).__name__, err)}
        errors = auth.get_errors()
        if auth.is_authenticated() and not errors:
            return {
                "verdict": "accepted",
                "message": "",
                "nameid": auth.get_nameid(),
                "attributes": auth.get_attributes(),
            }
        reason = auth.get_last_error_reason() or ""
        message = reason or ", ".join(errors) or "not authenticated, no reason given"
        return {"verdict": "rejected", "message": message}


# --- xmlsec1 ---------------------------------------------------------------------------------

def xmlsec1_version():
    try:
        out = subprocess.run(["xmlsec1", "--version"], capture_output=True, text=True, check=False)
        return out.stdout.strip() or out.stderr.strip()
    except FileNotFoundError:
        return None


ID_ATTRS = [
    "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:protocol:Response",
    "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
]
# Lets `xmlsec1 --decrypt` follow a RetrievalMethod to an EncryptedKey's Id (no DTD says it is
# an ID).
ENCRYPTED_KEY_ID = ["--id-attr:Id", "http://www.w3.org/2001/04/xmlenc#:EncryptedKey"]
RESPONSE_XPATH = "/*[local-name()='Response']"


class Xmlsec1:
    name = "xmlsec1"
    library = xmlsec1_version()

    def __init__(self, base, cert, workdir, sp_key, sp_cert):
        self.sp = SPS[self.name]
        self.settings = python3_saml_settings(base, self.sp, cert)
        self.sp_key = sp_key
        self.workdir = workdir
        self.cert_path = os.path.join(workdir, "idp.crt")
        with open(self.cert_path, "w") as f:
            f.write(cert)

    def request(self):
        auth = OneLogin_Saml2_Auth(request_data(self.sp), self.settings)
        url = auth.login(return_to=RELAY_STATE)
        return url, auth.get_last_request_id()

    def verify(self, path, xpath):
        cmd = ["xmlsec1", "--verify", "--pubkey-cert-pem", self.cert_path,
               "--enabled-reference-uris", "empty,same-doc"] + ID_ATTRS + ["--node-xpath", xpath, path]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        return proc.returncode == 0, summarise_xmlsec1(proc.stdout + proc.stderr, path)

    def judge(self, answer, request_id, root):
        raw = response_bytes(answer["SAMLResponse"])
        if raw is None:
            return {"verdict": "rejected", "message": "the SAMLResponse is not base64"}
        path = os.path.join(self.workdir, "response.xml")
        with open(path, "wb") as f:
            f.write(raw)
        if root is None:
            # Not well-formed (for lxml): let xmlsec1 say so in its own words.
            ok, detail = self.verify(path, RESPONSE_XPATH + "/*[local-name()='Signature']")
            return {"verdict": "accepted" if ok else "rejected",
                    "message": "" if ok else "response: " + detail}
        failures = []
        decrypted = None
        if root.find("saml:EncryptedAssertion", NS) is not None:
            proc = subprocess.run(["xmlsec1", "--decrypt", "--privkey-pem", self.sp_key] + ENCRYPTED_KEY_ID
                                  + [path], capture_output=True, check=False)
            if proc.returncode != 0:
                failures.append("encrypted assertion: " + summarise_xmlsec1(
                    proc.stderr.decode("utf-8", "replace"), path))
            else:
                decrypted = os.path.join(self.workdir, "decrypted.xml")
                with open(decrypted, "wb") as f:
                    f.write(proc.stdout)
        # Every signature that is a child of the Response or of one of its Assertions.
        targets = []
        response_signatures = root.findall("ds:Signature", NS)
        for k in range(1, len(response_signatures) + 1):
            label = "response" if len(response_signatures) == 1 else "response signature %d" % k
            targets.append((label, "%s/*[local-name()='Signature'][%d]" % (RESPONSE_XPATH, k)))
        assertions = root.findall("saml:Assertion", NS)
        for i, assertion in enumerate(assertions, 1):
            signatures = assertion.findall("ds:Signature", NS)
            for k in range(1, len(signatures) + 1):
                label = "assertion" if len(assertions) == 1 else "assertion %d" % i
                if len(signatures) > 1:
                    label += " signature %d" % k
                targets.append((label, "%s/*[local-name()='Assertion'][%d]/*[local-name()='Signature'][%d]"
                                % (RESPONSE_XPATH, i, k)))
        if decrypted is not None:
            # xmlsec replaces the EncryptedData by the assertion, inside the EncryptedAssertion.
            droot = parse(open(decrypted, "rb").read())
            inner = droot.findall("saml:EncryptedAssertion/saml:Assertion", NS) if droot is not None else []
            for i, assertion in enumerate(inner, 1):
                for k in range(1, len(assertion.findall("ds:Signature", NS)) + 1):
                    label = "decrypted assertion" if len(inner) == 1 else "decrypted assertion %d" % i
                    targets.append((label, "%s/*[local-name()='EncryptedAssertion'][%d]/*[local-name()="
                                    "'Assertion']/*[local-name()='Signature'][%d]" % (RESPONSE_XPATH, i, k),
                                    decrypted))
        if not targets:
            failures.append("no Signature on the Response or on an Assertion")
            return {"verdict": "rejected", "message": "; ".join(failures)}
        for target in targets:
            label, xpath = target[0], target[1]
            ok, detail = self.verify(target[2] if len(target) > 2 else path, xpath)
            if not ok:
                failures.append("%s: %s" % (label, detail))
        if failures:
            return {"verdict": "rejected", "message": "; ".join(failures)}
        return {"verdict": "accepted", "message": "", "signatures": [t[0] for t in targets]}


def summarise_xmlsec1(output, path):
    """xmlsec1's verdict in one line: what failed, without file paths or source lines.

    xmlsec1 also complains that the self-signed certificate in KeyInfo does not chain to a
    trusted root; with --pubkey-cert-pem that certificate is not used, so those lines are
    left out unless nothing else is said.
    """
    output = output.replace(path, "response.xml").replace(os.path.dirname(path), "<tmp>")
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if lines and lines[0] == "OK":
        return "OK"
    errors, store, other = [], [], []
    for line in lines:
        m = re.match(r"func=([^:]*):file=[^:]*:line=\d+:obj=([^:]*):subj=([^:]*):error=\d+:(.*)$", line)
        if m:
            func, obj, subj, text = m.groups()
            piece = " ".join(x for x in (obj if obj != "unknown" else "", subj if subj != "unknown" else "",
                                         text.strip()) if x)
            (store if func == "xmlSecOpenSSLX509StoreVerify" else errors).append(piece or func)
        elif line.startswith("SignedInfo References") or not (
                line in ("FAIL", "OK") or line.startswith(("Manifests References", "Error: failed to verify file"))):
            other.append(line)
    parts = []
    for piece in (errors or store) + other:
        if piece not in parts:
            parts.append(piece)
    return " | ".join(parts)[:600] or "xmlsec1 failed without a message"


# --- the run ---------------------------------------------------------------------------------

def normalise(message, base):
    """A message that reads the same on every run: no port, IDs or instants; one line."""
    m = (message or "").replace(base, "<idp>")
    m = re.sub(r"ONELOGIN_[0-9a-f]+", "<request-id>", m)
    m = re.sub(r"_[0-9a-f]{16,}", "<id>", m)
    m = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<time>", m)
    return " ".join(m.split())[:400]


JUDGES = {"python3-saml": Python3Saml, "xmlsec1": Xmlsec1}


def login(judge, base, user, scenario):
    url, request_id = judge.request()
    answer = sso_api(base, url, user, scenario)
    root = parse(response_bytes(answer.get("SAMLResponse") or ""))
    result = judge.judge(answer, request_id, root)
    result["message"] = normalise(result["message"], base)
    result["xml"] = xml_facts(root)
    return result


def run_judge(cls, base, cert, user, scenarios, sp_key, sp_cert):
    with tempfile.TemporaryDirectory(prefix="scenario-judge-") as workdir:
        judge = cls(base, cert, workdir, sp_key, sp_cert)
        emit({"type": "library", "judge": judge.name, "library": judge.library})
        for s in scenarios:
            started = time.monotonic()
            try:
                prior = None
                if s.get("needs_previous_login"):
                    prior = login(judge, base, user, "valid")
                    prior = {"verdict": prior["verdict"], "message": prior["message"]}
                result = login(judge, base, user, s["id"])
                result.update({"type": "verdict", "judge": judge.name, "scenario": s["id"], "prior": prior,
                               "seconds": round(time.monotonic() - started, 3)})
                emit(result)
            except Exception as err:
                emit({"type": "error", "judge": judge.name, "scenario": s["id"],
                      "error": "%s: %s" % (type(err).__name__, err), "traceback": traceback.format_exc()})
        emit({"type": "done", "judge": judge.name})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idp", required=True)
    ap.add_argument("--scenarios", required=True, help="JSON file: the array GET /api/scenarios returns")
    ap.add_argument("--user", required=True)
    ap.add_argument("--judges", default="python3-saml,xmlsec1")
    ap.add_argument("--sp-key", required=True, help="the private key of the SPs' encryption certificate")
    ap.add_argument("--sp-cert", required=True, help="the SPs' encryption certificate")
    args = ap.parse_args()
    base = args.idp.rstrip("/")
    with open(args.scenarios, encoding="utf-8") as f:
        scenarios = json.load(f)
    cert = get_text(base + "/certs/idp.crt")
    names = [n for n in args.judges.split(",") if n]
    for n in names:
        if n not in JUDGES:
            raise SystemExit("unknown judge %r (known: %s)" % (n, ", ".join(JUDGES)))
    if "xmlsec1" in names and Xmlsec1.library is None:
        raise SystemExit("xmlsec1 is not on PATH")
    # One thread per judge: xmlsec1 waits on its child processes while python3-saml works.
    threads = [threading.Thread(target=run_judge,
                                args=(JUDGES[n], base, cert, args.user, scenarios, args.sp_key, args.sp_cert))
               for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
