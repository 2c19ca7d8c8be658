/**
 * The OpenAPI document says exactly what the server takes:
 * - it is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator, an independent
 *   validator of the specification's own JSON schemas);
 * - for every operation with a JSON body or query parameters, values generated from the document's
 *   schemas alone (types, enums, formats, patterns, lengths, bounds, required) are accepted: never
 *   a 400, but for the cross-field rules that the document states in words (listed below).
 * Strings are printable ASCII: a NUL in any string is refused everywhere, which the document's
 * description says once for all. `cursor` is left out: it is opaque, only what `next_cursor` gave.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from './support/app';
import { type Auth0StandIn, startAuth0StandIn } from './support/auth0-standin';
import { createTestDatabase, type TestDatabase } from './support/databases';
import { standInApiKey, startDeepSeekStandIn } from './support/deepseek-standin';
import { sampleResumeText } from './support/fixtures';

interface Schema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  default?: unknown;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
  info: { description?: string };
}

/** Cross-field rules the document states in words: a 400 naming only these fields is expected. */
const crossFieldRules: Record<string, string[]> = {
  'POST /api/jobs': ['salary_max'],
  'PATCH /api/jobs/{id}': ['salary_max'],
  'GET /api/jobs': ['sort'],
  // A posting on the board (job_id) or an outside one (title, company, url), applied_at only once
  // sent: the schema's description says so.
  'POST /api/applications': ['title', 'company', 'url', 'location', 'description', 'applied_at'],
};

const runs = Number(process.env.CONTRACT_RUNS ?? 40);

