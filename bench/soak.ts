import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../src/config';
import { generateDemoJobs } from '../src/node/demo-jobs';
import { loadOnetJobData } from '../src/node/onet-data';
import { startAuth0StandIn } from '../test/support/auth0-standin';
import { makeDocx, makePdf, sampleResumeText } from '../test/support/fixtures';
import { benchApiKey, type ChatStandIn, startChatStandIn } from './chat-standin';
import { readyPort, request, superviseChildren, waitForPing } from './child';
import { intEnv } from './env';
import { csvFields } from './jobs-csv';
import { fmt, percentile, table } from './report';

/**
 * `npm run bench:soak`: SOAK_MINUTES of mixed load from SOAK_USERS virtual users against the API
 * server, started like `npm start` in production mode, to see whether it leaks or fails over time.
 *
 * The server is `bench/servers.ts app` (the wiring of src/node/main.ts) with NODE_ENV=production,
 * so it needs a real token issuer: the Auth0 stand-in of the tests (test/support/auth0-standin.ts,
 * JWKS on loopback). Otherwise its embedded defaults: a libSQL file, local disk storage, the skills
 * service with its own local Chroma child, the production JSON request log (to a file), and the
 * DeepSeek stand-in of bench/chat-standin.ts for chat. Every virtual user has a token of its own
 * with `permissions: ['write:jobs']` and loops with think times of 50-250 ms over: resume uploads
 * (text, DOCX, PDF), resume list/get/download/default/delete (at most 4 resumes each), job list,
 * search and get, job create/update/delete (at most 5 live postings each), chat streams read to
 * the end (at most 4 conversations of at most 3 turns each), conversations, profile reads and
 * writes. Uploads and chat are paced under the per-user limits (10 and 20 a minute); a 429 is
 * counted apart, honoured (Retry-After) and not a failure. Only the HTTP contract is used.
 *
 * Every answer is checked against ../shared/API.md: status, X-Request-Id and X-Response-Time,
 * error bodies `{error, message}` with a known code, the shape of what came back, and chat streams
 * `meta` first, `delta`s, `done` last. Anything else is a failure ("non-contract"), as is a 5xx.
 *
 * Measured: per kind of request, counts, statuses, p50/p99 latency (chat: to the end of the
 * stream); the server's RSS every 10 s (/proc) and its live heap after a forced full GC every
 * 30 s (`--expose-gc`), with least-squares slopes (MiB/min) over the samples after the warm-up
 * (the first 2 minutes, or 20 % of the run when that is shorter); event-loop delay over the load
 * (10 ms timer, the sampler's own forced GCs left out). Targets: no 5xx, no non-contract answer,
 * RSS and heap-after-GC slopes < 1 MiB/min. Exit code 0 when all hold, 1 otherwise.
 *
 *   SOAK_MINUTES     minutes of load (default 10)
 *   SOAK_USERS       virtual users (default 8)
 *   SOAK_JOBS        demo postings imported before the load (default 2000)
 *   SOAK_REPORT      a file to write the Markdown report to (default: printed only)
 *   SOAK_SERVER_LOG  a file to keep the server's JSON log in (default: a temp file, removed)
 */

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serversScript = path.join(projectRoot, 'bench/servers.ts');

const minutes = intEnv('SOAK_MINUTES', 10, 1, 24 * 60);
const userCount = intEnv('SOAK_USERS', 8, 1, 64);
const seedJobs = intEnv('SOAK_JOBS', 2000, 0, 100_000);
const durationMs = minutes * 60_000;
const warmupMs = Math.min(120_000, 0.2 * durationMs);
const rssEveryMs = 10_000;
const heapEveryMs = 30_000;
const slopeTarget = 1; // MiB/min
const thinkMs = [50, 250] as const;
const maxResumes = 4;
const maxConversations = 4;
const maxTurns = 3;
const maxOwnJobs = 5;
const requestTimeoutMs = 60_000;
/** The stand-in's answer: this many content deltas, 15 ms apart. */
const answerDeltas = 24;

/** The server's limits (10 uploads, 20 chat messages a sliding minute), with a margin: see Pace. */
const uploadPace = { max: 9, windowMs: 62_000 };
const chatPace = { max: 18, windowMs: 62_000 };

/** Every error code of API.md. */
const contractCodes = new Set([
  'validation_error',
  'file_required',
  'missing_or_invalid_authorization',
  'token_expired',
  'invalid_token',
  'auth_failure',
  'insufficient_scope',
  'not_found',
  'user_not_found_in_auth0',
  'conflict',
  'file_too_large',
  'payload_too_large',
  'unsupported_file_type',
  'unreadable_document',
  'rate_limited',
  'hydrate_failure',
  'server_error',
  'mgmt_api_error',
  'llm_upstream_error',
  'storage_unavailable',
  'vector_store_unavailable',
  'database_unavailable',
  'llm_not_configured',
  'method_not_allowed',
  'request_timeout',
]);

// ---------------------------------------------------------------------------------------------
// Clean-up: the server (and its Chroma child) stopped, stand-ins closed, temp dir removed.

let tempDir: string | undefined;
const closers: (() => Promise<void>)[] = [];
const stopAll = new AbortController();

const { watch, exitWith } = superviseChildren({
  onCleanup: async () => {
    stopAll.abort();
    for (const close of closers.splice(0)) await close().catch(() => undefined);
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    tempDir = undefined;
  },
  onExitSync: () => {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  },
});

// ---------------------------------------------------------------------------------------------
// Figures, per kind of request.

interface KindStats {
  n: number;
  statuses: Map<number, number>;
  latencies: number[];
  rateLimited: number;
  serverErrors: number;
  /** Answers outside the contract, network errors and timeouts (5xx included). */
  failures: number;
}

const kinds = new Map<string, KindStats>();
const chatFirstDelta: number[] = [];
/** Failures by message, with the first few request ids. */
const problems = new Map<string, { count: number; kind: string; requestIds: string[] }>();
/** Per minute of load: requests, 429s, 5xx, failures. */
const timeline: { requests: number; rateLimited: number; serverErrors: number; failures: number }[] = [];
let loadStart = 0;

function kindStats(kind: string): KindStats {
  let s = kinds.get(kind);
  if (!s) {
    s = { n: 0, statuses: new Map(), latencies: [], rateLimited: 0, serverErrors: 0, failures: 0 };
    kinds.set(kind, s);
  }
  return s;
}

function minuteBucket() {
  const minute = loadStart ? Math.max(0, Math.floor((performance.now() - loadStart) / 60_000)) : 0;
  while (timeline.length <= minute)
    timeline.push({ requests: 0, rateLimited: 0, serverErrors: 0, failures: 0 });
  return timeline[minute] as (typeof timeline)[number];
}

function recordAnswer(kind: string, status: number, ms: number) {
  const s = kindStats(kind);
  s.n++;
  s.statuses.set(status, (s.statuses.get(status) ?? 0) + 1);
  if (status > 0) s.latencies.push(ms);
  const bucket = minuteBucket();
  bucket.requests++;
  if (status === 429) {
    s.rateLimited++;
    bucket.rateLimited++;
  }
  if (status >= 500) {
    s.serverErrors++;
    bucket.serverErrors++;
  }
}

