import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import { configSchema } from '../src/config';
import { createResumeStore } from '../src/db/resumes';
import { createUserStore } from '../src/db/users';
import { migrateDatabase, openNodeDatabase } from '../src/node/database';
import { loadDevIssuer } from '../src/node/dev-issuer';
import { createLocalStorage } from '../src/node/local-storage';
import { chunkText } from '../src/services/documents/chunk';
import { detectDocumentKind } from '../src/services/documents/detect';
import { extractText } from '../src/services/documents/extract';
import { maxResumeBytes } from '../src/services/resumes/pipeline';
import { makeDocx, makePdf } from '../test/support/fixtures';
import { readyPort, request, superviseChildren } from './child';
import { intEnv } from './env';

/**
 * `npx tsx bench/resumes.ts`: resume uploads (`POST /api/resume/upload`) against the real API in
 * a child process (`bench/servers.ts app`: libSQL file and local-disk storage in a temp dir), from
 * this process over loopback with `fetch`. The multipart bodies are serialised once by undici's
 * own FormData encoder and replayed, so the client's cost is sending bytes.
 *
 *   (a) sequential upload-to-response latency, BENCH_N uploads per file (1-page PDF, 10-page PDF,
 *       2-page DOCX), after BENCH_N_WARMUP unmeasured ones;
 *   (b) BENCH_CLIENTS concurrent clients uploading the 10-page PDF for BENCH_DURATION seconds;
 *   (c) BENCH_BIG_CLIENTS clients uploading a just-under-10-MiB file at once, BENCH_BIG_ROUNDS
 *       rounds per kind, each kind on a fresh server warmed by one small upload: the server's peak
 *       RSS (Linux VmHWM) and whether every upload got its expected answer. Kinds (BENCH_BIG): `pdf` — the 10-page resume plus a photo of
 *       random pixels (pdf.js reads at most 50 pages; the image is never decoded for text);
 *       `txt` — ~10 MiB of resume text: decoded in full, then refused with 422 because it is over
 *       the 100,000-character resume text cap (what the server must survive, not store).
 *   plus, in this process, the 10-page PDF's cost by step (detect, extract, chunk, disk, database).
 *
 * Targets (issue): 10-page PDF p50 < 300 ms; peak RSS < 300 MB, read strictly as 300 × 10^6 bytes.
 * The RSS peak is the server's VmHWM (reset with /proc/<pid>/clear_refs after a full GC); the
 * `rise` column is the peak minus the RSS before the kind. About 2 minutes with the defaults; exit
 * code 1 if any upload does not get its expected answer (targets are reported only).
 *
 *   BENCH_N            sequential uploads per file (default 50)
 *   BENCH_N_WARMUP     unmeasured uploads per file before them (default 5)
 *   BENCH_CLIENTS      concurrent clients in (b) (default 8)
 *   BENCH_DURATION     seconds measured in (b) (default 10), after 2 s of warm-up
 *   BENCH_BIG_CLIENTS  simultaneous 10 MiB uploads in (c) (default 20)
 *   BENCH_BIG_ROUNDS   rounds in (c), per kind (default 3)
 *   BENCH_BIG          comma list of kinds for (c): pdf,txt (default both; txt runs one round
 *                      unless BENCH_BIG_ROUNDS is set: each round takes tens of seconds)
 */

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serversScript = path.join(projectRoot, 'bench/servers.ts');

const sequentialN = intEnv('BENCH_N', 50, 1, 1000);
const sequentialWarmup = intEnv('BENCH_N_WARMUP', 5, 0, 100);
const clients = intEnv('BENCH_CLIENTS', 8, 1, 256);
const duration = intEnv('BENCH_DURATION', 10, 1, 120);
const bigClients = intEnv('BENCH_BIG_CLIENTS', 20, 1, 100);
const bigRoundsSet = process.env.BENCH_BIG_ROUNDS !== undefined && process.env.BENCH_BIG_ROUNDS !== '';
const bigRounds = intEnv('BENCH_BIG_ROUNDS', 3, 1, 20);
const bigKinds = (process.env.BENCH_BIG ?? 'pdf,txt')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
for (const kind of bigKinds) {
  if (kind !== 'pdf' && kind !== 'txt') throw new Error(`BENCH_BIG: unknown kind "${kind}" (pdf, txt)`);
}

