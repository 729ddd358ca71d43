"""A deliberately careless service provider, for the tests of `mock-idp audit`: the SP an audit
must find guilty. It checks no signature, no time, no audience, no destination and no
InResponseTo; it believes the first Assertion it finds.

Usage: careless_sp.py --idp http://IDP-BASE [--entity-id ID] [--port N]

Only the standard library is used. Pages:

  GET  /       "Logged in as <NameID>" (HTML-escaped) or "Not logged in", status 200
  GET  /login  302 to <idp>/sso?SAMLRequest=... : a minimal AuthnRequest (a fresh ID, Issuer
               this SP's entity ID, AssertionConsumerServiceURL this SP's /acs), deflated,
               base64'd and URL-encoded (HTTP-Redirect binding); the query's RelayState, if
               any, goes along
  POST /acs    base64-decodes the form's SAMLResponse and parses it (xml.dom.minidom); takes
               the NameID of the first saml:Assertion element in document order anywhere in
               the document (so a wrapped or forged assertion wins), reading only the NameID's
               first text node (so a comment inside it truncates it); accepts when the
               Response's own Status is Success or absent. Accepted: sets the session cookie
               and redirects (302) to /. Refused: 403 "Rejected: <why>". Not base64, not XML
               or no SAMLResponse at all: 400. A POST /acs ends the login the browser held
               unless it logs it in again.

With --bounce, GET / sends a browser that is not logged in to /login (and so on to the IdP).
With --stop-after N the process exits once it has answered N posts to /acs, as a crashed SP.

The SP listens on 127.0.0.1 (a free port unless --port is given), over HTTPS with
--tls-cert and --tls-key, and prints one line when it is ready:
"careless-sp listening on http(s)://127.0.0.1:<port>". It stops when the process that
started it is gone.
"""

import argparse
import base64
import ssl
import datetime
import html
import http.cookies
import http.server
import os
import secrets
import sys
import threading
import time
import urllib.parse
import uuid
import zlib
from xml.dom import minidom

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
BINDING_POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
COOKIE = "careless_sp_login"
MAX_BODY = 8 * 1024 * 1024

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>careless SP</title></head>
<body>
<p id="session">{text}</p>
</body>
</html>
"""


class BadRequest(Exception):
    """The posted response is not something this SP can even read."""


def authn_request(idp, entity_id, acs):
    """The deflated, base64'd AuthnRequest for the Redirect binding (not yet URL-encoded)."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    xml = (
        '<samlp:AuthnRequest xmlns:samlp="%s" xmlns:saml="%s" ID="_%s" Version="2.0" '
        'IssueInstant="%s" Destination="%s" ProtocolBinding="%s" '
        'AssertionConsumerServiceURL="%s"><saml:Issuer>%s</saml:Issuer></samlp:AuthnRequest>'
    ) % (SAMLP, SAML, uuid.uuid4().hex, now, html.escape(idp + "/sso"), BINDING_POST,
         html.escape(acs), html.escape(entity_id, quote=False))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = deflate.compress(xml.encode("utf-8")) + deflate.flush()
    return base64.b64encode(raw).decode("ascii")


def first_text(node):
    """The first text node among the element's children, or "" (a careless reading)."""
    for child in node.childNodes:
        if child.nodeType in (child.TEXT_NODE, child.CDATA_SECTION_NODE):
            return child.data
    return ""


