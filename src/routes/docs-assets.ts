/**
 * The `/docs` page: an interactive API reference that the browser builds from `/openapi.json`.
 *
 * Kept as string constants (no files, no CDN, no UI package) so it works on Node and on Workers,
 * offline and behind a locked-down network. The page's CSP (a meta tag) allows 'self' only.
 *
 * The script is plain modern JS with no build step. Everything it shows from the document or from
 * a response goes into the DOM as text (textContent / DOM APIs), never as markup. It is written
 * without backticks or `${`, because it lives inside a TypeScript template literal; `String.raw`
 * keeps its backslashes (regexes) as written.
 */

export const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'">
<meta name="color-scheme" content="light dark">
<title>API reference</title>
<link rel="stylesheet" href="/docs/assets/docs.css">
<script src="/docs/assets/docs.js" defer></script>
</head>
<body>
<a class="skip" href="#content">Skip to the operations</a>
<header class="masthead">
  <div class="wrap">
    <div class="title-row">
      <h1 id="api-title">API reference</h1>
      <span id="api-version" class="version"></span>
      <a class="raw-link" href="/openapi.json">openapi.json</a>
    </div>
    <div id="api-description" class="lede"></div>
    <div class="toolbar">
      <div class="tool token-tool">
        <label for="token">Bearer token</label>
        <div class="input-row">
          <input id="token" type="password" autocomplete="off" spellcheck="false" placeholder="Paste an access token (kept in this tab only)" aria-describedby="token-state">
          <button type="button" id="token-toggle" aria-pressed="false">Show</button>
          <button type="button" id="token-clear">Clear</button>
        </div>
        <p id="token-state" class="hint" aria-live="polite"></p>
      </div>
      <div class="tool filter-tool">
        <label for="filter">Filter operations</label>
        <input id="filter" type="search" autocomplete="off" spellcheck="false" placeholder="e.g. get profile (press / to focus)" aria-describedby="filter-count">
        <p id="filter-count" class="hint" aria-live="polite"></p>
      </div>
    </div>
  </div>
</header>
<div class="layout wrap">
  <nav id="nav" aria-label="Operations"></nav>
  <main id="content" tabindex="-1"><p class="hint">Loading /openapi.json…</p></main>
