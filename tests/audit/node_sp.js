#!/usr/bin/env node
"use strict";
// A live service provider built on @node-saml/node-saml, for the tests of `mock-idp audit`: it
// validates logins with exactly the SAML settings of the node-saml judge of
// tests/scenarios/judge.js (one SAML instance for the whole process, so one InResponseTo cache;
// validateInResponseTo "always", 1 s of clock skew, the Response and the Assertion signed, the
// IdP's issuer and certificate, the audience, SP_KEY as decryptionPvk), with its own entity ID
// and its own ACS as the callback URL.
//
// Usage: node node_sp.js --idp BASE --idp-cert FILE --sp-key FILE --entity-id ID [--port N]
//
//   GET  /login   302 to BASE/sso with a deflated AuthnRequest (HTTP-Redirect binding), and the
//                 RelayState of the query's `RelayState` if one is given
//   POST /acs     validates the form-encoded SAMLResponse (validatePostResponseAsync): a login
//                 sets the session cookie and redirects (302) to /; a refusal is a 403
//                 "Rejected: <message>" and ends the login the browser held
//   GET  /        200 "Logged in as <nameID>" (HTML-escaped) or 200 "Not logged in"
//
// Only node's http module and node-saml (from tests/interop/node/node_modules, `npm ci` there)
// are used. It listens on 127.0.0.1 (a free port unless --port is given) and prints one line
// when it is ready: "node-sp listening on http://127.0.0.1:<port>". It stops when the process
// that started it is gone.

const crypto = require("crypto");
const fs = require("fs");
const http = require("http");
const path = require("path");

const NODE_MODULES = path.resolve(__dirname, "..", "interop", "node", "node_modules");
const { SAML } = require(path.join(NODE_MODULES, "@node-saml", "node-saml"));

const EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const COOKIE = "node_sp_login";
const MAX_BODY = 8 * 1024 * 1024;

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ["idp", "idp-cert", "sp-key", "entity-id"]) if (!out[k]) throw new Error(`--${k} is required`);
  return out;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function page(res, status, text, headers = {}) {
  const body =
    `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>node SP</title></head>\n` +
    `<body>\n<p id="session">${escapeHtml(text)}</p>\n</body>\n</html>\n`;
  res.writeHead(status, {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(body);
}

function redirect(res, location, headers = {}) {
  res.writeHead(302, { Location: location, "Content-Length": 0, ...headers });
  res.end();
}

function cookieOf(req) {
  for (const part of (req.headers.cookie || "").split(";")) {
    const at = part.indexOf("=");
    if (at > 0 && part.slice(0, at).trim() === COOKIE) return part.slice(at + 1).trim();
  }
  return null;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error("request body too large"));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const idp = args.idp.replace(/\/+$/, "");
  const port = args.port === undefined ? 0 : Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad --port ${args.port}`);
  const idpCert = fs.readFileSync(args["idp-cert"], "utf8");
  const decryptionPvk = fs.readFileSync(args["sp-key"], "utf8");
  const entityId = args["entity-id"];

  // Session cookie -> the NameID it logged in as.
  const sessions = new Map();
  let saml = null;

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, "http://127.0.0.1");
      if (req.method === "GET" && url.pathname === "/") {
        const token = cookieOf(req);
        const who = token !== null ? sessions.get(token) : undefined;
        page(res, 200, who !== undefined ? `Logged in as ${who}` : "Not logged in");
      } else if (req.method === "GET" && url.pathname === "/login") {
        const location = await saml.getAuthorizeUrlAsync(url.searchParams.get("RelayState") || "", undefined, {});
        redirect(res, location);
      } else if (req.method === "POST" && url.pathname === "/acs") {
        const form = new URLSearchParams(await readBody(req));
        const container = { SAMLResponse: form.get("SAMLResponse") };
        if (form.has("RelayState")) container.RelayState = form.get("RelayState");
        const old = cookieOf(req);
        if (old !== null) sessions.delete(old);
        let profile;
        try {
          ({ profile } = await saml.validatePostResponseAsync(container));
        } catch (err) {
          const message = String(err && err.message ? err.message : err) || "rejected without a message";
          page(res, 403, `Rejected: ${message}`);
          return;
        }
        if (!profile) {
          page(res, 403, "Rejected: no profile returned (not logged in)");
          return;
        }
        const token = crypto.randomBytes(18).toString("base64url");
        // A profile without a NameID (node-saml accepts some) is shown as the judge writes it.
        sessions.set(token, profile.nameID == null || profile.nameID === "" ? "(none)" : String(profile.nameID));
        redirect(res, "/", { "Set-Cookie": `${COOKIE}=${token}; Path=/; HttpOnly` });
      } else {
        page(res, 404, "Not found");
      }
    } catch (err) {
      if (!res.headersSent) page(res, 400, `Bad request: ${err && err.message ? err.message : err}`);
      else res.destroy();
    }
  });

  server.listen(port, "127.0.0.1", () => {
    const base = `http://127.0.0.1:${server.address().port}`;
    // judge.js's settings, with this SP's entity ID and ACS.
    saml = new SAML({
      callbackUrl: `${base}/acs`,
      entryPoint: idp + "/sso",
      issuer: entityId,
      audience: entityId,
      idpCert,
      idpIssuer: idp + "/metadata",
      identifierFormat: EMAIL_FORMAT,
      wantAssertionsSigned: true,
      wantAuthnResponseSigned: true,
      validateInResponseTo: "always",
      acceptedClockSkewMs: 1000,
      authnRequestBinding: "HTTP-Redirect",
      decryptionPvk,
    });
    process.stdout.write(`node-sp listening on ${base}\n`);
  });

  // Stop when the process that started us is gone, so a killed test run leaves nothing.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 1000).unref();
}

main().catch((err) => {
  process.stderr.write(`node-sp: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
