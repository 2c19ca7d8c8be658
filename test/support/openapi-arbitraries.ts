/**
 * fast-check arbitraries of HTTP requests, built from an OpenAPI 3.1 document (the app's own
 * `/openapi.json`): for each operation, requests that are mostly almost right (schema-shaped values
 * with wrong types, edge values and hostile strings), sometimes anything at all. Used by
 * test/fuzz/openapi.test.ts; the schema keywords read are type, enum, format, minimum, maximum,
 * minLength, maxLength, pattern, items, properties and required.
 */
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// The parts of OpenAPI 3.1 read here

export interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface OperationRef {
  method: string;
  path: string;
  operation: Operation;
}

/** The document, and the rows that exist: ids are drawn from them as often as made up. */
export interface Spec {
  doc: OpenApiDocument;
  ids: { integer: number[]; uuid: string[] };
  /** Valid values of fields the schema cannot enumerate, by field name (they come from configuration). */
  known?: Record<string, unknown[]>;
}

const httpMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function operationsOf(doc: OpenApiDocument): OperationRef[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => httpMethods.includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema {
  let current = schema ?? {};
  for (let hops = 0; current.$ref && hops < 10; hops++) {
    current = doc.components?.schemas?.[current.$ref.replace('#/components/schemas/', '')] ?? {};
  }
  return current;
}

const typesOf = (schema: Schema) =>
  Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];

// ---------------------------------------------------------------------------------------------
// Strings

/** Characters that trip naive code: NUL, lone surrogates, bidi override, BOM, combining marks, astral... */
// biome-ignore format: a table
const oddChars = ['\u0000', '\ud800', '\udfff', '\u202e', '\ufeff', '\uffff', '\u0301', '\u2028', '\u00a0',
  '𝕏', '😀', 'é', '%', '\\', '"', "'", '<', '&', '\n', '\r', '\t', ' '];

const charUnit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' }) },
  { weight: 2, arbitrary: fc.constantFrom(...oddChars) },
);

/** Text of printable ASCII, any Unicode and odd characters (lone surrogates and NUL included). */
const text = (minLength = 0, maxLength = 30) => fc.string({ unit: charUnit, minLength, maxLength });

/** Any JSON value, strings with odd characters, keys that name object machinery included. */
const anyJson = fc.jsonValue({ maxDepth: 3, stringUnit: charUnit });

/** Valid strings that mean something to a query language, a shell, a template or a spreadsheet. */
// biome-ignore format: a table
const trickyStrings = ['NOT', 'a OR b', 'NEAR(a b)', 'a*', '*', '"unterminated', 'col:x', '^a', '-a', '()',
  "' OR 1=1 --", '%_\\', '$' + '{x}', '{{x}}', '=1+1', '../..'];

const dangerousKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''];

// ---------------------------------------------------------------------------------------------
// Values of a schema

/** Values the schema allows (loosely: lengths count graphemes, not code units). */
function validValue(spec: Spec, schema: Schema | undefined, name = ''): fc.Arbitrary<unknown> {
  const s = resolve(spec.doc, schema);
  if (s.enum) return fc.constantFrom(...s.enum);
  const types = typesOf(s);
  const nonNull = types.filter((t) => t !== 'null');
  const base = nonNull.length > 0 ? fc.oneof(...nonNull.map((t) => validOfType(spec, s, t, name))) : anyJson;
  const known = spec.known?.[name] ?? [];
  const value =
    known.length > 0
      ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: base })
      : base;
  return types.includes('null') ? fc.oneof(fc.constant(null), value) : value;
}

