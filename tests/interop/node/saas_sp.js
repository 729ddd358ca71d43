// @node-saml/node-saml set up as each SaaS product of python/saas.py documents it, against a
// running mock-idp (tests/fixtures/sps/saas-presets.yaml under --strict).
//
// Usage: node saas_sp.js --idp http://127.0.0.1:PORT --scenario PRESET --expect JSON
//                        --other-cert PEM --products JSON
//
// --products is python/saas.py's table (the Rust test passes it), so both libraries are set up
// from the same values. For the product PRESET: SP-initiated, node-saml's own HTTP-Redirect
// AuthnRequest goes to POST /api/sso and the response is validated with validateInResponseTo
// "always"; IdP-initiated, POST /api/idp-initiated without RelayState must bring the SP's
// registered RelayState intact and node-saml (validateInResponseTo "ifPresent") accepts the
// unsolicited response; AuthnRequests naming the ACS with another query are refused under
// --strict; another IdP certificate refuses the accepted response. node-saml trusts a
// certificate only (it has no fingerprint setting), so Zendesk and Zammad are given the
// certificate. One JSON verdict line on stdout, as sp.js prints.
"use strict";

const fs = require("fs");
const zlib = require("zlib");
const { DOMParser } = require("@xmldom/xmldom");
const { SAML } = require("@node-saml/node-saml");
const browser = require("./browser");
const { LIBRARY, RELAY_STATE, FORMATS, NS, parseArgs, same, child } = require("./common");

const RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

const arrayOf = (v) => (v === undefined || v === null ? null : Array.isArray(v) ? v : [v]);

// What the IdP sent, read independently of node-saml.
function responseFacts(xml) {
  const root = new DOMParser().parseFromString(xml, "text/xml").documentElement;
  const assertion = child(root, NS.saml, "Assertion");
  const method = (parent) => {
    const sig = child(parent, NS.ds, "Signature");
    const m = child(child(sig, NS.ds, "SignedInfo"), NS.ds, "SignatureMethod");
    return sig ? (m ? m.getAttribute("Algorithm") : "") : null;
  };
  const scd = child(
    child(child(assertion, NS.saml, "Subject"), NS.saml, "SubjectConfirmation"),
    NS.saml,
    "SubjectConfirmationData",
  );
  const facts = {
    in_response_to: root.getAttribute("InResponseTo") || null,
    destination: root.getAttribute("Destination") || null,
    recipient: scd ? scd.getAttribute("Recipient") : null,
    confirmation_in_response_to: scd ? scd.getAttribute("InResponseTo") || null : null,
    signature_methods: {},
    signed: [],
    name_formats: {},
  };
  for (const [part, el] of [["response", root], ["assertion", assertion]]) {
    const m = method(el);
    if (m !== null) {
      facts.signed.push(part);
      facts.signature_methods[part] = m;
    }
  }
  const statement = child(assertion, NS.saml, "AttributeStatement");
  for (let n = statement ? statement.firstChild : null; n; n = n.nextSibling) {
    if (n.nodeType === 1 && n.localName === "Attribute") {
      facts.name_formats[n.getAttribute("Name")] = n.getAttribute("NameFormat") || null;
    }
  }
  return facts;
}

function redirectRequest(url) {
  const u = new URL(url);
  const xml = zlib.inflateRawSync(Buffer.from(u.searchParams.get("SAMLRequest"), "base64")).toString("utf8");
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  return {
    SAMLRequest: u.searchParams.get("SAMLRequest"),
    RelayState: u.searchParams.get("RelayState"),
    id: doc.documentElement.getAttribute("ID"),
    acs: doc.documentElement.getAttribute("AssertionConsumerServiceURL"),
  };
}

class Run {
  constructor(base, expect, otherCert, product) {
    this.base = base.replace(/\/+$/, "");
    this.expect = expect;
    this.user = expect.user;
    this.otherCert = otherCert;
    this.product = product;
    this.checks = [];
    this.logins = [];
  }

  check(name, ok, detail) {
    this.checks.push({ name, ok: Boolean(ok), detail: detail === undefined ? null : detail });
    return ok;
  }