const targetP50Ms = 300;
/** "300 MB" read strictly: 300 × 10^6 bytes (286 MiB). */
const targetRssBytes = 300e6;

// ---------------------------------------------------------------------------------------------
// Clean-up: the child is killed and the temp dir removed on every way out.

let tempDir: string | undefined;
/** Aborts the client's requests in flight when the run stops early. */
const stopAll = new AbortController();

const { watch, stop, exitWith } = superviseChildren({
  onCleanup: () => {
    stopAll.abort();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  },
  onExitSync: () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  },
});

/** Stops a server between phases (not a failure). */
const stopApp = (server: { child: ChildProcess }) => stop(server.child);

// ---------------------------------------------------------------------------------------------
// The server process (as bench/run.ts starts it).

interface Server {
  child: ChildProcess;
  base: string;
}

const serverCpu = async (server: Server) => (await request(server.child, { type: 'cpu' }, 'cpu')).micros;

async function startApp(env: NodeJS.ProcessEnv): Promise<Server> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', serversScript, 'app'], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  watch(child, 'app server');
  const port = await readyPort(child, 'the app server did not start in 30 s', 30_000);
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${base}/api/ping`, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as { message?: string };
      if (res.status === 200 && body.message === 'pong') return { child, base };
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${base}/api/ping did not answer pong in 30 s (${last})`);
}

/** A /proc/<pid>/status field in bytes (Linux), or undefined. */
function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match?.[1] ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets VmHWM to the current RSS (Linux >= 4.0, `echo 5 > /proc/<pid>/clear_refs`). */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Realistic resume content (deterministic): one endless stream of paragraphs, cut into pages.
// Only WinAnsi characters, so pdf-lib's Helvetica can draw them.

function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const firstNames = ['Claire', 'Jonas', 'Amélie', 'Rafael', 'Ingrid', 'Tomás', 'Priya', 'Noé', 'Zoë', 'Malik'];
const lastNames = ['Dubois-Martín', 'Okafor', 'Lindqvist', 'Nakamura', 'Bergström', 'Fernández', 'Müller'];
const cities = ['Lyon, France', 'Berlin, Germany', 'Madrid, Spain', 'Zürich, Switzerland', 'Leeds, UK'];
const companies = [
  'Façade Analytics',
  'Northwind Logistics',
  'Société Générale des Données',
  'Helios Health',
  'Brightline Payments',
  'Kestrel Robotics',
  'Atlas Retail Group',
  'Orbital Insurance',
];
const titles = [
  'Senior Software Engineer',
  'Staff Backend Engineer',
  'Data Engineer',
  'Engineering Manager',
  'Site Reliability Engineer',
  'Machine Learning Engineer',
  'Software Engineer',
];
const tech = [
  'TypeScript',
  'Node.js',
  'Go',
  'Python',
  'PostgreSQL',
  'Redis',
  'Kafka',
  'Kubernetes',
  'Terraform',
  'AWS',
  'React',
  'Apache Spark',
  'gRPC',
  'Docker',
  'Elasticsearch',
];
const bullets = [
  'Designed and shipped a multi-tenant ingestion service in {t} and {t} handling {n}k documents per hour.',
  'Cut p95 latency of the search API from {n}0 ms to {n} ms with {t} indexing and a read-through cache.',
  'Led a team of {s} engineers through a migration from a monolith to services on {t}.',
  'Introduced code review guidelines, on-call runbooks and blameless post-mortems for {s} teams.',
  'Built ETL pipelines in {t} and {t}; reduced the nightly batch window from {s} hours to {s}0 minutes.',
  'Owned the billing integration end to end, reconciling {n}k payments a day with zero manual fixes.',
  'Mentored {s} junior engineers, two of whom were promoted within eighteen months.',
  'Reduced cloud spend by {n}% by right-sizing {t} workloads and moving cold data to object storage.',
  'Wrote the incident response process adopted company-wide; mean time to recovery fell by {n}%.',
  'Prototyped a recommendation model in {t}, A/B tested it and raised click-through by {s}.{s}%.',
];
const degrees = [
  'M.Sc. Computer Science — Université Claude Bernard Lyon 1',
  'B.Sc. Mathematics — Universidad de Sevilla',
  'M.Eng. Software Engineering — Technische Universität München',
  'B.A. Economics — University of Leeds',
];
const venues = ['VLDB', 'SIGMOD', 'ICSE', 'USENIX ATC', 'EuroSys', 'KDD', 'NeurIPS workshop'];
const topics = [
  'incremental indexing of semi-structured documents',
  'adaptive batching for streaming ingestion',
  'cost models for multi-tenant query planning',
  'robust entity matching across noisy records',
  'failure detection in large service meshes',
];