function validOfType(spec: Spec, s: Schema, type: string, name: string): fc.Arbitrary<unknown> {
  switch (type) {
    case 'integer': {
      const min = s.minimum ?? -(2 ** 31);
      const max = s.maximum ?? 2 ** 31;
      const range = fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
      return isId(name) ? oneOfExisting(spec.ids.integer, range) : range;
    }
    case 'number':
      return fc.double({ min: s.minimum, max: s.maximum, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(validValue(spec, s.items, name), { maxLength: 4 });
    case 'object': {
      const properties = s.properties ?? {};
      if (Object.keys(properties).length === 0) return fc.dictionary(text(0, 10), anyJson, { maxKeys: 4 });
      const model = Object.fromEntries(
        Object.entries(properties).map(([key, child]) => [key, validValue(spec, child, key)]),
      );
      return fc.record(model, { requiredKeys: s.required ?? [] });
    }
    default:
      return validString(spec, s, name);
  }
}

/** `id`, `job_id`, `resume_id`: names of record ids. */
const isId = (name: string) => /(^|_)id$/.test(name);

/** Mostly one of the rows that exist, sometimes a made-up value. */
function oneOfExisting<T>(existing: T[], madeUp: fc.Arbitrary<T>): fc.Arbitrary<T> {
  if (existing.length === 0) return madeUp;
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...existing) }, { weight: 1, arbitrary: madeUp });
}

function validString(spec: Spec, s: Schema, name: string): fc.Arbitrary<string> {
  if (s.format === 'uuid') return oneOfExisting(spec.ids.uuid, fc.uuid());
  if (s.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern));
  if (/url$/i.test(name)) return fc.webUrl();
  if (/email$/i.test(name)) return fc.emailAddress();
  const min = s.minLength ?? 0;
  const max = s.maxLength ?? 60;
  const tricky = trickyStrings.filter((t) => t.length >= min && t.length <= max);
  return fc.oneof(
    { weight: 5, arbitrary: text(min, Math.max(min, Math.min(max, 60))) },
    { weight: 1, arbitrary: fc.constant('a'.repeat(max)) },
    ...(tricky.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...tricky) }] : []),
  );
}

/** Values of the wrong type, just past a limit, or made of odd characters. */
function wrongValue(spec: Spec, schema: Schema | undefined): fc.Arbitrary<unknown> {
  const s = resolve(spec.doc, schema);
  const edges: unknown[] = [null, '', ' ', 0, -1, true, [], {}, '__proto__', '\u0000', '\ud800'];
  for (const type of typesOf(s)) {
    if (type === 'integer' || type === 'number') {
      edges.push(0.5, -0, 1e308, -1e308, 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1, '1', '1e3', '0x10');
      if (s.minimum !== undefined) edges.push(s.minimum - 1);
      if (s.maximum !== undefined) edges.push(s.maximum + 1);
    } else if (type === 'string') {
      edges.push('   ', 'a\u0000b', '\udc00x', 'null', 'true', '1', '\u202e\ufeff');
      if (s.maxLength !== undefined) edges.push('x'.repeat(s.maxLength + 1), '𝕏'.repeat(s.maxLength));
      if (s.format === 'uuid')
        edges.push('0b5f6a4e2a534f7e9c1d8f3e2b1a4c5d', '{0b5f6a4e-2a53-4f7e-9c1d-8f3e2b1a4c5d}');
    } else if (type === 'boolean') {
      edges.push(1, 'true', 'false', 'yes');
    } else if (type === 'array') {
      edges.push('[]', [null], new Array(1000).fill(0));
    }
  }
  for (const value of s.enum ?? []) {
    if (typeof value === 'string') edges.push(value.toUpperCase(), ` ${value}`, `${value}\u0000`);
    else edges.push(String(value));
  }
  const arbitraries: fc.Arbitrary<unknown>[] = [fc.constantFrom(...edges), anyJson, text()];
  if (typesOf(s).includes('object')) arbitraries.push(mutatedObject(spec, s));
  if (typesOf(s).includes('array')) arbitraries.push(fc.array(wrongValue(spec, s.items), { maxLength: 3 }));
  return fc.oneof(...arbitraries);
}

/**
 * A valid object with a few changes: fields set to wrong values, unknown or dangerous keys added
 * (own properties, so `__proto__` is sent as a key), required fields dropped.
 */
function mutatedObject(spec: Spec, s: Schema): fc.Arbitrary<Record<string, unknown>> {
  const properties = s.properties ?? {};
  const names = Object.keys(properties);
  const change = fc.oneof(
    ...names.map((name) => fc.tuple(fc.constant(name), wrongValue(spec, properties[name]))),
    fc.tuple(fc.constantFrom(...dangerousKeys), anyJson),
    fc.tuple(text(0, 12), anyJson),
  );
  return fc
    .record({
      base: validValue(spec, s),
      changes: fc.array(change, { minLength: 1, maxLength: 3 }),
      dropped: fc.subarray(names, { maxLength: Math.min(2, names.length) }),
    })
    .map(({ base, changes, dropped }) => {
      const fields = new Map(Object.entries(base as Record<string, unknown>));
      for (const name of dropped) fields.delete(name);
      for (const [key, value] of changes) fields.set(key, value);
      return Object.fromEntries(fields);
    });
}