function fail(kind: string, what: string, requestId?: string | null) {
  kindStats(kind).failures++;
  minuteBucket().failures++;
  const key = `${kind}: ${what}`;
  const p = problems.get(key) ?? { count: 0, kind, requestIds: [] };
  p.count++;
  if (requestId && p.requestIds.length < 3) p.requestIds.push(requestId);
  problems.set(key, p);
}

// ---------------------------------------------------------------------------------------------
// The client: one request, checked against the contract.

interface Answer {
  /** 0: no answer (network error or timeout). */
  status: number;
  /** The status was one of those expected and every check passed. */
  ok: boolean;
  body: unknown;
  bytes: number;
  headers: Headers | undefined;
}

interface CallOptions {
  method?: string;
  token: string;
  json?: unknown;
  form?: FormData;
  /** Statuses the request should get (a 429 is always allowed and counted apart). */
  expect: number[];
  /** Checks a successful answer's body: a message when it is not what the contract says. */
  check?: (body: unknown, headers: Headers, bytes: number) => string | undefined;
}

const errorShape = (body: unknown): string | undefined => {
  const b = body as { error?: unknown; message?: unknown } | undefined;
  if (typeof b?.error !== 'string' || typeof b.message !== 'string')
    return 'error body is not {error, message}';
  if (!contractCodes.has(b.error)) return `error code "${b.error}" is not in the contract`;
  return undefined;
};

/** Headers every response carries (API.md); a message when one is missing. */
function headerProblem(headers: Headers): string | undefined {
  if (!headers.get('x-request-id')) return 'no X-Request-Id';
  if (!headers.get('x-response-time')) return 'no X-Response-Time';
  return undefined;
}

/** The request's timer, and abort when the run stops. */
function deadline(ms: number) {
  // A timer of our own: on Node 20, AbortSignal.any() over AbortSignal.timeout() can be collected
  // before it fires (as in bench/stall.ts).
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no answer in ${ms / 1000} s`)), ms);
  const onStop = () => abort.abort(new Error('run stopped'));
  stopAll.signal.addEventListener('abort', onStop);
  return {
    signal: abort.signal,
    done() {
      clearTimeout(timer);
      stopAll.signal.removeEventListener('abort', onStop);
    },
  };
}

function networkError(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return signal.reason instanceof Error ? signal.reason.message : 'aborted';
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return `network error: ${cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err))}`;
}

let base = '';

async function call(kind: string, pathname: string, options: CallOptions): Promise<Answer> {
  const headers: Record<string, string> = { Authorization: `Bearer ${options.token}` };
  let body: string | FormData | undefined;
  if (options.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(options.json);
  } else if (options.form) body = options.form;
  const timer = deadline(requestTimeoutMs);
  const start = performance.now();
  try {
    const res = await fetch(`${base}${pathname}`, {
      method: options.method ?? 'GET',
      headers,
      body,
      redirect: 'manual',
      signal: timer.signal,
    });
    const raw = new Uint8Array(await res.arrayBuffer());
    const ms = performance.now() - start;
    recordAnswer(kind, res.status, ms);
    const requestId = res.headers.get('x-request-id');
    const type = res.headers.get('content-type') ?? '';
    let parsed: unknown;
    if (type.includes('application/json')) {
      try {
        parsed = JSON.parse(new TextDecoder().decode(raw));
      } catch {
        fail(kind, `HTTP ${res.status}: body is not JSON`, requestId);
        return { status: res.status, ok: false, body: undefined, bytes: raw.length, headers: res.headers };
      }
    }
    const answer = { status: res.status, ok: false, body: parsed, bytes: raw.length, headers: res.headers };
    const missing = headerProblem(res.headers);
    if (missing) fail(kind, missing, requestId);
    if (res.status >= 400) {
      const shape = errorShape(parsed);
      if (shape) fail(kind, `HTTP ${res.status}: ${shape}`, requestId);
    }
    if (res.status === 429) {
      if (!res.headers.get('retry-after')) fail(kind, '429 without Retry-After', requestId);
      return answer;
    }
    if (res.status >= 500) {
      fail(kind, `HTTP ${res.status} ${describeError(parsed)}`, requestId);
      return answer;
    }
    if (!options.expect.includes(res.status)) {
      fail(kind, `unexpected HTTP ${res.status} ${describeError(parsed)}`, requestId);
      return answer;
    }
    const problem = options.check?.(parsed, res.headers, raw.length);
    if (problem) {
      fail(kind, problem, requestId);
      return answer;
    }
    answer.ok = !missing;
    return answer;
  } catch (err) {
    recordAnswer(kind, 0, performance.now() - start);
    if (!stopAll.signal.aborted) fail(kind, networkError(err, timer.signal));
    return { status: 0, ok: false, body: undefined, bytes: 0, headers: undefined };
  } finally {
    timer.done();
  }
}

function describeError(body: unknown): string {
  const b = body as { error?: unknown; message?: unknown } | undefined;
  return typeof b?.error === 'string' ? `${b.error}: ${String(b.message).slice(0, 120)}` : '';
}

/** A `Retry-After` in ms (at least 1 s). */
function retryAfterMs(headers: Headers | undefined): number {
  const seconds = Number(headers?.get('retry-after'));
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : 5) * 1000;
}

// ---------------------------------------------------------------------------------------------
// Chat: `POST /api/chat`, the Server-Sent Events read to the end.

interface ChatAnswer {
  status: number;
  ok: boolean;
  conversationId?: string;
  headers?: Headers;
}

async function chat(token: string, body: Record<string, unknown>): Promise<ChatAnswer> {
  const kind = 'POST /api/chat (SSE to the end)';
  const timer = deadline(120_000);
  const start = performance.now();
  try {
    const res = await fetch(`${base}/api/chat`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: timer.signal,
    });
    const requestId = res.headers.get('x-request-id');
    const missing = headerProblem(res.headers);
    if (res.status !== 200) {
      const text = await res.text();
      recordAnswer(kind, res.status, performance.now() - start);
      if (missing) fail(kind, missing, requestId);
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        fail(kind, `HTTP ${res.status}: body is not JSON`, requestId);
        return { status: res.status, ok: false, headers: res.headers };
      }
      const shape = errorShape(parsed);
      if (shape) fail(kind, `HTTP ${res.status}: ${shape}`, requestId);
      if (res.status === 429) {
        if (!res.headers.get('retry-after')) fail(kind, '429 without Retry-After', requestId);
      } else
        fail(
          kind,
          `${res.status >= 500 ? '' : 'unexpected '}HTTP ${res.status} ${describeError(parsed)}`,
          requestId,
        );
      return { status: res.status, ok: false, headers: res.headers };
    }

    const events: { event: string; data: string }[] = [];
    let firstDelta: number | undefined;
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true }).replaceAll('\r\n', '\n');
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':') || line === '') continue; // a comment (keep-alive)
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (data.length === 0 && event === 'message') continue;
        if (event === 'delta' && firstDelta === undefined) firstDelta = performance.now() - start;
        events.push({ event, data: data.join('\n') });
      }
    }
    const ms = performance.now() - start;
    recordAnswer(kind, 200, ms);
    if (missing) fail(kind, missing, requestId);
    if (firstDelta !== undefined) chatFirstDelta.push(firstDelta);

    const problem = checkStream(res.headers, events);
    if (problem) {
      fail(kind, problem, requestId);
      return { status: 200, ok: false };
    }
    const meta = JSON.parse(events[0]?.data ?? '{}') as { conversation_id: string };
    return { status: 200, ok: !missing, conversationId: meta.conversation_id };
  } catch (err) {
    recordAnswer(kind, 0, performance.now() - start);
    if (!stopAll.signal.aborted) fail(kind, networkError(err, timer.signal));
    return { status: 0, ok: false };
  } finally {
    timer.done();
  }
}

/** `meta` first, `reasoning`/`delta` with content, `done` last (API.md); a message when not. */
function checkStream(headers: Headers, events: { event: string; data: string }[]): string | undefined {
  if (!(headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    return `content-type ${headers.get('content-type')}, not text/event-stream`;
  }
  const json = (data: string) => {
    try {
      return JSON.parse(data) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const first = events[0];
  const meta = first && json(first.data);
  if (
    first?.event !== 'meta' ||
    typeof meta?.conversation_id !== 'string' ||
    typeof meta.message_id !== 'string'
  ) {
    return `first event is not meta {conversation_id, message_id}: ${first?.event ?? 'none'}`;
  }
  const last = events[events.length - 1];
  if (last?.event === 'error') return `stream ended with event: error ${last.data.slice(0, 160)}`;
  const done = last && json(last.data);
  if (last?.event !== 'done' || typeof done?.message_id !== 'string' || !('finish_reason' in (done ?? {}))) {
    return `last event is not done {message_id, finish_reason}: ${last?.event ?? 'none'}`;
  }
  let deltas = 0;
  for (const e of events.slice(1, -1)) {
    if (e.event !== 'delta' && e.event !== 'reasoning') return `event "${e.event}" is not in the contract`;
    if (typeof json(e.data)?.content !== 'string') return `${e.event} without content`;
    if (e.event === 'delta') deltas++;
  }
  if (deltas !== answerDeltas) return `${deltas} delta events for the stand-in's ${answerDeltas}`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The virtual users.

