// What the @node-saml/node-saml drivers (sp.js, saas_sp.js) share: the library's name and
// version for their verdicts, the values both send and look for, their argument parsing and
// a namespace-aware child lookup.
"use strict";

const fs = require("fs");
const path = require("path");

const LIBRARY =
  "@node-saml/node-saml " +
  JSON.parse(fs.readFileSync(path.join(__dirname, "node_modules/@node-saml/node-saml/package.json"), "utf8"))
    .version;

// Characters a RelayState must come back with untouched: HTML and URL specials, both quotes.
const RELAY_STATE = "https://node-sp.example/app?tab=1&q=<a \"b\" 'c'>`=`";
const FORMATS = {
  emailAddress: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
  unspecified: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
  persistent: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
  transient: "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
};
const NS = {
  samlp: "urn:oasis:names:tc:SAML:2.0:protocol",
  saml: "urn:oasis:names:tc:SAML:2.0:assertion",
  ds: "http://www.w3.org/2000/09/xmldsig#",
};

// `--name value` pairs as an object; each of `required` must be given.
function parseArgs(argv, required) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of required) if (!out[k]) throw new Error(`--${k} is required`);
  return out;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// The first child element of `el` (which may be null) named `name` in namespace `ns`.
function child(el, ns, name) {
  for (let n = el ? el.firstChild : null; n; n = n.nextSibling) {
    if (n.nodeType === 1 && n.namespaceURI === ns && n.localName === name) return n;
  }
  return null;
}

module.exports = { LIBRARY, RELAY_STATE, FORMATS, NS, parseArgs, same, child };
