#!/usr/bin/env node
"use strict";
// node-saml as the judge of mock-idp's scenario catalogue.
//
// Usage: node judge.js --idp http://127.0.0.1:PORT --scenarios FILE --user ID --sp-key PEM
//
// FILE is the JSON array GET /api/scenarios returns. One SP (one SAML instance, one
// InResponseTo cache, like a long-running service) goes through the whole list: for each
// scenario node-saml builds a fresh AuthnRequest (HTTP-Redirect), the response is fetched with
// POST /api/sso and `scenario=<id>`, and node-saml validates it with secure settings (IdP
// certificate, audience, Response and Assertion signatures wanted, validateInResponseTo
// "always", 1 s of clock skew, and SP_KEY as decryptionPvk: the SP is registered with the IdP
// with the matching encryption certificate). A scenario that needs a previous login gets a valid login to
// the same SP first. One JSON line per result on stdout, as tests/scenarios/judges.py writes
// them: {"type": "library"|"verdict"|"error"|"done", "judge": "node-saml", ...}.
//
// The modules come from tests/interop/node/node_modules (`npm ci` there, which tests/run does).

const fs = require("fs");
const path = require("path");

const NODE_MODULES = path.resolve(__dirname, "..", "interop", "node", "node_modules");
const { SAML } = require(path.join(NODE_MODULES, "@node-saml", "node-saml"));
const { DOMParser } = require(path.join(NODE_MODULES, "@xmldom", "xmldom"));

const JUDGE = "node-saml";
const LIBRARY =
  "@node-saml/node-saml " +
  JSON.parse(fs.readFileSync(path.join(NODE_MODULES, "@node-saml", "node-saml", "package.json"), "utf8")).version;
const RELAY_STATE = "https://scenarios.example/app?judge=1";
const SP = { host: "node-saml-judge.example", entityId: "https://node-saml-judge.example/metadata" };
const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const NS = {
  samlp: "urn:oasis:names:tc:SAML:2.0:protocol",
  saml: "urn:oasis:names:tc:SAML:2.0:assertion",
};

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ["idp", "scenarios", "user", "sp-key"]) if (!out[k]) throw new Error(`--${k} is required`);
  return out;
}

function children(el, ns, name) {
  const out = [];
  for (let n = el ? el.firstChild : null; n; n = n.nextSibling) {
    if (n.nodeType === 1 && n.namespaceURI === ns && n.localName === name) out.push(n);
  }
  return out;
}

// The NameID and attributes of the first Assertion, as DOM text content (comments left out);
// null for a response with an EncryptedAssertion (what it says is only known once decrypted).
function xmlFacts(saml_response) {
  let doc;
  try {
    const xml = Buffer.from(saml_response, "base64").toString("utf8");
    const quiet = { warning() {}, error() {}, fatalError(e) { throw new Error(e); } };
    doc = new DOMParser({ errorHandler: quiet }).parseFromString(xml, "text/xml");
  } catch (_) {
    return null;
  }
  const root = doc && doc.documentElement;
  if (!root) return null;
  if (children(root, NS.saml, "EncryptedAssertion").length > 0) return null;
  const assertion = children(root, NS.saml, "Assertion")[0];
  if (!assertion) return { nameid: null, attributes: {} };
  const subject = children(assertion, NS.saml, "Subject")[0];
  const nameid = children(subject, NS.saml, "NameID")[0];
  const attributes = {};
  for (const statement of children(assertion, NS.saml, "AttributeStatement")) {
    for (const a of children(statement, NS.saml, "Attribute")) {
      const name = a.getAttribute("Name");
      attributes[name] = (attributes[name] || []).concat(children(a, NS.saml, "AttributeValue").map((v) => v.textContent));
    }
  }
  return { nameid: nameid ? nameid.textContent : null, attributes };
}

