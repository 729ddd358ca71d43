#!/usr/bin/env node
"use strict";
// Writes the @node-saml/node-saml logout fixtures next to this file.
// Run with the node-saml that tests/run installs:
//     node src/saml/testdata/logout/gen_node.js
// Each file is the SAMLRequest / SAMLResponse query parameter of the URL node-saml returns,
// inflated. IDs and IssueInstants change on every run; nothing else does.

const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const { SAML } = require("../../../../tests/interop/node/node_modules/@node-saml/node-saml");

const IDP = "http://127.0.0.1:8080";
// Any certificate does for building a message; none is used.
const CERT = "MIIBAA==";

const saml = new SAML({
  callbackUrl: "https://node-sp.example/acs",
  entryPoint: IDP + "/sso",
  logoutUrl: IDP + "/slo",
  issuer: "https://node-sp.example/metadata",
  idpCert: CERT,
});

function write(name, url, param) {
  const value = new URL(url).searchParams.get(param);
  const xml = zlib.inflateRawSync(Buffer.from(value, "base64")).toString("utf8");
  fs.writeFileSync(path.join(__dirname, name), xml);
  console.log("wrote", name);
}

async function main() {
  write(
    "node-saml-logout-request.xml",
    await saml.getLogoutUrlAsync(
      {
        nameID: "zoe@globex.example",
        nameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
        sessionIndex: "_id4",
      },
      "",
      {},
    ),
    "SAMLRequest",
  );
  write(
    "node-saml-logout-request-qualifiers.xml",
    await saml.getLogoutUrlAsync(
      {
        nameID: "p-4f2a9c",
        nameIDFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        nameQualifier: IDP + "/metadata",
        spNameQualifier: "https://node-sp.example/metadata",
      },
      "",
      {},
    ),
    "SAMLRequest",
  );
  write(
    "node-saml-logout-response.xml",
    await saml.getLogoutResponseUrlAsync({ ID: "_id1" }, "", {}, true),
    "SAMLResponse",
  );
  write(
    "node-saml-logout-response-failure.xml",
    await saml.getLogoutResponseUrlAsync({ ID: "_id1" }, "", {}, false),
    "SAMLResponse",
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