// ---------------------------------------------------------------------------------------------
// Bodies

type Body = string | Uint8Array;

/** A request body and the Content-Type it was made for. */
interface TypedBody {
  contentType: string | undefined;
  body: Body | undefined;
}

// biome-ignore format: a table
const bigNumberLiterals = ['1e400', '-1e400', '123456789012345678901234567890', '1.00000000000000000000001',
  '-0', '0e0', '1E+2', '4.9e-325', '9007199254740993'];

/** Over the app's default body limit (1 MiB). */
const oversizedJson = `{"x":"${'a'.repeat(1_100_000)}"}`;

/** Text a JSON parser does not hope for: deep nesting, huge literals, cut short, not JSON at all, too big. */
function rawJson(valid: fc.Arbitrary<string>, keys: string[]): fc.Arbitrary<Body> {
  const key = fc.constantFrom(...(keys.length > 0 ? keys : ['x']));
  const depth = fc.integer({ min: 1, max: 100_000 });
  return fc.oneof(
    fc.constant(oversizedJson),
    depth.map((n) => '['.repeat(n) + ']'.repeat(n)),
    depth.map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
    fc.tuple(key, depth).map(([k, n]) => `{"${k}":${'['.repeat(n)}${']'.repeat(n)}}`),
    fc.tuple(key, fc.constantFrom(...bigNumberLiterals)).map(([k, n]) => `{"${k}":${n}}`),
    fc
      .tuple(key, anyJson, anyJson)
      .map(([k, a, b]) => `{"${k}":${JSON.stringify(a)},"${k}":${JSON.stringify(b)}}`),
    fc
      .tuple(valid, fc.double({ min: 0, max: 1, noNaN: true }))
      .map(([t, f]) => t.slice(0, Math.floor(t.length * f))),
    valid.map((t) => `\ufeff${t}`),
    valid.map((t) => `${t} trailing`),
    fc.constantFrom('', ' ', 'null', '"x"', '[]', '{}', '{"a":1,}', "{'a':1}", 'NaN', '\u0000'),
    text(0, 40),
    fc.uint8Array({ maxLength: 64 }),
  );
}

/** JSON bodies for a schema: valid, nearly valid, any JSON, or raw text. */
function jsonBody(spec: Spec, schema: Schema | undefined): fc.Arbitrary<Body> {
  const s = resolve(spec.doc, schema);
  const valid = validValue(spec, s).map((v) => JSON.stringify(v));
  const keys = Object.keys(resolve(spec.doc, s.items ?? s).properties ?? {});
  return fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 4, arbitrary: wrongValue(spec, s).map((v) => JSON.stringify(v) ?? '') },
    { weight: 1, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: rawJson(valid, keys) },
  );
}

/** NDJSON: lines of JSON bodies for `items`, junk lines and blank lines. */
function ndjsonBody(spec: Spec, items: Schema | undefined): fc.Arbitrary<Body> {
  const line = fc.oneof(
    { weight: 4, arbitrary: jsonBody(spec, items).filter((b): b is string => typeof b === 'string') },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '[', '{}{}', '\r') },
  );
  return fc
    .tuple(fc.array(line, { maxLength: 5 }), fc.constantFrom('\n', '\r\n'))
    .map(([lines, eol]) => lines.join(eol));
}

// biome-ignore format: a table
const csvOddFields = ['', '"', '""', '"a""b"', '"a\nb"', '"unterminated', 'a"b', '=1+1', ',', '\u0000',
  '\ud800'];

