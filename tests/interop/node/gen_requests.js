#!/usr/bin/env node
"use strict";
// Writes the @node-saml/node-saml AuthnRequest fixtures to tests/fixtures/requests/.
// Run through tests/interop/gen-fixtures. Each file is the decoded XML exactly as node-saml
// put it on the wire (the SAMLRequest of the redirect URL or of the POST form, inflated:
// node-saml deflates the POST form's SAMLRequest too unless skipRequestCompression is set).

const fs = require("fs");
const path = require("path");
const zlib = require("zlib");
const { SAML } = require("@node-saml/node-saml");
const { parseForms } = require("./browser");

const IDP_SSO = "http://127.0.0.1:8080/sso";
// Any certificate does for building a request; none is used.
const CERT = "MIIBAA==";

function saml(extra) {
  return new SAML({
    callbackUrl: "https://node-sp.example/acs",
    entryPoint: IDP_SSO,
    issuer: "https://node-sp.example/metadata",
    idpCert: CERT,
    ...extra,
  });
}

async function main(outDir) {
  const write = (name, xml) => {
    fs.writeFileSync(path.join(outDir, name), xml);
    console.log("wrote", name);
  };
  const fromUrl = (url) => zlib.inflateRawSync(Buffer.from(new URL(url).searchParams.get("SAMLRequest"), "base64")).toString("utf8");

  write("node-saml-redirect.xml", fromUrl(await saml({}).getAuthorizeUrlAsync("", undefined, {})));
  write(
    "node-saml-identifier-format.xml",
    fromUrl(
      await saml({ identifierFormat: "urn:oasis:names:tc:SAML:2.0:nameid-format:transient" }).getAuthorizeUrlAsync(
        "",
        undefined,
        {},
      ),
    ),
  );
  const form = await saml({ authnRequestBinding: "HTTP-POST" }).getAuthorizeFormAsync("", undefined, {});
  const samlRequest = parseForms(form).find((f) => "SAMLRequest" in f.hidden).hidden.SAMLRequest;
  write("node-saml-post.xml", zlib.inflateRawSync(Buffer.from(samlRequest, "base64")).toString("utf8"));
}

main(process.argv[2]).catch((err) => {
  console.error(err);
  process.exit(1);
});