</div>
<noscript><p class="wrap">This reference is built from <a href="/openapi.json">/openapi.json</a> by JavaScript.</p></noscript>
</body>
</html>
`;

export const docsStyles = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --panel: #f6f8fa;
  --code: #eff2f5; --accent: #0969da; --focus: #0969da;
  --ok: #1a7f37; --redirect: #0969da; --warn: #9a6700; --bad: #cf222e;
  --get: #0969da; --post: #1a7f37; --put: #9a6700; --patch: #8250df; --delete: #cf222e; --other: #59636e;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace;
  --radius: 6px;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --border: #3d444d; --panel: #151b23;
    --code: #212830; --accent: #4493f8; --focus: #4493f8;
    --ok: #3fb950; --redirect: #4493f8; --warn: #d29922; --bad: #f85149;
    --get: #1f6feb; --post: #238636; --put: #9e6a03; --patch: #8957e5; --delete: #da3633; --other: #656c76;
  }
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { scroll-padding-top: 1rem; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
a { color: var(--accent); }
code, pre, textarea, .mono { font-family: var(--mono); font-size: 0.87em; }
:focus-visible { outline: 2px solid var(--focus); outline-offset: 2px; }
h1, h2, h3 { line-height: 1.25; }
.wrap { max-width: 1240px; margin: 0 auto; padding: 0 1.25rem; }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: 0.4rem 0.7rem; z-index: 10; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.hint, .muted { color: var(--muted); }
.hint { margin: 0.3rem 0 0; font-size: 0.85rem; min-height: 1.2em; }
.error { color: var(--bad); }

/* Header: title, description, token and filter */
.masthead { background: var(--panel); border-bottom: 1px solid var(--border); padding: 1.25rem 0 1rem; }
.title-row { display: flex; align-items: baseline; gap: 0.75rem; flex-wrap: wrap; }
.title-row h1 { margin: 0; font-size: 1.6rem; }
.version { font-size: 0.8rem; padding: 0.05rem 0.5rem; border: 1px solid var(--border); border-radius: 99px; color: var(--muted); }
.version:empty { display: none; }
.raw-link { margin-left: auto; font-size: 0.85rem; }
.lede { max-width: 75ch; }
.lede p { margin: 0.5rem 0 0; }
.toolbar { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1.25rem; margin-top: 1rem; }
.tool label { display: block; font-weight: 600; font-size: 0.85rem; margin-bottom: 0.25rem; }
.input-row { display: flex; gap: 0.4rem; }
.input-row input { flex: 1; min-width: 0; }
input, select, textarea, button { font: inherit; color: inherit; }
input, select, textarea {
  background: var(--bg); border: 1px solid var(--border); border-radius: var(--radius); padding: 0.4rem 0.55rem; width: 100%;
}
.input-row input { width: auto; }
button {
  background: var(--panel); border: 1px solid var(--border); border-radius: var(--radius);
  padding: 0.35rem 0.8rem; cursor: pointer;
}
button:hover { border-color: var(--muted); }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; font-weight: 600; }
button:disabled { opacity: 0.6; cursor: progress; }

/* Layout: a sticky list of operations beside the reference */
.layout { display: grid; grid-template-columns: 250px minmax(0, 1fr); gap: 2rem; padding-top: 1.25rem; padding-bottom: 4rem; }
#nav { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; padding: 0.5rem 0 2rem; font-size: 0.85rem; }
#nav ul { list-style: none; margin: 0 0 1rem; padding: 0; }
#nav li a { display: flex; gap: 0.5rem; align-items: center; padding: 0.15rem 0.3rem; border-radius: 4px; color: inherit; text-decoration: none; }
#nav li a:hover { background: var(--panel); }
.nav-tag { font-weight: 600; margin: 0 0 0.3rem; text-transform: uppercase; letter-spacing: 0.04em; font-size: 0.75rem; color: var(--muted); }
.nav-path { font-family: var(--mono); font-size: 0.8rem; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
main:focus { outline: none; }
.tag-section > h2 { font-size: 1.3rem; margin: 0.5rem 0 0.25rem; }
.tag-section { margin-bottom: 2rem; }

/* One operation */
.method {
  display: inline-block; min-width: 4.6em; padding: 0.1rem 0.35rem; border-radius: 4px; text-align: center;
  font: 700 0.75rem/1.4 var(--mono); color: #fff; background: var(--other); flex: none;
}
.method.small { min-width: 3.9em; font-size: 0.65rem; }
.m-get { background: var(--get); } .m-post { background: var(--post); } .m-put { background: var(--put); }
.m-patch { background: var(--patch); } .m-delete { background: var(--delete); }
details > summary { list-style: none; cursor: pointer; }
details > summary::-webkit-details-marker { display: none; }
details > summary::before {
  content: ""; display: inline-block; flex: none; width: 0.45em; height: 0.45em; margin-right: 0.45rem;
  border-right: 2px solid var(--muted); border-bottom: 2px solid var(--muted); transform: rotate(-45deg); transition: transform 0.1s;
}
details[open] > summary::before { transform: rotate(45deg); }
.op { border: 1px solid var(--border); border-radius: var(--radius); margin: 0.5rem 0; background: var(--bg); }
.op > summary { display: flex; align-items: center; gap: 0.6rem; padding: 0.55rem 0.75rem; flex-wrap: wrap; }
.op > summary:hover { background: var(--panel); }
.op[open] > summary { border-bottom: 1px solid var(--border); background: var(--panel); }
.path { font-weight: 600; font-size: 0.9rem; word-break: break-all; }
.op-summary { color: var(--muted); flex: 1 1 16rem; }
.lock { display: inline-flex; align-items: center; color: var(--warn); }
.op-body { padding: 0.25rem 1rem 1rem; }
.op-body h3 { font-size: 0.95rem; margin: 1.1rem 0 0.4rem; display: flex; align-items: center; gap: 0.5rem; }
.desc { margin: 0.4rem 0; }
code { background: var(--code); padding: 0.05rem 0.3rem; border-radius: 4px; }
pre code, .prop-name, .path { background: none; padding: 0; }
.badge { display: inline-block; font-size: 0.7rem; padding: 0 0.4rem; border-radius: 99px; border: 1px solid var(--border); color: var(--muted); line-height: 1.5; white-space: nowrap; }
.badge.required { color: var(--bad); border-color: currentColor; }
.badge.nullable { color: var(--accent); border-color: currentColor; }
.badge.deprecated { color: var(--warn); border-color: currentColor; }

/* Parameters, bodies, responses */
table.params { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
.params th, .params td { text-align: left; vertical-align: top; padding: 0.35rem 0.5rem; border-bottom: 1px solid var(--border); }
.params th { font-size: 0.75rem; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.params td .desc { margin: 0; }
.media-type { color: var(--muted); font-size: 0.8rem; }
.response { border-left: 3px solid var(--border); padding: 0.2rem 0 0.2rem 0.6rem; margin: 0.35rem 0; }
.response > summary, .resp-head { display: flex; align-items: center; gap: 0.5rem; flex-wrap: wrap; }
.status { font: 700 0.85rem var(--mono); }
.s2 { color: var(--ok); } .s3 { color: var(--redirect); } .s4 { color: var(--warn); } .s5 { color: var(--bad); }
.response:has(.s2) { border-left-color: var(--ok); }
.response:has(.s4) { border-left-color: var(--warn); }
.response:has(.s5) { border-left-color: var(--bad); }

/* Schema outline: a nested property list */
.schema { font-size: 0.88rem; margin: 0.3rem 0; padding: 0.5rem 0.7rem; background: var(--panel); border-radius: var(--radius); }
.schema ul, .schema ol { margin: 0.15rem 0 0.15rem 0.3rem; padding-left: 1rem; border-left: 1px dashed var(--border); list-style: none; }
.schema li { margin: 0.2rem 0; }
.prop-line { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.2rem 0.45rem; }
.prop-name { font-weight: 700; }
.type { font-family: var(--mono); font-size: 0.82rem; color: var(--patch); }
.meta { font-size: 0.8rem; color: var(--muted); }
.meta code { font-size: 0.78rem; }
.prop-desc { color: var(--muted); font-size: 0.84rem; }
.prop-desc .desc { margin: 0; }
.variant-label { font-size: 0.75rem; color: var(--muted); }

/* Try it */
.try { margin-top: 1rem; border-top: 1px dashed var(--border); }
.fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: 0.6rem 1rem; }
.field label { display: flex; align-items: center; gap: 0.35rem; font-size: 0.82rem; margin-bottom: 0.2rem; }
.field.wide { grid-column: 1 / -1; }
textarea.code-input { min-height: 8rem; resize: vertical; tab-size: 2; font-family: var(--mono); font-size: 0.85rem; }
.field .prop-line { margin-bottom: 0.25rem; }
.field .prop-line label { margin: 0; }
.field .prop-line select { width: auto; padding: 0.15rem 0.4rem; font-size: 0.82rem; }
.actions { display: flex; align-items: center; gap: 0.75rem; margin-top: 0.7rem; flex-wrap: wrap; }
.result:empty { display: none; }
.result { margin-top: 0.8rem; border: 1px solid var(--border); border-radius: var(--radius); overflow: hidden; }
.result-line { display: flex; gap: 0.6rem; align-items: baseline; flex-wrap: wrap; padding: 0.45rem 0.7rem; background: var(--panel); border-bottom: 1px solid var(--border); }
.result-line .status { font-size: 1rem; }
.result-url { margin-left: auto; color: var(--muted); word-break: break-all; background: none; }
.result dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.1rem 0.8rem; margin: 0; padding: 0.45rem 0.7rem; font-size: 0.8rem; border-bottom: 1px solid var(--border); }
.result dt { color: var(--muted); font-family: var(--mono); }
.result dd { margin: 0; font-family: var(--mono); word-break: break-all; }
.result pre { margin: 0; padding: 0.7rem; max-height: 28rem; overflow: auto; font-size: 0.82rem; }
.result .error, .result .note { margin: 0; padding: 0.5rem 0.7rem; }
.curl { padding: 0.4rem 0.7rem; border-top: 1px solid var(--border); font-size: 0.8rem; }
.curl pre { padding: 0.4rem 0 0; white-space: pre-wrap; word-break: break-all; max-height: none; }

.schemas-section > h2 { font-size: 1.3rem; margin: 2rem 0 0.25rem; }
.schema-entry { border: 1px solid var(--border); border-radius: var(--radius); margin: 0.4rem 0; }
.schema-entry > summary { padding: 0.45rem 0.75rem; display: flex; align-items: center; gap: 0.5rem; font-family: var(--mono); font-weight: 600; font-size: 0.9rem; }
.schema-entry > .schema { margin: 0 0.6rem 0.6rem; }
.empty { padding: 1rem; border: 1px dashed var(--border); border-radius: var(--radius); color: var(--muted); }

@media (max-width: 860px) {
  .layout { grid-template-columns: minmax(0, 1fr); }
  #nav { display: none; }
  .toolbar { grid-template-columns: minmax(0, 1fr); }
}
`;

