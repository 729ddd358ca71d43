"""A small service provider web app built on python3-saml, for the browser tests.

Usage: sp.py --idp http://127.0.0.1:PORT --idp-cert idp.crt
             [--entity-id ID] [--allow-unsolicited] [--port N | --socket-on-stdin]
             [--judge-settings] [--sp-key PEM --sp-cert PEM]

Only the standard library's http.server and python3-saml are used. Pages:

  GET  /            who this browser is logged in as ("Logged in as <NameID>", "Not logged in"
                    or "Logged out by the IdP") and links to the pages below
  GET  /login       starts a login: redirects to the IdP's /sso with a deflated AuthnRequest
                    (HTTP-Redirect binding); the request ID is remembered for this browser
  POST /acs         validates the posted SAMLResponse strictly (signatures, audience,
                    destination, validity, InResponseTo against the remembered request ID) and
                    shows "Logged in as <NameID>" or "Rejected: <errors>"
  GET  /logout      SP-initiated single logout: redirects to the IdP's /slo with a
                    LogoutRequest for the login this browser holds
  GET  /sls         single logout service: validates the IdP's LogoutRequest strictly (its
                    Redirect signature included), forgets this browser's login and redirects
                    back with python3-saml's LogoutResponse; or validates the IdP's
                    LogoutResponse to our own LogoutRequest and shows "Logged out"
  GET  /idp-login   what this SP does with IdP-initiated (unsolicited) responses, and a link
                    to start one at the IdP
  POST /hold        answers 204 No Content, so a browser that posts here stays on the page it
                    posted from (used to look at the IdP's auto-post page after its script ran)
  GET  /metadata    this SP's metadata

With --judge-settings the SP validates logins with exactly the settings of the python3-saml
judge of tests/scenarios/judges.py (`python3_saml_settings`: rejectDeprecatedAlgorithm off, no
single logout entries), so that `mock-idp audit` against it reaches the judge's verdicts; the
logout pages keep their single logout entries in a copy of those settings. In that mode a
POST /acs answers like the audit's other SPs: a login redirects (302) to /, a refusal is a 403
"Rejected: <errors>" page, and it ends the login the browser held, so that GET / only says
"Logged in as" after a response that was accepted. --sp-key and --sp-cert
(PEM files) give the SP the key pair it decrypts EncryptedAssertions with, as the judge holds
one (sp.privateKey and sp.x509cert).

The SP listens on 127.0.0.1 (a free port unless --port is given, or the listening socket it
inherits as its standard input with --socket-on-stdin) and prints one line when it is ready:
"browser-sp listening on http://127.0.0.1:<port>".
"""

import argparse
import copy
import html
import http.cookies
import http.server
import os
import secrets
import socket
import sys
import threading
import time
import urllib.parse

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.logout_request import OneLogin_Saml2_Logout_Request
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils

BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
BINDING_REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
NAMEID_EMAIL = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
COOKIE = "browser_sp_login"

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{title} · browser SP</title>
<style>body {{ font: 15px/1.5 system-ui, sans-serif; margin: 2rem; }}
.mono {{ font-family: monospace; word-break: break-all; }}</style></head>
<body>
{body}
</body>
</html>
"""


def pem_body(pem):
    return "".join(line for line in pem.strip().splitlines() if "-----" not in line)


class Sp:
    def __init__(self, idp, idp_cert, base, entity_id, allow_unsolicited, judge=False,
                 sp_key="", sp_cert=""):
        self.idp = idp.rstrip("/")
        self.base = base
        self.acs = base + "/acs"
        self.entity_id = entity_id or base + "/metadata"
        self.allow_unsolicited = allow_unsolicited
        self.judge = judge
        self.settings = {
            "strict": True,
            "debug": False,
            "sp": {
                "entityId": self.entity_id,
                "assertionConsumerService": {"url": self.acs, "binding": BINDING_POST},
                "singleLogoutService": {"url": base + "/sls", "binding": BINDING_REDIRECT},
                "NameIDFormat": NAMEID_EMAIL,
                "x509cert": pem_body(sp_cert) if sp_cert else "",
                "privateKey": sp_key,
            },
            "idp": {
                "entityId": self.idp + "/metadata",
                "singleSignOnService": {"url": self.idp + "/sso", "binding": BINDING_REDIRECT},
                "singleLogoutService": {"url": self.idp + "/slo", "binding": BINDING_REDIRECT},
                "x509cert": pem_body(idp_cert),
            },
            "security": {
                "authnRequestsSigned": False,
                "wantAssertionsSigned": True,
                "wantMessagesSigned": True,
                "wantNameId": True,
                "wantAttributeStatement": True,
                "rejectDeprecatedAlgorithm": True,
            },
        }
        # What logins and the ACS use; the logout pages use self.slo_settings.
        self.slo_settings = self.settings
        if judge:
            # judges.py's python3_saml_settings: the same but for these.
            self.slo_settings = copy.deepcopy(self.settings)
            del self.settings["sp"]["singleLogoutService"]
            del self.settings["idp"]["singleLogoutService"]
            self.settings["security"]["rejectDeprecatedAlgorithm"] = False
        # Browser cookie -> the ID of the AuthnRequest that browser was sent with. A response
        # consumes it, so the same response cannot be played twice.
        self.pending = {}
        # Browser cookie -> {"nameid", "format", "session_index"} of its login, or the text
        # "logged out" once a logout ended it.
        self.sessions = {}
        # Browser cookie -> the ID of the LogoutRequest that browser was sent with.
        self.logouts = {}
        self.lock = threading.Lock()

    def request_data(self, path, post_data=None, query=""):
        url = urllib.parse.urlsplit(self.base)
        return {
            "https": "off",
            "http_host": url.hostname,
            "server_port": str(url.port),
            "script_name": path,
            "get_data": dict(urllib.parse.parse_qsl(query, keep_blank_values=True)),
            "post_data": post_data or {},
            # The Redirect binding's signature is checked over the query as it arrived.
            "query_string": query,
        }

    def session(self, token):
        with self.lock:
            return self.sessions.get(token) if token else None

    def start_logout(self, token):
        """The IdP URL carrying a LogoutRequest for this browser's login, or None."""
        who = self.session(token)
        if not isinstance(who, dict):
            return None
        auth = OneLogin_Saml2_Auth(self.request_data("/logout"), self.slo_settings)
        url = auth.logout(return_to=self.base + "/", name_id=who["nameid"],
                          session_index=who["session_index"], name_id_format=who["format"])
        with self.lock:
            self.logouts[token] = auth.get_last_request_id()
        return url

    def single_logout(self, token, query):
        """python3-saml's verdict on a LogoutRequest or LogoutResponse from the IdP:
        (what happened, errors, reason, the URL to send the browser to or None)."""
        with self.lock:
            request_id = self.logouts.pop(token, None) if token else None
        auth = OneLogin_Saml2_Auth(self.request_data("/sls", query=query), self.slo_settings)
        who = self.session(token)

        def forget():
            with self.lock:
                if token:
                    self.sessions[token] = "logged out"

        try:
            url = auth.process_slo(request_id=request_id, delete_session_cb=forget)
        except Exception as e:  # python3-saml raises for a missing or undecodable message
            return None, ["exception"], str(e), None
        errors = auth.get_errors()
        if errors:
            return None, errors, auth.get_last_error_reason() or "", None
        message = dict(urllib.parse.parse_qsl(query)).get("SAMLRequest")
        if message and isinstance(who, dict):
            # python3-saml leaves it to the application to check the NameID names its login.
            xml = OneLogin_Saml2_Utils.decode_base64_and_inflate(message)
            if OneLogin_Saml2_Logout_Request.get_nameid(xml) != who["nameid"]:
                with self.lock:
                    self.sessions[token] = who
                return None, ["wrong_nameid"], "the LogoutRequest names another user", None
        return ("Logged out by the IdP" if url else "Logged out"), [], "", url

    def start_login(self, token, relay_state):
        auth = OneLogin_Saml2_Auth(self.request_data("/login"), self.settings)
        url = auth.login(return_to=relay_state)
        with self.lock:
            self.pending[token] = auth.get_last_request_id()
        return url

    def consume(self, token, post):
        """python3-saml's verdict on a posted response: (nameid or None, errors, reason, auth).
        With the judge's settings a refusal also ends the login this browser held."""
        nameid, errors, reason, auth = self.judge_response(token, post)
        if nameid is None and self.judge and token:
            with self.lock:
                self.sessions.pop(token, None)
        return nameid, errors, reason, auth

    def judge_response(self, token, post):
        with self.lock:
            request_id = self.pending.pop(token, None) if token else None
        if request_id is None and not self.allow_unsolicited:
            return None, ["no_login_in_progress"], (
                "no login was started from this browser, and this SP does not accept "
                "unsolicited (IdP-initiated) responses"), None
        auth = OneLogin_Saml2_Auth(self.request_data("/acs", post), self.settings)
        try:
            auth.process_response(request_id=request_id)
        except Exception as e:  # python3-saml raises for a missing or undecodable response
            return None, ["exception"], str(e), auth
        errors = auth.get_errors()
        if errors or not auth.is_authenticated():
            return None, errors or ["not_authenticated"], auth.get_last_error_reason() or "", auth
        with self.lock:
            self.sessions[token] = {
                "nameid": auth.get_nameid(),
                "format": auth.get_nameid_format(),
                "session_index": auth.get_session_index(),
            }
        return auth.get_nameid(), [], "", auth


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "browser-sp"
    sp = None  # set in main()

    def log_message(self, fmt, *args):
        if os.environ.get("BROWSER_SP_LOG"):
            super().log_message(fmt, *args)

    def send_page(self, title, body, status=200, headers=()):
        data = PAGE.format(title=html.escape(title), body=body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def cookie(self):
        jar = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        morsel = jar.get(COOKIE)
        return morsel.value if morsel else None

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        sp = self.sp
        if url.path == "/":
            who = sp.session(self.cookie())
            if isinstance(who, dict):
                state = "Logged in as " + who["nameid"]
            elif who:
                state = "Logged out"
            else:
                state = "Not logged in"
            self.send_page("Home", '<h1>Browser SP</h1><p id="session">' + html.escape(state) +
                           '</p><ul>'
                           '<li><a href="/login">Log in (SP-initiated)</a></li>'
                           '<li><a href="/logout">Log out (SP-initiated single logout)</a></li>'
                           '<li><a href="/idp-login">Log in from the IdP (IdP-initiated)</a></li>'
                           '<li><a href="/metadata">Metadata</a></li></ul>')
        elif url.path == "/login":
            token = self.cookie() or secrets.token_urlsafe(16)
            relay_state = query.get("RelayState", [sp.base + "/"])[0]
            location = sp.start_login(token, relay_state)
            self.send_response(302)
            self.send_header("Location", location)
            self.send_header("Set-Cookie", "%s=%s; Path=/; HttpOnly; SameSite=Lax" % (COOKIE, token))
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif url.path == "/logout":
            location = sp.start_logout(self.cookie())
            if location is None:
                self.send_page("Not logged in", '<h1 id="outcome">Not logged in</h1>', status=400)
                return
            self.redirect(location)
        elif url.path == "/sls":
            outcome, errors, reason, location = sp.single_logout(self.cookie(), url.query)
            if location:
                self.redirect(location)
            elif outcome:
                self.send_page(outcome, '<h1 id="outcome">%s</h1>' % html.escape(outcome))
            else:
                self.send_page("Logout rejected", (
                    '<h1 id="outcome">Rejected: %s</h1><p id="reason">%s</p>') % (
                        html.escape(", ".join(errors)), html.escape(reason)))
        elif url.path == "/idp-login":
            link = "%s/sso/idp-initiated?%s" % (sp.idp, urllib.parse.urlencode({"sp": sp.entity_id}))
            accepts = ("This SP accepts unsolicited responses (IdP-initiated login)."
                       if sp.allow_unsolicited else
                       "This SP rejects unsolicited responses: start at /login instead.")
            self.send_page("IdP-initiated login", (
                '<h1>IdP-initiated login</h1><p id="unsolicited">%s</p>'
                '<p>Entity ID: <span class="mono" id="entity-id">%s</span></p>'
                '<p>ACS URL: <span class="mono" id="acs-url">%s</span></p>'
                '<p><a id="start" href="%s">Log in at the IdP</a></p>') % (
                    html.escape(accepts), html.escape(sp.entity_id), html.escape(sp.acs),
                    html.escape(link)))
        elif url.path == "/metadata":
            settings = OneLogin_Saml2_Settings(sp.settings, sp_validation_only=True)
            data = settings.get_sp_metadata()
            self.send_response(200)
            self.send_header("Content-Type", "application/samlmetadata+xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        else:
            self.send_page("Not found", "<h1>Not found</h1>", status=404)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(length).decode("utf-8"), keep_blank_values=True)
        post = {name: values[0] for name, values in form.items()}
        if url.path == "/hold":
            self.send_response(204)
            self.end_headers()
            return
        if url.path != "/acs":
            self.send_page("Not found", "<h1>Not found</h1>", status=404)
            return
        nameid, errors, reason, auth = self.sp.consume(self.cookie(), post)
        if self.sp.judge:
            # The answer of the audit's other SPs: the home page after a login, 403 otherwise.
            if nameid is not None:
                self.redirect(self.sp.base + "/")
            else:
                self.send_page("Rejected", '<h1 id="outcome">Rejected: %s</h1><p id="reason">%s</p>' % (
                    html.escape(", ".join(errors)), html.escape(reason)), status=403)
            return
        if nameid is not None:
            rows = "".join(
                "<tr><th>%s</th><td class=\"mono\">%s</td></tr>" % (
                    html.escape(name), html.escape(", ".join(values)))
                for name, values in (auth.get_attributes() or {}).items())
            body = ('<h1 id="outcome">Logged in as %s</h1>'
                    '<p>Session index: <span class="mono">%s</span></p>'
                    '<table id="attributes">%s</table>') % (
                        html.escape(nameid), html.escape(auth.get_session_index() or ""), rows)
            title = "Logged in"
        else:
            body = '<h1 id="outcome">Rejected: %s</h1><p id="reason">%s</p>' % (
                html.escape(", ".join(errors)), html.escape(reason))
            title = "Rejected"
        if "RelayState" in post:
            body += '<p>RelayState: <span class="mono" id="relay-state">%s</span></p>' % (
                html.escape(post["RelayState"]))
        self.send_page(title, body)


def exit_with_parent():
    """Stop when the process that started us is gone, so a killed test run leaves nothing."""
    parent = os.getppid()
    while True:
        time.sleep(1)
        if os.getppid() != parent:
            os._exit(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--idp", required=True, help="the IdP's base URL")
    ap.add_argument("--idp-cert", required=True, help="the IdP's signing certificate (PEM file)")
    ap.add_argument("--entity-id", help="default: <this SP's URL>/metadata")
    ap.add_argument("--allow-unsolicited", action="store_true",
                    help="accept responses to no request of ours (IdP-initiated logins)")
    ap.add_argument("--judge-settings", action="store_true",
                    help="validate with exactly the settings of the python3-saml judge of "
                         "tests/scenarios/judges.py; the ACS redirects to / or answers 403")
    ap.add_argument("--sp-key", help="PEM file: the private key EncryptedAssertions are decrypted with")
    ap.add_argument("--sp-cert", help="PEM file: the certificate of --sp-key (settings sp.x509cert)")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--port", type=int, default=0)
    where.add_argument("--socket-on-stdin", action="store_true",
                       help="serve on the listening socket given as standard input")
    args = ap.parse_args()

    if (args.sp_key is None) != (args.sp_cert is None):
        ap.error("--sp-key and --sp-cert go together")
    with open(args.idp_cert, encoding="ascii") as f:
        idp_cert = f.read()
    sp_key = sp_cert = ""
    if args.sp_key:
        with open(args.sp_key, encoding="ascii") as f:
            sp_key = f.read()
        with open(args.sp_cert, encoding="ascii") as f:
            sp_cert = f.read()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler,
                                             bind_and_activate=not args.socket_on_stdin)
    if args.socket_on_stdin:
        server.socket.close()
        server.socket = socket.socket(fileno=os.dup(0))
        server.server_address = server.socket.getsockname()
    server.daemon_threads = True
    host, port = server.server_address[:2]
    base = "http://%s:%d" % (host, port)
    Handler.sp = Sp(args.idp, idp_cert, base, args.entity_id, args.allow_unsolicited,
                    judge=args.judge_settings, sp_key=sp_key, sp_cert=sp_cert)
    threading.Thread(target=exit_with_parent, daemon=True).start()
    print("browser-sp listening on " + base, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