/** Sends at most `max` in a sliding `windowMs`, measured when this client sends. The server
 * counts when it takes the request (later, by a varying delay), so the margin (one fewer, 2 s
 * longer) keeps the two windows from disagreeing. A 429 stops sending until its Retry-After. */
class Pace {
  private times: number[] = [];
  private blockedUntil = 0;
  constructor(private readonly limits: { max: number; windowMs: number }) {}
  ready(now = Date.now()) {
    this.times = this.times.filter((t) => now - t < this.limits.windowMs);
    return now >= this.blockedUntil && this.times.length < this.limits.max;
  }
  take(now = Date.now()) {
    this.times.push(now);
  }
  block(ms: number) {
    this.blockedUntil = Date.now() + ms;
  }
}

interface Fixture {
  kind: 'txt' | 'docx' | 'pdf';
  filename: string;
  type: string;
  bytes: Uint8Array;
}

interface User {
  index: number;
  sub: string;
  token: string;
  uploads: Pace;
  chats: Pace;
  /** Own resumes, oldest first, with the size of what was uploaded. */
  resumes: { id: string; size: number }[];
  /** Own conversations, oldest first, with their turns. */
  conversations: { id: string; turns: number }[];
  /** Own live postings, oldest first. */
  jobs: number[];
  created: number;
}

/** Ids of the imported postings (never deleted), read before the load: for job get and chat. */
const seededJobIds: number[] = [];
/** Lists fill seededJobIds (and the filter values) only before the load: none of them is a user's. */
let collecting = true;
const seenLocations = new Set<string>();
const seenCompanies = new Set<string>();

const searchTerms = [
  'engineer',
  'software developer',
  'nurse',
  'registered nurse',
  'sales',
  'teacher',
  'manager',
  'analyst',
  'technician',
  'warehouse',
  'customer service',
  'electrician',
  'accountant',
  'designer',
];
const jobTypes = ['full-time', 'part-time', 'contract', 'internship', 'temporary'];
const chatMessages = [
  'How do I write a good resume summary?',
  'Which of my skills fit this job best?',
  'What should I ask at the end of an interview?',
  'Rewrite my experience section in fewer words.',
  'How do I explain a gap in my employment?',
];

const rand = (n: number) => Math.floor(Math.random() * n);
const pick = <T>(items: readonly T[]): T => items[rand(items.length)] as T;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const think = () => sleep(thinkMs[0] + Math.random() * (thinkMs[1] - thinkMs[0]));

const isString = (v: unknown) => typeof v === 'string';
const has = (body: unknown, fields: string[]) => {
  const b = body as Record<string, unknown> | undefined;
  const missing = fields.filter((f) => b === undefined || b === null || !(f in b));
  return missing.length > 0 ? `body lacks ${missing.join(', ')}` : undefined;
};

let fixtures: Fixture[] = [];

async function upload(u: User) {
  if (u.resumes.length >= maxResumes) await deleteResume(u, 0);
  const r = Math.random();
  const format = r < 0.5 ? 'txt' : r < 0.75 ? 'docx' : 'pdf';
  const fixture = pick(fixtures.filter((f) => f.kind === format));
  const form = new FormData();
  form.append(
    'resume_file',
    new Blob([fixture.bytes as Uint8Array<ArrayBuffer>], { type: fixture.type }),
    fixture.filename,
  );
  u.uploads.take();
  const answer = await call(`POST /api/resume/upload (${format})`, '/api/resume/upload', {
    method: 'POST',
    token: u.token,
    form,
    expect: [201],
    check: (body) => {
      const b = body as { resume_id?: unknown; chunks_created?: unknown; skills?: unknown };
      if (!isString(b?.resume_id)) return 'no resume_id';
      if (typeof b.chunks_created !== 'number' || b.chunks_created < 1) return 'no chunks';
      if (!Array.isArray(b.skills)) return 'no skills array';
      return has(body, ['message', 'text_length', 's3_key', 'bucket']);
    },
  });
  if (answer.status === 429) u.uploads.block(retryAfterMs(answer.headers));
  if (answer.ok)
    u.resumes.push({ id: (answer.body as { resume_id: string }).resume_id, size: fixture.bytes.length });
}

async function deleteResume(u: User, index: number) {
  const resume = u.resumes[index];
  if (!resume) return;
  const answer = await call('DELETE /api/resumes/:id', `/api/resumes/${resume.id}`, {
    method: 'DELETE',
    token: u.token,
    expect: [204],
  });
  // On a failure the resume is forgotten all the same, so the user does not retry it forever.
  if (answer.status !== 429) u.resumes.splice(index, 1);
}