// A message that reads the same on every run: no port, IDs or instants; one line.
function normalise(message, base) {
  return String(message || "")
    .split(base)
    .join("<idp>")
    .replace(/ONELOGIN_[0-9a-f]+/g, "<request-id>")
    .replace(/_[0-9a-f]{16,}/g, "<id>")
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>")
    .split(/\s+/)
    .filter((w) => w)
    .join(" ")
    .slice(0, 400);
}

async function getText(url) {
  const res = await fetch(url);
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url} -> HTTP ${res.status}: ${body.slice(0, 300)}`);
  return body;
}

async function ssoApi(base, loginUrl, user, scenario) {
  const query = new URL(loginUrl).searchParams;
  const payload = {
    SAMLRequest: query.get("SAMLRequest"),
    RelayState: query.get("RelayState") || RELAY_STATE,
    binding: "redirect",
    user,
    scenario,
  };
  const res = await fetch(base + "/api/sso", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(payload),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`POST /api/sso (scenario ${scenario}) -> HTTP ${res.status}: ${body.slice(0, 500)}`);
  return JSON.parse(body);
}

function valuesOf(v) {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => (typeof x === "string" ? x : JSON.stringify(x)));
}

async function judge(saml, answer) {
  try {
    const { profile } = await saml.validatePostResponseAsync({
      SAMLResponse: answer.SAMLResponse,
      RelayState: answer.RelayState,
    });
    if (!profile) return { verdict: "rejected", message: "no profile returned (not logged in)" };
    const attributes = {};
    for (const [k, v] of Object.entries(profile.attributes || {})) attributes[k] = valuesOf(v);
    return { verdict: "accepted", message: "", nameid: profile.nameID, attributes };
  } catch (err) {
    const message = String(err && err.message ? err.message : err) || "rejected without a message";
    return { verdict: "rejected", message };
  }
}

async function login(saml, base, user, scenario) {
  const url = await saml.getAuthorizeUrlAsync(RELAY_STATE, undefined, {});
  const answer = await ssoApi(base, url, user, scenario);
  const result = await judge(saml, answer);
  result.message = normalise(result.message, base);
  result.xml = xmlFacts(answer.SAMLResponse || "");
  return result;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const base = args.idp.replace(/\/+$/, "");
  const scenarios = JSON.parse(fs.readFileSync(args.scenarios, "utf8"));
  const cert = await getText(base + "/certs/idp.crt");
  const saml = new SAML({
    callbackUrl: `https://${SP.host}/acs`,
    entryPoint: base + "/sso",
    issuer: SP.entityId,
    audience: SP.entityId,
    idpCert: cert,
    idpIssuer: base + "/metadata",
    identifierFormat: EMAIL_FORMAT,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo: "always",
    acceptedClockSkewMs: 1000,
    authnRequestBinding: "HTTP-Redirect",
    decryptionPvk: fs.readFileSync(args["sp-key"], "utf8"),
  });
  emit({ type: "library", judge: JUDGE, library: LIBRARY });
  for (const s of scenarios) {
    const started = process.hrtime.bigint();
    try {
      let prior = null;
      if (s.needs_previous_login) {
        const first = await login(saml, base, args.user, "valid");
        prior = { verdict: first.verdict, message: first.message };
      }
      const result = await login(saml, base, args.user, s.id);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      emit({ ...result, type: "verdict", judge: JUDGE, scenario: s.id, prior, seconds: Math.round(seconds * 1000) / 1000 });
    } catch (err) {
      emit({
        type: "error",
        judge: JUDGE,
        scenario: s.id,
        error: String(err && err.message ? err.message : err),
        traceback: err && err.stack ? String(err.stack) : null,
      });
    }
  }
  emit({ type: "done", judge: JUDGE });
}

main().catch((err) => {
  emit({ type: "error", judge: JUDGE, scenario: null, error: String(err && err.message ? err.message : err), traceback: err && err.stack ? String(err.stack) : null });
  process.exitCode = 1;
});