  // node-saml configured as the product documents it.
  sp(opts = {}) {
    const p = this.product;
    return new SAML({
      callbackUrl: opts.acs || p.acs,
      entryPoint: this.base + "/sso",
      issuer: p.entity_id,
      audience: p.entity_id,
      idpCert: opts.cert || this.cert,
      idpIssuer: this.base + "/metadata",
      identifierFormat: FORMATS[p.nameid],
      wantAssertionsSigned: p.signed.includes("assertion"),
      wantAuthnResponseSigned: p.signed.includes("response"),
      signatureAlgorithm: "sha256",
      validateInResponseTo: opts.validateInResponseTo || "always",
      acceptedClockSkewMs: 1000,
    });
  }

  async validate(saml, delivered) {
    try {
      const { profile } = await saml.validatePostResponseAsync({
        SAMLResponse: delivered.SAMLResponse,
        RelayState: delivered.RelayState,
      });
      if (!profile) return { authenticated: false, error: "no profile returned" };
      const attributes = {};
      for (const [k, v] of Object.entries(profile.attributes || {})) attributes[k] = arrayOf(v);
      return {
        authenticated: true,
        error: null,
        nameid: profile.nameID,
        nameid_format: profile.nameIDFormat,
        in_response_to: profile.inResponseTo || null,
        attributes,
      };
    } catch (err) {
      return { authenticated: false, error: String(err && err.message ? err.message : err) };
    }
  }

  async judge(saml, delivered, requestId, label, flow, acs) {
    const xml = Buffer.from(delivered.SAMLResponse, "base64").toString("utf8");
    const facts = responseFacts(xml);
    const result = await this.validate(saml, delivered);
    const entry = { label, sp: this.product.entity_id, flow, request_id: requestId, signed: facts.signed, response: facts, ...result };
    if (!result.authenticated) entry.response_xml = xml;
    this.logins.push(entry);
    this.check(`${label}: node-saml accepts the response`, result.authenticated, result.error);
    this.check(`${label}: the answer names the ACS URL as registered`, delivered.acsUrl === acs, {
      expected: acs,
      got: delivered.acsUrl,
    });
    this.check(`${label}: Destination and Recipient are the ACS URL`, facts.destination === acs && facts.recipient === acs, {
      Destination: facts.destination,
      Recipient: facts.recipient,
    });
    this.check(`${label}: signed elements`, same(facts.signed, this.product.signed), {
      expected: this.product.signed,
      got: facts.signed,
    });
    this.check(
      `${label}: signed with rsa-sha256`,
      Object.values(facts.signature_methods).every((m) => m === RSA_SHA256),
      facts.signature_methods,
    );
    for (const [name, want] of Object.entries(this.product.name_format || {})) {
      this.check(`${label}: ${name} is written with NameFormat ${want}`, facts.name_formats[name] === want, facts.name_formats);
    }
    if (!result.authenticated) return entry;
    this.check(`${label}: NameID is the user's email`, result.nameid === this.expect.email && result.nameid === this.expect.nameid, {
      expected: this.expect.email,
      got: result.nameid,
    });
    this.check(`${label}: NameID Format`, result.nameid_format === FORMATS[this.product.nameid], result.nameid_format);
    this.check(`${label}: InResponseTo`, result.in_response_to === requestId, { sent: requestId, got: result.in_response_to });
    for (const [name, key] of Object.entries(this.product.attributes)) {
      const want = this.expect.attributes[key];
      const got = result.attributes[name] === undefined ? null : result.attributes[name];
      this.check(`${label}: attribute ${name} is the user's ${key}`, same(got, want), { expected: want, got });
    }
    return entry;
  }

  async spInitiated(acs, label) {
    const saml = this.sp({ acs });
    const url = await saml.getAuthorizeUrlAsync(RELAY_STATE, undefined, {});
    const request = redirectRequest(url);
    this.check(`${label}: node-saml's AuthnRequest names the ACS as registered`, request.acs === acs, request.acs);
    const answer = await browser.postJson(this.base + "/api/sso", {
      SAMLRequest: request.SAMLRequest,
      RelayState: request.RelayState,
      binding: "redirect",
      user: this.user,
    });
    this.check(`${label}: request_id echoes the AuthnRequest ID`, answer.request_id === request.id, {
      sent: request.id,
      got: answer.request_id,
    });
    const delivered = { acsUrl: answer.acs_url, SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState };
    this.check(`${label}: RelayState comes back unchanged`, delivered.RelayState === RELAY_STATE, {
      sent: RELAY_STATE,
      got: delivered.RelayState,
    });
    await this.judge(saml, delivered, request.id, label, "sp-initiated", acs);
    return delivered;
  }

