import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A local DeepSeek on loopback that speaks its real wire format: `POST .../chat/completions` with a
 * Bearer key, answered with `chat.completion.chunk` Server-Sent Events, a usage chunk and
 * `data: [DONE]`, or with DeepSeek's JSON errors. A script chooses what the next request gets;
 * counters let tests observe retries and closed connections.
 */

export const standInApiKey = 'test-key';

export interface StreamScript {
  kind: 'stream';
  reasoning?: string[];
  deltas: string[];
  /** Re-split the raw SSE bytes into pieces of this many bytes, to create odd boundaries. */
  chunkSplit?: number;
  /** Write `: keep-alive\n\n` after every this many events. */
  keepAliveEvery?: number;
  /** Line endings: CRLF (`crlf: true`), or bare CR (`eol: '\r'`); LF by default. */
  crlf?: boolean;
  eol?: '\n' | '\r\n' | '\r';
  /** Start the body with a UTF-8 byte order mark (which an SSE reader must skip). */
  bom?: boolean;
  /** Send each chunk's JSON pretty-printed over several `data:` lines (joined with LF by the reader). */
  multilineData?: boolean;
  /** Pause between writes. */
  delayMs?: number;
  usage?: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
  finishReason?: string;
}

export interface StatusScript {
  kind: 'status';
  status: 400 | 401 | 402 | 422 | 429 | 500 | 503;
  retryAfter?: string;
  /** Only this request fails; the next one streams the default reply. */
  thenSucceed?: boolean;
}

/** Send `after` events, then destroy the socket. */
export interface CutScript {
  kind: 'cut';
  after: number;
}

/** Headers and keep-alives forever, until the client disconnects. */
export interface StallScript {
  kind: 'stall';
}

/** No answer at all, not even headers, until the client disconnects. */
export interface HangScript {
  kind: 'hang';
}

export type Script = StreamScript | StatusScript | CutScript | StallScript | HangScript;