function resumeParagraphs(seed: number): () => string {
  const rand = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const fill = (template: string) =>
    template
      .replace(/\{t\}/g, () => pick(tech))
      .replace(/\{n\}/g, () => String(10 + Math.floor(rand() * 89)))
      .replace(/\{s\}/g, () => String(2 + Math.floor(rand() * 7)));
  const name = `${pick(firstNames)} ${pick(lastNames)}`;
  const queue: string[] = [
    name.toUpperCase(),
    `${pick(cities)} · ${name.split(' ')[0]?.toLowerCase()}@example.com · +33 6 12 34 56 ${10 + (seed % 89)}`,
    '',
    'Summary',
    fill(
      'Backend engineer with {s} years of experience building document pipelines, payment systems and ' +
        'developer tooling in {t} and {t}. Comfortable leading small teams and owning services end to end.',
    ),
    '',
    'Work Experience',
  ];
  let year = 2024;
  let section = 0;
  return () => {
    if (queue.length === 0) {
      section++;
      if (section % 7 === 3) {
        queue.push('', 'Education', `${pick(degrees)} (${year - 1})`, `${pick(degrees)} (${year - 3})`);
      } else if (section % 7 === 5) {
        queue.push('', 'Publications');
        for (let i = 0; i < 4; i++) {
          queue.push(
            `${name}, ${pick(lastNames)}. "On ${pick(topics)}." ${pick(venues)} ${year - i}, pp. ${
              100 + Math.floor(rand() * 800)
            }–${910 + Math.floor(rand() * 80)}.`,
          );
        }
      } else if (section % 7 === 6) {
        const skills = new Set(Array.from({ length: 8 }, () => pick(tech)));
        queue.push('', `Skills: ${[...skills].join(', ')}`, '', 'Work Experience');
      } else {
        const start = year - 1 - Math.floor(rand() * 3);
        queue.push('', `${pick(titles)} — ${pick(companies)}, ${pick(cities)} (${start}–${year})`);
        const count = 3 + Math.floor(rand() * 3);
        for (let i = 0; i < count; i++) queue.push(`• ${fill(pick(bullets))}`);
        year = start;
        if (year < 1980) year = 2024;
      }
    }
    return queue.shift() ?? '';
  };
}

/**
 * `count` pages of text, each at most `linesPerPage` lines when wrapped at `charsPerLine`:
 * conservative for makePdf (Helvetica 11 pt on A4, about 90 characters and 47 lines fit),
 * so no page is truncated.
 */
function resumePages(seed: number, count: number, linesPerPage = 44, charsPerLine = 80): string[] {
  const next = resumeParagraphs(seed);
  const pages: string[] = [];
  let pending: string | undefined;
  for (let p = 0; p < count; p++) {
    const lines: string[] = [];
    let used = 0;
    for (;;) {
      const paragraph = pending ?? next();
      pending = undefined;
      const cost = Math.max(1, Math.ceil(paragraph.length / charsPerLine));
      if (used + cost > linesPerPage) {
        pending = paragraph;
        break;
      }
      if (!(lines.length === 0 && paragraph === '')) lines.push(paragraph);
      used += cost;
    }
    pages.push(lines.join('\n'));
  }
  return pages;
}