/** CSV: a header of `items` field names (and others), rows of values and quoting trouble. */
function csvBody(spec: Spec, items: Schema | undefined): fc.Arbitrary<Body> {
  const names = Object.keys(resolve(spec.doc, items).properties ?? {});
  const column = fc.oneof(fc.constantFrom(...names, ...dangerousKeys), text(0, 10));
  const field = fc.oneof(text(0, 20), fc.constantFrom(...csvOddFields), fc.integer().map(String));
  return fc
    .record({
      header: fc.array(column, { maxLength: 8 }),
      rows: fc.array(fc.array(field, { maxLength: 8 }), { maxLength: 5 }),
      eol: fc.constantFrom('\n', '\r\n', '\r'),
    })
    .map(({ header, rows, eol }) => [header, ...rows].map((r) => r.join(',')).join(eol));
}

// Multipart ------------------------------------------------------------------------------------

const encoder = new TextEncoder();
const utf8 = (s: string) => encoder.encode(s);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Over the 10 MiB a resume may have. */
const oversizedFile = new Uint8Array(10 * 1024 * 1024 + 1).fill(0x61);

/** File contents: empty, random, text, real documents (whole, cut or changed), magic numbers, too big. */
function fileContent(samples: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const changed = fc
    .record({
      sample: fc.constantFrom(...samples),
      cut: fc.double({ min: 0, max: 1, noNaN: true }),
      flips: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { maxLength: 8 }),
    })
    .map(({ sample, cut, flips }) => {
      const bytes = sample.slice(0, Math.max(1, Math.ceil(sample.length * cut)));
      for (const [at, value] of flips) bytes[at % bytes.length] = value;
      return bytes;
    });
  const junk = fc.uint8Array({ maxLength: 256 });
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(new Uint8Array()) },
    { weight: 4, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    { weight: 4, arbitrary: text(0, 200).map(utf8) },
    { weight: 4, arbitrary: fc.constantFrom(...samples) },
    { weight: 8, arbitrary: changed },
    { weight: 4, arbitrary: junk.map((b) => concat([utf8('%PDF-1.7\n'), b])) },
    { weight: 4, arbitrary: junk.map((b) => concat([Uint8Array.of(0x50, 0x4b, 0x03, 0x04), b])) },
    { weight: 4, arbitrary: junk.map((b) => concat([Uint8Array.of(0xff, 0xfe), b])) },
    { weight: 1, arbitrary: fc.constant(oversizedFile) },
  );
}

// biome-ignore format: a table
const fileNames = ['resume.txt', 'resume.pdf', 'resume.docx', 'RESUME.PDF', 'resume.exe', 'resume', '.txt',
  '', '../../etc/passwd.txt', 'C:\\fakepath\\cv.pdf', 'résumé.pdf', 'a"b.txt', `${'a'.repeat(300)}.txt`];
const partTypes = [
  'text/plain',
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/octet-stream',
  'image/png',
  'text/plain; charset=utf-16',
];
const boundaries = [
  'fuzz-boundary',
  '----WebKitFormBoundary7MA4YWxkTrZu0gW',
  'a',
  'x'.repeat(70),
  'x'.repeat(200),
];

/**
 * multipart/form-data bodies for a schema of parts: the schema's part names and others, parts
 * missing, files of every kind, and envelopes that are wrong (boundary mismatch, no closing line).
 */
function multipartBody(spec: Spec, schema: Schema | undefined, samples: Uint8Array[]) {
  const partNames = Object.keys(resolve(spec.doc, schema).properties ?? {});
  // Mostly well-formed envelopes with the schema's part names, so that files reach the readers.
  const part = fc.record({
    name: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...partNames) },
      { weight: 1, arbitrary: fc.constantFrom(undefined, 'RESUME_FILE', 'file', '') },
      { weight: 1, arbitrary: text(0, 10) },
    ),
    filename: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...fileNames.slice(0, 3)) },
      { weight: 2, arbitrary: fc.constantFrom(undefined, ...fileNames) },
      { weight: 1, arbitrary: text(0, 20) },
    ),
    type: fc.option(fc.constantFrom(...partTypes), { nil: undefined }),
    content: fileContent(samples),
  });
  const usually = <T>(usual: T, ...others: T[]) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant(usual) },
      { weight: 1, arbitrary: fc.constantFrom(...others) },
    );
  return fc
    .record({
      boundary: fc.constantFrom(...boundaries),
      declared: usually('same', 'quoted', 'other', 'none', 'upper'),
      parts: fc.array(part, { minLength: 0, maxLength: 3 }),
      preamble: usually('', 'preamble junk\r\n'),
      ending: usually('--\r\n', '--', '', '\r\n', '--junk'),
      eol: usually('\r\n', '\n'),
    })
    .map(({ boundary, declared, parts, preamble, ending, eol }): TypedBody => {
      const chunks: Uint8Array[] = [utf8(preamble)];
      for (const p of parts) {
        let disposition = 'Content-Disposition: form-data';
        if (p.name !== undefined) disposition += `; name="${p.name}"`;
        if (p.filename !== undefined) disposition += `; filename="${p.filename}"`;
        const headers = p.type ? `${disposition}${eol}Content-Type: ${p.type}` : disposition;
        chunks.push(utf8(`--${boundary}${eol}${headers}${eol}${eol}`), p.content, utf8(eol));
      }
      chunks.push(utf8(`--${boundary}${ending}`));
      const contentType = {
        same: `multipart/form-data; boundary=${boundary}`,
        quoted: `multipart/form-data; boundary="${boundary}"`,
        other: 'multipart/form-data; boundary=another-boundary',
        none: 'multipart/form-data',
        upper: `MULTIPART/FORM-DATA; BOUNDARY=${boundary}`,
      }[declared];
      return { contentType, body: concat(chunks) };
    });
}

