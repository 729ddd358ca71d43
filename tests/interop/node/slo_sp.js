#!/usr/bin/env node
"use strict";
// Single logout with @node-saml/node-saml as the service provider, against a running mock-idp.
//
// Usage: node slo_sp.js --idp http://127.0.0.1:PORT --keys DIR [--post-logout]
//
// The server must run with tests/fixtures/slo/sps.yaml, which registers this SP
// (https://node-sp.example/metadata, logout URL https://node-sp.example/slo, the certificate
// DIR/node-sp.crt). node-saml signs its AuthnRequests, LogoutRequests and LogoutResponses with
// DIR/node-sp.key, trusts the IdP certificate from /certs/idp.crt and the IdP's issuer, and
// checks InResponseTo always.
//
// Each case logs the user in first (a one-shot /select preselection, then node-saml's own
// AuthnRequest; validatePostResponseAsync gives the NameID and SessionIndex), then:
// - "sp-initiated": getLogoutUrlAsync builds the signed Redirect LogoutRequest, the browser
//   carries it to /slo, and validateRedirectAsync judges mock-idp's LogoutResponse;
// - "sp-initiated-post": the same LogoutRequest signed with an enveloped signature
//   (node-saml's signSamlPost) and POSTed; mock-idp answers by HTTP-POST and
//   validatePostResponseAsync judges the LogoutResponse. It reads InResponseTo from a
//   samlp:Response root only, so this SP checks it "ifPresent" (which then checks nothing);
// - "idp-initiated": POST /slo/idp-initiated, validateRedirectAsync judges mock-idp's
//   LogoutRequest and, when it is accepted, getLogoutResponseUrlAsync's answer goes to /slo.
// - with --post-logout (the server running tests/fixtures/slo/sps-post.yaml), only
//   "idp-initiated-post": the LogoutRequest comes as a form, and validatePostRequestAsync
//   judges it.
// node-saml returns the LogoutRequest's NameID and SessionIndex and leaves comparing them with
// the SP's session to the application; that check is reported apart ("app_accepted").
//
// One JSON line per case, as tests/interop/python/slo_sp.py prints them.

const fs = require("fs");
const path = require("path");
const http = require("http");
const zlib = require("zlib");
const { SAML } = require("@node-saml/node-saml");
const { signSamlPost } = require("@node-saml/node-saml/lib/saml-post-signing");

const SP = "https://node-sp.example";
const RELAY = "https://node-sp.example/after-logout?from=slo";
const USER = "alice";
const REQUEST_SCENARIOS = ["slo-unsigned", "slo-bad-signature", "slo-wrong-session-index", "slo-wrong-nameid", "slo-expired"];
const RESPONSE_SCENARIOS = ["slo-unsigned", "slo-bad-signature", "slo-status-failure", "slo-wrong-in-response-to"];

function arg(name) {
  const i = process.argv.indexOf(name);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`missing ${name}`);
  return process.argv[i + 1];
}

// Keeps cookies by name (one host), follows no redirect.
class Browser {
  constructor() {
    this.cookies = {};
  }

  send(method, url, fields) {
    const body = fields ? new URLSearchParams(fields).toString() : null;
    const headers = {};
    if (body !== null) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      headers["content-length"] = Buffer.byteLength(body);
    }
    const jar = Object.entries(this.cookies).map(([k, v]) => `${k}=${v}`);
    if (jar.length) headers.cookie = jar.join("; ");
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (text += c));
        res.on("end", () => {
          for (const raw of res.headers["set-cookie"] || []) {
            const [pair] = raw.split(";");
            const at = pair.indexOf("=");
            const name = pair.slice(0, at);
            const value = pair.slice(at + 1);
            if (value === "" || raw.includes("Max-Age=0")) delete this.cookies[name];
            else this.cookies[name] = value;
          }
          resolve({ status: res.statusCode, location: res.headers.location, text });
        });
      });
      req.on("error", reject);
      if (body !== null) req.write(body);
      req.end();
    });
  }
}

function hidden(html, name) {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) return null;
  return m[1]
    .replace(/&#x3D;/g, "=")
    .replace(/&#x27;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

function newCase(name, flow, scenario) {
  const out = {
    case: name,
    flow,
    scenario,
    library_accepted: null,
    library_error: null,
    app_accepted: null,
    idp_result: null,
    checks: [],
  };
  const check = (n, ok, detail) => {
    out.checks.push({ name: n, ok: Boolean(ok), detail: detail === undefined ? "" : String(detail) });
    return ok;
  };
  return { out, check };
}

function sp(idp, idpCert, key, validateInResponseTo = "always") {
  return new SAML({
    callbackUrl: SP + "/acs",
    entryPoint: idp + "/sso",
    logoutUrl: idp + "/slo",
    issuer: SP + "/metadata",
    audience: SP + "/metadata",
    idpCert,
    idpIssuer: idp + "/metadata",
    privateKey: key,
    signatureAlgorithm: "sha256",
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo,
    acceptedClockSkewMs: 1000,
  });
}

async function login(idp, saml, browser, check) {
  const pre = await browser.send("GET", `${idp}/select?user=${USER}`);
  check("preselect the user", pre.status === 200, pre.status);
  const url = await saml.getAuthorizeUrlAsync("", undefined, {});
  const page = await browser.send("GET", url);
  const response = hidden(page.text, "SAMLResponse");
  if (!check("the IdP answers the AuthnRequest with a SAMLResponse", page.status === 200 && response, page.status)) {
    throw new Error(page.text.slice(0, 500));
  }
  const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: response });
  check("node-saml accepts the login", profile && profile.nameID, profile && profile.nameID);
  return profile;
}

