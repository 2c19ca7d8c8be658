import { createParser, type ParseError } from 'eventsource-parser';
import { AppError } from '../../errors';

/**
 * A streaming client for any OpenAI-compatible chat completions endpoint (DeepSeek by default),
 * written on fetch so it runs on Node and in workerd without an SDK.
 *
 * `stream()` settles once the provider's status is known, so the route can still answer a plain JSON
 * error; after that, failures surface as exceptions from the returned generator.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface LlmUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
}

export type LlmEvent =
  | { type: 'reasoning'; content: string }
  | { type: 'delta'; content: string }
  | { type: 'done'; finishReason: string | null; usage: LlmUsage | null };

export interface LlmClientOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
  /** Wait before the one retry of a 5xx or network failure. Default 500. */
  retryDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export interface LlmStreamRequest {
  model: string;
  messages: ChatMessage[];
  signal: AbortSignal;
  maxTokens?: number;
}

export interface LlmClient {
  stream(request: LlmStreamRequest): Promise<AsyncGenerator<LlmEvent>>;
}

/** Server faults worth one more try; every other failure status is final (retrying cannot help). */
const retryableStatuses = new Set([500, 502, 503, 504]);
const defaultRetryAfter = '5';

export function createLlmClient(options: LlmClientOptions): LlmClient {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const retryDelayMs = options.retryDelayMs ?? 500;
  const url = completionsUrl(options.baseUrl);

  return {
    async stream(request) {
      // Our own controller, linked to the caller's, so that the generator can also close the
      // upstream connection when its consumer stops early.
      const upstream = linkedController(request.signal);
      const init: RequestInit = {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${options.apiKey}`,
          'Content-Type': 'application/json',
          Accept: 'text/event-stream',
        },
        body: JSON.stringify(requestBody(request)),
        signal: upstream.controller.signal,
      };
      try {
        const attempt = () => doFetch(url, init);
        const response = await fetchWithOneRetry(attempt, request.signal, sleep, retryDelayMs);
        await assertStreamable(response, options.apiKey);
        return readCompletion(response, request.signal, upstream);
      } catch (err) {
        upstream.release();
        throw err;
      }
    },
  };
}

/** `${base}/chat/completions`, whether or not the base ends with a slash (or with /v1/). */
export function completionsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/(?<!\/)\/+$/, '')}/chat/completions`;
}

function requestBody(request: LlmStreamRequest) {
  return {
    model: request.model,
    messages: request.messages,
    stream: true,
    // Without this, OpenAI-style servers send no token counts in streaming mode.
    stream_options: { include_usage: true },
    ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
  };
}

interface LinkedController {
  controller: AbortController;
  /** Aborts the upstream request (a no-op once its body was read) and unhooks from the caller's signal. */
  release(): void;
}

function linkedController(signal: AbortSignal): LinkedController {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return {
    controller,
    release() {
      signal.removeEventListener('abort', onAbort);
      if (!controller.signal.aborted) controller.abort();
    },
  };
}

/**
 * One attempt, and one more after a pause when the provider had a server fault or could not be
 * reached: these are often momentary (DeepSeek answers 503 when overloaded). Anything else is final.
 */
async function fetchWithOneRetry(
  attempt: () => Promise<Response>,
  signal: AbortSignal,
  sleep: (ms: number) => Promise<void>,
  retryDelayMs: number,
): Promise<Response> {
  const first = await attemptOnce(attempt, signal);
  if (!first.retry) return first.response;
  await sleep(retryDelayMs);
  signal.throwIfAborted();
  const second = await attemptOnce(attempt, signal);
  if (!second.retry) return second.response;
  throw new AppError('llm_upstream_error', `The AI provider is unavailable (${second.reason})`, {
    cause: second.cause,
  });
}

type Attempt = { retry: false; response: Response } | { retry: true; reason: string; cause?: unknown };

async function attemptOnce(attempt: () => Promise<Response>, signal: AbortSignal): Promise<Attempt> {
  let response: Response;
  try {
    response = await attempt();
  } catch (err) {
    // An abort is the caller's decision, not a provider failure: rethrow it as is.
    if (signal.aborted) throw err;
    return { retry: true, reason: 'could not be reached', cause: err };
  }
  if (!retryableStatuses.has(response.status)) return { retry: false, response };
  await response.body?.cancel().catch(() => {});
  return { retry: true, reason: `HTTP ${response.status}` };
}

/** Maps a non-2xx answer to the API's errors; the provider's own explanation is kept, its key never. */
async function assertStreamable(response: Response, apiKey: string): Promise<void> {
  if (response.ok && !isJson(response)) return;
  const detail = await providerMessage(response, apiKey);
  if (response.status === 429) {
    throw new AppError('rate_limited', `The AI provider is rate limiting requests${suffix(detail)}`, {
      headers: { 'Retry-After': retryAfter(response.headers.get('retry-after')) },
    });
  }
  const what = response.ok ? 'answered with JSON instead of a stream' : `answered HTTP ${response.status}`;
  throw new AppError('llm_upstream_error', `The AI provider ${what}${suffix(detail)}`);
}

function isJson(response: Response): boolean {
  return (response.headers.get('content-type') ?? '').includes('application/json');
}

function suffix(detail: string | undefined): string {
  return detail ? `: ${detail}` : '';
}

/** `error.message` (OpenAI and DeepSeek) or `message` from a JSON error body, trimmed and redacted. */
async function providerMessage(response: Response, apiKey: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await response.text();
  } catch {
    return undefined;
  }
  let message: unknown;
  try {
    const body: unknown = JSON.parse(text);
    message = field(field(body, 'error'), 'message') ?? field(body, 'message');
  } catch {
    return undefined;
  }
  if (typeof message !== 'string' || !message.trim()) return undefined;
  // Some providers echo the key they were given; it must never reach a client or a log.
  const redacted = apiKey ? message.split(apiKey).join('****') : message;
  return redacted.trim().slice(0, 300);
}

/** The provider's Retry-After when it is a valid delay or date; otherwise a short default. */
function retryAfter(value: string | null): string {
  const trimmed = value?.trim();
  if (!trimmed) return defaultRetryAfter;
  if (/^\d+$/.test(trimmed) || !Number.isNaN(Date.parse(trimmed))) return trimmed;
  return defaultRetryAfter;
}

/** State gathered while reading the stream, for the final `done`. */
interface Completion {
  finishReason: string | null;
  usage: LlmUsage | null;
}

async function* readCompletion(
  response: Response,
  signal: AbortSignal,
  upstream: LinkedController,
): AsyncGenerator<LlmEvent> {
  const state: Completion = { finishReason: null, usage: null };
  let sawDone = false;
  try {
    if (!response.body) throw new Error('the provider sent no body');
    for await (const data of sseOrConnectionError(response.body, signal)) {
      if (data.trim() === '[DONE]') {
        sawDone = true;
        break;
      }
      yield* eventsOfChunk(parseChunk(data), state);
    }
  } finally {
    // Closes the upstream connection if we stop early (consumer break, abort, error).
    upstream.release();
  }
  if (!sawDone && state.finishReason === null) throw new Error('the provider stream ended early');
  yield { type: 'done', finishReason: state.finishReason, usage: state.usage };
}

/**
 * The most characters one event (or an unterminated line) may hold while it arrives: a completion
 * chunk is a few kilobytes, and a stream that never ends its event must not grow in memory.
 */
const maxEventChars = 1024 * 1024;

/** The `data` of each event, as soon as its blank line arrives; a dropped connection reported as such. */
async function* sseOrConnectionError(body: ReadableStream<Uint8Array>, signal: AbortSignal) {
  try {
    yield* sseData(body, signal);
  } catch (err) {
    if (signal.aborted || err instanceof OversizedEventError) throw err;
    throw new Error('the provider connection was lost', { cause: err });
  }
}

class OversizedEventError extends Error {
  constructor(cause: ParseError) {
    super(`the provider sent an event over ${maxEventChars} characters`, { cause });
    this.name = 'OversizedEventError';
  }
}

/**
 * Server-Sent Events parsed by eventsource-parser (line endings, comments, multi-line data, a
 * final event without its blank line dropped, as the spec says). Bytes are decoded in stream mode
 * (a character split across reads survives; the default decoder drops a leading BOM, as the spec
 * requires). The body is read through its reader so that stopping early, for whatever reason,
 * cancels it: that is what closes the upstream connection.
 */
async function* sseData(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<string> {
  const ready: string[] = [];
  let oversized: ParseError | undefined;
  const parser = createParser({
    onEvent: (event) => ready.push(event.data),
    // Unknown fields and a bad `retry` are ignored, as a browser would; only the bound is fatal.
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') oversized = error;
    },
    maxBufferSize: maxEventChars,
  });
  const decoder = new TextDecoder('utf-8');
  signal.throwIfAborted();
  const reader = body.getReader();
  // A pending read() does not notice an abort by itself; cancelling the reader ends it.
  const onAbort = () => void reader.cancel(signal.reason).catch(() => {});
  signal.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    while (true) {
      const { done, value } = await readOrAbortReason(reader, signal);
      signal.throwIfAborted();
      const text = done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (text) parser.feed(text);
      if (oversized) throw new OversizedEventError(oversized);
      for (const data of ready.splice(0)) yield data;
      if (done) break;
    }
    finished = true;
  } finally {
    signal.removeEventListener('abort', onAbort);
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

async function readOrAbortReason(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (err) {
    // A fetch aborted by our signal errors its body with the abort reason or a network error;
    // report the abort, not the symptom.
    signal.throwIfAborted();
    throw err;
  }
}

function parseChunk(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch (err) {
    throw new Error('the provider sent a malformed chunk', { cause: err });
  }
}

/** The events of one `chat.completion.chunk`; records finish_reason and usage on the way. */
function* eventsOfChunk(chunk: unknown, state: Completion): Generator<LlmEvent> {
  const error = field(chunk, 'error');
  if (error !== undefined && error !== null) {
    // Some OpenAI-compatible gateways report a failure mid-stream as a chunk with `error`.
    const message = field(error, 'message');
    throw new Error(`the provider reported an error${typeof message === 'string' ? `: ${message}` : ''}`);
  }
  const usage = field(chunk, 'usage');
  if (isRecord(usage)) state.usage = pickUsage(usage);
  const choices = field(chunk, 'choices');
  const choice = Array.isArray(choices) ? (choices[0] as unknown) : undefined;
  const finishReason = field(choice, 'finish_reason');
  if (typeof finishReason === 'string') state.finishReason = finishReason;
  const delta = field(choice, 'delta');
  const reasoning = field(delta, 'reasoning_content');
  if (typeof reasoning === 'string' && reasoning) yield { type: 'reasoning', content: reasoning };
  const content = field(delta, 'content');
  if (typeof content === 'string' && content) yield { type: 'delta', content };
}

function pickUsage(usage: Record<string, unknown>): LlmUsage {
  const picked: LlmUsage = {};
  for (const key of ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const) {
    const value = usage[key];
    if (typeof value === 'number') picked[key] = value;
  }
  return picked;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}