/** Bodies for each media type an operation takes, each with its own Content-Type. */
function bodyOf(spec: Spec, operation: Operation, samples: Uint8Array[]): fc.Arbitrary<TypedBody> {
  const content = operation.requestBody?.content;
  if (!content) {
    // A body nobody asked for: mostly none, sometimes JSON anyway.
    return fc.oneof(
      { weight: 4, arbitrary: fc.constant({ contentType: undefined, body: undefined }) },
      { weight: 1, arbitrary: jsonBody(spec, {}).map((body) => ({ contentType: 'application/json', body })) },
    );
  }
  // Text formats (NDJSON, CSV) carry the rows of the JSON variant's array, when there is one.
  const rows = resolve(spec.doc, content['application/json']?.schema).items;
  return fc.oneof(
    ...Object.entries(content).map(([mediaType, { schema }]): fc.Arbitrary<TypedBody> => {
      if (mediaType === 'multipart/form-data') return multipartBody(spec, schema, samples);
      const body =
        mediaType === 'application/x-ndjson'
          ? ndjsonBody(spec, rows)
          : mediaType === 'text/csv'
            ? csvBody(spec, rows)
            : jsonBody(spec, schema);
      return body.map((b) => ({ contentType: mediaType, body: b }));
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Query strings and paths

const unreserved = /^[A-Za-z0-9\-._~]$/;

/** Percent-encodes every byte of the UTF-8 form but unreserved ones (a lone surrogate becomes U+FFFD). */
function percentEncode(value: string): string {
  let out = '';
  for (const byte of encoder.encode(value)) {
    const ch = String.fromCharCode(byte);
    out += unreserved.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Already-encoded fragments that no encoder would produce. */
// biome-ignore format: a table
const percentJunk = ['%', '%zz', '%E0%A4%A', '%ED%A0%80', '%FF', '%C3', '%00', '%u0041', '%%', '+', '%2B',
  '%20'];

// biome-ignore format: a table
const wrongParameterValues = ['', ' ', '0', '-1', '1.5', '1e3', '0x10', ' 1', '１', '99999999999999999999',
  'NaN', 'Infinity', 'null', 'undefined', '[]', 'true'];

/** Query strings: declared parameters valid, invalid, repeated or absent; unknown ones; encoding junk. */
function queryOf(spec: Spec, parameters: Parameter[]): fc.Arbitrary<string> {
  const value = (p: Parameter) =>
    fc.oneof(
      { weight: 3, arbitrary: validValue(spec, p.schema, p.name).map((v) => percentEncode(String(v))) },
      { weight: 1, arbitrary: fc.constantFrom(...wrongParameterValues).map(percentEncode) },
      { weight: 1, arbitrary: text().map(percentEncode) },
      { weight: 1, arbitrary: fc.constantFrom(...percentJunk) },
    );
  const declared = parameters.map((p) =>
    fc.option(
      fc.array(
        value(p).map((v) => `${p.name}=${v}`),
        { minLength: 1, maxLength: 2 },
      ),
      { nil: [] },
    ),
  );
  const unknown = fc.array(
    fc.oneof(
      fc.tuple(text(0, 8), text(0, 8)).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`),
      fc.constantFrom(...percentJunk, '=', '==', '&', 'a', 'a=', '=b', '__proto__=1', 'constructor[x]=1'),
    ),
    { maxLength: 2 },
  );
  return fc
    .tuple(fc.tuple(...declared), unknown)
    .map(([pairs, extra]) => [...pairs.flat(), ...extra].join('&'));
}

// biome-ignore format: a table
const idNotations = ['1e3', '0x10', '%201', '1%20', '-1', '0', '016', '1.0', '+1', '99999999999',
  '2147483648'];
// biome-ignore format: a table
const uuidNotations = ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '0b5f6a4e2a534f7e9c1d8f3e2b1a4c5d', '%7B0b5f6a4e-2a53-4f7e-9c1d-8f3e2b1a4c5d%7D',
  'urn:uuid:0b5f6a4e-2a53-4f7e-9c1d-8f3e2b1a4c5d', '0b5f6a4e-2a53-4f7e-9c1d-8f3e2b1a4c5d0',
  '0b5f6a4e-2a53-4f7e-9c1d-8f3e2b1a4c5g'];
// biome-ignore format: a table
const segmentJunk = ['%', '%zz', '%00', '%2F', '%2e%2e', '..', '%C3%A9', '%F0%9F%98%80', 'a'.repeat(5000),
  ''];

function pathSegment(spec: Spec, p: Parameter): fc.Arbitrary<string> {
  const { ids } = spec;
  const s = resolve(spec.doc, p.schema);
  const existing =
    s.format === 'uuid' ? ids.uuid : typesOf(s).includes('integer') ? ids.integer.map(String) : [];
  const sameRow =
    s.format === 'uuid'
      ? existing.map((id) => id.toUpperCase())
      : existing.flatMap((id) => [`0${id}`, `${id}.0`, `%20${id}`]);
  return fc.oneof(
    ...(existing.length > 0 ? [{ weight: 6, arbitrary: fc.constantFrom(...existing) }] : []),
    ...(sameRow.length > 0 ? [{ weight: 1, arbitrary: fc.constantFrom(...sameRow) }] : []),
    { weight: 2, arbitrary: validValue(spec, s).map((v) => percentEncode(String(v))) },
    { weight: 1, arbitrary: fc.uuid() },
    { weight: 2, arbitrary: fc.constantFrom(...idNotations, ...uuidNotations, ...segmentJunk) },
    { weight: 1, arbitrary: text(1, 20).map(percentEncode) },
  );
}

function pathOf(spec: Spec, ref: OperationRef): fc.Arbitrary<string> {
  const parameters = (ref.operation.parameters ?? []).filter((p) => p.in === 'path');
  if (parameters.length === 0) return fc.constant(ref.path);
  return fc
    .tuple(...parameters.map((p) => pathSegment(spec, p)))
    .map((segments) =>
      parameters.reduce((path, p, i) => path.replace(`{${p.name}}`, segments[i] ?? ''), ref.path),
    );
}

// ---------------------------------------------------------------------------------------------
// Headers

/** Header values must be ByteStrings without CR, LF or NUL: printable ASCII here. */
const headerJunk = fc.string({ maxLength: 40 });

function authorizationOf(valid: string[], refused: string[]): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...valid) },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom(...refused) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'Bearer',
        'Bearer ',
        'Basic dXNlcjpwYXNz',
        'Bearer a.b.c',
        'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
        'bearer  x',
        'Bearer ====',
        `Bearer ${'a'.repeat(10_000)}`,
      ),
    },
    { weight: 1, arbitrary: headerJunk.map((t) => `Bearer ${t}`) },
  );
}

// biome-ignore format: a table
const contentTypeVariants = ['application/json', 'application/json; charset=utf-8',
  'application/json; charset=latin1', 'APPLICATION/JSON', 'application/json;;;', 'application/vnd.api+json',
  'text/plain', 'text/csv', 'text/csv; charset=utf-16', 'application/x-ndjson',
  'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=fuzz-boundary',
  '*/*', ''];
// biome-ignore format: a table
const acceptVariants = ['*/*', 'application/json', 'text/html', 'text/event-stream',
  'application/xml;q=0.9, */*;q=0.1', 'image/*', ';;;'];

// ---------------------------------------------------------------------------------------------
// Requests

export interface FuzzContext {
  /** Authorization values the verifier accepts (users with and without scopes), by what they are. */
  authorizations: Record<string, string>;
  /** Authorization values of well-formed tokens it refuses (expired, other audience...), by what they are. */
  refusedAuthorizations: Record<string, string>;
  /** Real documents (PDF, DOCX, text) to upload whole, cut short or with bytes changed. */
  files: Uint8Array[];
}

export interface FuzzRequest {
  method: string;
  /** Path and query string, as sent. */
  url: string;
  headers: Record<string, string>;
  body: Body | undefined;
}

const bodiless = new Set(['GET', 'HEAD']);

/** Undefined nine times in ten. */
const rarely = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: value });

/** Requests for one operation; a few use another method; the Content-Type is sometimes wrong or absent. */
export function requestOf(spec: Spec, ref: OperationRef, context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const queryParameters = (ref.operation.parameters ?? []).filter((p) => p.in === 'query');
  const tokens = { ...context.authorizations, ...context.refusedAuthorizations };
  const tokenNames = new Map(Object.entries(tokens).map(([name, value]) => [value, name]));
  return fc
    .record({
      method: fc.oneof(
        { weight: 19, arbitrary: fc.constant(ref.method) },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') },
      ),
      path: pathOf(spec, ref),
      query: fc.oneof(
        { weight: 1, arbitrary: fc.constant('') },
        { weight: 4, arbitrary: queryOf(spec, queryParameters) },
      ),
      authorization: authorizationOf(
        Object.values(context.authorizations),
        Object.values(context.refusedAuthorizations),
      ),
      contentType: fc.oneof(
        { weight: 12, arbitrary: fc.constant<'as made' | undefined>('as made') },
        { weight: 1, arbitrary: fc.constant(undefined) },
        { weight: 2, arbitrary: fc.constantFrom(...contentTypeVariants) },
      ),
      accept: fc.option(fc.oneof(fc.constantFrom(...acceptVariants), headerJunk), { nil: undefined }),
      contentLength: rarely(fc.constantFrom('0', '1', '-1', 'abc', '1e3', '99999999999999')),
      requestId: rarely(fc.oneof(headerJunk, fc.constant('x'.repeat(300)))),
      typed: bodyOf(spec, ref.operation, context.files),
    })
    .map((r) => {
      const body = bodiless.has(r.method) ? undefined : r.typed.body;
      const contentType = r.contentType === 'as made' ? r.typed.contentType : r.contentType;
      const headers: Record<string, string> = {};
      if (r.authorization !== undefined) headers.Authorization = r.authorization;
      if (contentType !== undefined && body !== undefined) headers['Content-Type'] = contentType;
      if (r.accept !== undefined) headers.Accept = r.accept;
      if (r.contentLength !== undefined && body !== undefined) headers['Content-Length'] = r.contentLength;
      if (r.requestId !== undefined) headers['X-Request-Id'] = r.requestId;
      const request: FuzzRequest = {
        method: r.method,
        url: r.query ? `${r.path}?${r.query}` : r.path,
        headers,
        body,
      };
      const tokenName = tokenNames.get(r.authorization ?? '');
      return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request, tokenName) });
    });
}

const clipped = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max)}... (${text.length} in all)` : text;

/**
 * The request as fast-check prints a counterexample: enough to write it down as a regression
 * test. A token of the context is named rather than shown (a test signs its own).
 */
export function describeRequest(request: FuzzRequest, tokenName?: string): string {
  const lines = [`${request.method} ${request.url}`];
  for (const [name, value] of Object.entries(request.headers)) {
    const shown =
      name === 'Authorization' && tokenName ? `Bearer <token: ${tokenName}>` : clipped(value, 200);
    lines.push(`${name}: ${shown}`);
  }
  const { body } = request;
  if (typeof body === 'string') {
    lines.push(`body (as a JSON string literal): ${clipped(JSON.stringify(body), 4000)}`);
  } else if (body !== undefined) {
    lines.push(`body (${body.length} bytes, base64): ${clipped(Buffer.from(body).toString('base64'), 8000)}`);
  }
  return lines.join('\n');
}