function queryOf(location) {
  const raw = location.slice(location.indexOf("?") + 1);
  return { raw, container: Object.fromEntries(new URLSearchParams(raw)) };
}

async function spInitiated(idp, idpCert, key, scenario) {
  const { out, check } = newCase(`sp-initiated ${scenario || "valid"}`, "sp-initiated", scenario || "valid");
  const saml = sp(idp, idpCert, key);
  const browser = new Browser();
  const profile = await login(idp, saml, browser, check);
  if (scenario) {
    const r = await browser.send("GET", `${idp}/slo/select?scenario=${scenario}`);
    check("choose the logout scenario", r.status === 200, r.status);
  }
  const url = await saml.getLogoutUrlAsync(profile, RELAY, {});
  check("node-saml signs its LogoutRequest", url.includes("&Signature="), url.slice(0, 120));
  const r = await browser.send("GET", url);
  if (!check("the IdP answers with a redirect to the SP's logout URL", r.status === 302 && r.location && r.location.startsWith(SP + "/slo?"), `${r.status} ${r.location} ${r.text.slice(0, 300)}`)) {
    return out;
  }
  const { raw, container } = queryOf(r.location);
  check("RelayState comes back", container.RelayState === RELAY, container.RelayState);
  try {
    const result = await saml.validateRedirectAsync(container, raw);
    out.library_accepted = Boolean(result.loggedOut);
  } catch (err) {
    out.library_accepted = false;
    out.library_error = String(err && err.message ? err.message : err);
  }
  out.app_accepted = out.library_accepted;
  out.idp_result = "mock_idp_session" in browser.cookies ? "session cookie kept" : "logged out";
  return out;
}

const LOGOUT_REQUEST_XPATH =
  '/*[local-name(.)="LogoutRequest" and namespace-uri(.)="urn:oasis:names:tc:SAML:2.0:protocol"]';

async function spInitiatedPost(idp, idpCert, key, scenario) {
  const { out, check } = newCase(`sp-initiated-post ${scenario || "valid"}`, "sp-initiated", scenario || "valid");
  const saml = sp(idp, idpCert, key);
  const browser = new Browser();
  const profile = await login(idp, saml, browser, check);
  if (scenario) {
    const r = await browser.send("GET", `${idp}/slo/select?scenario=${scenario}`);
    check("choose the logout scenario", r.status === 200, r.status);
  }
  const url = new URL(await saml.getLogoutUrlAsync(profile, RELAY, {}));
  const xml = zlib.inflateRawSync(Buffer.from(url.searchParams.get("SAMLRequest"), "base64")).toString("utf8");
  const signed = signSamlPost(xml, LOGOUT_REQUEST_XPATH, {
    privateKey: key,
    signatureAlgorithm: "sha256",
    digestAlgorithm: "sha256",
  });
  const r = await browser.send("POST", `${idp}/slo`, {
    SAMLRequest: Buffer.from(signed, "utf8").toString("base64"),
    RelayState: RELAY,
  });
  const response = hidden(r.text, "SAMLResponse");
  const action = /<form id="saml-post" method="post" action="([^"]*)"/.exec(r.text);
  if (!check("the IdP answers with a form posting to the SP's logout URL", r.status === 200 && response && action && action[1] === SP + "/slo", `${r.status} ${r.text.slice(0, 300)}`)) {
    return out;
  }
  check("RelayState comes back", hidden(r.text, "RelayState") === RELAY, hidden(r.text, "RelayState"));
  try {
    const result = await sp(idp, idpCert, key, "ifPresent").validatePostResponseAsync({ SAMLResponse: response });
    out.library_accepted = Boolean(result.loggedOut);
  } catch (err) {
    out.library_accepted = false;
    out.library_error = String(err && err.message ? err.message : err);
  }
  out.app_accepted = out.library_accepted;
  out.idp_result = "mock_idp_session" in browser.cookies ? "session cookie kept" : "logged out";
  return out;
}