async function listResumes(u: User) {
  await call('GET /api/resumes', '/api/resumes', {
    token: u.token,
    expect: [200],
    check: (body) => {
      const list = (body as { resumes?: { id: string }[] })?.resumes;
      if (!Array.isArray(list)) return 'no resumes array';
      const ids = new Set(list.map((r) => r.id));
      if (ids.size !== u.resumes.length || u.resumes.some((r) => !ids.has(r.id))) {
        return `lists ${ids.size} resumes, the user has ${u.resumes.length}`;
      }
      return list.length > 0
        ? has(list[0], ['filename', 'size_bytes', 'is_default', 'created_at'])
        : undefined;
    },
  });
}

async function getResume(u: User) {
  const resume = pick(u.resumes);
  await call('GET /api/resumes/:id', `/api/resumes/${resume.id}`, {
    token: u.token,
    expect: [200],
    check: (body) => {
      const b = body as { id?: unknown; text?: unknown; skills?: unknown };
      if (b?.id !== resume.id) return 'another resume';
      if (!isString(b.text) || !Array.isArray(b.skills)) return 'no text or skills';
      return undefined;
    },
  });
}

async function downloadResume(u: User) {
  const resume = pick(u.resumes);
  await call('GET /api/resumes/:id/download', `/api/resumes/${resume.id}/download`, {
    token: u.token,
    expect: [200, 302],
    check: (_body, headers, bytes) => {
      if (headers.get('location')) return undefined;
      if (!(headers.get('content-disposition') ?? '').startsWith('attachment'))
        return 'no Content-Disposition: attachment';
      return bytes === resume.size ? undefined : `${bytes} bytes for a ${resume.size}-byte file`;
    },
  });
}

async function makeDefault(u: User) {
  const resume = pick(u.resumes);
  await call('PATCH /api/resumes/:id', `/api/resumes/${resume.id}`, {
    method: 'PATCH',
    token: u.token,
    json: { is_default: true },
    expect: [200],
    check: (body) =>
      (body as { is_default?: unknown })?.is_default === true ? undefined : 'not the default',
  });
}

function jobListCheck(body: unknown): string | undefined {
  const b = body as { jobs?: Record<string, unknown>[]; pagination?: Record<string, unknown> };
  if (!Array.isArray(b?.jobs)) return 'no jobs array';
  const shape = has(b.pagination, ['total', 'current_page', 'total_pages', 'has_next', 'has_prev']);
  if (shape) return `pagination: ${shape}`;
  for (const job of collecting ? b.jobs : []) {
    if (typeof job.id === 'number' && !seededJobIds.includes(job.id)) seededJobIds.push(job.id);
    if (isString(job.location)) seenLocations.add(String(job.location).split(',')[0] as string);
    if (isString(job.company)) seenCompanies.add(job.company as string);
  }
  return b.jobs.length > 0
    ? has(b.jobs[0], ['title', 'company', 'location', 'job_type', 'description', 'created_at'])
    : undefined;
}

async function listJobs(u: User) {
  const params = new URLSearchParams({ page: String(1 + rand(5)), limit: String(pick([10, 20, 50])) });
  const r = Math.random();
  if (r < 0.25) params.set('job_type', pick(jobTypes));
  else if (r < 0.4 && seenLocations.size > 0) params.set('location', pick([...seenLocations]).toLowerCase());
  else if (r < 0.5 && seenCompanies.size > 0) params.set('company', pick([...seenCompanies]).slice(0, 6));
  await call('GET /api/jobs (list)', `/api/jobs?${params}`, {
    token: u.token,
    expect: [200],
    check: jobListCheck,
  });
}

async function searchJobs(u: User) {
  const params = new URLSearchParams({ q: pick(searchTerms) });
  if (Math.random() < 0.3) params.set('sort', 'relevance');
  if (Math.random() < 0.3) params.set('page', '2');
  await call('GET /api/jobs?q= (search)', `/api/jobs?${params}`, {
    token: u.token,
    expect: [200],
    check: jobListCheck,
  });
}

async function getJob(u: User) {
  const id = pick(seededJobIds);
  await call('GET /api/jobs/:id', `/api/jobs/${id}`, {
    token: u.token,
    expect: [200],
    check: (body) => {
      const b = body as { id?: unknown; skills?: unknown };
      if (b?.id !== id) return 'another job';
      return Array.isArray(b.skills) ? undefined : 'no skills array';
    },
  });
}

function jobInput(u: User) {
  u.created++;
  return {
    title: pick(['Backend Engineer', 'Staff Nurse', 'Warehouse Associate', 'Electrician', 'Data Analyst']),
    company: `Soak Works ${u.index}`,
    location: pick(['London, UK', 'Lyon, France', 'Austin, TX', 'Remote']),
    job_type: pick(jobTypes),
    description:
      'We are hiring. You will work with TypeScript, PostgreSQL and Docker, or with patients, ' +
      `forklifts and conduit, depending on the day. Posting ${u.created} of virtual user ${u.index}.`,
    external_id: `soak-${process.pid}-${u.index}-${u.created}`,
    source: 'soak',
    salary_min: 30_000 + rand(20) * 1000,
    salary_max: 60_000 + rand(20) * 1000,
    currency: 'EUR',
    remote: Math.random() < 0.5,
  };
}

async function createJob(u: User) {
  if (u.jobs.length >= maxOwnJobs) await deleteJob(u);
  const input = jobInput(u);
  const answer = await call('POST /api/jobs', '/api/jobs', {
    method: 'POST',
    token: u.token,
    json: input,
    expect: [201],
    check: (body) => {
      const b = body as { id?: unknown; title?: unknown };
      if (typeof b?.id !== 'number') return 'no id';
      return b.title === input.title ? undefined : 'another title';
    },
  });
  if (answer.ok) {
    const id = (answer.body as { id: number }).id;
    u.jobs.push(id);
  }
}

async function updateJob(u: User) {
  const id = pick(u.jobs);
  const description = `Updated at ${new Date().toISOString()}: Kubernetes, Terraform and night shifts.`;
  await call('PATCH /api/jobs/:id', `/api/jobs/${id}`, {
    method: 'PATCH',
    token: u.token,
    json: { description, salary_max: 90_000 + rand(10) * 1000 },
    expect: [200],
    check: (body) =>
      (body as { description?: unknown })?.description === description ? undefined : 'not updated',
  });
}

async function deleteJob(u: User) {
  const id = u.jobs[0];
  if (id === undefined) return;
  const answer = await call('DELETE /api/jobs/:id', `/api/jobs/${id}`, {
    method: 'DELETE',
    token: u.token,
    expect: [204],
  });
  if (answer.status === 429) return;
  u.jobs.shift();
  if (answer.ok) {
    // A deleted (inactive) posting is 404 from now on.
    await call('GET /api/jobs/:id (deleted)', `/api/jobs/${id}`, { token: u.token, expect: [404] });
  }
}

async function chatTurn(u: User) {
  const body: Record<string, unknown> = { message: pick(chatMessages) };
  const last = u.conversations[u.conversations.length - 1];
  const continuing = last !== undefined && last.turns < maxTurns && Math.random() < 0.5;
  if (continuing) body.conversation_id = last.id;
  else if (u.conversations.length >= maxConversations) await deleteConversation(u, 0);
  if (u.resumes.length > 0 && Math.random() < 0.3) body.resume_id = pick(u.resumes).id;
  if (seededJobIds.length > 0 && Math.random() < 0.2) body.job_id = pick(seededJobIds);
  u.chats.take();
  const answer = await chat(u.token, body);
  if (answer.status === 429) u.chats.block(retryAfterMs(answer.headers));
  if (!answer.ok || !answer.conversationId) return;
  if (continuing && last) {
    if (answer.conversationId !== last.id)
      fail('POST /api/chat (SSE to the end)', 'continued into another conversation');
    last.turns++;
  } else u.conversations.push({ id: answer.conversationId, turns: 1 });
}