/** A truecolour PNG of random pixels (incompressible: the PDF keeps its full size). */
function noisePng(width: number, height: number): Uint8Array {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  const noise = randomBytes(width * 3 * height);
  for (let y = 0; y < height; y++)
    noise.copy(raw, y * (width * 3 + 1) + 1, y * width * 3, (y + 1) * width * 3);
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no filter, no interlace
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', zlib.deflateSync(raw, { level: 1 })),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

/** The 10-page resume with a photo of random pixels on page 1, just under `limit` bytes. */
async function bigPdf(tenPages: Uint8Array, limit: number): Promise<Uint8Array> {
  let side = Math.floor(Math.sqrt((limit - tenPages.length - 64 * 1024) / 3));
  for (;;) {
    const doc = await PDFDocument.load(tenPages);
    const image = await doc.embedPng(noisePng(side, side));
    doc.getPage(0).drawImage(image, { x: 445, y: 692, width: 100, height: 100 });
    const bytes = await doc.save();
    if (bytes.length <= limit) return bytes;
    side -= Math.ceil((bytes.length - limit) / (3 * side)) + 4;
  }
}

/** ~`limit` bytes of UTF-8 resume text (many resumes back to back), cut at a line end. */
function bigText(limit: number): Uint8Array {
  const encoder = new TextEncoder();
  const parts: string[] = [];
  let bytes = 0;
  for (let seed = 1000; bytes < limit; seed++) {
    const text = `${resumePages(seed, 2).join('\n\n')}\n\n`;
    parts.push(text);
    bytes += encoder.encode(text).length;
  }
  const all = encoder.encode(parts.join(''));
  const end = all.lastIndexOf(0x0a, limit - 1);
  return all.slice(0, end + 1);
}

// ---------------------------------------------------------------------------------------------
// Client.

interface Upload {
  name: string;
  /** 201, or the refusal the server must give (the 10 MiB text is over the resume text cap). */
  expect: number;
  label: string;
  file: Uint8Array;
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

/** The multipart body as undici's FormData encoder writes it, captured once. */
async function multipart(
  label: string,
  name: string,
  type: string,
  file: Uint8Array,
  expect = 201,
): Promise<Upload> {
  const form = new FormData();
  form.append('resume_file', new Blob([new Uint8Array(file)], { type }), name);
  const res = new Response(form);
  const contentType = res.headers.get('content-type');
  if (!contentType) throw new Error('FormData gave no content type');
  return { name, label, expect, file, body: new Uint8Array(await res.arrayBuffer()), contentType };
}

interface UploadResult {
  ms: number;
  status: number;
  body: Record<string, unknown>;
}

/** One upload; a network error (reset, refused) is a result with status 0, not an exception. */
async function upload(base: string, token: string, u: Upload): Promise<UploadResult> {
  const start = performance.now();
  let res: Response;
  let text: string;
  try {
    res = await fetch(`${base}/api/resume/upload`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': u.contentType },
      body: u.body,
      signal: stopAll.signal,
    });
    text = await res.text();
  } catch (err) {
    if (stopAll.signal.aborted) throw err;
    return { ms: performance.now() - start, status: 0, body: { error: describeFetchError(err) } };
  }
  const ms = performance.now() - start;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text.slice(0, 200) };
  }
  return { ms, status: res.status, body };
}