export const docsScript = String.raw`(() => {
  'use strict';

  const TOKEN_KEY = 'jobmate-docs-token';
  const METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace'];
  // Response headers worth showing after "Send"; the rest is transport and secure-headers noise.
  const SHOWN_HEADERS = [
    'content-type', 'content-length', 'cache-control', 'location', 'retry-after',
    'www-authenticate', 'x-request-id', 'x-response-time',
  ];
  // Bounds for walking schemas: component schemas may be recursive.
  const MAX_DEPTH = 8;
  // Rendering megabytes into a <pre> freezes the tab; the rest stays available via curl.
  const MAX_SHOWN_CHARS = 200000;
  const BACKTICK = '\u0060';

  let doc = {};
  let schemaIds = new Map();
  const usedIds = new Set();

  // ---- DOM helpers --------------------------------------------------------------------------

  // The only way this script creates markup. String children become text nodes and attribute
  // values go through setAttribute, so nothing from the document or a response is parsed as HTML.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    return add(el, children);
  }

  function add(parent, children) {
    for (const child of [children].flat(Infinity)) {
      if (child === undefined || child === null || child === false || child === '') continue;
      parent.append(child instanceof Node ? child : String(child));
    }
    return parent;
  }

  function badge(text, kind) {
    return h('span', { class: 'badge ' + (kind || text) }, text);
  }

  function section(title, ...content) {
    return h('section', { class: 'block' }, h('h3', null, title), content);
  }

  // Descriptions use a little Markdown; render only paragraphs and inline code, as text.
  function richText(text) {
    const frag = document.createDocumentFragment();
    for (const paragraph of String(text).split(/\n\s*\n/)) {
      const p = h('p', { class: 'desc' });
      paragraph.split(BACKTICK).forEach((part, i) => add(p, i % 2 ? h('code', null, part) : part));
      frag.append(p);
    }
    return frag;
  }

  // Ids come from method + path or schema names; slug them and keep them unique for anchors.
  function uniqueId(base) {
    const root = String(base).toLowerCase().replace(/[^a-z0-9_]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
    let id = root;
    for (let n = 2; usedIds.has(id); n++) id = root + '-' + n;
    usedIds.add(id);
    return id;
  }

  function lockIcon() {
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    for (const [k, v] of Object.entries({ viewBox: '0 0 16 16', width: '14', height: '14', 'aria-hidden': 'true' })) {
      svg.setAttribute(k, v);
    }
    const path = document.createElementNS(ns, 'path');
    path.setAttribute('fill', 'currentColor');
    path.setAttribute('d', 'M4 7V5a4 4 0 1 1 8 0v2h.5A1.5 1.5 0 0 1 14 8.5v5a1.5 1.5 0 0 1-1.5 1.5h-9A1.5 1.5 0 0 1 2 13.5v-5A1.5 1.5 0 0 1 3.5 7H4zm2 0h4V5a2 2 0 1 0-4 0v2z');
    svg.append(path);
    return h('span', { class: 'lock', title: 'Requires a bearer token' }, svg,
      h('span', { class: 'visually-hidden' }, 'requires a bearer token'));
  }

  // ---- Token (sessionStorage: gone when the tab closes, never sent anywhere but this origin) ---

  const store = {
    get() {
      try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return store.memory || ''; }
    },
    set(value) {
      store.memory = value;
      try {
        if (value) sessionStorage.setItem(TOKEN_KEY, value);
        else sessionStorage.removeItem(TOKEN_KEY);
      } catch { /* storage disabled: the in-memory copy still works for this page */ }
    },
  };

  // People paste "Bearer eyJ..." as often as "eyJ..."; accept both.
  function currentToken() {
    return store.get().trim().replace(/^bearer\s+/i, '');
  }

  // Reads (does not verify) a JWT's claims, only to tell the user when the token expires.
  function jwtClaims(token) {
    try {
      const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      const bytes = Uint8Array.from(atob(part.padEnd(Math.ceil(part.length / 4) * 4, '=')), (c) => c.charCodeAt(0));
      const claims = JSON.parse(new TextDecoder().decode(bytes));
      return claims && typeof claims === 'object' ? claims : null;
    } catch {
      return null;
    }
  }

  function tokenState(token) {
    if (!token) return 'No token: operations with a lock will answer 401.';
    const claims = jwtClaims(token);
    if (!claims || typeof claims.exp !== 'number') return 'Token set: sent with operations that have a lock.';
    const minutes = Math.round((claims.exp * 1000 - Date.now()) / 60000);
    const subject = typeof claims.sub === 'string' ? ' Subject: ' + claims.sub + '.' : '';
    return minutes > 0
      ? 'Token set, expires in ' + minutes + ' min.' + subject
      : 'This token expired ' + -minutes + ' min ago.' + subject;
  }

  function setupToken() {
    const input = document.getElementById('token');
    const toggle = document.getElementById('token-toggle');
    const state = document.getElementById('token-state');
    const show = () => { state.textContent = tokenState(currentToken()); };
    input.value = store.get();
    input.addEventListener('input', () => { store.set(input.value.trim()); show(); });
    document.getElementById('token-clear').addEventListener('click', () => {
      input.value = '';
      store.set('');
      show();
      input.focus();
    });
    toggle.addEventListener('click', () => {
      const visible = input.type === 'password';
      input.type = visible ? 'text' : 'password';
      toggle.textContent = visible ? 'Hide' : 'Show';
      toggle.setAttribute('aria-pressed', String(visible));
    });
    show();
  }

  // ---- Reading the document -----------------------------------------------------------------

  // Local JSON pointers only ("#/components/schemas/Job"): the page must never fetch elsewhere.
  function resolvePointer(ref) {
    if (typeof ref !== 'string' || !ref.startsWith('#/')) return undefined;
    let node = doc;
    for (const raw of ref.slice(2).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (!node || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
      node = node[key];
    }
    return node;
  }

  // Follows a chain of $ref (parameters, bodies, responses, schemas). "name" is the last
  // component's name, used as a label and link; sibling keys (3.1 allows them) win over the target.
  function deref(value) {
    let name = null;
    let node = value;
    const overrides = {};
    for (let hops = 0; node && typeof node === 'object' && typeof node.$ref === 'string' && hops < 20; hops++) {
      for (const [k, v] of Object.entries(node)) if (k !== '$ref' && !(k in overrides)) overrides[k] = v;
      name = node.$ref.split('/').pop();
      node = resolvePointer(node.$ref);
    }
    const target = node && typeof node === 'object' ? node : {};
    return { value: Object.keys(overrides).length ? { ...target, ...overrides } : target, name };
  }

  // One view of a schema for rendering: resolved, allOf merged, and the three spellings of
  // "or null" (3.1 type arrays, 3.0 nullable, a null branch in anyOf/oneOf) collapsed into a flag.
  function normalize(input, depth) {
    const { value, name } = deref(input);
    let schema = value.allOf ? mergeAllOf(value, depth || 0) : value;
    let nullable = schema.nullable === true;
    let types = [].concat(schema.type || []).map(String);
    if (types.includes('null')) {
      nullable = true;
      types = types.filter((t) => t !== 'null');
    }
    let variants = null;
    let variantKind = null;
    for (const kind of ['oneOf', 'anyOf']) {
      if (!Array.isArray(schema[kind])) continue;
      const rest = schema[kind].filter((v) => deref(v).value.type !== 'null');
      if (rest.length < schema[kind].length) nullable = true;
      if (rest.length === 1 && !types.length && !schema.properties && (depth || 0) < MAX_DEPTH) {
        // "X or null": show X itself, nullable.
        const inner = normalize(rest[0], (depth || 0) + 1);
        const description = schema.description || inner.schema.description;
        schema = { ...inner.schema, description };
        return { ...inner, schema, nullable: true, name: inner.name || name };
      }
      variants = rest;
      variantKind = kind;
    }
    return { schema, name, nullable, types, variants, variantKind };
  }

  function mergeAllOf(schema, depth) {
    const merged = { ...schema, properties: { ...(schema.properties || {}) }, required: [...(schema.required || [])] };
    delete merged.allOf;
    if (depth > MAX_DEPTH) return merged;
    for (const part of schema.allOf) {
      const n = normalize(part, depth + 1).schema;
      Object.assign(merged.properties, n.properties || {});
      merged.required.push(...(n.required || []));
      if (!merged.type && n.type) merged.type = n.type;
      if (!merged.description && n.description) merged.description = n.description;
    }
    return merged;
  }

  function schemaLink(name) {
    const id = schemaIds.get(name);
    return id ? h('a', { href: '#' + id, onclick: () => openTarget(id) }, name) : name;
  }

  // "string (date-time)", "array of Job", "map of string", "one of"...
  function typeNode(n, depth) {
    const s = n.schema;
    const d = (depth || 0) + 1;
    let content;
    if (n.variants) content = n.variantKind === 'oneOf' ? 'one of' : 'any of';
    else if (n.name && d > 1) content = schemaLink(n.name);
    else {
      const type = n.types.length ? n.types.join(' | ') : s.properties ? 'object' : s.items ? 'array' : 'any';
      if (type === 'array' && s.items && d < MAX_DEPTH) {
        content = ['array of ', typeNode(normalize(s.items, d), d)];
      } else if (type === 'object' && !s.properties && s.additionalProperties && typeof s.additionalProperties === 'object' && d < MAX_DEPTH) {
        content = ['map of ', typeNode(normalize(s.additionalProperties, d), d)];
      } else {
        content = n.name ? [schemaLink(n.name), ' ' + type] : type;
      }
      if (s.format) content = [content, ' (' + s.format + ')'];
    }
    return h('span', { class: 'type' }, content);
  }

  const json = (value) => JSON.stringify(value);

  // Constraints worth knowing when writing a request: enum, default, limits, pattern, example.
  function metaNodes(n) {
    const s = n.schema;
    const out = [];
    const meta = (label, ...value) => out.push(h('span', { class: 'meta' }, label + ': ', value));
    if (Array.isArray(s.enum)) {
      meta('enum', s.enum.map((v, i) => [i ? ' | ' : '', h('code', null, json(v))]));
    }
    if ('const' in s) meta('const', h('code', null, json(s.const)));
    if ('default' in s) meta('default', h('code', null, json(s.default)));
    const range = (min, max, unit) => {
      if (min !== undefined && max !== undefined) return min + '–' + max + unit;
      if (min !== undefined) return '≥ ' + min + unit;
      if (max !== undefined) return '≤ ' + max + unit;
      return null;
    };
    const value = range(s.minimum, s.maximum, '');
    const length = range(s.minLength, s.maxLength, ' chars');
    const items = range(s.minItems, s.maxItems, ' items');
    if (value) meta('range', value);
    if (length) meta('length', length);
    if (items) meta('size', items);
    if (s.pattern) meta('pattern', h('code', null, s.pattern));
    if (s.example !== undefined && !Array.isArray(s.enum)) meta('example', h('code', null, json(s.example)));
    // additionalProperties: false means unknown fields are rejected (400), worth a mention.
    if (s.additionalProperties === false && s.properties) out.push(badge('no other fields', 'closed'));
    if (s.readOnly) out.push(badge('read-only', 'readonly'));
    if (s.writeOnly) out.push(badge('write-only', 'writeonly'));
    if (s.deprecated) out.push(badge('deprecated'));
    return out;
  }

  // The nested part of a schema: its properties, its items' properties or its variants.
  function schemaChildren(n, depth, trail) {
    const s = n.schema;
    if (depth > MAX_DEPTH) return null;
    if (n.name) {
      if (trail.includes(n.name)) return null; // recursive: the link to the schema is enough
      trail = trail.concat(n.name);
    }
    if (n.variants) {
      return h('ol', null, n.variants.map((v, i) =>
        propertyItem(null, v, false, depth + 1, trail, 'option ' + (i + 1))));
    }
    if (s.properties && typeof s.properties === 'object') {
      const required = new Set(Array.isArray(s.required) ? s.required : []);
      const items = Object.entries(s.properties).map(([key, value]) =>
        propertyItem(key, value, required.has(key), depth + 1, trail));
      if (s.additionalProperties && typeof s.additionalProperties === 'object') {
        items.push(propertyItem('[key: string]', s.additionalProperties, false, depth + 1, trail));
      }
      return h('ul', null, items);
    }
    if (s.items) return schemaChildren(normalize(s.items, depth), depth + 1, trail);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      return schemaChildren(normalize(s.additionalProperties, depth), depth + 1, trail);
    }
    return null;
  }

  function propertyItem(name, schema, required, depth, trail, label) {
    const n = normalize(schema, depth);
    const description = n.schema.description;
    return h('li', null,
      h('div', { class: 'prop-line' },
        label && h('span', { class: 'variant-label' }, label),
        name !== null && h('code', { class: 'prop-name' }, name),
        typeNode(n, depth),
        required && badge('required'),
        n.nullable && badge('nullable'),
        metaNodes(n)),
      description && h('div', { class: 'prop-desc' }, richText(description)),
      schemaChildren(n, depth, trail));
  }

  // A whole schema as an outline: a type line, then nested properties.
  function schemaView(schema, trail) {
    const n = normalize(schema, 0);
    return h('div', { class: 'schema' },
      h('div', { class: 'prop-line' }, typeNode(n, 0), n.nullable && badge('nullable'), metaNodes(n)),
      n.schema.description && h('div', { class: 'prop-desc' }, richText(n.schema.description)),
      schemaChildren(n, 0, trail || []));
  }

  // A starting value for the body editor: example, default or enum first, then the right shape.
  function exampleOf(schema, depth, trail) {
    const n = normalize(schema, depth);
    const s = n.schema;
    if (depth > 6) return null;
    if (n.name) {
      if (trail.includes(n.name)) return null;
      trail = trail.concat(n.name);
    }
    if (s.example !== undefined) return s.example;
    if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
    if (s.default !== undefined) return s.default;
    if ('const' in s) return s.const;
    if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
    if (n.variants && n.variants.length) return exampleOf(n.variants[0], depth + 1, trail);
    const type = n.types[0] || (s.properties ? 'object' : s.items ? 'array' : null);
    if (type === 'object') {
      const out = {};
      for (const [key, value] of Object.entries(s.properties || {})) out[key] = exampleOf(value, depth + 1, trail);
      return out;
    }
    if (type === 'array') return s.items ? [exampleOf(s.items, depth + 1, trail)] : [];
    if (type === 'integer' || type === 'number') return typeof s.minimum === 'number' ? s.minimum : 0;
    if (type === 'boolean') return false;
    if (type === 'string') {
      const byFormat = {
        'date-time': new Date().toISOString(), date: new Date().toISOString().slice(0, 10),
        email: 'user@example.com', uri: 'https://example.com/', url: 'https://example.com/',
        uuid: '00000000-0000-4000-8000-000000000000',
      };
      return byFormat[s.format] || 'string';
    }
    return null;
  }

  // An operation needs a token when every security alternative names a scheme ([{}] = optional).
  function securityOf(op) {
    const requirements = Array.isArray(op.security) ? op.security : Array.isArray(doc.security) ? doc.security : [];
    const schemes = (doc.components && doc.components.securitySchemes) || {};
    const names = requirements.flatMap((r) => (r && typeof r === 'object' ? Object.keys(r) : []));
    const bearer = names.some((name) => {
      const scheme = deref(schemes[name]).value;
      return (scheme.type === 'http' && /^bearer$/i.test(String(scheme.scheme))) ||
        scheme.type === 'oauth2' || scheme.type === 'openIdConnect';
    });
    const required = requirements.length > 0 && requirements.every((r) => r && Object.keys(r).length > 0);
    return { required, bearer, names: [...new Set(names)] };
  }

  // Paths and their operations, grouped by first tag, in the document's tag order.
  function collectOperations() {
    const groups = new Map();
    for (const tag of Array.isArray(doc.tags) ? doc.tags : []) {
      if (tag && tag.name) groups.set(String(tag.name), { name: String(tag.name), description: tag.description, ops: [] });
    }
    for (const [path, item] of Object.entries(doc.paths || {})) {
      if (!item || typeof item !== 'object') continue;
      for (const method of METHODS) {
        const op = item[method];
        if (!op || typeof op !== 'object') continue;
        const tag = String((Array.isArray(op.tags) && op.tags[0]) || 'Other');
        if (!groups.has(tag)) groups.set(tag, { name: tag, ops: [] });
        const params = mergeParameters(item.parameters, op.parameters);
        const search = [method, path, op.summary, op.description, op.operationId, tag]
          .filter(Boolean).join(' ').toLowerCase();
        groups.get(tag).ops.push({ method, path, op, params, search, security: securityOf(op) });
      }
    }
    return [...groups.values()].filter((g) => g.ops.length);
  }

  // Path-level parameters apply to every operation; the operation's own override by (in, name).
  function mergeParameters(shared, own) {
    const byKey = new Map();
    for (const raw of [].concat(shared || [], own || [])) {
      const p = deref(raw).value;
      if (p.name && p.in) byKey.set(p.in + ':' + p.name, p);
    }
    return [...byKey.values()];
  }

  // ---- Rendering the reference --------------------------------------------------------------

  function operationView(entry) {
    const { method, path, op } = entry;
    entry.id = uniqueId('op-' + method + '-' + path);
    const el = h('details', { class: 'op', id: entry.id },
      h('summary', null,
        h('span', { class: 'method m-' + method }, method.toUpperCase()),
        h('code', { class: 'path' }, path),
        h('span', { class: 'op-summary' }, op.summary || ''),
        entry.security.required && lockIcon(),
        op.deprecated && badge('deprecated')));
    // The body is built on first open: quick first paint, and nothing hidden to keep in sync.
    let built = false;
    el.addEventListener('toggle', () => {
      if (!el.open) return;
      if (!built) {
        built = true;
        el.append(operationBody(entry));
      }
      history.replaceState(null, '', '#' + entry.id);
    });
    entry.el = el;
    return el;
  }

  function operationBody(entry) {
    const { op, security } = entry;
    return h('div', { class: 'op-body' },
      op.description && richText(op.description),
      security.names.length > 0 && h('p', { class: 'desc muted' },
        security.required ? 'Requires ' : 'Accepts ',
        security.names.map((name, i) => [i ? ', ' : '', h('code', null, name)]),
        security.bearer ? ': the token from the top of the page is sent as Authorization: Bearer.' : '.'),
      op.operationId && h('p', { class: 'desc muted' }, 'operationId ', h('code', null, op.operationId)),
      parametersView(entry.params),
      requestBodyView(op.requestBody),
      responsesView(op.responses),
      tryItView(entry));
  }

  function parametersView(params) {
    if (!params.length) return null;
    const rows = params.map((p) => {
      const n = normalize(p.schema || {}, 0);
      const description = p.description || n.schema.description;
      return h('tr', null,
        h('td', null, h('code', { class: 'prop-name' }, p.name), ' ', p.required && badge('required')),
        h('td', null, p.in),
        h('td', null, h('div', { class: 'prop-line' }, typeNode(n, 0), n.nullable && badge('nullable'), metaNodes(n))),
        h('td', null, description && richText(description)));
    });
    return section('Parameters', h('table', { class: 'params' },
      h('thead', null, h('tr', null, ['Name', 'In', 'Schema', 'Description'].map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', null, rows)));
  }

  function requestBodyView(raw) {
    if (!raw) return null;
    const body = deref(raw).value;
    const content = Object.entries(body.content || {});
    return h('section', { class: 'block' },
      h('h3', null, 'Request body', body.required ? badge('required') : badge('optional', 'optional')),
      body.description && richText(body.description),
      content.map(([type, media]) => h('div', { class: 'media' },
        h('code', { class: 'media-type' }, type),
        media && media.schema && schemaView(media.schema))));
  }

  function responsesView(responses) {
    const entries = Object.entries(responses || {});
    if (!entries.length) return null;
    return section('Responses', entries.map(([code, raw]) => responseItem(code, deref(raw).value)));
  }

  function responseItem(code, response) {
    const content = Object.entries(response.content || {});
    const headers = Object.keys(response.headers || {});
    const head = [
      h('span', { class: 'status s' + String(code).charAt(0) }, code),
      h('span', null, response.description || ''),
      content.map(([type]) => h('code', { class: 'media-type' }, type)),
      headers.length > 0 && h('span', { class: 'meta' }, 'headers: ', headers.join(', ')),
    ];
    const schemas = content.filter(([, media]) => media && media.schema);
    if (!schemas.length) return h('div', { class: 'response' }, h('div', { class: 'resp-head' }, head));
    // Success shapes open, error shapes (all the same envelope) folded.
    return h('details', { class: 'response', open: String(code).startsWith('2') },
      h('summary', null, head),
      schemas.map(([, media]) => schemaView(media.schema)));
  }

  function schemasSection() {
    const schemas = Object.entries((doc.components && doc.components.schemas) || {});
    if (!schemas.length) return null;
    return h('section', { class: 'schemas-section', id: uniqueId('schemas') },
      h('h2', null, 'Schemas'),
      schemas.map(([name, schema]) => h('details', { class: 'schema-entry', id: schemaIds.get(name) },
        h('summary', null, name),
        schemaView(deref(schema).value, [name]))));
  }

  // ---- Try it -------------------------------------------------------------------------------

  function tryItView(entry) {
    const { method, path, op } = entry;
    // Cookie parameters cannot be set from fetch; header parameters can (except forbidden ones).
    const fields = entry.params.filter((p) => ['path', 'query', 'header'].includes(p.in)).map((p) => paramField(p, entry.id));
    const body = bodyEditor(op.requestBody, entry.id);
    const result = h('div', { class: 'result', role: 'status', 'aria-live': 'polite' });
    const button = h('button', { type: 'submit', class: 'primary' }, 'Send');
    const form = h('form', { class: 'try', 'aria-label': 'Try ' + method.toUpperCase() + ' ' + path, novalidate: true },
      h('h3', null, 'Try it'),
      (fields.length || body) ? h('div', { class: 'fields' }, fields.map((f) => f.row), body && body.row) : null,
      h('div', { class: 'actions' }, button),
      result);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      send(entry, fields, body, result, button);
    });
    return form;
  }

  function paramField(param, opId) {
    const id = uniqueId(opId + '-' + param.in + '-' + param.name);
    const n = normalize(param.schema || {}, 0);
    const s = n.schema;
    const choices = Array.isArray(s.enum) ? s.enum : n.types[0] === 'boolean' ? [true, false] : null;
    let input;
    if (choices) {
      // Unset by default, so optional parameters keep the server's default.
      input = h('select', { id },
        h('option', { value: '' }, param.required ? '(choose)' : '(not set)'),
        choices.map((v) => h('option', { value: String(v) }, String(v))));
    } else {
      const hint = s.example !== undefined ? s.example : s.default !== undefined ? s.default : n.types[0] || '';
      input = h('input', {
        id, type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: String(hint),
        inputmode: n.types[0] === 'integer' ? 'numeric' : n.types[0] === 'number' ? 'decimal' : null,
        required: Boolean(param.required),
      });
    }
    const label = h('label', { for: id }, h('code', { class: 'prop-name' }, param.name),
      h('span', { class: 'muted' }, param.in), param.required && badge('required'));
    return { param, input, row: h('div', { class: 'field' }, label, input) };
  }

  const isJson = (type) => /^application\/(.+\+)?json\b/i.test(type);

  function bodyEditor(raw, opId) {
    if (!raw) return null;
    const body = deref(raw).value;
    const types = Object.keys(body.content || {});
    if (!types.length) return null;
    const id = uniqueId(opId + '-body');
    const textarea = h('textarea', { id, class: 'code-input', rows: 10, spellcheck: 'false', autocomplete: 'off' });
    const select = types.length > 1
      ? h('select', { 'aria-label': 'Body content type' }, types.map((t) => h('option', { value: t }, t)))
      : null;
    const contentType = () => (select ? select.value : types[0]);
    // Replace the editor's text on a content-type switch only while it still holds our example.
    let example = '';
    const fill = () => {
      const media = body.content[contentType()] || {};
      let next = '';
      if (media.example !== undefined) next = typeof media.example === 'string' ? media.example : JSON.stringify(media.example, null, 2);
      else if (isJson(contentType()) && media.schema) next = JSON.stringify(exampleOf(media.schema, 0, []), null, 2);
      if (textarea.value === example) textarea.value = next;
      textarea.placeholder = 'A ' + contentType() + ' body';
      example = next;
    };
    if (select) select.addEventListener('change', fill);
    fill();
    const label = h('label', { for: id }, 'Body', body.required && badge('required'));
    return {
      textarea, contentType, required: Boolean(body.required),
      row: h('div', { class: 'field wide' }, h('div', { class: 'prop-line' }, label, select), textarea),
    };
  }

  // Builds the request from the form; returns {error} when something the user typed is unusable.
  function buildRequest(entry, fields, body) {
    let path = entry.path;
    const query = new URLSearchParams();
    const headers = new Headers({ Accept: 'application/json' });
    for (const { param, input } of fields) {
      const value = input.value.trim();
      if (!value) {
        if (param.required) return { error: param.name + ' (' + param.in + ') is required.', focus: input };
        continue;
      }
      if (param.in === 'path') path = path.split('{' + param.name + '}').join(encodeURIComponent(value));
      else if (param.in === 'query') query.append(param.name, value);
      else headers.set(param.name, value);
    }
    let payload;
    if (body) {
      const text = body.textarea.value;
      if (text.trim()) {
        const type = body.contentType();
        if (isJson(type)) {
          try { JSON.parse(text); } catch (err) {
            return { error: 'The body is not valid JSON: ' + err.message, focus: body.textarea };
          }
        }
        headers.set('Content-Type', type);
        payload = text;
      } else if (body.required) {
        return { error: 'This operation needs a body.', focus: body.textarea };
      }
    }
    const token = currentToken();
    if (token && entry.security.bearer) headers.set('Authorization', 'Bearer ' + token);
    const qs = query.toString();
    // Always this origin: the page is served by the API it documents (and the CSP allows only it).
    const url = new URL(path + (qs ? '?' + qs : ''), location.origin).href;
    return { method: entry.method.toUpperCase(), url, headers, body: payload };
  }

  async function send(entry, fields, body, result, button) {
    const request = buildRequest(entry, fields, body);
    if (request.error) {
      result.replaceChildren(h('p', { class: 'error', role: 'alert' }, request.error));
      if (request.focus) request.focus.focus();
      return;
    }
    button.disabled = true;
    result.replaceChildren(h('p', { class: 'note muted' }, 'Sending ' + request.method + ' ' + request.url + '…'));
    const started = performance.now();
    try {
      const response = await fetch(request.url, {
        method: request.method, headers: request.headers, body: request.body,
        credentials: 'same-origin', signal: AbortSignal.timeout(30000),
      });
      const text = await response.text();
      result.replaceChildren();
      add(result, responseView(request, response, text, performance.now() - started));
    } catch (err) {
      result.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'The request failed: ' + err.message));
    } finally {
      button.disabled = false;
    }
  }

  function prettyBody(text, type) {
    if (!text) return '(empty body)';
    if (/json/i.test(type || '') && !/ndjson/i.test(type || '')) {
      try { text = JSON.stringify(JSON.parse(text), null, 2); } catch { /* show it as sent */ }
    }
    return text.length > MAX_SHOWN_CHARS
      ? text.slice(0, MAX_SHOWN_CHARS) + '\n… (' + (text.length - MAX_SHOWN_CHARS) + ' more characters)'
      : text;
  }

  function responseView(request, response, text, ms) {
    const shown = SHOWN_HEADERS.filter((name) => response.headers.has(name));
    return [
      h('div', { class: 'result-line' },
        h('span', { class: 'status s' + String(response.status).charAt(0) }, String(response.status)),
        h('span', null, response.statusText),
        h('span', { class: 'muted' }, Math.round(ms) + ' ms'),
        h('code', { class: 'result-url' }, request.method + ' ' + request.url)),
      shown.length > 0 && h('dl', { 'aria-label': 'Response headers' },
        shown.map((name) => [h('dt', null, name), h('dd', null, response.headers.get(name))])),
      response.status === 401 && !currentToken() &&
        h('p', { class: 'note muted' }, 'No bearer token is set: paste one in the field at the top of the page.'),
      h('pre', { class: 'response-body' }, h('code', null, prettyBody(text, response.headers.get('content-type')))),
      h('details', { class: 'curl' }, h('summary', null, 'As curl'), h('pre', null, h('code', null, curlOf(request)))),
    ];
  }

  // The same request for a terminal. The token is left as $TOKEN so copies do not leak it.
  function curlOf(request) {
    const quote = (s) => "'" + String(s).replace(/'/g, "'\\''") + "'";
    const parts = ['curl', '-i', '-X', request.method, quote(request.url)];
    for (const [name, value] of request.headers) {
      parts.push('-H', name === 'authorization' ? '"Authorization: Bearer $TOKEN"' : quote(name + ': ' + value));
    }
    if (request.body !== undefined) parts.push('--data-binary', quote(request.body));
    return parts.join(' ');
  }

  // ---- Filter and navigation ----------------------------------------------------------------

  // Every word must appear in the method, path, summary, description, operationId or tag.
  function setupFilter(groups) {
    const input = document.getElementById('filter');
    const count = document.getElementById('filter-count');
    const total = groups.reduce((sum, g) => sum + g.ops.length, 0);
    const apply = () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const group of groups) {
        let any = false;
        for (const entry of group.ops) {
          const match = words.every((w) => entry.search.includes(w));
          entry.el.hidden = !match;
          entry.navItem.hidden = !match;
          if (match) shown++;
          any = any || match;
        }
        group.el.hidden = !any;
        group.navEl.hidden = !any;
      }
      count.textContent = words.length ? shown + ' of ' + total + ' operations match' : total + ' operations';
      document.getElementById('no-match').hidden = shown > 0;
    };
    input.addEventListener('input', apply);
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') { input.value = ''; apply(); }
    });
    // "/" focuses the filter unless the user is typing somewhere.
    document.addEventListener('keydown', (event) => {
      const typing = event.target.closest && event.target.closest('input, textarea, select');
      if (event.key === '/' && !typing && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        input.focus();
      }
    });
    apply();
  }

  // Opens the operation or schema an anchor points at (links, reloads with a #hash).
  function openTarget(id) {
    const target = id && document.getElementById(id);
    if (target && target.tagName === 'DETAILS') target.open = true;
    return target;
  }

  function openFromHash() {
    let id = '';
    try { id = decodeURIComponent(location.hash.slice(1)); } catch { return; }
    const target = openTarget(id);
    if (target) target.scrollIntoView({ block: 'start' });
  }

  function navView(groups) {
    return groups.map((group) => {
      group.navEl = h('div', { class: 'nav-group' },
        h('p', { class: 'nav-tag' }, group.name),
        h('ul', null, group.ops.map((entry) => {
          entry.navItem = h('li', null, h('a', { href: '#' + entry.id, onclick: () => openTarget(entry.id) },
            h('span', { class: 'method small m-' + entry.method }, entry.method.toUpperCase()),
            h('span', { class: 'nav-path', title: entry.path }, entry.path)));
          return entry.navItem;
        })));
      return group.navEl;
    });
  }

  // ---- Page ---------------------------------------------------------------------------------

  function render() {
    const info = (doc && doc.info) || {};
    const title = String(info.title || 'API');
    document.title = title + ' reference';
    document.getElementById('api-title').textContent = title;
    document.getElementById('api-version').textContent = info.version ? 'v' + info.version : '';
    if (info.description) document.getElementById('api-description').replaceChildren(richText(info.description));

    // Anchors for component schemas first: operations link to them.
    const schemas = (doc.components && doc.components.schemas) || {};
    schemaIds = new Map(Object.keys(schemas).map((name) => [name, uniqueId('schema-' + name)]));

    const groups = collectOperations();
    const sections = groups.map((group) => {
      const headingId = uniqueId('tag-' + group.name);
      group.el = h('section', { class: 'tag-section', 'aria-labelledby': headingId },
        h('h2', { id: headingId }, group.name),
        group.description && richText(group.description),
        group.ops.map(operationView));
      return group.el;
    });
    const content = document.getElementById('content');
    content.replaceChildren();
    add(content, [
      sections,
      h('p', { class: 'empty', id: 'no-match', hidden: true }, 'No operation matches the filter.'),
      schemasSection(),
    ]);
    document.getElementById('nav').replaceChildren(...navView(groups));
    setupFilter(groups);
    openFromHash();
  }

  async function main() {
    setupToken();
    window.addEventListener('hashchange', openFromHash);
    const content = document.getElementById('content');
    try {
      const response = await fetch('/openapi.json', { headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error('GET /openapi.json answered ' + response.status);
      doc = await response.json();
      if (!doc || typeof doc !== 'object') throw new Error('/openapi.json is not an object');
      render();
    } catch (err) {
      content.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'Could not show the API reference: ' + err.message));
    }
  }

  main();
})();
`;
