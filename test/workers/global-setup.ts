import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLibsqlDatabase } from '../../src/db/drivers/libsql';
import { migrateDatabase } from '../../src/node/database';
import { createPgDatabase } from '../../src/node/pg-database';
import { loadOntology } from '../../src/node/skills-ontology';
import { createHashingEmbedder } from '../../src/services/skills/embedder';
import type { Ontology } from '../../src/services/skills/ontology';
import { seedOntology } from '../../src/services/skills/seed';
import { createVectorStore } from '../../src/services/skills/vector-store';
import { createS3Storage } from '../../src/services/storage/s3';
import { mgmtClientId, mgmtClientSecret, startAuth0StandIn } from '../support/auth0-standin';
import { startTestChroma, type TestChroma } from '../support/chroma';
import { startDeepSeekStandIn } from '../support/deepseek-standin';
import { makePdf } from '../support/fixtures';
import { startHranaStandIn } from '../support/hrana-standin';
import { createPostgresDatabase, postgresAdminUrl } from '../support/postgres';
import { type Radosgw, startRadosgw } from '../support/radosgw';
import { startWsProxy } from '../support/ws-proxy';
import {
  chatScript,
  mgmtProfile,
  type ParityMode,
  type ParityServices,
  parityModes,
  subjects,
  type TokenName,
} from './services';

/**
 * Runs once in Node before the worker projects (vitest.workers.config.ts): every service the
 * worker talks to, on loopback, and what the tests need to reach them, handed over with `provide`.
 *
 * - the Auth0 stand-in (JWKS) and RS256 tokens signed with its key, good and bad;
 * - radosgw (real S3, SigV4 checked) with the bucket the worker stores resumes in;
 * - a fresh Postgres database with the Postgres migrations, and Neon's WebSocket-to-TCP proxy in
 *   front of the server (the worker reaches Postgres only through the Neon driver);
 * - the libSQL server stand-in (Hrana over HTTP on a fresh SQLite file), migrated from Node through
 *   the Node driver (`createLibsqlDatabase` + `migrateDatabase`: Node→Hrana as `npm run db:migrate`
 *   does it), for the worker of project `workers-libsql` (which reaches it with the web client);
 * - per worker project (D1, Neon, libSQL) its own Chroma and DeepSeek stand-in: job ids restart at 1 in
 *   each database, so the job indexes in Chroma must not be shared; each Chroma is seeded with a
 *   subset of the skills ontology (the whole one takes ~25 s per Chroma);
 * - a loopback HTTP server that serves data/skills-ontology.json (SKILLS_ONTOLOGY_URL);
 * - a small PDF made with pdf-lib (base64) for the upload tests.
 *
 * A service that cannot start fails the run, with what was started stopped again.
 */

/** Skills the parity tests search for, match and recommend on; the subset is these, what they relate to, and filler. */
const WANTED_SKILLS = [
  'Python (computer programming)',
  'JavaScript',
  'React',
  'SQL',
  'Docker',
  'Kubernetes',
  'PostgreSQL',
  'TypeScript',
  'Node.js',
  'Git',
  'Linux',
  'Django',
];
const SUBSET_SIZE = 300;

function skillsSubset(ontology: Ontology): Ontology {
  const byName = new Map(ontology.skills.map((s) => [s.name, s]));
  const ids = new Set<string>();
  for (const name of WANTED_SKILLS) {
    const skill = byName.get(name);
    if (!skill) throw new Error(`The ontology has no skill named ${name}`);
    ids.add(skill.id);
    for (const related of skill.related) ids.add(related);
  }
  for (const skill of ontology.skills) {
    if (ids.size >= SUBSET_SIZE) break;
    if (skill.type === 'technology') ids.add(skill.id);
  }
  return { ...ontology, skills: ontology.skills.filter((s) => ids.has(s.id)) };
}

/** GET /deepseek/<mode>/closed: how many streams that stand-in saw closed early by the client. */
function serveControl(
  deepseeks: Record<ParityMode, { closedConnections: number }>,
): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const match = /^\/deepseek\/(sqlite|postgres|libsql)\/closed$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !match) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ closed: deepseeks[match[1] as ParityMode].closedConnections }));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

