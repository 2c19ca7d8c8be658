import { env, exports } from 'cloudflare:workers';
import { expect, inject } from 'vitest';
import type { ParityMode, TokenName } from './services';

/**
 * Helpers of the parity tests (they run inside workerd). Requests go through the worker's own
 * fetch handler (`exports.default`, src/worker.ts) with the project's bindings: the Workers
 * runtime in between, as for a real request.
 */

export const SELF = exports.default;
export const mode = env.TEST_PARITY_MODE as ParityMode;
/** For test names: which database the worker runs on. */
export const where = { sqlite: 'D1', postgres: 'Postgres (Neon driver)', libsql: 'libSQL over HTTP' }[mode];
export const tokens = inject('tokens');
export const services = inject('services');

export const url = (path: string) => `https://jobmate.test${path}`;

/** A unique tag for this file and project, so data of concurrent files never mixes (one Postgres per run). */
export const runTag = (name: string) => `${name}-${mode}-${crypto.randomUUID().slice(0, 8)}`;

export function auth(name: TokenName): Record<string, string> {
  return { Authorization: `Bearer ${tokens[name].token}` };
}

export interface ApiInit extends Omit<RequestInit, 'body' | 'headers'> {
  as?: TokenName;
  json?: unknown;
  body?: BodyInit | null;
  headers?: Record<string, string>;
}

/** One request to the worker; `as` signs it with a token, `json` sends a JSON body. */
export function api(path: string, init: ApiInit = {}): Promise<Response> {
  const { as, json, headers = {}, body, ...rest } = init;
  const allHeaders: Record<string, string> = { ...(as ? auth(as) : {}), ...headers };
  let payload = body;
  if (json !== undefined) {
    allHeaders['Content-Type'] ??= 'application/json';
    payload = typeof json === 'string' ? json : JSON.stringify(json);
  }
  return SELF.fetch(url(path), { ...rest, headers: allHeaders, body: payload, redirect: 'manual' });
}

/** The JSON body of a response with the expected status (the body is shown when it is not). */
export async function expectJson<T = Record<string, unknown>>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text.slice(0, 500)).toBe(status);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  return JSON.parse(text) as T;
}

export interface ErrorBody {
  error: string;
  message: string;
  details?: Record<string, string[]>;
}

/** An API error of the contract: the status, `{error, message}` and never a stack or HTML. */
export async function expectError(res: Response, status: number, code: string): Promise<ErrorBody> {
  const body = await expectJson<ErrorBody>(res, status);
  expect(body.error).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/);
  return body;
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

export function parseSse(text: string): SseEvent[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const event = /^event: ?(.*)$/m.exec(block)?.[1] ?? 'message';
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.replace(/^data: ?/, ''))
        .join('\n');
      return { event, data: JSON.parse(data) as Record<string, unknown> };
    });
}

/** A response body as text pieces, as they arrive. */
export function textReader(res: Response): { read(): Promise<string | undefined>; cancel(): Promise<void> } {
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  return {
    async read() {
      const { done, value } = await reader.read();
      return done ? undefined : decoder.decode(value, { stream: true });
    },
    cancel: () => reader.cancel(),
  };
}

/** Reads an SSE body event by event, noting when each arrived. */
export async function readSse(res: Response): Promise<{ events: (SseEvent & { at: number })[] }> {
  const reader = textReader(res);
  const events: (SseEvent & { at: number })[] = [];
  let buffer = '';
  for (;;) {
    const value = await reader.read();
    if (value === undefined) break;
    buffer += value;
    let end = buffer.search(/\r?\n\r?\n/);
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      const at = performance.now();
      for (const event of parseSse(`${block}\n\n`)) events.push({ ...event, at });
      end = buffer.search(/\r?\n\r?\n/);
    }
  }
  return { events };
}

export function base64ToBytes(b64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(b64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A multipart body with one file part (as a browser's FormData would send it). */
export function fileForm(
  name: string,
  bytes: Uint8Array<ArrayBuffer> | string,
  part = 'resume_file',
): FormData {
  const form = new FormData();
  form.append(part, new File([bytes], name));
  return form;
}