async function listConversations(u: User) {
  await call('GET /api/conversations', '/api/conversations', {
    token: u.token,
    expect: [200],
    check: (body) => {
      const list = (body as { conversations?: { id: string }[] })?.conversations;
      if (!Array.isArray(list)) return 'no conversations array';
      const ids = new Set(list.map((c) => c.id));
      if (ids.size !== u.conversations.length || u.conversations.some((c) => !ids.has(c.id))) {
        return `lists ${ids.size} conversations, the user has ${u.conversations.length}`;
      }
      return undefined;
    },
  });
}

async function getConversation(u: User) {
  const conversation = pick(u.conversations);
  await call('GET /api/conversations/:id', `/api/conversations/${conversation.id}`, {
    token: u.token,
    expect: [200],
    check: (body) => {
      const b = body as { id?: unknown; messages?: { role?: unknown; content?: unknown }[] };
      if (b?.id !== conversation.id || !Array.isArray(b.messages))
        return 'another conversation, or no messages';
      const users = b.messages.filter((m) => m.role === 'user').length;
      return users === conversation.turns
        ? undefined
        : `${users} user messages for ${conversation.turns} turns`;
    },
  });
}

async function deleteConversation(u: User, index: number) {
  const conversation = u.conversations[index];
  if (!conversation) return;
  const answer = await call('DELETE /api/conversations/:id', `/api/conversations/${conversation.id}`, {
    method: 'DELETE',
    token: u.token,
    expect: [204],
  });
  if (answer.status !== 429) u.conversations.splice(index, 1);
}

const profileFields = [
  'full_name',
  'email',
  'phone',
  'location',
  'headline',
  'summary',
  'linkedin_url',
  'github_url',
  'website_url',
];

async function getProfile(u: User) {
  await call('GET /api/profile', '/api/profile', {
    token: u.token,
    expect: [200],
    check: (body) => has(body, [...profileFields, 'updated_at']),
  });
}

async function putProfile(u: User) {
  const n = rand(1000);
  const update: Record<string, string | null> = {
    full_name: `Soak User ${u.index}`,
    headline: pick(
      ['Backend engineer', 'Registered nurse', 'Electrician', null].map((h) => h && `${h} #${n}`),
    ),
    location: pick(['Lyon, France', 'Austin, TX', 'London, UK']),
  };
  if (Math.random() < 0.5) update.summary = `Looking for my next role (${n}).`;
  if (Math.random() < 0.5) update.linkedin_url = `https://www.linkedin.com/in/soak-${u.index}-${n}`;
  if (Math.random() < 0.3)
    update.phone = Math.random() < 0.5 ? null : `+33 6 12 34 ${String(n).padStart(4, '0')}`;
  await call('PUT /api/profile', '/api/profile', {
    method: 'PUT',
    token: u.token,
    json: update,
    expect: [200],
    check: (body) => {
      const b = body as Record<string, unknown>;
      const wrong = Object.entries(update).filter(([k, v]) => b?.[k] !== v);
      return wrong.length > 0 ? `did not keep ${wrong.map(([k]) => k).join(', ')}` : has(body, profileFields);
    },
  });
}

async function me(u: User) {
  await call('GET /api/me', '/api/me', {
    token: u.token,
    expect: [200],
    check: (body) => ((body as { auth0_sub?: unknown })?.auth0_sub === u.sub ? undefined : 'another user'),
  });
}

interface Action {
  weight: number;
  ready(u: User): boolean;
  run(u: User): Promise<void>;
}

const always = () => true;
const actions: Action[] = [
  { weight: 3, ready: (u) => u.uploads.ready(), run: upload },
  { weight: 2, ready: always, run: listResumes },
  { weight: 2, ready: (u) => u.resumes.length > 0, run: getResume },
  { weight: 1, ready: (u) => u.resumes.length > 0, run: downloadResume },
  { weight: 0.5, ready: (u) => u.resumes.length > 0, run: makeDefault },
  { weight: 0.5, ready: (u) => u.resumes.length > 1, run: (u) => deleteResume(u, rand(u.resumes.length)) },
  { weight: 4, ready: always, run: listJobs },
  { weight: 3, ready: always, run: searchJobs },
  { weight: 3, ready: () => seededJobIds.length > 0, run: getJob },
  { weight: 1, ready: always, run: createJob },
  { weight: 1, ready: (u) => u.jobs.length > 0, run: updateJob },
  { weight: 0.5, ready: (u) => u.jobs.length > 0, run: deleteJob },
  { weight: 3, ready: (u) => u.chats.ready(), run: chatTurn },
  { weight: 0.7, ready: always, run: listConversations },
  { weight: 0.7, ready: (u) => u.conversations.length > 0, run: getConversation },
  { weight: 0.3, ready: (u) => u.conversations.length > 1, run: (u) => deleteConversation(u, 0) },
  { weight: 2, ready: always, run: getProfile },
  { weight: 1, ready: always, run: putProfile },
  { weight: 0.5, ready: always, run: me },
];

function nextAction(u: User): Action {
  const ready = actions.filter((a) => a.ready(u));
  let r = Math.random() * ready.reduce((s, a) => s + a.weight, 0);
  for (const a of ready) {
    r -= a.weight;
    if (r <= 0) return a;
  }
  return ready[ready.length - 1] as Action;
}

