#!/usr/bin/env node
"use strict";
// Checks mock-idp's logout messages with @node-saml/node-saml as the service provider.
// Called by check_interop.py with the directory of fresh messages it had cargo write:
//     node src/saml/testdata/logout/check_node.js <dir>
// node-saml is configured with the IdP's certificate and issuer and validateInResponseTo
// "always" (the SP's own LogoutRequest ID is in its cache), except for the POST LogoutResponse:
// validatePostResponseAsync reads InResponseTo from a samlp:Response root only, so it is called
// with "ifPresent" (it then checks the signature and returns loggedOut). Prints one PASS/FAIL line
// per check.

const fs = require("fs");
const path = require("path");
const { SAML } = require("../../../../tests/interop/node/node_modules/@node-saml/node-saml");

const REPO = path.resolve(__dirname, "../../../..");
const CERT = fs.readFileSync(path.join(REPO, "tests/fixtures/keys/test.crt"), "ascii");
const IDP = "http://127.0.0.1:8080/metadata";
const SP_REQUEST_ID = "ONELOGIN_sp_request";

async function sp(validateInResponseTo = "always") {
  const saml = new SAML({
    callbackUrl: "https://python-sp.example/acs",
    entryPoint: "http://127.0.0.1:8080/sso",
    logoutUrl: "http://127.0.0.1:8080/slo",
    issuer: "https://python-sp.example/metadata",
    idpCert: CERT,
    idpIssuer: IDP,
    validateInResponseTo,
  });
  await saml.cacheProvider.saveAsync(SP_REQUEST_ID, new Date().toISOString());
  return saml;
}

let failed = 0;
async function check(name, fn, expectError) {
  try {
    const detail = await fn();
    if (expectError) {
      failed++;
      console.log(`FAIL ${name}: accepted`);
    } else {
      console.log(`PASS ${name}${detail ? ": " + detail : ""}`);
    }
  } catch (err) {
    if (expectError) {
      console.log(`PASS ${name}: ${err.message}`);
    } else {
      failed++;
      console.log(`FAIL ${name}: ${err.message}`);
    }
  }
}

async function redirect(query) {
  const container = Object.fromEntries(new URLSearchParams(query));
  const result = await (await sp()).validateRedirectAsync(container, query);
  if (!result.loggedOut) throw new Error("not logged out");
  return result.profile ? `NameID ${result.profile.nameID}` : "loggedOut";
}

async function main(dir) {
  const read = (name) => fs.readFileSync(path.join(dir, name), "utf8").trim();
  for (const kind of ["request", "response"]) {
    for (const alg of ["rsa-sha1", "rsa-sha256"]) {
      const query = read(`logout-${kind}-redirect-${alg}.query`);
      const label = `Logout${kind[0].toUpperCase()}${kind.slice(1)} Redirect (${alg})`;
      await check(`node-saml validateRedirectAsync ${label}`, () => redirect(query));
      const tampered = query.replace("RelayState=https", "RelayState=http");
      await check(`node-saml refuses ${label} with one changed byte`, () => redirect(tampered), true);
    }
  }
  const post = (name) => Buffer.from(read(name), "utf8").toString("base64");
  await check("node-saml validatePostRequestAsync LogoutRequest POST", async () => {
    const result = await (await sp()).validatePostRequestAsync({ SAMLRequest: post("logout-request-post.xml") });
    return `NameID ${result.profile.nameID}, SessionIndex ${result.profile.sessionIndex}`;
  });
  await check("node-saml validatePostResponseAsync LogoutResponse POST", async () => {
    const result = await (await sp("ifPresent")).validatePostResponseAsync({
      SAMLResponse: post("logout-response-post.xml"),
    });
    if (!result.loggedOut) throw new Error("not logged out");
    return "loggedOut";
  });
  const bad = Buffer.from(read("logout-response-post.xml").replace("https://", "http://"), "utf8").toString("base64");
  await check(
    "node-saml refuses LogoutResponse POST after one changed character",
    () => sp("ifPresent").then((s) => s.validatePostResponseAsync({ SAMLResponse: bad })),
    true,
  );
  process.exit(failed ? 1 : 0);
}

main(process.argv[2]).catch((err) => {
  console.error(err);
  process.exit(2);
});
