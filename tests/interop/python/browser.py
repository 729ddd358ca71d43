"""A minimal browser for walking mock-idp's HTML pages.

It does what a person's browser does with the picker and the auto-post page: it parses the
forms, sends every successful control of the form (hidden inputs, checked boxes, selected
options) plus the clicked submit button, and follows no JavaScript. Only the standard library
is used, so the module works in any Python 3 that the drivers run under.
"""

import base64
import html as html_lib
import json
import re
import urllib.error
import urllib.parse
import urllib.request
import zlib
from html.parser import HTMLParser

SSO_LOGIN_PATH = "/sso/login"


class HttpError(Exception):
    def __init__(self, method, url, status, body):
        super().__init__("%s %s -> HTTP %s: %s" % (method, url, status, body[:500]))
        self.status = status
        self.body = body


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def http(method, url, data=None, content_type=None, timeout=30):
    """Send one request; return (status, headers, body text). Redirects are not followed."""
    headers = {"Accept": "text/html,application/json;q=0.9,*/*;q=0.8"}
    if content_type:
        headers["Content-Type"] = content_type
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode("utf-8", "replace")


def get_ok(url):
    status, _, body = http("GET", url)
    if status != 200:
        raise HttpError("GET", url, status, body)
    return body


def post_form(url, fields):
    data = urllib.parse.urlencode(fields).encode("ascii")
    status, _, body = http("POST", url, data, "application/x-www-form-urlencoded")
    if status != 200:
        raise HttpError("POST", url, status, body)
    return body


def post_json(url, payload):
    data = json.dumps(payload).encode("utf-8")
    status, _, body = http("POST", url, data, "application/json")
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    return status, parsed, body


class Form:
    def __init__(self, method, action):
        self.method = method
        self.action = action
        self.fields = []  # (name, value) pairs that a browser submits by default
        self.hidden = {}
        self.buttons = []  # (name, value) of submit buttons
        self._select = None

    def submission(self, button_name, button_value, overrides=None):
        """The body a browser sends when the given submit button is clicked."""
        if (button_name, button_value) not in self.buttons:
            raise ValueError(
                "form %s has no submit button %s=%r (buttons: %r)"
                % (self.action, button_name, button_value, self.buttons)
            )
        overrides = dict(overrides or {})
        out = []
        for name, value in self.fields:
            if name in overrides:
                continue
            out.append((name, value))
        for name, value in overrides.items():
            out.append((name, value))
        out.append((button_name, button_value))
        return out


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms = []
        self._form = None
        self._in_option = False
        self._option_value = None
        self._option_selected = False
        self._option_text = ""
        self._select_name = None
        self._select_first = None
        self._select_chosen = None
        self._button = None

    def handle_starttag(self, tag, attrs):
        # HTMLParser has already resolved character references in attribute values
        # (&amp; &lt; &gt; &quot; &#x27; &#x60; &#x3D; ...).
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("method", "get").lower(), a.get("action", ""))
            self.forms.append(self._form)
            return
        form = self._form
        if form is None:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            name = a.get("name")
            if not name or "disabled" in a:
                return
            value = a.get("value", "")
            if kind == "hidden":
                form.hidden[name] = value
                form.fields.append((name, value))
            elif kind in ("submit", "image"):
                form.buttons.append((name, value))
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.append((name, value or "on"))
            elif kind not in ("button", "reset", "file"):
                form.fields.append((name, value))
        elif tag == "button":
            kind = a.get("type", "submit").lower()
            if kind == "submit" and a.get("name") and "disabled" not in a:
                form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select_name = a.get("name")
            self._select_first = None
            self._select_chosen = None
        elif tag == "option" and self._select_name:
            self._in_option = True
            self._option_value = a.get("value")
            self._option_selected = "selected" in a
            self._option_text = ""
        elif tag == "textarea" and a.get("name"):
            form.fields.append((a["name"], ""))

    def handle_data(self, data):
        if self._in_option:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "option" and self._in_option:
            self._in_option = False
            value = self._option_value if self._option_value is not None else self._option_text.strip()
            if self._select_first is None:
                self._select_first = value
            if self._option_selected and self._select_chosen is None:
                self._select_chosen = value
            self._option_value = None
            self._option_selected = False
        elif tag == "select" and self._select_name:
            chosen = self._select_chosen if self._select_chosen is not None else self._select_first
            if self._form is not None and chosen is not None:
                self._form.fields.append((self._select_name, chosen))
            self._select_name = None
        elif tag == "form":
            self._form = None


def parse_forms(html):
    parser = _FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def find_form(html, action=None, method="post"):
    for form in parse_forms(html):
        if form.method == method and (action is None or form.action == action):
            return form
    raise ValueError(
        "no <form method=%r action=%r> in page:\n%s" % (method, action, html[:2000])
    )


def redirect_encode(xml):
    """HTTP-Redirect binding: raw DEFLATE, then base64."""
    raw = xml.encode("utf-8") if isinstance(xml, str) else xml
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.b64encode(comp.compress(raw) + comp.flush()).decode("ascii")