  async idpInitiated() {
    const p = this.product;
    const documented = p.idp_initiated ? "" : " (not in the product's sources)";
    const label = "IdP-initiated, POST /api/idp-initiated" + documented;
    const answer = await browser.postJson(this.base + "/api/idp-initiated", { sp: p.entity_id, user: this.user });
    this.check(`${label}: request_id is null`, "request_id" in answer && answer.request_id === null, answer.request_id);
    const delivered = { acsUrl: answer.acs_url, SAMLResponse: answer.SAMLResponse, RelayState: answer.RelayState };
    this.check(`${label}: the SP's registered RelayState arrives intact`, delivered.RelayState === p.relay_state, {
      registered: p.relay_state,
      got: delivered.RelayState,
    });
    const saml = this.sp({ validateInResponseTo: "ifPresent" });
    const entry = await this.judge(saml, delivered, null, label, "idp-initiated", p.acs);
    this.check(
      `${label}: unsolicited: no InResponseTo`,
      entry.response.in_response_to === null && entry.response.confirmation_in_response_to === null,
      entry.response,
    );
  }

  async refusedQueryVariant(acs) {
    const label = `strict: ACS ${acs}`;
    const url = await this.sp({ acs }).getAuthorizeUrlAsync(RELAY_STATE, undefined, {});
    const request = redirectRequest(url);
    const res = await browser.request(
      "POST",
      this.base + "/api/sso",
      JSON.stringify({ SAMLRequest: request.SAMLRequest, binding: "redirect", user: this.user }),
      "application/json",
    );
    let error = "";
    try {
      error = JSON.parse(res.text).error || "";
    } catch {
      error = "";
    }
    this.check(`${label}: HTTP 403`, res.status === 403, { status: res.status, body: res.text.slice(0, 400) });
    this.check(`${label}: no SAMLResponse`, !res.text.includes("SAMLResponse"), res.text.slice(0, 400));
    this.check(`${label}: the error says the ACS URL is not registered`, error.includes(`${acs} is not registered`), error);
  }

  async run() {
    this.cert = await browser.getOk(this.base + "/certs/idp.crt");
    const p = this.product;
    const delivered = await this.spInitiated(p.acs, "SP-initiated, POST /api/sso");
    for (const other of p.other_acs || []) await this.spInitiated(other, `SP-initiated at ${other}`);
    await this.idpInitiated();
    for (const acs of p.query_variants || []) await this.refusedQueryVariant(acs);
    const wrong = this.sp({ cert: this.otherCert, validateInResponseTo: "never" });
    const result = await this.validate(wrong, delivered);
    this.check("another IdP certificate configured: node-saml rejects the response", !result.authenticated, result.error);
    this.check(
      "another IdP certificate configured: rejected for the expected reason (/signature/i)",
      /signature/i.test(result.error || ""),
      result.error,
    );
    this.logins.push({ label: "another IdP certificate configured", sp: p.entity_id, ...result });
  }
}

async function main() {
  const verdict = { driver: "node-saml", library: LIBRARY };
  let run = null;
  try {
    const args = parseArgs(process.argv.slice(2), ["idp", "scenario", "expect", "other-cert", "products"]);
    verdict.scenario = args.scenario;
    const products = JSON.parse(args.products);
    if (!(args.scenario in products)) throw new Error(`unknown preset ${args.scenario}`);
    run = new Run(args.idp, JSON.parse(args.expect), fs.readFileSync(args["other-cert"], "utf8"), products[args.scenario]);
    await run.run();
    verdict.ok = run.checks.length > 0 && run.checks.every((c) => c.ok);
  } catch (err) {
    verdict.ok = false;
    verdict.error = String(err && err.message ? err.message : err);
    verdict.stack = err && err.stack ? String(err.stack) : null;
  }
  if (run) {
    verdict.checks = run.checks;
    verdict.logins = run.logins;
  }
  process.stdout.write(JSON.stringify(verdict) + "\n", () => process.exit(0));
}

main();