function describeFetchError(err: unknown): string {
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** Failed uploads: status -> count and the first body, for the report. */
class Failures {
  private readonly byStatus = new Map<number, { count: number; first: string }>();
  add(r: UploadResult) {
    const entry = this.byStatus.get(r.status);
    if (entry) entry.count++;
    else this.byStatus.set(r.status, { count: 1, first: JSON.stringify(r.body).slice(0, 300) });
  }
  get total() {
    let n = 0;
    for (const e of this.byStatus.values()) n += e.count;
    return n;
  }
  describe() {
    return [...this.byStatus]
      .map(([status, e]) => `${e.count} × ${status === 0 ? 'network error' : `HTTP ${status}`}: ${e.first}`)
      .join('\n');
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // Nearest rank.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
  return {
    n: values.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean,
  };
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '-';
const mib = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MiB`;
const size = (bytes: number) => (bytes >= 1024 * 1024 ? mib(bytes) : `${fmt(bytes / 1024, 1)} KiB`);

function table(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`;
  return [
    row(header),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...lines.map(row),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// In-process cost of the 10-page PDF by step (same code as the pipeline, timed step by step).

async function stepCosts(file: Uint8Array, dir: string, n: number) {
  const database = openNodeDatabase({
    DATABASE_MODE: 'sqlite',
    DATABASE_DEV: `file:${path.join(dir, 'steps.db')}`,
    DATABASE_PROD: undefined,
    DATABASE_DRIVER: 'auto',
  });
  try {
    await migrateDatabase(database);
    const user = await createUserStore(database).createIfAbsent(
      { auth0Sub: 'bench|steps', email: 'steps@example.com', name: 'Steps', picture: null },
      new Date(),
    );
    const store = createResumeStore(database);
    const storage = createLocalStorage(path.join(dir, 'steps-uploads'));
    const steps = { detect: [] as number[], extract: [] as number[], chunk: [] as number[] };
    const io = { disk: [] as number[], database: [] as number[], total: [] as number[] };
    for (let i = -5; i < n; i++) {
      const t0 = performance.now();
      const kind = detectDocumentKind('resume.pdf', file);
      const t1 = performance.now();
      const text = await extractText(kind, file);
      const t2 = performance.now();
      const chunks = chunkText(text);
      const t3 = performance.now();
      const id = crypto.randomUUID();
      const key = `resumes/${user.id}/${id}.pdf`;
      await storage.put(key, file, { contentType: 'application/pdf', metadata: {} });
      const t4 = performance.now();
      await store.create(
        {
          id,
          userId: user.id,
          filename: 'resume.pdf',
          contentType: 'application/pdf',
          sizeBytes: file.byteLength,
          bucket: storage.bucket,
          storageKey: key,
          text,
          chunks,
        },
        new Date(),
      );
      const t5 = performance.now();
      if (i < 0) continue;
      steps.detect.push(t1 - t0);
      steps.extract.push(t2 - t1);
      steps.chunk.push(t3 - t2);
      io.disk.push(t4 - t3);
      io.database.push(t5 - t4);
      io.total.push(t5 - t0);
    }
    return { ...steps, ...io };
  } finally {
    await database.close();
  }
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const budgetMs = 180_000 + Math.max(0, duration - 10) * 1_000;
  setTimeout(
    () => void exitWith(1, `the benchmark overran its ${budgetMs / 1000} s budget`),
    budgetMs,
  ).unref();
  const began = performance.now();

  const cpus = os.cpus();
  console.log(
    `Jobmate resume-upload bench: Node ${process.version}, ${cpus.length} cores ` +
      `(${cpus[0]?.model.trim() ?? '?'}), ${os.platform()} ${os.release()}`,
  );

  tempDir = mkdtempSync(path.join(os.tmpdir(), 'jobmate-bench-resumes-'));
  const uploadDir = path.join(tempDir, 'uploads');
  mkdirSync(uploadDir);
  const dev = await loadDevIssuer(path.join(tempDir, 'dev-issuer-key.json'));
  const token = await dev.sign({ sub: 'bench|resumes', email: 'resumes@example.com', name: 'Bench' }, 3600);
  // Concurrent clients are different users, as they would be (a user has at most 4 uploads at once).
  const clientTokens = await Promise.all(
    Array.from({ length: Math.max(clients, bigClients) }, (_, i) =>
      dev.sign({ sub: `bench|resumes-${i}`, email: `resumes-${i}@example.com`, name: 'Bench' }, 3600),
    ),
  );

  // Files, before the server starts (their generation is not measured).
  let started = performance.now();
  const onePage = await makePdf(resumePages(1, 1));
  const tenPages = await makePdf(resumePages(2, 10));
  const docxPages = resumePages(3, 2);
  const docx = await makeDocx({
    paragraphs: [...(docxPages[0] ?? '').split('\n'), '\f', ...(docxPages[1] ?? '').split('\n')],
  });
  const uploads = {
    pdf1: await multipart('1-page PDF', 'resume-1p.pdf', 'application/pdf', onePage),
    pdf10: await multipart('10-page PDF', 'resume-10p.pdf', 'application/pdf', tenPages),
    docx2: await multipart(
      '2-page DOCX',
      'resume-2p.docx',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      docx,
    ),
  };
  // Just under the limit, leaving the envelope's room (the route allows 10 MiB + 64 KiB).
  const bigLimit = maxResumeBytes - 4 * 1024;
  const big: Upload[] = [];
  for (const kind of bigKinds) {
    if (kind === 'pdf') {
      big.push(
        await multipart(
          '~10 MiB PDF (10 pages + photo)',
          'resume-big.pdf',
          'application/pdf',
          await bigPdf(tenPages, bigLimit),
        ),
      );
    } else {
      big.push(
        await multipart('~10 MiB TXT (refused: 422)', 'resume-big.txt', 'text/plain', bigText(bigLimit), 422),
      );
    }
  }
  console.log(
    `files (${fmt(performance.now() - started)} ms to make): ` +
      [...Object.values(uploads), ...big].map((u) => `${u.label} ${size(u.file.length)}`).join(', '),
  );

  // In-process: the 10-page PDF by step, on its own libSQL file and folder.
  started = performance.now();
  const steps = await stepCosts(tenPages, tempDir, 30);
  console.log(`in-process step costs measured (${fmt(performance.now() - started)} ms)`);

  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(configSchema.shape)) delete env[name];
  Object.assign(env, {
    NODE_ENV: 'development',
    DATABASE_MODE: 'sqlite',
    DATABASE_DEV: `file:${path.join(tempDir, 'bench.db')}`,
    MIGRATE_ON_START: 'true',
    DEMO_JOBS: '0',
    UPLOAD_DIR: uploadDir,
    BENCH_DIR: tempDir,
    // No skills service (local Chroma, ontology, backfill): `npm run bench:skills` measures it.
    BENCH_SKILLS: 'off',
    // One user uploads every file: the per-user limit is not what is measured.
    UPLOADS_PER_MINUTE: '10000',
    ...(process.env.UPLOAD_MEMORY_MB ? { UPLOAD_MEMORY_MB: process.env.UPLOAD_MEMORY_MB } : {}),
    BENCH_LOG: 'silent',
  });
  const app = await startApp(env);
  const pid = app.child.pid;
  if (pid === undefined) throw new Error('the app server has no pid');

  const me = await fetch(`${app.base}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
  if (me.status !== 200) throw new Error(`/api/me: HTTP ${me.status} ${await me.text()}`);
  await me.arrayBuffer();
  /** The server's RSS at points of the run (after a full GC: the memory handler runs one). */
  const rssAt: [string, number][] = [];
  const noteRss = async (label: string) => {
    const m = await request(app.child, { type: 'memory' }, 'memory', 10_000);
    rssAt.push([label, procStatus(pid, 'VmRSS') ?? m.rss]);
  };
  await noteRss('idle after start');

  const failures = new Failures();
  const check = (r: UploadResult, expect = 201) => {
    if (r.status !== expect) failures.add(r);
    return r;
  };

  // (a) Sequential.
  const sequentialRows: string[][] = [];
  let tenPageP50 = Number.NaN;
  for (const u of Object.values(uploads)) {
    for (let i = 0; i < sequentialWarmup; i++) check(await upload(app.base, token, u));
    const cpuBefore = await serverCpu(app);
    const times: number[] = [];
    let last: UploadResult | undefined;
    for (let i = 0; i < sequentialN; i++) {
      last = check(await upload(app.base, token, u));
      times.push(last.ms);
    }
    const cpu = (await serverCpu(app)) - cpuBefore;
    const s = stats(times);
    if (u === uploads.pdf10) tenPageP50 = s.p50;
    sequentialRows.push([
      u.label,
      size(u.file.length),
      fmt(Number(last?.body.text_length ?? Number.NaN)),
      fmt(Number(last?.body.chunks_created ?? Number.NaN)),
      fmt(s.n),
      fmt(s.p50, 1),
      fmt(s.p99, 1),
      fmt(s.mean, 1),
      `${fmt(cpu / 1000 / sequentialN, 1)} ms`,
    ]);
  }
  console.log('(a) sequential done');
  await noteRss('after (a)');

  // (b) Concurrent clients, 10-page PDF.
  const runConcurrent = async (seconds: number) => {
    const times: number[] = [];
    const deadline = performance.now() + seconds * 1000;
    const startAt = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, i) => {
        while (performance.now() < deadline)
          times.push(check(await upload(app.base, clientTokens[i] ?? token, uploads.pdf10)).ms);
      }),
    );
    return { times, wall: (performance.now() - startAt) / 1000 };
  };
  await runConcurrent(2);
  const failedBeforeB = failures.total;
  const cpuBeforeB = await serverCpu(app);
  const concurrent = await runConcurrent(duration);
  const cpuB = (await serverCpu(app)) - cpuBeforeB;
  const sB = stats(concurrent.times);
  const failedB = failures.total - failedBeforeB;
  console.log('(b) concurrent done');
  await noteRss('after (b)');

  // (c) Simultaneous ~10 MiB uploads.
  const bigRows: string[][] = [];
  const peaks: { label: string; peak: number }[] = [];
  // Each kind on a fresh server (warmed by one small upload), so the peak is what 20 big uploads
  // cost, not what the earlier phases left resident.
  await stopApp(app);
  for (const u of big) {
    const fresh = await startApp(env);
    const freshPid = fresh.child.pid;
    if (freshPid === undefined) throw new Error('the app server has no pid');
    check(await upload(fresh.base, token, uploads.pdf1));
    const rounds = u.name.endsWith('.txt') && !bigRoundsSet ? 1 : bigRounds;
    // A full GC first (the server's memory handler runs one), then the peak is reset to now.
    const before = await request(fresh.child, { type: 'memory' }, 'memory');
    const reset = resetPeak(freshPid);
    const rssBefore = procStatus(freshPid, 'VmRSS') ?? before.rss;
    let sampled = 0;
    const sampler = setInterval(() => {
      sampled = Math.max(sampled, procStatus(freshPid, 'VmRSS') ?? 0);
    }, 20);
    // The event loop's responsiveness meanwhile: one /api/ping at a time.
    let pinging = true;
    const pings: number[] = [];
    const pingErrors = new Map<string, number>();
    const pinger = (async () => {
      while (pinging) {
        const t = performance.now();
        try {
          const res = await fetch(`${fresh.base}/api/ping`, { signal: stopAll.signal });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        } catch (err) {
          if (stopAll.signal.aborted) return;
          const what = describeFetchError(err);
          pingErrors.set(what, (pingErrors.get(what) ?? 0) + 1);
        }
        pings.push(performance.now() - t);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const times: number[] = [];
    const walls: number[] = [];
    let ok = 0;
    const cpuBefore = await serverCpu(fresh);
    for (let round = 0; round < rounds; round++) {
      const t = performance.now();
      const results = await Promise.all(
        Array.from({ length: bigClients }, (_, i) =>
          upload(fresh.base, clientTokens[i] ?? token, u).then((r) => check(r, u.expect)),
        ),
      );
      walls.push(performance.now() - t);
      for (const r of results) {
        times.push(r.ms);
        if (r.status === u.expect) ok++;
      }
    }
    const cpu = (await serverCpu(fresh)) - cpuBefore;
    pinging = false;
    await pinger;
    clearInterval(sampler);
    const hwm = reset ? procStatus(freshPid, 'VmHWM') : undefined;
    const after = await request(fresh.child, { type: 'memory' }, 'memory');
    const peak = Math.max(hwm ?? after.maxRss, sampled);
    peaks.push({ label: u.label, peak });
    const s = stats(times);
    bigRows.push([
      u.label,
      `${rounds} × ${bigClients}`,
      `${ok}/${rounds * bigClients}`,
      fmt(stats(walls).p50 / 1000, 1),
      fmt(s.p50 / 1000, 2),
      fmt(s.max / 1000, 2),
      `${fmt(cpu / 1e6 / (rounds * bigClients), 2)} s`,
      `${fmt(stats(pings).max)}${pingErrors.size > 0 ? ` (${[...pingErrors].map(([e, n]) => `${n} × ${e}`).join(', ')})` : ''}`,
      mib(rssBefore),
      `${mib(peak)}${hwm === undefined ? ' (sampled)' : ''}`,
      mib(peak - rssBefore),
      mib(procStatus(freshPid, 'VmRSS') ?? after.rss),
      after.heapAfterGc === undefined ? '-' : mib(after.heapAfterGc),
    ]);
    await stopApp(fresh);
    console.log(`(c) ${u.label} done`);
  }

  const cores = os.cpus().length;
  console.log(`\nserver RSS (after a full GC): ${rssAt.map(([l, b]) => `${l} ${mib(b)}`).join(', ')}`);
  console.log(
    `\n(a) Sequential upload-to-response, ${sequentialN} uploads per file after ${sequentialWarmup} ` +
      `unmeasured; p99 by nearest rank (of ${sequentialN}: upload no. ${Math.ceil(0.99 * sequentialN)} ` +
      'from the fastest)\n',
  );
  console.log(
    table(
      ['file', 'size', 'text chars', 'chunks', 'n', 'p50 ms', 'p99 ms', 'mean ms', 'server CPU/upload'],
      sequentialRows,
    ),
  );
  console.log(`\n(b) ${clients} concurrent clients, 10-page PDF, ${duration} s after 2 s of warm-up\n`);
  console.log(
    table(
      ['file', 'uploads/s', 'p50 ms', 'p99 ms', 'uploads', 'failed', 'server CPU/upload', 'server CPU'],
      [
        [
          uploads.pdf10.label,
          fmt(sB.n / concurrent.wall, 1),
          fmt(sB.p50, 1),
          fmt(sB.p99, 1),
          fmt(sB.n),
          fmt(failedB),
          `${fmt(cpuB / 1000 / Math.max(1, sB.n), 1)} ms`,
          `${fmt((100 * cpuB) / (concurrent.wall * 1e6))}% of one core (${cores} cores)`,
        ],
      ],
    ),
  );
  console.log(
    `\n(c) ${bigClients} clients uploading at once; peak = VmHWM of the server, reset after a full GC ` +
      'before each kind\n',
  );
  console.log(
    table(
      [
        'file',
        'rounds',
        '201',
        'round s',
        'p50 s',
        'max s',
        'server CPU/upload',
        'max ping ms',
        'RSS before',
        'peak RSS',
        'rise',
        'RSS after',
        'live heap after',
      ],
      bigRows,
    ),
  );

  const st = (name: keyof typeof steps) => stats(steps[name]);
  const total = st('total').p50;
  const stepRows = (['detect', 'extract', 'chunk', 'disk', 'database', 'total'] as const).map((name) => [
    name === 'disk' ? 'storage.put (local disk)' : name === 'database' ? 'store.create (libSQL)' : name,
    fmt(st(name).p50, 2),
    fmt(st(name).p99, 2),
    name === 'total' ? '100%' : `${fmt((100 * st(name).p50) / total)}%`,
  ]);
  console.log(
    `\n10-page PDF in-process by step (${steps.total.length} runs after 5, idle machine, own libSQL file)\n`,
  );
  console.log(table(['step', 'p50 ms', 'p99 ms', 'share of p50'], stepRows));

  const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  console.log('');
  console.log(
    table(
      ['target', 'measured', 'result'],
      [
        ['10-page PDF end to end p50 < 300 ms', `${fmt(tenPageP50, 1)} ms`, met(tenPageP50 < targetP50Ms)],
        ...peaks.map(({ label, peak }) => [
          `peak RSS < 300 MB, ${bigClients} × ${label} at once`,
          `${mib(peak)} = ${fmt(peak / 1e6)} MB`,
          met(peak < targetRssBytes),
        ]),
        [
          'every upload 201',
          failures.total === 0 ? 'all' : `${failures.total} failed`,
          met(failures.total === 0),
        ],
      ],
    ),
  );
  if (failures.total > 0) console.log(`\nfailures:\n${failures.describe()}`);
  console.log(`\n(${fmt((performance.now() - began) / 1000)} s in all)`);
  await exitWith(failures.total > 0 ? 1 : 0);
}

main().catch((err: unknown) => {
  void exitWith(1, `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
});