def verdict(saml_response):
    """(NameID, None) for a response this SP believes, (None, why) for one it refuses.
    Raises BadRequest when the response cannot be read at all."""
    try:
        raw = base64.b64decode(saml_response)
    except Exception as e:
        raise BadRequest("SAMLResponse is not base64: %s" % e) from e
    try:
        doc = minidom.parseString(raw)
    except Exception as e:
        raise BadRequest("SAMLResponse is not XML: %s" % e) from e
    root = doc.documentElement
    for child in root.childNodes:
        if child.nodeType == child.ELEMENT_NODE and child.namespaceURI == SAMLP \
                and child.localName == "Status":
            codes = child.getElementsByTagNameNS(SAMLP, "StatusCode")
            value = codes[0].getAttribute("Value") if codes else ""
            if value != SUCCESS:
                return None, "status %s" % (value or "(none)")
            break
    assertions = doc.getElementsByTagNameNS(SAML, "Assertion")
    if not assertions:
        return None, "no Assertion"
    nameids = assertions[0].getElementsByTagNameNS(SAML, "NameID")
    if not nameids:
        return None, "no NameID in the first Assertion"
    return first_text(nameids[0]), None


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "careless-sp"
    idp = None  # set in main()
    base = None
    entity_id = None
    sessions = {}  # session cookie -> NameID
    lock = threading.Lock()
    # --bounce: GET / sends a browser that is not logged in to /login.
    bounce = False
    # --stop-after: the process ends after answering this many posts to /acs (None: never).
    acs_left = None

    def log_message(self, fmt, *args):
        if os.environ.get("CARELESS_SP_LOG"):
            super().log_message(fmt, *args)

    def send_page(self, text, status=200, headers=()):
        data = PAGE.format(text=html.escape(text)).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location, headers=()):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()

    def cookie(self):
        try:
            jar = http.cookies.SimpleCookie(self.headers.get("Cookie", ""))
        except http.cookies.CookieError:
            return None
        morsel = jar.get(COOKIE)
        return morsel.value if morsel else None

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/":
            token = self.cookie()
            with self.lock:
                who = self.sessions.get(token) if token else None
            if who is None and self.bounce:
                # As many SPs do: a page for logged-in users sends anyone else to log in.
                self.redirect(self.base + "/login")
                return
            self.send_page("Logged in as " + who if who is not None else "Not logged in")
        elif url.path == "/login":
            query = dict(urllib.parse.parse_qsl(url.query))
            params = {"SAMLRequest": authn_request(self.idp, self.entity_id, self.base + "/acs")}
            if query.get("RelayState"):
                params["RelayState"] = query["RelayState"]
            self.redirect(self.idp + "/sso?" + urllib.parse.urlencode(params))
        else:
            self.send_page("Not found", status=404)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path != "/acs":
            self.send_page("Not found", status=404)
            return
        try:
            self.consume()
        finally:
            with Handler.lock:
                if Handler.acs_left is not None:
                    Handler.acs_left -= 1
                    if Handler.acs_left <= 0:
                        # A crashed SP: the connection closes, nothing answers any more.
                        self.wfile.flush()
                        os._exit(0)

    def consume(self):
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.send_page("Bad request: no readable body", status=400)
            return
        token = self.cookie()
        if token:
            with self.lock:
                self.sessions.pop(token, None)
        try:
            body = self.rfile.read(length).decode("utf-8")
            form = urllib.parse.parse_qs(body, keep_blank_values=True)
            if "SAMLResponse" not in form:
                raise BadRequest("no SAMLResponse")
            nameid, why = verdict(form["SAMLResponse"][0])
        except (BadRequest, UnicodeDecodeError, ValueError) as e:
            self.send_page("Bad request: %s" % e, status=400)
            return
        except Exception as e:  # whatever else the parser may raise on garbage
            self.send_page("Bad request: %s: %s" % (type(e).__name__, e), status=400)
            return
        if nameid is None:
            self.send_page("Rejected: " + why, status=403)
            return
        token = secrets.token_urlsafe(18)
        with self.lock:
            self.sessions[token] = nameid
        self.redirect(self.base + "/", [("Set-Cookie", "%s=%s; Path=/; HttpOnly" % (COOKIE, token))])


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
    ap.add_argument("--entity-id", help="default: <this SP's URL>/metadata")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM) and --tls-key")
    ap.add_argument("--tls-key")
    ap.add_argument("--bounce", action="store_true",
                    help="GET / redirects a browser that is not logged in to /login")
    ap.add_argument("--stop-after", type=int, metavar="N",
                    help="exit after answering N posts to /acs (an SP that crashes)")
    args = ap.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    scheme = "http"
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    host, port = server.server_address[:2]
    base = "%s://%s:%d" % (scheme, host, port)
    Handler.idp = args.idp.rstrip("/")
    Handler.base = base
    Handler.entity_id = args.entity_id or base + "/metadata"
    Handler.acs_left = args.stop_after
    Handler.bounce = args.bounce
    threading.Thread(target=exit_with_parent, daemon=True).start()
    print("careless-sp listening on " + base, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