function serveFile(file: string, urlPath: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== urlPath) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}${urlPath}`,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export default async function setup(project: TestProject) {
  // The docs viewer's files, which wrangler.toml's `[assets]` serves (its `[build]` step copies
  // them for `wrangler dev`; the test pool does not run it).
  execFileSync(process.execPath, [path.join(import.meta.dirname, '../../scripts/docs-assets.mjs')]);
  const startedAt = performance.now();
  const cleanups: (() => Promise<unknown>)[] = [];
  const teardown = async () => {
    const results = await Promise.allSettled(cleanups.reverse().map((stop) => stop()));
    for (const result of results) {
      if (result.status === 'rejected') console.warn('[workers global setup] a stop failed:', result.reason);
    }
  };
  try {
    const ontologyFile = path.join(import.meta.dirname, '../../data/skills-ontology.json');
    const [auth0, ontologyServer, wsProxy, ontology, pdf] = await Promise.all([
      startAuth0StandIn(),
      serveFile(ontologyFile, '/skills-ontology.json'),
      startWsProxy(),
      loadOntology(ontologyFile),
      makePdf(['Paula Parity\nExperience\nSenior Python developer at Acme', 'Skills\nDocker and Kubernetes']),
    ]);
    cleanups.push(
      () => auth0.close(),
      () => ontologyServer.close(),
      () => wsProxy.close(),
    );

    const postgres = await createPostgresDatabase().catch((err: unknown) => {
      throw new Error(
        `Postgres is not reachable at ${postgresAdminUrl} (${(err as Error).message}). Run the tests with \`npm test\`, which starts it.`,
      );
    });
    cleanups.push(() => postgres.drop());
    const migrator = createPgDatabase(postgres.url, { max: 1 });
    try {
      await migrateDatabase(migrator);
    } finally {
      await migrator.close();
    }

    const libsqlDir = mkdtempSync(path.join(tmpdir(), 'jobmate-workers-libsql-'));
    cleanups.push(async () => rmSync(libsqlDir, { recursive: true, force: true }));
    const libsql = await startHranaStandIn({ file: path.join(libsqlDir, 'jobmate.db') });
    cleanups.push(() => libsql.close());
    const libsqlMigrator = createLibsqlDatabase(libsql.url, { authToken: libsql.authToken });
    try {
      await migrateDatabase(libsqlMigrator);
    } finally {
      await libsqlMigrator.close();
    }

    const chromas = {} as Record<ParityMode, TestChroma>;
    const deepseeks = {} as Record<ParityMode, Awaited<ReturnType<typeof startDeepSeekStandIn>>>;
    // Settled, not raced: when one start fails, the others finish starting and are stopped again.
    const started = await Promise.allSettled([
      startRadosgw().then((gw: Radosgw) => {
        cleanups.push(() => gw.stop());
        return gw;
      }),
      ...parityModes.map(async (mode) => {
        const chroma = await startTestChroma();
        cleanups.push(() => chroma.stop());
        chromas[mode] = chroma;
        const deepseek = await startDeepSeekStandIn();
        cleanups.push(() => deepseek.close());
        deepseek.setScript(chatScript);
        deepseeks[mode] = deepseek;
      }),
    ]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const radosgw = (started[0] as PromiseFulfilledResult<Radosgw>).value;

    const control = await serveControl(deepseeks);
    cleanups.push(() => control.close());

    const bucket = 'jobmate-workers';
    const s3 = {
      endpoint: radosgw.endpoint,
      accessKeyId: radosgw.accessKeyId,
      secretAccessKey: radosgw.secretAccessKey,
      region: radosgw.region,
      bucket,
    };
    const subset = skillsSubset(ontology);
    const embedder = createHashingEmbedder();
    await Promise.all([
      createS3Storage(s3).ensureBucket(),
      ...parityModes.map((mode) =>
        seedOntology({
          ontology: subset,
          store: createVectorStore({ url: chromas[mode].url, embedder, timeoutMs: 60_000 }),
        }),
      ),
    ]);

    const tokens = {} as Record<TokenName, { sub: string; token: string }>;
    for (const [name, subject] of Object.entries(subjects)) {
      tokens[name as keyof typeof subjects] = { sub: subject.sub, token: await auth0.sign(subject) };
    }
    auth0.users.set(subjects.mgmt.sub, { user_id: subjects.mgmt.sub, ...mgmtProfile });
    const someone = subjects.user;
    const unknownKid = await auth0.prepareKey();
    tokens.wrongAudience = {
      sub: someone.sub,
      token: await auth0.sign(someone, { audience: 'https://other.example' }),
    };
    tokens.wrongIssuer = {
      sub: someone.sub,
      token: await auth0.sign(someone, { issuer: 'https://evil.example/' }),
    };
    tokens.expired = { sub: someone.sub, token: await auth0.sign(someone, { expiresIn: -120 }) };
    tokens.unknownKey = { sub: someone.sub, token: await auth0.sign(someone, { kid: unknownKid }) };

    const services: ParityServices = {
      s3,
      ontologyUrl: ontologyServer.url,
      postgres: { url: postgres.url, wsProxy: wsProxy.proxy },
      libsql: { url: libsql.url, authToken: libsql.authToken },
      modes: Object.fromEntries(
        parityModes.map((mode) => [
          mode,
          { chromaUrl: chromas[mode].url, deepseekUrl: deepseeks[mode].baseUrl },
        ]),
      ) as ParityServices['modes'],
      skillsSeeded: subset.skills.length,
      controlUrl: control.url,
      mgmtClient: { id: mgmtClientId, secret: mgmtClientSecret },
    };
    project.provide('auth0Issuer', auth0.issuer);
    project.provide('auth0Audience', auth0.audience);
    project.provide('tokens', tokens);
    project.provide('services', services);
    project.provide('fixtures', { pdfBase64: Buffer.from(pdf).toString('base64') });
    console.log(
      `[workers global setup] services up in ${Math.round(performance.now() - startedAt)} ms ` +
        `(radosgw ${radosgw.startupMs} ms, ${subset.skills.length} skills seeded per Chroma)`,
    );
    return teardown;
  } catch (err) {
    await teardown();
    throw err;
  }
}