describe('the OpenAPI document', () => {
  let auth0: Auth0StandIn;
  let deepseek: Awaited<ReturnType<typeof startDeepSeekStandIn>>;
  let db: TestDatabase;
  let app: ReturnType<typeof createTestApp>;
  let doc: Document;
  const headers: Record<string, string> = {};
  const ids = { job: 0, resume: '', application: '' };

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    deepseek = await startDeepSeekStandIn();
    db = await createTestDatabase('libsql');
    app = createTestApp({
      database: db.database,
      auth0,
      env: {
        DEEPSEEK_API_KEY: standInApiKey,
        DEEPSEEK_BASE_URL: deepseek.baseUrl,
        UPLOADS_PER_MINUTE: '10000',
        CHAT_MESSAGES_PER_MINUTE: '1000000',
      },
    });
    headers.Authorization = `Bearer ${await auth0.sign({
      sub: 'auth0|contract',
      email: 'c@example.com',
      permissions: ['write:jobs'],
    })}`;
    doc = (await (await app.request('/openapi.json')).json()) as Document;
    const job = await app.request('/api/jobs', {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        title: 'Welder',
        company: 'Acme',
        location: 'York',
        job_type: 'full-time',
        description: 'MIG.',
      }),
    });
    ids.job = ((await job.json()) as { id: number }).id;
    const form = new FormData();
    form.append('resume_file', new File([sampleResumeText], 'resume.txt', { type: 'text/plain' }));
    const resume = await app.request('/api/resume/upload', { method: 'POST', headers, body: form });
    ids.resume = ((await resume.json()) as { resume_id: string }).resume_id;
    const application = await app.request('/api/applications', {
      method: 'POST',
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify({ job_id: ids.job }),
    });
    ids.application = ((await application.json()) as { id: string }).id;
  }, 60_000);

  afterAll(async () => {
    await db?.dispose();
    await deepseek?.close();
    await auth0?.close();
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(doc as unknown as Parameters<Validator['validate']>[0]);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('says once for all that a NUL character is refused in any string', () => {
    expect(doc.info.description).toMatch(/NUL/);
  });

  const resolve = (schema: Schema | undefined): Schema => {
    let current = schema ?? {};
    for (let hops = 0; current.$ref && hops < 10; hops++) {
      current = doc.components?.schemas?.[current.$ref.replace('#/components/schemas/', '')] ?? {};
    }
    return current;
  };

  /** Values the schema allows, read from the schema alone. */
  function conforming(schema: Schema | undefined, name = ''): fc.Arbitrary<unknown> {
    const s = resolve(schema);
    if (s.enum) return fc.constantFrom(...s.enum);
    const alternatives = s.anyOf ?? s.oneOf;
    if (alternatives) return fc.oneof(...alternatives.map((a) => conforming(a, name)));
    if (s.allOf) return conforming(Object.assign({}, ...s.allOf.map(resolve)) as Schema, name);
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : ['string'];
    return fc.oneof(...types.map((type) => ofType(s, type, name)));
  }

  function ofType(s: Schema, type: string, name: string): fc.Arbitrary<unknown> {
    switch (type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
      case 'number': {
        const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1_000_000);
        const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1_000_000);
        return type === 'integer'
          ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
          : fc.double({ min, max, noNaN: true });
      }
      case 'array':
        return fc.array(conforming(s.items, name), {
          minLength: s.minItems ?? 0,
          maxLength: Math.min(s.maxItems ?? 3, 3),
        });
      case 'object': {
        const properties = s.properties ?? {};
        return fc.record(
          Object.fromEntries(Object.entries(properties).map(([key, child]) => [key, conforming(child, key)])),
          { requiredKeys: s.required ?? [] },
        );
      }
      default:
        return text(s, name);
    }
  }

  function text(s: Schema, name: string): fc.Arbitrary<string> {
    const min = s.minLength ?? 0;
    const max = s.maxLength ?? 200;
    const fits = (v: string) => v.length >= min && v.length <= max;
    if (s.format === 'uuid') return name === 'resume_id' ? fc.constant(ids.resume) : fc.uuid();
    if (s.format === 'date-time')
      return fc
        .date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) })
        .map((d) => d.toISOString());
    if (s.format === 'uri') return fc.webUrl({ validSchemes: ['http', 'https'] }).filter(fits);
    if (s.pattern) return fc.stringMatching(new RegExp(s.pattern, 'u')).filter(fits);
    if (s.format === 'email') return fc.emailAddress().filter(fits);
    return fc.string({ minLength: min, maxLength: Math.min(max, 80) });
  }

  /** The operations with a JSON body or query parameters (the import's body is a JSON array of jobs). */
  function operations() {
    const out: { key: string; method: string; path: string; op: Operation }[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const query = (op.parameters ?? []).some((p) => p.in === 'query');
        if (op.requestBody?.content?.['application/json'] || query) {
          out.push({ key: `${method.toUpperCase()} ${path}`, method: method.toUpperCase(), path, op });
        }
      }
    }
    return out;
  }

  it('accepts every body and query its schemas allow (cross-field rules aside)', async () => {
    const checked: string[] = [];
    for (const { key, method, path, op } of operations()) {
      const bodySchema = op.requestBody?.content?.['application/json']?.schema;
      const query = (op.parameters ?? []).filter((p) => p.in === 'query' && p.name !== 'cursor');
      const queryArbitrary = fc.record(
        Object.fromEntries(query.map((p) => [p.name, conforming(p.schema, p.name)])),
        { requiredKeys: query.filter((p) => p.required).map((p) => p.name) },
      );
      const id = path.startsWith('/api/resumes')
        ? ids.resume
        : path.startsWith('/api/applications')
          ? ids.application
          : String(ids.job);
      const url = path.replace('{id}', id);
      await fc.assert(
        fc.asyncProperty(
          bodySchema ? conforming(bodySchema) : fc.constant(undefined),
          queryArbitrary,
          async (body, params) => {
            const search = new URLSearchParams(
              Object.entries(params).map(([k, v]) => [k, String(v)] as [string, string]),
            ).toString();
            const res = await app.request(`${url}${search ? `?${search}` : ''}`, {
              method,
              headers: { ...headers, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
              body: body === undefined ? undefined : JSON.stringify(body),
            });
            const answer = await res.text();
            if (res.status !== 400) return;
            const details = Object.keys((JSON.parse(answer) as { details?: object }).details ?? {});
            const allowed = crossFieldRules[key] ?? [];
            expect(
              details.length > 0 && details.every((d) => allowed.includes(d)),
              `${key} refused what its schema allows: ${JSON.stringify(body)} ?${search}\n${answer}`,
            ).toBe(true);
          },
        ),
        { numRuns: runs, seed: 20_261_207 },
      );
      checked.push(key);
    }
    expect(checked).toEqual(
      expect.arrayContaining(['PUT /api/profile', 'POST /api/jobs', 'GET /api/jobs', 'POST /api/chat']),
    );
  }, 300_000);
});