export interface RecordedRequest {
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

export const defaultReply: StreamScript = {
  kind: 'stream',
  deltas: ['Hello', ', world', '!'],
  usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
};

/** DeepSeek's error bodies, as documented and observed. */
const errorMessages: Record<StatusScript['status'], { message: string; type: string }> = {
  400: { message: 'Invalid request: messages must not be empty', type: 'invalid_request_error' },
  401: {
    message: 'Authentication Fails, Your api key: ****-key is invalid',
    type: 'authentication_error',
  },
  402: { message: 'Insufficient Balance', type: 'unknown_error' },
  422: { message: 'Failed to deserialize the JSON body into the target type', type: 'invalid_request_error' },
  429: { message: 'Rate limit reached for requests', type: 'rate_limit_error' },
  500: { message: 'Internal server error', type: 'server_error' },
  503: { message: 'Server overloaded, please try again later', type: 'server_error' },
};

export async function startDeepSeekStandIn() {
  const requests: RecordedRequest[] = [];
  let script: Script = defaultReply;
  let closedConnections = 0;
  let closeWaiters: (() => void)[] = [];
  let requestWaiters: (() => void)[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const raw = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requests.push({ path, body: parseJson(raw), headers: headersOf(req) });
    watchClose(res);
    const waiting = requestWaiters;
    requestWaiters = [];
    for (const resolve of waiting) resolve();
    if (req.method !== 'POST' || !path.endsWith('/chat/completions')) {
      return sendJson(res, 404, { error: { message: 'Not Found', type: 'invalid_request_error' } });
    }
    if (req.headers.authorization !== `Bearer ${standInApiKey}`) {
      return sendJson(res, 401, { error: errorMessages[401] });
    }
    const current = script;
    if (current.kind === 'status' && current.thenSucceed) script = defaultReply;
    await respond(current, res);
  }

  /** Counts responses whose client went away before the end ('close' before 'finish'). */
  function watchClose(res: ServerResponse) {
    res.on('close', () => {
      if (res.writableFinished) return;
      closedConnections++;
      const waiters = closeWaiters;
      closeWaiters = [];
      for (const resolve of waiters) resolve();
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    setScript(next: Script) {
      script = next;
    },
    get closedConnections() {
      return closedConnections;
    },
    /** Resolves once at least `count` requests have arrived (their bodies read). */
    async waitForRequests(count: number): Promise<void> {
      while (requests.length < count) {
        await new Promise<void>((resolve) => requestWaiters.push(resolve));
      }
    },
    /** Resolves once at least `count` connections were closed early by the client (or cut). */
    async waitForClose(count = 1): Promise<void> {
      while (closedConnections < count) {
        await new Promise<void>((resolve) => closeWaiters.push(resolve));
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type DeepSeekStandIn = Awaited<ReturnType<typeof startDeepSeekStandIn>>;

async function respond(script: Script, res: ServerResponse) {
  if (script.kind === 'status') return sendStatus(script, res);
  if (script.kind === 'stall') return stall(res);
  if (script.kind === 'hang') return hang(res);
  startStream(res);
  if (script.kind === 'cut') return cut(script, res);
  return stream(script, res);
}

function sendStatus(script: StatusScript, res: ServerResponse) {
  const headers: Record<string, string> = {};
  if (script.retryAfter !== undefined) headers['retry-after'] = script.retryAfter;
  sendJson(
    res,
    script.status,
    { error: { ...errorMessages[script.status], param: null, code: null } },
    headers,
  );
}

function startStream(res: ServerResponse) {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.flushHeaders();
}

async function stream(script: StreamScript, res: ServerResponse) {
  const eol = script.eol ?? (script.crlf ? '\r\n' : '\n');
  const pieces: Buffer[] = script.bom ? [Buffer.from('\uFEFF')] : [];
  completionChunks(script).forEach((data, i) => {
    if (script.keepAliveEvery && i > 0 && i % script.keepAliveEvery === 0) {
      pieces.push(Buffer.from(`: keep-alive${eol}${eol}`));
    }
    const lines =
      script.multilineData && data !== '[DONE]'
        ? JSON.stringify(JSON.parse(data), null, 2).split('\n')
        : [data];
    pieces.push(Buffer.from(`${lines.map((line) => `data: ${line}${eol}`).join('')}${eol}`));
  });
  const writes = script.chunkSplit ? resplit(Buffer.concat(pieces), script.chunkSplit) : pieces;
  for (const piece of writes) {
    if (res.destroyed) return;
    res.write(piece);
    // A pause (or at least a turn of the event loop) so that pieces tend to arrive as separate reads.
    if (script.delayMs) await delay(script.delayMs);
    else await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

async function cut(script: CutScript, res: ServerResponse) {
  const chunks = completionChunks(defaultReply).slice(0, script.after);
  for (const data of chunks) {
    res.write(`data: ${data}\n\n`);
    await delay(0);
  }
  await delay(10);
  res.socket?.destroy();
}

async function hang(res: ServerResponse) {
  await new Promise<void>((resolve) => res.once('close', () => resolve()));
}

async function stall(res: ServerResponse) {
  startStream(res);
  while (!res.destroyed) {
    res.write(': keep-alive\n\n');
    await delay(20);
  }
}

/** The `data:` payloads DeepSeek sends for this script, in order, ending with `[DONE]`. */
function completionChunks(script: StreamScript): string[] {
  const id = crypto.randomUUID();
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model: 'deepseek-chat',
      system_fingerprint: 'fp_standin',
      choices,
      ...extra,
    });
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });
  const reasoning = script.reasoning ?? [];
  return [
    // DeepSeek opens with the role and an empty content.
    chunk([choice({ role: 'assistant', content: reasoning.length ? null : '' })]),
    ...reasoning.map((r) => chunk([choice({ content: null, reasoning_content: r })])),
    ...script.deltas.map((d) =>
      chunk([choice({ content: d, ...(reasoning.length ? { reasoning_content: null } : {}) })]),
    ),
    chunk([choice({ content: '' }, script.finishReason ?? 'stop')]),
    chunk([], { usage: script.usage ?? defaultReply.usage }),
    '[DONE]',
  ];
}

function resplit(bytes: Buffer, size: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) pieces.push(bytes.subarray(i, i + size));
  return pieces;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
