#!/usr/bin/env node
"use strict";
// Encrypted assertions from a running mock-idp, decrypted and validated by @node-saml/node-saml.
//
// Usage: node encryption.js --idp http://127.0.0.1:PORT --sp-key PEM --combos JSON
//
// The server runs with tests/fixtures/sps/encryption.yaml, which registers
// https://node-enc.example/metadata with the encryption certificate whose key is SP_KEY. For
// each combination [data, key_transport] of COMBOS, node-saml builds an AuthnRequest, the
// response comes from POST /api/sso with `encrypt` and `key_transport`, and node-saml (with
// decryptionPvk, Response and Assertion signatures wanted) must return alice's profile. One
// JSON line per combination: {"judge", "library", "data", "key_transport", "accepted",
// "message", "nameid"}.

const fs = require("fs");
const path = require("path");

const { SAML } = require(path.join(__dirname, "node_modules", "@node-saml", "node-saml"));
const LIBRARY =
  "@node-saml/node-saml " +
  JSON.parse(fs.readFileSync(path.join(__dirname, "node_modules", "@node-saml", "node-saml", "package.json"), "utf8"))
    .version;
const HOST = "node-enc.example";
const EXPECTED_NAMEID = "alice.martin@acme-support.example";

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0 || i + 1 >= process.argv.length) throw new Error(`--${name} is required`);
  return process.argv[i + 1];
}

async function main() {
  const base = arg("idp").replace(/\/+$/, "");
  const spKey = fs.readFileSync(arg("sp-key"), "utf8");
  const combos = JSON.parse(arg("combos"));
  const res = await fetch(base + "/certs/idp.crt");
  const idpCert = await res.text();
  const saml = new SAML({
    callbackUrl: `https://${HOST}/acs`,
    entryPoint: base + "/sso",
    issuer: `https://${HOST}/metadata`,
    audience: `https://${HOST}/metadata`,
    idpCert,
    idpIssuer: base + "/metadata",
    decryptionPvk: spKey,
    identifierFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: true,
    validateInResponseTo: "always",
    acceptedClockSkewMs: 1000,
    authnRequestBinding: "HTTP-Redirect",
  });
  for (const [data, keyTransport] of combos) {
    const out = { judge: "node-saml", library: LIBRARY, data, key_transport: keyTransport };
    try {
      const url = await saml.getAuthorizeUrlAsync("", undefined, {});
      const query = new URL(url).searchParams;
      const r = await fetch(base + "/api/sso", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({
          SAMLRequest: query.get("SAMLRequest"),
          binding: "redirect",
          user: "alice",
          encrypt: data,
          key_transport: keyTransport,
        }),
      });
      const body = await r.json();
      if (r.status !== 200) throw new Error(`HTTP ${r.status} from /api/sso: ${body.error}`);
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: body.SAMLResponse });
      const ok = !!profile && profile.nameID === EXPECTED_NAMEID;
      Object.assign(out, { accepted: ok, nameid: profile ? profile.nameID : null, message: ok ? "" : "no profile for alice" });
    } catch (err) {
      Object.assign(out, { accepted: false, message: String(err && err.message ? err.message : err) });
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  }
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
  process.exitCode = 1;
});