def post_encode(xml):
    raw = xml.encode("utf-8") if isinstance(xml, str) else xml
    return base64.b64encode(raw).decode("ascii")


def _overrides(sign=None, algorithm=None, choices=None):
    """The picker fields a tester changes: sign, algorithm and any other per-login choice."""
    out = dict(choices or {})
    if sign is not None:
        out["sign"] = sign
    if algorithm is not None:
        out["algorithm"] = algorithm
    return out


def read_autopost(page):
    """The auto-post page's form: where it posts and the fields it carries."""
    for form in parse_forms(page):
        if form.method == "post" and "SAMLResponse" in form.hidden:
            return form
    raise ValueError("no auto-post form with SAMLResponse in page:\n%s" % page[:2000])


def login_via_picker(base, picker_html, user, sign=None, algorithm=None, choices=None):
    """Click the user's button on the picker, then read the auto-post page.

    `choices` sets other picker fields (style, digest, name_id_format, authn_context), as a
    person changing those drop-downs does; the rest keep the values the page selected.
    Returns a dict with the ACS URL the page posts to, SAMLResponse and RelayState as the
    browser would send them, and the picker's hidden fields.
    """
    picker = find_form(picker_html, SSO_LOGIN_PATH)
    body = picker.submission("user", user, _overrides(sign, algorithm, choices))
    action = urllib.parse.urljoin(base + "/", picker.action)
    autopost = read_autopost(post_form(action, body))
    return {
        "acs_url": autopost.action,
        "SAMLResponse": autopost.hidden["SAMLResponse"],
        "RelayState": autopost.hidden.get("RelayState"),
        "post_fields": dict(autopost.fields),
        "picker_hidden": picker.hidden,
        "picker_fields": dict(picker.fields),
        "picker_users": [v for n, v in picker.buttons if n == "user"],
        "picker_warnings": warnings_of(picker_html),
    }


def signature_verdict(page):
    """The picker's request-signature line: (verdict, the text after it), or None."""
    m = re.search(r'<p class="signature" data-verdict="([^"]*)">(.*?)</p>', page, re.S)
    if m is None:
        return None
    text = html_lib.unescape(re.sub(r"<[^>]*>", "", m.group(2))).strip()
    return m.group(1), text


def warnings_of(page):
    """The warning paragraphs of a picker page, as text."""
    out = []
    for m in re.finditer(r'<p class="warn">(.*?)</p>', page, re.S):
        out.append(html_lib.unescape(re.sub(r"<[^>]*>", "", m.group(1))).strip())
    return out


def sso_redirect(base, redirect_url, user, sign=None, algorithm=None, choices=None, path="/sso"):
    """Follow the SP's HTTP-Redirect URL to the IdP's SSO endpoint, then log in on the picker."""
    if not redirect_url.startswith(base + path + "?"):
        raise ValueError("redirect URL %r does not point at %s%s" % (redirect_url, base, path))
    picker_html = get_ok(redirect_url)
    return login_via_picker(base, picker_html, user, sign, algorithm, choices)


def sso_post(base, authn_request_xml, relay_state, user, sign=None, algorithm=None, choices=None,
             path="/sso"):
    """POST the AuthnRequest (HTTP-POST binding) to the SSO endpoint, then log in on the picker."""
    fields = {"SAMLRequest": post_encode(authn_request_xml)}
    if relay_state is not None:
        fields["RelayState"] = relay_state
    picker_html = post_form(base + path, fields)
    return login_via_picker(base, picker_html, user, sign, algorithm, choices)


def idp_initiated(base, entity_id, relay_state, user, sign=None, algorithm=None, choices=None):
    """Open the IdP-initiated link of a registered SP, then log in on the picker."""
    query = {"sp": entity_id}
    if relay_state is not None:
        query["RelayState"] = relay_state
    picker_html = get_ok(base + "/sso/idp-initiated?" + urllib.parse.urlencode(query))
    return login_via_picker(base, picker_html, user, sign, algorithm, choices)


def sso_api(base, saml_request, relay_state, binding, user, sign=None, algorithm=None, choices=None):
    payload = {"SAMLRequest": saml_request, "user": user}
    if relay_state is not None:
        payload["RelayState"] = relay_state
    if binding is not None:
        payload["binding"] = binding
    payload.update(_overrides(sign, algorithm, choices))
    status, parsed, body = post_json(base + "/api/sso", payload)
    if status != 200 or not isinstance(parsed, dict):
        raise HttpError("POST", base + "/api/sso", status, body)
    return parsed


def idp_initiated_api(base, entity_id, relay_state, user, sign=None, algorithm=None, choices=None):
    payload = {"sp": entity_id, "user": user}
    if relay_state is not None:
        payload["RelayState"] = relay_state
    payload.update(_overrides(sign, algorithm, choices))
    status, parsed, body = post_json(base + "/api/idp-initiated", payload)
    if status != 200 or not isinstance(parsed, dict):
        raise HttpError("POST", base + "/api/idp-initiated", status, body)
    return parsed
