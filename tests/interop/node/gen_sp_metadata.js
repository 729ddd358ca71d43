#!/usr/bin/env node
"use strict";
// Writes the @node-saml/node-saml SP metadata fixtures to tests/fixtures/sp-metadata/.
//
// Usage (from tests/interop/node): node gen_sp_metadata.js ../../fixtures/sp-metadata
//
// Each file is exactly what `new SAML(options).generateServiceProviderMetadata(decryptionCert,
// publicCerts)` returns. The certificates and keys are the throwaway pairs committed in
// tests/fixtures/sp-metadata/keys/. node-saml writes a KeyDescriptor only for what it can
// use: `use="signing"` when `privateKey` is set, `use="encryption"` when `decryptionPvk` is.
// The EntityDescriptor ID changes on every run; nothing else does.

const fs = require("fs");
const path = require("path");
const { SAML } = require("@node-saml/node-saml");

const SP = "https://node-sp.example";

function main(outDir) {
  const keys = path.join(outDir, "keys");
  const read = (name) => fs.readFileSync(path.join(keys, name), "utf8");
  const base = {
    callbackUrl: `${SP}/acs`,
    issuer: `${SP}/metadata`,
    entryPoint: "http://127.0.0.1:8080/sso",
    // The IdP's certificate plays no part in SP metadata; the constructor requires one.
    idpCert: read("node-sp-signing.crt"),
  };
  const write = (name, xml) => {
    fs.writeFileSync(path.join(outDir, name), xml);
    console.log("wrote", name);
  };

  // A signing SP (AuthnRequestsSigned) that also decrypts assertions, with a logout endpoint.
  const full = new SAML({
    ...base,
    logoutCallbackUrl: `${SP}/logout/callback`,
    privateKey: read("node-sp-signing.key"),
    decryptionPvk: read("node-sp-encryption.key"),
  });
  write(
    "node-saml.xml",
    full.generateServiceProviderMetadata(read("node-sp-encryption.crt"), read("node-sp-signing.crt")),
  );

  // Every option at its default: no keys, so no KeyDescriptor.
  write("node-saml-defaults.xml", new SAML(base).generateServiceProviderMetadata(null));
}

main(process.argv[2]);