async function virtualUser(u: User, endAt: number) {
  // Spread the starts over the first think time.
  await sleep(rand(thinkMs[1]));
  while (performance.now() < endAt && !stopAll.signal.aborted) {
    await nextAction(u).run(u);
    await think();
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures: text resumes of several trades (test/fixtures/skills-eval), as .txt, .docx and .pdf.

async function buildFixtures(): Promise<Fixture[]> {
  const dir = path.join(projectRoot, 'test/fixtures/skills-eval');
  let texts: string[] = [];
  try {
    texts = readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .map((f) => readFileSync(path.join(dir, f), 'utf8'));
  } catch {
    // Only the sample resume then.
  }
  texts.unshift(sampleResumeText);
  const out: Fixture[] = texts.map((text, i) => ({
    kind: 'txt',
    filename: `resume-${i}.txt`,
    type: 'text/plain',
    bytes: new TextEncoder().encode(text),
  }));
  for (const [i, text] of texts.slice(0, 6).entries()) {
    const paragraphs = text.split('\n').filter((l) => l.trim() !== '');
    out.push({
      kind: 'docx',
      filename: `resume-${i}.docx`,
      type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      bytes: await makeDocx({ paragraphs }),
    });
    // Two pages; Helvetica's WinAnsi cannot draw every character: such a text is left out.
    const lines = text.split('\n');
    const half = Math.ceil(lines.length / 2);
    try {
      out.push({
        kind: 'pdf',
        filename: `resume-${i}.pdf`,
        type: 'application/pdf',
        bytes: await makePdf([lines.slice(0, half).join('\n'), lines.slice(half).join('\n')]),
      });
    } catch {
      // Not drawable in WinAnsi.
    }
  }
  if (!out.some((f) => f.kind === 'pdf')) {
    out.push({
      kind: 'pdf',
      filename: 'resume.pdf',
      type: 'application/pdf',
      bytes: await makePdf([sampleResumeText]),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The server's memory, CPU and event loop.

interface Sample {
  /** Minutes since the load started. */
  t: number;
  mib: number;
}

/** VmRSS of a process, bytes; undefined off Linux. */
function procRss(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Parent pid, CPU time (µs, user + system) and RSS (bytes) of a process, from /proc/<pid>/stat. */
function procStat(pid: number): { ppid: number; cpu: number; rss: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name, in parentheses, may hold spaces: fields are counted after its ')'.
    const f = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const ticks = 1e6 / 100; // USER_HZ
    return { ppid: f[1] ?? 0, cpu: ((f[11] ?? 0) + (f[12] ?? 0)) * ticks, rss: (f[21] ?? 0) * 4096 };
  } catch {
    return undefined;
  }
}

/** The processes a process started, and theirs (the server's local Chroma). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let pids: number[] = [];
  try {
    pids = readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
  for (const pid of pids) {
    const ppid = procStat(pid)?.ppid;
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Busy and total jiffies of the whole machine (/proc/stat); undefined off Linux. */
function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const fields =
      readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const total = fields.slice(0, 8).reduce((s, v) => s + v, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Least-squares slope (MiB/min) with its standard error. */
function slope(samples: Sample[]): { slope: number; se: number; n: number } {
  const n = samples.length;
  if (n < 3) return { slope: Number.NaN, se: Number.NaN, n };
  const mt = samples.reduce((s, p) => s + p.t, 0) / n;
  const mv = samples.reduce((s, p) => s + p.mib, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of samples) {
    sxx += (p.t - mt) ** 2;
    sxy += (p.t - mt) * (p.mib - mv);
  }
  const b = sxy / sxx;
  const residual = samples.reduce((s, p) => s + (p.mib - mv - b * (p.t - mt)) ** 2, 0);
  return { slope: b, se: Math.sqrt(residual / (n - 2) / sxx), n };
}

/** Seconds of server CPU (all threads) used per wall second, sampled; resolves when idle. */
async function waitUntilIdle(child: ChildProcess, maxMs: number): Promise<{ ms: number; last: number }> {
  const start = performance.now();
  let quiet = 0;
  let last = Number.NaN;
  let before = (await request(child, { type: 'cpu' }, 'cpu')).micros;
  while (performance.now() - start < maxMs) {
    await sleep(2_000);
    const now = (await request(child, { type: 'cpu' }, 'cpu')).micros;
    last = (now - before) / 2e6;
    before = now;
    quiet = last < 0.1 ? quiet + 1 : 0;
    if (quiet >= 2) break;
  }
  return { ms: performance.now() - start, last };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out.push(full);
    }
  };
  try {
    walk(dir);
  } catch {
    // No folder: no files.
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  setTimeout(
    () => void exitWith(1, 'the soak overran its time budget (the run plus 10 minutes)'),
    durationMs + 600_000,
  ).unref();

  const cpus = os.cpus();
  const machine = `Node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim() ?? '?'}), ${os.platform()} ${os.release()}`;
  console.log(`Jobmate soak: ${minutes} min, ${userCount} virtual users; ${machine}`);

  tempDir = mkdtempSync(path.join(os.tmpdir(), 'jobmate-bench-soak-'));
  const auth0 = await startAuth0StandIn();
  closers.push(() => auth0.close());
  const standIn: ChatStandIn = await startChatStandIn({ deltas: answerDeltas, delayMs: 15 });
  closers.push(() => standIn.close());
  fixtures = await buildFixtures();

  // Every configuration variable at its default (the shell's and .env are not read) except these.
  const uploadDir = path.join(tempDir, 'uploads');
  mkdirSync(uploadDir);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  for (const key of Object.keys(configSchema.shape)) delete env[key];
  Object.assign(env, {
    NODE_ENV: 'production',
    AUTH0_DOMAIN: auth0.issuer,
    AUTH0_AUDIENCE: auth0.audience,
    DATABASE_MODE: 'sqlite',
    DATABASE_DEV: `file:${path.join(tempDir, 'soak.db')}`,
    UPLOAD_DIR: uploadDir,
    CHROMA_PERSIST_DIR: path.join(tempDir, 'chroma'),
    DEEPSEEK_API_KEY: benchApiKey,
    DEEPSEEK_BASE_URL: standIn.baseUrl,
    BENCH_DIR: tempDir,
    BENCH_AUTH0: 'stand-in',
    // The production request log (one JSON line per request), into a file.
    BENCH_LOG: 'json',
  });
  const logFile = process.env.SOAK_SERVER_LOG
    ? path.resolve(process.env.SOAK_SERVER_LOG)
    : path.join(tempDir, 'server.log');
  const logFd = openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', serversScript, 'app'], {
    cwd: projectRoot,
    env,
    stdio: ['ignore', logFd, 'inherit', 'ipc'],
  });
  closeSync(logFd);
  watch(child, 'app server');
  const port = await readyPort(child, 'the app server did not start in 120 s', 120_000);
  base = `http://127.0.0.1:${port}`;
  await waitForPing(`${base}/api/ping`);
  const pid = child.pid as number;

  // Tokens: one user each, able to write jobs; one more for the import.
  const ttl = Math.ceil(durationMs / 1000) + 3600;
  const users: User[] = [];
  for (let i = 0; i < userCount; i++) {
    const sub = `soak|user-${i}`;
    const token = await auth0.sign(
      { sub, email: `soak-${i}@example.com`, name: `Soak User ${i}`, permissions: ['write:jobs'] },
      { expiresIn: ttl },
    );
    users.push({
      index: i,
      sub,
      token,
      uploads: new Pace(uploadPace),
      chats: new Pace(chatPace),
      resumes: [],
      conversations: [],
      jobs: [],
      created: 0,
    });
  }
  const importer = await auth0.sign(
    { sub: 'soak|importer', permissions: ['write:jobs'] },
    { expiresIn: ttl },
  );

  // Production starts with an empty board: the demo postings, imported over HTTP.
  const started = performance.now();
  if (seedJobs > 0) {
    const ndjson = generateDemoJobs(loadOnetJobData(), seedJobs, { seed: 13 })
      .map((job) => JSON.stringify(Object.fromEntries(csvFields.map((field) => [field, job[field]]))))
      .join('\n');
    const res = await fetch(`${base}/api/jobs/import`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${importer}`, 'Content-Type': 'application/x-ndjson' },
      body: ndjson,
    });
    const body = (await res.json()) as { created?: number; failed?: unknown[] };
    if (res.status !== 200 || body.created !== seedJobs) {
      throw new Error(`import of ${seedJobs} jobs: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
    for (let page = 1; page <= 5; page++) {
      const list = await fetch(`${base}/api/jobs?limit=100&page=${page}`, {
        headers: { Authorization: `Bearer ${importer}` },
      });
      jobListCheck(await list.json());
    }
  }
  collecting = false;
  for (const u of users) await me(u);
  const idle = await waitUntilIdle(child, 180_000);
  console.log(
    `setup: ${fmt(seedJobs)} postings imported, ${userCount} users, ${fixtures.length} resume files; ` +
      `server idle after ${fmt((performance.now() - started) / 1000)} s (CPU ${fmt(idle.last * 100)} % of a core)`,
  );
  // Setup requests are not part of the figures.
  kinds.clear();
  problems.clear();
  timeline.length = 0;

  // ---- The load.
  const rss: Sample[] = [];
  const heap: Sample[] = [];
  const cpu: CpuSample[] = [];
  loadStart = performance.now();
  const minutesNow = () => (performance.now() - loadStart) / 60_000;
  await request(child, { type: 'loopdelay' }, 'loopdelay'); // starts it
  await request(child, { type: 'eventloop' }, 'eventloop'); // resets it
  // The server's own children: its local Chroma (and whatever else it started).
  const helperPids = descendants(pid);
  const sampleRss = async () => {
    const t = minutesNow();
    const bytes = procRss(pid) ?? (await request(child, { type: 'memory' }, 'memory', 30_000)).rss;
    rss.push({ t, mib: bytes / 1024 / 1024 });
    const own = process.cpuUsage();
    const helpers = helperPids.map(procStat);
    cpu.push({
      t,
      server: (await request(child, { type: 'cpu' }, 'cpu')).micros,
      client: own.user + own.system,
      helpers: helpers.reduce((s, h) => s + (h?.cpu ?? 0), 0),
      helpersRss: helpers.reduce((s, h) => s + (h?.rss ?? 0), 0),
      machine: machineJiffies(),
      load: os.loadavg()[0] ?? Number.NaN,
    });
  };
  const sampleHeap = async () => {
    const t = minutesNow();
    const m = await request(child, { type: 'memory', quietGc: true }, 'memory', 30_000);
    if (m.heapAfterGc !== undefined) heap.push({ t, mib: m.heapAfterGc / 1024 / 1024 });
  };
  const sampling = new Set<Promise<void>>();
  const sample = (work: () => Promise<void>) => {
    const p = work()
      .catch((err: unknown) => {
        process.stderr.write(`sampling failed: ${err instanceof Error ? err.message : err}\n`);
      })
      .finally(() => sampling.delete(p));
    sampling.add(p);
  };
  sample(sampleRss);
  sample(sampleHeap);
  const rssTimer = setInterval(() => sample(sampleRss), rssEveryMs);
  const heapTimer = setInterval(() => sample(sampleHeap), heapEveryMs);
  const progressTimer = setInterval(() => {
    sample(async () => {
      const loop = await request(child, { type: 'loopdelay', reset: false }, 'loopdelay');
      const total = [...kinds.values()].reduce((s, k) => s + k.n, 0);
      const lastRss = rss[rss.length - 1];
      const lastHeap = heap[heap.length - 1];
      console.log(
        `  ${fmt(minutesNow(), 1)} min: ${fmt(total)} requests, 5xx ${sum('serverErrors')}, ` +
          `failures ${sum('failures')}, 429 ${sum('rateLimited')}; RSS ${fmt(lastRss?.mib ?? Number.NaN)} MiB, ` +
          `heap after GC ${fmt(lastHeap?.mib ?? Number.NaN, 1)} MiB; loop p99 ${fmt(loop.p99, 1)} ms, max ${fmt(loop.max)} ms`,
      );
    });
  }, 60_000);

  const endAt = loadStart + durationMs;
  await Promise.all(users.map((u) => virtualUser(u, endAt)));
  const loadMs = performance.now() - loadStart;
  clearInterval(rssTimer);
  clearInterval(heapTimer);
  clearInterval(progressTimer);
  await Promise.all([...sampling]);
  await sampleRss();
  await sampleHeap();
  const loop = await request(child, { type: 'loopdelay' }, 'loopdelay');
  const eld = await request(child, { type: 'eventloop' }, 'eventloop');

  // ---- After the load: what is stored matches what the users hold.
  const stored = filesUnder(uploadDir).filter((f) => /\.(pdf|docx|txt)$/.test(f));
  const held = users.reduce((s, u) => s + u.resumes.length, 0);
  const storageOk = stored.length === held;
  if (!storageOk) fail('storage', `${stored.length} files in UPLOAD_DIR for ${held} resumes`);
  const dbBytes = statSync(path.join(tempDir, 'soak.db')).size;

  // ---- The report.
  const report = buildReport({
    loadMs,
    rss,
    heap,
    cpu,
    loop,
    eld,
    stored: stored.length,
    held,
    dbBytes,
    machine,
  });
  console.log(`\n${report.text}`);
  if (process.env.SOAK_REPORT) writeFileSync(process.env.SOAK_REPORT, `${report.text}\n`);

  if (report.missed.length > 0) {
    // The server's own account of the failures: its error lines.
    const lines = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => /"level":"(error|warn)"/.test(l))
      .slice(0, 10);
    if (lines.length > 0) console.log(`\nServer log, first warnings and errors:\n${lines.join('\n')}`);
  }
  await exitWith(report.missed.length > 0 ? 1 : 0);
}

interface CpuSample {
  t: number;
  /** CPU time of the server process, all threads, µs. */
  server: number;
  /** Of this process (the virtual users and both stand-ins), µs. */
  client: number;
  /** Of the server's child processes (its local Chroma), µs; and their RSS, bytes. */
  helpers: number;
  helpersRss: number;
  machine: { busy: number; total: number } | undefined;
  /** 1-minute load average of the machine. */
  load: number;
}

function sum(field: 'serverErrors' | 'failures' | 'rateLimited' | 'n') {
  return [...kinds.values()].reduce((s, k) => s + k[field], 0);
}

function buildReport(r: {
  loadMs: number;
  rss: Sample[];
  heap: Sample[];
  cpu: CpuSample[];
  loop: { p50: number; p99: number; max: number; mean: number; count: number };
  eld: { p99: number; max: number };
  stored: number;
  held: number;
  dbBytes: number;
  machine: string;
}) {
  const out: string[] = [];
  const warm = warmupMs / 60_000;
  const statusText = (m: Map<number, number>) =>
    [...m.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([status, n]) => `${status === 0 ? 'none' : status}×${fmt(n)}`)
      .join(' ');
  const rows = [...kinds.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([kind, s]) => {
      const sorted = [...s.latencies].sort((a, b) => a - b);
      return [
        kind,
        fmt(s.n),
        statusText(s.statuses),
        fmt(s.rateLimited),
        fmt(s.serverErrors),
        fmt(s.failures),
        fmt(percentile(sorted, 50), 1),
        fmt(percentile(sorted, 99), 1),
      ];
    });
  const total = sum('n');
  rows.push([
    'all',
    fmt(total),
    '',
    fmt(sum('rateLimited')),
    fmt(sum('serverErrors')),
    fmt(sum('failures')),
    '',
    '',
  ]);
  out.push(
    `${fmt(r.loadMs / 60_000, 1)} min of load, ${userCount} virtual users, ${fmt(total)} requests ` +
      `(${fmt(total / (r.loadMs / 1000), 1)}/s); ${r.machine}`,
  );
  out.push('');
  out.push(table(['kind', 'requests', 'statuses', '429', '5xx', 'failures', 'p50 ms', 'p99 ms'], rows));
  const fd = [...chatFirstDelta].sort((a, b) => a - b);
  if (fd.length > 0) {
    out.push('');
    out.push(
      `Chat: first delta after p50 ${fmt(percentile(fd, 50), 1)} ms, p99 ${fmt(percentile(fd, 99), 1)} ms; ` +
        `each answer ${answerDeltas} deltas 15 ms apart from the stand-in (${fmt(answerDeltas * 15)} ms at best).`,
    );
  }

  const after = (s: Sample[]) => s.filter((p) => p.t >= warm);
  const rssFit = slope(after(r.rss));
  const heapFit = slope(after(r.heap));
  const range = (s: Sample[]) => {
    const a = after(s);
    if (a.length === 0) return '-';
    const values = a.map((p) => p.mib);
    return `${fmt(a[0]?.mib ?? Number.NaN, 1)} → ${fmt(a[a.length - 1]?.mib ?? Number.NaN, 1)} (min ${fmt(Math.min(...values), 1)}, max ${fmt(Math.max(...values), 1)})`;
  };
  const slopeText = (f: { slope: number; se: number; n: number }) =>
    Number.isNaN(f.slope)
      ? `- (${f.n} samples)`
      : `${f.slope >= 0 ? '+' : ''}${fmt(f.slope, 2)} ± ${fmt(f.se, 2)}`;
  const cpuFirst = r.cpu.find((c) => c.t >= warm) ?? r.cpu[0];
  const cpuLast = r.cpu[r.cpu.length - 1];
  const cores = os.cpus().length;
  let cpuText = 'CPU: not sampled.';
  if (cpuFirst && cpuLast && cpuLast.t > cpuFirst.t) {
    const wallMicros = (cpuLast.t - cpuFirst.t) * 60e6;
    const server = (cpuLast.server - cpuFirst.server) / wallMicros;
    const client = (cpuLast.client - cpuFirst.client) / wallMicros;
    const helpers = (cpuLast.helpers - cpuFirst.helpers) / wallMicros;
    const m0 = cpuFirst.machine;
    const m1 = cpuLast.machine;
    const machine = m0 && m1 ? ((m1.busy - m0.busy) / (m1.total - m0.total)) * cores : Number.NaN;
    const loads = r.cpu.filter((c) => c.t >= warm).map((c) => c.load);
    cpuText =
      `CPU after the warm-up (100 % = one core): server ${fmt(server * 100)} % (all threads), its Chroma ` +
      `child ${fmt(helpers * 100)} % (RSS ${fmt(cpuFirst.helpersRss / 1048576)} → ${fmt(cpuLast.helpersRss / 1048576)} MiB), ` +
      `load generator and stand-ins ${fmt(client * 100)} %; the machine ${fmt(machine * 100)} % of ${cores * 100} %, ` +
      `so ${fmt((machine - server - helpers - client) * 100)} % for processes outside the benchmark; ` +
      `load average ${fmt(Math.min(...loads), 1)}-${fmt(Math.max(...loads), 1)}.`;
  }
  out.push('');
  out.push(
    table(
      ['server process', `after the warm-up (${fmt(warm * 60)} s)`, 'slope MiB/min (± s.e.)', 'samples'],
      [
        ['RSS (every 10 s), MiB', range(r.rss), slopeText(rssFit), fmt(rssFit.n)],
        ['heap after a full GC (every 30 s), MiB', range(r.heap), slopeText(heapFit), fmt(heapFit.n)],
      ],
    ),
  );
  const series = (s: Sample[], every: number) =>
    s
      .filter((_, i) => i % every === 0)
      .map((p) => fmt(p.mib))
      .join(' ');
  out.push('');
  out.push(`RSS by minute (MiB): ${series(r.rss, 6)}`);
  out.push(`Heap after GC by minute (MiB): ${series(r.heap, 2)}`);
  out.push(
    `Event-loop delay over the load (10 ms timer, ${fmt(r.loop.count)} samples, the sampler's forced GCs left out): ` +
      `p50 ${fmt(r.loop.p50, 1)} ms, p99 ${fmt(r.loop.p99, 1)} ms, max ${fmt(r.loop.max)} ms ` +
      `(monitorEventLoopDelay, forced GCs included: p99 ${fmt(r.eld.p99, 1)} ms, max ${fmt(r.eld.max)} ms).`,
  );
  out.push(cpuText);
  out.push(
    `Resume files stored at the end: ${fmt(r.stored)} for ${fmt(r.held)} resumes held; ` +
      `libSQL file ${fmt(r.dbBytes / 1024 / 1024, 1)} MiB.`,
  );
  const perMinute = timeline.map(
    (m) => `${fmt(m.requests)}${m.serverErrors + m.failures > 0 ? `(!${m.serverErrors + m.failures})` : ''}`,
  );
  out.push(`Requests by minute: ${perMinute.join(' ')}`);

  if (problems.size > 0) {
    out.push('');
    out.push('Failures:');
    for (const [what, p] of [...problems.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, 20)) {
      out.push(
        `  ${fmt(p.count)} × ${what}${p.requestIds.length > 0 ? ` (request ids ${p.requestIds.join(', ')})` : ''}`,
      );
    }
  }

  const missed: string[] = [];
  const serverErrors = sum('serverErrors');
  const nonContract = sum('failures') - serverErrors;
  const targets: string[][] = [];
  const target = (name: string, value: string, goal: string, met: boolean | undefined) => {
    targets.push([name, value, goal, met === undefined ? 'not judged' : met ? 'met' : '**NOT MET**']);
    if (met === false) missed.push(`${name}: ${value} (target ${goal})`);
  };
  target('5xx answers', fmt(serverErrors), '0', serverErrors === 0);
  target('answers outside the contract, or none', fmt(nonContract), '0', nonContract === 0);
  for (const [name, f] of [
    ['RSS slope after the warm-up', rssFit],
    ['heap-after-GC slope after the warm-up', heapFit],
  ] as const) {
    const judged = !Number.isNaN(f.slope);
    target(
      name,
      judged ? `${fmt(f.slope, 2)} MiB/min` : `${f.n} samples`,
      `< ${slopeTarget} MiB/min`,
      judged ? f.slope < slopeTarget : undefined,
    );
  }
  targets.push(['429 answers (paced under the limits; not failures)', fmt(sum('rateLimited')), '-', '-']);
  out.push('');
  out.push(table(['target', 'value', 'goal', ''], targets));
  out.push('');
  out.push(missed.length === 0 ? 'All targets met.' : `Targets missed: ${missed.join('; ')}.`);
  return { text: out.join('\n'), missed };
}

main().catch((err: unknown) => {
  void exitWith(1, `soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
});