async function idpInitiated(idp, idpCert, key, scenario) {
  const { out, check } = newCase(`idp-initiated ${scenario || "valid"}`, "idp-initiated", scenario || "valid");
  const saml = sp(idp, idpCert, key);
  const browser = new Browser();
  const profile = await login(idp, saml, browser, check);
  const r = await browser.send("POST", `${idp}/slo/idp-initiated`, { scenario: scenario || "" });
  if (!check("the IdP sends a LogoutRequest to the SP's logout URL", r.status === 302 && r.location && r.location.startsWith(SP + "/slo?SAMLRequest="), `${r.status} ${r.location} ${r.text.slice(0, 300)}`)) {
    return out;
  }
  const { raw, container } = queryOf(r.location);
  let request = null;
  try {
    request = await saml.validateRedirectAsync(container, raw);
    out.library_accepted = Boolean(request.loggedOut);
  } catch (err) {
    out.library_accepted = false;
    out.library_error = String(err && err.message ? err.message : err);
  }
  // What node-saml leaves to the application: is this the session the SP holds?
  const same =
    request &&
    request.profile &&
    request.profile.nameID === profile.nameID &&
    (!request.profile.sessionIndex || request.profile.sessionIndex === profile.sessionIndex);
  out.app_accepted = Boolean(out.library_accepted && same);
  let ok;
  if (out.app_accepted) {
    const answer = await saml.getLogoutResponseUrlAsync(request.profile, "", {}, true);
    check("node-saml answers with a LogoutResponse to the IdP", answer.startsWith(`${idp}/slo?SAMLResponse=`), answer);
    const summary = await browser.send("GET", answer);
    ok = summary.status === 200 && summary.text.includes(">success<");
    out.idp_result = ok ? "success" : `unexpected: ${summary.status} ${summary.text.slice(0, 300)}`;
  } else {
    // The SP does not answer a LogoutRequest it refuses; the tester gives up on it.
    const summary = await browser.send("POST", `${idp}/slo/finish`);
    ok = summary.status === 200 && summary.text.includes(">no answer<");
    out.idp_result = ok ? "no answer" : `unexpected: ${summary.status} ${summary.text.slice(0, 300)}`;
  }
  check("the IdP's summary says what the SP did", ok, out.idp_result);
  return out;
}

// The SP registered with `slo_binding: post` (tests/fixtures/slo/sps-post.yaml): mock-idp's
// LogoutRequest arrives as an auto-submitting form, and validatePostRequestAsync judges it (it
// requires an enveloped signature that verifies with the IdP certificate).
async function idpInitiatedPost(idp, idpCert, key, scenario) {
  const { out, check } = newCase(`idp-initiated-post ${scenario || "valid"}`, "idp-initiated", scenario || "valid");
  const saml = sp(idp, idpCert, key);
  const browser = new Browser();
  const profile = await login(idp, saml, browser, check);
  const r = await browser.send("POST", `${idp}/slo/idp-initiated`, { scenario: scenario || "" });
  const request = hidden(r.text, "SAMLRequest");
  const action = /<form id="saml-post" method="post" action="([^"]*)"/.exec(r.text);
  if (!check("the IdP posts a LogoutRequest to the SP's logout URL", r.status === 200 && request && action && action[1] === SP + "/slo", `${r.status} ${r.location} ${r.text.slice(0, 300)}`)) {
    return out;
  }
  let judged = null;
  try {
    judged = await saml.validatePostRequestAsync({ SAMLRequest: request });
    out.library_accepted = Boolean(judged.loggedOut);
  } catch (err) {
    out.library_accepted = false;
    out.library_error = String(err && err.message ? err.message : err);
  }
  const same =
    judged &&
    judged.profile &&
    judged.profile.nameID === profile.nameID &&
    (!judged.profile.sessionIndex || judged.profile.sessionIndex === profile.sessionIndex);
  out.app_accepted = Boolean(out.library_accepted && same);
  let ok;
  if (out.app_accepted) {
    const answer = await saml.getLogoutResponseUrlAsync(judged.profile, "", {}, true);
    const summary = await browser.send("GET", answer);
    ok = summary.status === 200 && summary.text.includes(">success<");
    out.idp_result = ok ? "success" : `unexpected: ${summary.status} ${summary.text.slice(0, 300)}`;
  } else {
    const summary = await browser.send("POST", `${idp}/slo/finish`);
    ok = summary.status === 200 && summary.text.includes(">no answer<");
    out.idp_result = ok ? "no answer" : `unexpected: ${summary.status} ${summary.text.slice(0, 300)}`;
  }
  check("the IdP's summary says what the SP did", ok, out.idp_result);
  return out;
}

async function main() {
  const idp = arg("--idp");
  const keys = arg("--keys");
  const key = fs.readFileSync(path.join(keys, "node-sp.key"), "ascii");
  const certPage = await new Browser().send("GET", `${idp}/certs/idp.crt`);
  const idpCert = certPage.text;
  const runs = process.argv.includes("--post-logout")
    ? [null, "slo-unsigned", "slo-bad-signature"].map((s) => [idpInitiatedPost, s])
    : [
    [spInitiated, null],
    [idpInitiated, null],
    ...RESPONSE_SCENARIOS.map((s) => [spInitiated, s]),
    ...[null, ...RESPONSE_SCENARIOS].map((s) => [spInitiatedPost, s]),
    ...REQUEST_SCENARIOS.map((s) => [idpInitiated, s]),
  ];
  let failed = false;
  for (const [run, scenario] of runs) {
    let out;
    try {
      out = await run(idp, idpCert, key, scenario);
    } catch (err) {
      failed = true;
      out = { case: `${run.name} ${scenario}`, error: String(err && err.message), stack: String(err && err.stack) };
    }
    console.log(JSON.stringify(out));
  }
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
