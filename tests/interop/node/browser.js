"use strict";
// A minimal browser for mock-idp's HTML pages: parses forms, submits them the way a browser
// does (every successful control plus the clicked button), follows no JavaScript.

const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

function unescapeHtml(s) {
  return s.replace(/&(#[xX][0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, ref) => {
    if (ref[0] === "#") {
      const code = ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return String.fromCodePoint(code);
    }
    return Object.prototype.hasOwnProperty.call(ENTITIES, ref) ? ENTITIES[ref] : whole;
  });
}

function parseAttributes(text) {
  const attrs = {};
  const re = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"'`=<]+)))?/g;
  let m;
  while ((m = re.exec(text)) !== null) {
    const raw = m[2] !== undefined ? m[2] : m[3] !== undefined ? m[3] : m[4] !== undefined ? m[4] : "";
    attrs[m[1].toLowerCase()] = unescapeHtml(raw);
  }
  return attrs;
}

function parseForms(html) {
  const forms = [];
  const formRe = /<form\b([^>]*)>([\s\S]*?)<\/form\s*>/gi;
  let fm;
  while ((fm = formRe.exec(html)) !== null) {
    const fa = parseAttributes(fm[1]);
    const form = {
      method: (fa.method || "get").toLowerCase(),
      action: fa.action || "",
      fields: [],
      hidden: {},
      buttons: [],
    };
    const body = fm[2];
    const ctlRe = /<(input|button)\b([^>]*)>|<select\b([^>]*)>([\s\S]*?)<\/select\s*>/gi;
    let cm;
    while ((cm = ctlRe.exec(body)) !== null) {
      if (cm[1]) {
        const a = parseAttributes(cm[2]);
        if (!a.name || "disabled" in a) continue;
        const tag = cm[1].toLowerCase();
        const type = (a.type || (tag === "button" ? "submit" : "text")).toLowerCase();
        const value = a.value || "";
        if (type === "submit" || type === "image") form.buttons.push([a.name, value]);
        else if (type === "hidden") {
          form.hidden[a.name] = value;
          form.fields.push([a.name, value]);
        } else if (type === "checkbox" || type === "radio") {
          if ("checked" in a) form.fields.push([a.name, value || "on"]);
        } else if (!["button", "reset", "file"].includes(type)) form.fields.push([a.name, value]);
      } else {
        const sa = parseAttributes(cm[3]);
        if (!sa.name) continue;
        const options = [];
        const optRe = /<option\b([^>]*)>([^<]*)/gi;
        let om;
        while ((om = optRe.exec(cm[4])) !== null) {
          const oa = parseAttributes(om[1]);
          options.push({ value: "value" in oa ? oa.value : unescapeHtml(om[2]).trim(), selected: "selected" in oa });
        }
        const chosen = options.find((o) => o.selected) || options[0];
        if (chosen) form.fields.push([sa.name, chosen.value]);
      }
    }
    forms.push(form);
  }
  return forms;
}

function submission(form, buttonName, buttonValue, overrides) {
  if (!form.buttons.some(([n, v]) => n === buttonName && v === buttonValue)) {
    throw new Error(
      `form ${form.action} has no submit button ${buttonName}=${buttonValue} (buttons: ${JSON.stringify(form.buttons)})`,
    );
  }
  const over = overrides || {};
  const out = form.fields.filter(([n]) => !(n in over));
  for (const [n, v] of Object.entries(over)) out.push([n, v]);
  out.push([buttonName, buttonValue]);
  return out;
}

async function request(method, url, body, contentType) {
  const headers = { Accept: "text/html,application/json;q=0.9,*/*;q=0.8" };
  if (contentType) headers["Content-Type"] = contentType;
  const res = await fetch(url, { method, body, headers, redirect: "manual" });
  const text = await res.text();
  return { status: res.status, text };
}

async function getOk(url) {
  const res = await request("GET", url);
  if (res.status !== 200) throw new Error(`GET ${url} -> HTTP ${res.status}: ${res.text.slice(0, 500)}`);
  return res.text;
}

async function postForm(url, pairs) {
  const body = new URLSearchParams(pairs).toString();
  const res = await request("POST", url, body, "application/x-www-form-urlencoded");
  if (res.status !== 200) throw new Error(`POST ${url} -> HTTP ${res.status}: ${res.text.slice(0, 500)}`);
  return res.text;
}

async function postJson(url, payload) {
  const res = await request("POST", url, JSON.stringify(payload), "application/json");
  let parsed = null;
  try {
    parsed = JSON.parse(res.text);
  } catch {
    parsed = null;
  }
  if (res.status !== 200 || parsed === null) {
    throw new Error(`POST ${url} -> HTTP ${res.status}: ${res.text.slice(0, 500)}`);
  }
  return parsed;
}

// The warning paragraphs of a picker page, as text.
function warningsOf(page) {
  const out = [];
  const re = /<p class="warn">([\s\S]*?)<\/p>/g;
  let m;
  while ((m = re.exec(page)) !== null) out.push(unescapeHtml(m[1].replace(/<[^>]*>/g, "")).trim());
  return out;
}

// The picker's request-signature line: [verdict, the text after it], or null.
function signatureVerdict(page) {
  const m = /<p class="signature" data-verdict="([^"]*)">([\s\S]*?)<\/p>/.exec(page);
  if (!m) return null;
  return [m[1], unescapeHtml(m[2].replace(/<[^>]*>/g, "")).trim()];
}

// Click the user's button on the picker, then read the auto-post page. `choices` sets other
// picker fields (style, digest, ...) as a person changing those drop-downs does.
async function loginViaPicker(base, pickerHtml, user, sign, algorithm, choices) {
  const picker = parseForms(pickerHtml).find((f) => f.method === "post" && f.action === "/sso/login");
  if (!picker) throw new Error(`no <form method="post" action="/sso/login"> in page:\n${pickerHtml.slice(0, 2000)}`);
  const overrides = { ...(choices || {}) };
  if (sign) overrides.sign = sign;
  if (algorithm) overrides.algorithm = algorithm;
  const pairs = submission(picker, "user", user, overrides);
  const page = await postForm(new URL(picker.action, base + "/").toString(), pairs);
  const autopost = parseForms(page).find((f) => f.method === "post" && "SAMLResponse" in f.hidden);
  if (!autopost) throw new Error(`no auto-post form with SAMLResponse in page:\n${page.slice(0, 2000)}`);
  return {
    acsUrl: autopost.action,
    SAMLResponse: autopost.hidden.SAMLResponse,
    RelayState: autopost.hidden.RelayState,
    pickerHidden: picker.hidden,
    pickerWarnings: warningsOf(pickerHtml),
  };
}

// Open the IdP-initiated link of a registered SP, then log in on the picker.
async function idpInitiated(base, entityId, relayState, user, sign, algorithm, choices) {
  const query = new URLSearchParams({ sp: entityId });
  if (relayState !== undefined && relayState !== null) query.set("RelayState", relayState);
  const picker = await getOk(`${base}/sso/idp-initiated?${query}`);
  return loginViaPicker(base, picker, user, sign, algorithm, choices);
}

module.exports = {
  parseForms,
  submission,
  getOk,
  postForm,
  postJson,
  loginViaPicker,
  idpInitiated,
  unescapeHtml,
  warningsOf,
  signatureVerdict,
  request,
};
