"""Single logout with python3-saml (OneLogin) as the service provider, against a running mock-idp.

Usage: slo_sp.py --idp http://127.0.0.1:PORT --keys DIR [--post-logout]

The server must run with tests/fixtures/slo/sps.yaml, which registers this SP
(https://python-sp.example/metadata, logout URL https://python-sp.example/sls, the certificate
DIR/python-sp.crt). python3-saml runs strict, signs its AuthnRequests, LogoutRequests and
LogoutResponses with DIR/python-sp.key, and wants signed messages and assertions.

Each case logs the user in first (a one-shot /select preselection, then the SP's own
AuthnRequest; python3-saml validates the Response and keeps the NameID and SessionIndex), then:
- "sp-initiated": OneLogin_Saml2_Auth.logout() builds the signed Redirect LogoutRequest, the
  browser carries it to /slo, and process_slo() judges mock-idp's LogoutResponse;
- "sp-initiated-post": the same LogoutRequest signed with an enveloped signature
  (OneLogin_Saml2_Utils.add_sign) and POSTed; mock-idp answers by HTTP-POST, and the
  LogoutResponse is judged as python3-saml's own code would (its process_slo reads the
  Redirect binding only): validate_sign with the IdP certificate, then is_valid in strict mode
  with the SP's request ID, then the status must be Success;
- "idp-initiated": the home page's button (POST /slo/idp-initiated), then process_slo() judges
  mock-idp's LogoutRequest and, when it accepts it, its LogoutResponse is carried back to /slo.
- with --post-logout (the server running tests/fixtures/slo/sps-post.yaml), only
  "idp-initiated-post": the LogoutRequest comes as a form, judged with validate_sign and
  OneLogin_Saml2_Logout_Request.is_valid (process_slo reads the Redirect binding only).
A scenario is chosen with /slo/select (SP-initiated) or the button's form (IdP-initiated).
python3-saml does not know the SP's sessions, so for a LogoutRequest the application's own
check (NameID and SessionIndex against what the login gave) is reported apart.

One JSON line per case: {"case", "flow", "scenario", "library_accepted", "library_error",
"app_accepted", "idp_result", "checks": [{"name", "ok", "detail"}]}.
"""

import argparse
import base64
import html as html_lib
import json
import os
import re
import sys
import traceback
import urllib.error
import urllib.parse
import urllib.request

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.logout_response import OneLogin_Saml2_Logout_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils

SP = "https://python-sp.example"
HOST = "python-sp.example"
RELAY = "https://python-sp.example/after-logout?from=slo"
USER = "alice"

REQUEST_SCENARIOS = ["slo-unsigned", "slo-bad-signature", "slo-wrong-session-index", "slo-wrong-nameid", "slo-expired"]
RESPONSE_SCENARIOS = ["slo-unsigned", "slo-bad-signature", "slo-status-failure", "slo-wrong-in-response-to"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Browser:
    """Keeps cookies by name (one host), follows no redirect."""

    def __init__(self):
        self.cookies = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def send(self, method, url, fields=None):
        data = urllib.parse.urlencode(fields).encode("ascii") if fields is not None else None
        headers = {}
        if data is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            resp = self.opener.open(req, timeout=30)
        except urllib.error.HTTPError as err:
            resp = err
        for raw in resp.headers.get_all("Set-Cookie") or []:
            pair = raw.split(";", 1)[0]
            name, _, value = pair.partition("=")
            if value == "" or "Max-Age=0" in raw:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return resp.status, resp.headers.get("Location"), resp.read().decode("utf-8", "replace")


def hidden(html, name):
    m = re.search(r'name="%s" value="([^"]*)"' % re.escape(name), html)
    return html_lib.unescape(m.group(1)) if m else None


def settings(idp, keys, want_messages_signed=True):
    with open(os.path.join(keys, "python-sp.crt"), encoding="ascii") as f:
        sp_cert = f.read()
    with open(os.path.join(keys, "python-sp.key"), encoding="ascii") as f:
        sp_key = f.read()
    idp_cert = urllib.request.urlopen(idp + "/certs/idp.crt", timeout=30).read().decode("ascii")
    redirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
    return OneLogin_Saml2_Settings(
        {
            "strict": True,
            "sp": {
                "entityId": SP + "/metadata",
                "assertionConsumerService": {
                    "url": SP + "/acs",
                    "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST",
                },
                "singleLogoutService": {"url": SP + "/sls", "binding": redirect},
                "NameIDFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
                "x509cert": sp_cert,
                "privateKey": sp_key,
            },
            "idp": {
                "entityId": idp + "/metadata",
                "singleSignOnService": {"url": idp + "/sso", "binding": redirect},
                "singleLogoutService": {"url": idp + "/slo", "binding": redirect},
                "x509cert": idp_cert,
            },
            "security": {
                "authnRequestsSigned": True,
                "logoutRequestSigned": True,
                "logoutResponseSigned": True,
                # A POSTed message's signature is checked with validate_sign; this flag looks
                # for a Redirect Signature parameter only.
                "wantMessagesSigned": want_messages_signed,
                "wantAssertionsSigned": True,
                "signatureAlgorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            },
        }
    )


def request_data(path, query="", post=None):
    """What a web framework hands python3-saml for a request to https://python-sp.example<path>."""
    return {
        "https": "on",
        "http_host": HOST,
        "script_name": path,
        "get_data": dict(urllib.parse.parse_qsl(query, keep_blank_values=True)),
        "post_data": post or {},
        "query_string": query,
    }


class Case:
    def __init__(self, name, flow, scenario):
        self.out = {
            "case": name,
            "flow": flow,
            "scenario": scenario,
            "library_accepted": None,
            "library_error": None,
            "app_accepted": None,
            "idp_result": None,
            "checks": [],
        }

    def check(self, name, ok, detail=""):
        self.out["checks"].append({"name": name, "ok": bool(ok), "detail": str(detail)})
        return ok


def login(idp, s, browser, case):
    status, _, _ = browser.send("GET", idp + "/select?user=" + USER)
    case.check("preselect the user", status == 200, status)
    auth = OneLogin_Saml2_Auth(request_data("/login"), s)
    url = auth.login()
    request_id = auth.get_last_request_id()
    status, _, page = browser.send("GET", url)
    response = hidden(page, "SAMLResponse")
    if not case.check("the IdP answers the AuthnRequest with a SAMLResponse", status == 200 and response, status):
        raise RuntimeError(page[:500])
    acs = OneLogin_Saml2_Auth(request_data("/acs", post={"SAMLResponse": response}), s)
    acs.process_response(request_id=request_id)
    errors = acs.get_errors()
    if not case.check("python3-saml accepts the login", not errors, "%s %s" % (errors, acs.get_last_error_reason())):
        raise RuntimeError("login refused")
    return {
        "name_id": acs.get_nameid(),
        "name_id_format": acs.get_nameid_format(),
        "session_index": acs.get_session_index(),
    }


def sp_initiated(idp, s, keys, scenario):
    case = Case("sp-initiated %s" % (scenario or "valid"), "sp-initiated", scenario or "valid")
    browser = Browser()
    who = login(idp, s, browser, case)
    if scenario:
        status, _, _ = browser.send("GET", idp + "/slo/select?scenario=" + scenario)
        case.check("choose the logout scenario", status == 200, status)
    auth = OneLogin_Saml2_Auth(request_data("/logout"), s)
    url = auth.logout(
        return_to=RELAY,
        name_id=who["name_id"],
        session_index=who["session_index"],
        name_id_format=who["name_id_format"],
    )
    request_id = auth.get_last_request_id()
    case.check("python3-saml signs its LogoutRequest", "&Signature=" in url, url[:120])
    status, location, page = browser.send("GET", url)
    if not case.check("the IdP answers with a redirect to the SP's logout URL", status == 302 and location and location.startswith(SP + "/sls?"), "%s %s %s" % (status, location, page[:300])):
        return case.out
    query = location.split("?", 1)[1]
    data = request_data("/sls", query)
    case.check("RelayState comes back", data["get_data"].get("RelayState") == RELAY, data["get_data"].get("RelayState"))
    sls = OneLogin_Saml2_Auth(data, s)
    deleted = []
    sls.process_slo(request_id=request_id, delete_session_cb=lambda: deleted.append(True))
    errors = sls.get_errors()
    case.out["library_accepted"] = not errors and deleted == [True]
    if errors:
        # process_slo keeps only an error code for some refusals; is_valid says why.
        message = OneLogin_Saml2_Logout_Response(s, data["get_data"]["SAMLResponse"])
        message.is_valid(data, request_id=request_id)
        reason = sls.get_last_error_reason() or message.get_error() or ""
        case.out["library_error"] = ("%s %s" % (", ".join(errors), reason)).strip()
    case.out["app_accepted"] = case.out["library_accepted"]
    case.out["idp_result"] = "logged out" if "mock_idp_session" not in browser.cookies else "session cookie kept"
    return case.out


def sp_initiated_post(idp, s, keys, scenario):
    case = Case("sp-initiated-post %s" % (scenario or "valid"), "sp-initiated", scenario or "valid")
    browser = Browser()
    who = login(idp, s, browser, case)
    if scenario:
        status, _, _ = browser.send("GET", idp + "/slo/select?scenario=" + scenario)
        case.check("choose the logout scenario", status == 200, status)
    request = OneLogin_Saml2_Logout_Request(
        s,
        name_id=who["name_id"],
        session_index=who["session_index"],
        name_id_format=who["name_id_format"],
    )
    with open(os.path.join(keys, "python-sp.key"), encoding="ascii") as f:
        sp_key = f.read()
    with open(os.path.join(keys, "python-sp.crt"), encoding="ascii") as f:
        sp_cert = f.read()
    signed = OneLogin_Saml2_Utils.add_sign(
        request.get_xml(),
        sp_key,
        sp_cert,
        sign_algorithm=OneLogin_Saml2_Constants.RSA_SHA256,
        digest_algorithm=OneLogin_Saml2_Constants.SHA256,
    )
    if isinstance(signed, bytes):
        signed = signed.decode("utf-8")
    encoded = base64.b64encode(signed.encode("utf-8")).decode("ascii")
    status, _, page = browser.send("POST", idp + "/slo", {"SAMLRequest": encoded, "RelayState": RELAY})
    response = hidden(page, "SAMLResponse")
    action = re.search(r'<form id="saml-post" method="post" action="([^"]*)"', page)
    if not case.check("the IdP answers with a form posting to the SP's logout URL", status == 200 and response and action and html_lib.unescape(action.group(1)) == SP + "/sls", "%s %s" % (status, page[:300])):
        return case.out
    case.check("RelayState comes back", hidden(page, "RelayState") == RELAY, hidden(page, "RelayState"))
    xml = base64.b64decode(response).decode("utf-8")
    idp_cert = s.get_idp_cert()
    signature_ok = OneLogin_Saml2_Utils.validate_sign(xml, cert=idp_cert, xpath="/samlp:LogoutResponse/ds:Signature", raise_exceptions=False) is True
    message = OneLogin_Saml2_Logout_Response(settings(idp, keys, want_messages_signed=False), response)
    valid = message.is_valid(request_data("/sls", post={"SAMLResponse": response}), request_id=request.id)
    success = message.get_status() == OneLogin_Saml2_Constants.STATUS_SUCCESS
    case.out["library_accepted"] = signature_ok and valid and success
    if not case.out["library_accepted"]:
        reasons = []
        if not signature_ok:
            reasons.append("validate_sign: the signature does not verify")
        if not valid:
            reasons.append("is_valid: %s" % message.get_error())
        if not success:
            reasons.append("status %s" % message.get_status())
        case.out["library_error"] = "; ".join(reasons)
    case.out["app_accepted"] = case.out["library_accepted"]
    case.out["idp_result"] = "logged out" if "mock_idp_session" not in browser.cookies else "session cookie kept"
    return case.out


def idp_initiated(idp, s, keys, scenario):
    case = Case("idp-initiated %s" % (scenario or "valid"), "idp-initiated", scenario or "valid")
    browser = Browser()
    who = login(idp, s, browser, case)
    status, location, page = browser.send("POST", idp + "/slo/idp-initiated", {"scenario": scenario or ""})
    if not case.check("the IdP sends a LogoutRequest to the SP's logout URL", status == 302 and location and location.startswith(SP + "/sls?SAMLRequest="), "%s %s %s" % (status, location, page[:300])):
        return case.out
    query = location.split("?", 1)[1]
    data = request_data("/sls", query)
    sls = OneLogin_Saml2_Auth(data, s)
    deleted = []
    answer_url = sls.process_slo(delete_session_cb=lambda: deleted.append(True))
    errors = sls.get_errors()
    case.out["library_accepted"] = not errors and deleted == [True]
    if errors:
        message = OneLogin_Saml2_Logout_Request(s, data["get_data"]["SAMLRequest"])
        message.is_valid(data)
        reason = sls.get_last_error_reason() or message.get_error() or ""
        case.out["library_error"] = ("%s %s" % (", ".join(errors), reason)).strip()
    # What python3-saml leaves to the application: is this the session the SP holds?
    xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(data["get_data"]["SAMLRequest"])
    name_id = OneLogin_Saml2_Logout_Request.get_nameid(xml)
    indexes = OneLogin_Saml2_Logout_Request.get_session_indexes(xml)
    same = name_id == who["name_id"] and (not indexes or who["session_index"] in indexes)
    case.out["app_accepted"] = bool(case.out["library_accepted"] and same)
    if case.out["app_accepted"]:
        case.check("python3-saml answers with a LogoutResponse to the IdP", answer_url and answer_url.startswith(idp + "/slo?SAMLResponse="), answer_url)
        status, _, summary = browser.send("GET", answer_url)
        ok = status == 200 and ">success<" in summary and "is logged out of the identity provider" in summary
        case.out["idp_result"] = "success" if ok else "unexpected: %s %s" % (status, summary[:300])
    else:
        # The SP does not answer a LogoutRequest it refuses; the tester gives up on it.
        status, _, summary = browser.send("POST", idp + "/slo/finish")
        ok = status == 200 and ">no answer<" in summary
        case.out["idp_result"] = "no answer" if ok else "unexpected: %s %s" % (status, summary[:300])
    case.check("the IdP's summary says what the SP did", ok, case.out["idp_result"])
    return case.out


def idp_initiated_post(idp, s, keys, scenario):
    """The SP registered with `slo_binding: post` (tests/fixtures/slo/sps-post.yaml): mock-idp's
    LogoutRequest arrives as an auto-submitting form. process_slo reads the Redirect binding
    only, so it is judged as python3-saml's own code would: validate_sign with the IdP
    certificate, then OneLogin_Saml2_Logout_Request.is_valid in strict mode."""
    case = Case("idp-initiated-post %s" % (scenario or "valid"), "idp-initiated", scenario or "valid")
    browser = Browser()
    who = login(idp, s, browser, case)
    status, location, page = browser.send("POST", idp + "/slo/idp-initiated", {"scenario": scenario or ""})
    request = hidden(page, "SAMLRequest")
    action = re.search(r'<form id="saml-post" method="post" action="([^"]*)"', page)
    if not case.check("the IdP posts a LogoutRequest to the SP's logout URL", status == 200 and request and action and html_lib.unescape(action.group(1)) == SP + "/sls", "%s %s %s" % (status, location, page[:300])):
        return case.out
    xml = base64.b64decode(request).decode("utf-8")
    signature_ok = OneLogin_Saml2_Utils.validate_sign(xml, cert=s.get_idp_cert(), xpath="/samlp:LogoutRequest/ds:Signature", raise_exceptions=False) is True
    message = OneLogin_Saml2_Logout_Request(settings(idp, keys, want_messages_signed=False), request)
    valid = message.is_valid(request_data("/sls", post={"SAMLRequest": request}))
    case.out["library_accepted"] = signature_ok and valid
    if not case.out["library_accepted"]:
        reasons = []
        if not signature_ok:
            reasons.append("validate_sign: the signature does not verify")
        if not valid:
            reasons.append("is_valid: %s" % message.get_error())
        case.out["library_error"] = "; ".join(reasons)
    name_id = OneLogin_Saml2_Logout_Request.get_nameid(xml)
    indexes = OneLogin_Saml2_Logout_Request.get_session_indexes(xml)
    same = name_id == who["name_id"] and (not indexes or who["session_index"] in indexes)
    case.out["app_accepted"] = bool(case.out["library_accepted"] and same)
    if case.out["app_accepted"]:
        # The answer process_slo would make: a signed Redirect LogoutResponse.
        answer = OneLogin_Saml2_Logout_Response(s)
        answer.build(message.id)
        parameters = {"SAMLResponse": answer.get_response()}
        auth = OneLogin_Saml2_Auth(request_data("/sls"), s)
        auth.add_response_signature(parameters, s.get_security_data()["signatureAlgorithm"])
        answer_url = auth.redirect_to(auth.get_slo_response_url(), parameters)
        status, _, summary = browser.send("GET", answer_url)
        ok = status == 200 and ">success<" in summary
        case.out["idp_result"] = "success" if ok else "unexpected: %s %s" % (status, summary[:300])
    else:
        status, _, summary = browser.send("POST", idp + "/slo/finish")
        ok = status == 200 and ">no answer<" in summary
        case.out["idp_result"] = "no answer" if ok else "unexpected: %s %s" % (status, summary[:300])
    case.check("the IdP's summary says what the SP did", ok, case.out["idp_result"])
    return case.out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--idp", required=True)
    parser.add_argument("--keys", required=True)
    parser.add_argument("--post-logout", action="store_true")
    args = parser.parse_args()
    s = settings(args.idp, args.keys)
    if args.post_logout:
        runs = [(idp_initiated_post, x) for x in [None, "slo-unsigned", "slo-bad-signature"]]
    else:
        runs = [(sp_initiated, None), (idp_initiated, None)]
        runs += [(sp_initiated, x) for x in RESPONSE_SCENARIOS]
        runs += [(sp_initiated_post, x) for x in [None] + RESPONSE_SCENARIOS]
        runs += [(idp_initiated, x) for x in REQUEST_SCENARIOS]
    failed = False
    for run, scenario in runs:
        try:
            out = run(args.idp, s, args.keys, scenario)
        except Exception as err:  # reported, never hidden
            failed = True
            out = {"case": "%s %s" % (run.__name__, scenario), "error": repr(err), "traceback": traceback.format_exc()}
        print(json.dumps(out), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
