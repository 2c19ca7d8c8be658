import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors';
import {
  type ChatMessage,
  completionsUrl,
  createLlmClient,
  type LlmClientOptions,
  type LlmEvent,
} from '../../../src/services/llm/deepseek';
import { type DeepSeekStandIn, standInApiKey, startDeepSeekStandIn } from '../../support/deepseek-standin';

const messages: ChatMessage[] = [
  { role: 'system', content: 'You are a career assistant. Resume: Ada Lovelace, analyst.' },
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello!' },
  { role: 'user', content: 'Improve my summary' },
];

let standIn: DeepSeekStandIn;
let sleeps: number[];

beforeEach(async () => {
  standIn = await startDeepSeekStandIn();
  sleeps = [];
});
afterEach(async () => {
  await standIn.close();
});

function client(overrides: Partial<LlmClientOptions> = {}) {
  return createLlmClient({
    baseUrl: standIn.baseUrl,
    apiKey: standInApiKey,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...overrides,
  });
}

async function collect(events: AsyncGenerator<LlmEvent>): Promise<LlmEvent[]> {
  const all: LlmEvent[] = [];
  for await (const event of events) all.push(event);
  return all;
}

function text(events: LlmEvent[], type: 'delta' | 'reasoning'): string {
  return events.map((e) => (e.type === type ? e.content : '')).join('');
}

async function streamFailure(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

/** A fetch that answers with a fixed SSE body, for wire shapes the stand-in does not produce. */
function fetchAnswering(body: string, init: ResponseInit = {}): typeof fetch {
  return async () =>
    new Response(body, { headers: { 'content-type': 'text/event-stream' }, status: 200, ...init });
}

const contentChunk = (content: string, finishReason: string | null = null) =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: finishReason }] })}\n\n`;

describe('LLM client: streaming', () => {
  it('yields reasoning, then deltas, then done with the usage, and sends the OpenAI request', async () => {
    standIn.setScript({
      kind: 'stream',
      reasoning: ['Let me ', 'think.'],
      deltas: ['Hel', 'lo'],
      usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
    });
    const events = await collect(
      await client().stream({
        model: 'deepseek-reasoner',
        messages,
        signal: new AbortController().signal,
        maxTokens: 256,
      }),
    );
    expect(events).toEqual([
      { type: 'reasoning', content: 'Let me ' },
      { type: 'reasoning', content: 'think.' },
      { type: 'delta', content: 'Hel' },
      { type: 'delta', content: 'lo' },
      {
        type: 'done',
        finishReason: 'stop',
        usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
      },
    ]);
    expect(standIn.requests).toHaveLength(1);
    const [request] = standIn.requests;
    expect(request?.path).toBe('/chat/completions');
    expect(request?.body).toEqual({
      model: 'deepseek-reasoner',
      messages,
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 256,
    });
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer test-key',
      accept: 'text/event-stream',
      'content-type': 'application/json',
    });
  });

  it.each([1, 2, 3, 5, 7])(
    'survives raw bytes cut every %i bytes, CRLF and keep-alives',
    async (chunkSplit) => {
      const deltas = ['Héllo', ' wörld ', '👋', ' 漢字', '\n\nBye'];
      standIn.setScript({
        kind: 'stream',
        deltas,
        chunkSplit,
        crlf: true,
        keepAliveEvery: 1,
        finishReason: 'length',
      });
      let reads = 0;
      const counting: typeof fetch = async (input, init) => {
        const response = await fetch(input, init);
        const counted = response.body?.pipeThrough(
          new TransformStream<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              reads++;
              controller.enqueue(chunk);
            },
          }),
        );
        return new Response(counted, response);
      };
      const events = await collect(
        await client({ fetch: counting }).stream({
          model: 'deepseek-chat',
          messages,
          signal: new AbortController().signal,
        }),
      );
      // The odd boundaries did reach the parser: far more reads than events.
      expect(reads).toBeGreaterThan(20);
      expect(text(events, 'delta')).toBe(deltas.join(''));
      expect(events.filter((e) => e.type === 'delta')).toHaveLength(deltas.length);
      expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'length' });
    },
  );

  it('ignores keep-alive comments between slow events', async () => {
    standIn.setScript({ kind: 'stream', deltas: ['a', 'b', 'c'], keepAliveEvery: 1, delayMs: 5 });
    const events = await collect(
      await client().stream({ model: 'deepseek-chat', messages, signal: new AbortController().signal }),
    );
    expect(events.map((e) => e.type)).toEqual(['delta', 'delta', 'delta', 'done']);
  });

  it.each([
    ['https://api.deepseek.com', 'https://api.deepseek.com/chat/completions'],
    ['https://api.deepseek.com/', 'https://api.deepseek.com/chat/completions'],
    ['https://api.openai.com/v1', 'https://api.openai.com/v1/chat/completions'],
    ['https://api.openai.com/v1//', 'https://api.openai.com/v1/chat/completions'],
  ])('joins %s to %s', (base, url) => {
    expect(completionsUrl(base)).toBe(url);
  });

  it.each([
    ['', '/chat/completions'],
    ['/', '/chat/completions'],
    ['/v1', '/v1/chat/completions'],
    ['/v1/', '/v1/chat/completions'],
  ])('posts to the right path for base URL suffix "%s"', async (suffix, path) => {
    const events = await collect(
      await client({ baseUrl: `${standIn.baseUrl}${suffix}` }).stream({
        model: 'deepseek-chat',
        messages,
        signal: new AbortController().signal,
      }),
    );
    expect(events.at(-1)?.type).toBe('done');
    expect(standIn.requests.map((r) => r.path)).toEqual([path]);
  });
});

describe('LLM client: reading the event stream', () => {
  const stream = (overrides: Partial<LlmClientOptions> = {}) =>
    client(overrides).stream({ model: 'deepseek-chat', messages, signal: new AbortController().signal });

  it.each([1, 2, 3, 64])(
    'reads bare-CR line endings cut every %i bytes, after a byte order mark',
    async (chunkSplit) => {
      standIn.setScript({
        kind: 'stream',
        deltas: ['Olá', ' 👋'],
        eol: '\r',
        bom: true,
        chunkSplit,
        keepAliveEvery: 2,
      });
      const events = await collect(await stream());
      expect(text(events, 'delta')).toBe('Olá 👋');
      expect(events.at(-1)).toMatchObject({ type: 'done', finishReason: 'stop' });
    },
  );

  it('joins an event whose JSON spans several data: lines', async () => {
    standIn.setScript({ kind: 'stream', deltas: ['one', 'two'], multilineData: true, chunkSplit: 5 });
    const events = await collect(await stream());
    expect(events.map((e) => e.type)).toEqual(['delta', 'delta', 'done']);
    expect(text(events, 'delta')).toBe('onetwo');
    expect(events.at(-1)).toMatchObject({
      usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
    });
  });

  it('does not read a final event that lacks its blank line', async () => {
    const unterminated = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'cut' }, finish_reason: 'stop' }] })}\n`;
    const events = await stream({ fetch: fetchAnswering(`${contentChunk('a')}${unterminated}`) });
    const seen: LlmEvent[] = [];
    await expect(
      (async () => {
        for await (const event of events) seen.push(event);
      })(),
    ).rejects.toThrow('the provider stream ended early');
    expect(seen).toEqual([{ type: 'delta', content: 'a' }]);
  });

  it('refuses an event that grows past the buffer bound instead of holding it in memory', async () => {
    const endless = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('data: '));
      },
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
      },
    });
    const events = await stream({
      fetch: async () => new Response(endless, { headers: { 'content-type': 'text/event-stream' } }),
    });
    await expect(collect(events)).rejects.toThrow('the provider sent an event over');
  });
});

describe('LLM client: errors before the stream', () => {
  it('maps a rejected key to 502 with the provider message and without the key', async () => {
    const err = await streamFailure(
      client({ apiKey: 'sk-secret-wrong-key' }).stream({
        model: 'deepseek-chat',
        messages,
        signal: new AbortController().signal,
      }),
    );
    expect(err).toMatchObject({ status: 502, code: 'llm_upstream_error' });
    expect(err.message).toContain('Authentication Fails');
    expect(err.message).toContain('401');
    expect(err.message).not.toContain('sk-secret-wrong-key');
    expect(standIn.requests).toHaveLength(1);
  });

  it.each([402, 422, 400] as const)(
    'maps %i to 502 with the provider message, without retrying',
    async (status) => {
      standIn.setScript({ kind: 'status', status });
      const err = await streamFailure(
        client().stream({ model: 'deepseek-chat', messages, signal: new AbortController().signal }),
      );
      expect(err).toMatchObject({ status: 502, code: 'llm_upstream_error' });
      expect(err.message).toContain(String(status));
      expect(err.message).toMatch(/Insufficient Balance|deserialize|Invalid request/);
      expect(err.message).not.toContain(standInApiKey);
      expect(standIn.requests).toHaveLength(1);
      expect(sleeps).toEqual([]);
    },
  );

  it('redacts the key if the provider echoes it', async () => {
    const apiKey = 'sk-0123456789abcdef';
    const echoing: typeof fetch = async () =>
      Response.json({ error: { message: `Your api key ${apiKey} is invalid` } }, { status: 401 });
    const err = await streamFailure(
      client({ apiKey, fetch: echoing }).stream({
        model: 'm',
        messages,
        signal: new AbortController().signal,
      }),
    );
    expect(err.message).not.toContain(apiKey);
    expect(err.message).toContain('****');
  });

  it("maps 429 to 429 rate_limited with the provider's Retry-After", async () => {
    standIn.setScript({ kind: 'status', status: 429, retryAfter: '17' });
    const err = await streamFailure(
      client().stream({ model: 'deepseek-chat', messages, signal: new AbortController().signal }),
    );
    expect(err).toMatchObject({
      status: 429,
      code: 'rate_limited',
      options: { headers: { 'Retry-After': '17' } },
    });
    expect(standIn.requests).toHaveLength(1);
  });

  it('defaults Retry-After to 5 seconds when the provider gives none', async () => {
    standIn.setScript({ kind: 'status', status: 429 });
    const err = await streamFailure(
      client().stream({ model: 'deepseek-chat', messages, signal: new AbortController().signal }),
    );
    expect(err.options.headers).toEqual({ 'Retry-After': '5' });
  });

  it('retries a 500 once after the retry delay, then streams', async () => {
    standIn.setScript({ kind: 'status', status: 500, thenSucceed: true });
    const events = await collect(
      await client({ retryDelayMs: 123 }).stream({
        model: 'deepseek-chat',
        messages,
        signal: new AbortController().signal,
      }),
    );
    expect(text(events, 'delta')).toBe('Hello, world!');
    expect(standIn.requests).toHaveLength(2);
    expect(standIn.requests[1]?.body).toEqual(standIn.requests[0]?.body);
    expect(sleeps).toEqual([123]);
  });

  it('answers 502 when the provider fails twice with 503', async () => {
    standIn.setScript({ kind: 'status', status: 503 });
    const err = await streamFailure(
      client().stream({ model: 'deepseek-chat', messages, signal: new AbortController().signal }),
    );
    expect(err).toMatchObject({ status: 502, code: 'llm_upstream_error' });
    expect(standIn.requests).toHaveLength(2);
    expect(sleeps).toEqual([500]);
  });

  it('retries a network error once, then answers 502', async () => {
    let calls = 0;
    const unreachable: typeof fetch = async () => {
      calls++;
      throw new TypeError('fetch failed');
    };
    const err = await streamFailure(
      client({ fetch: unreachable }).stream({ model: 'm', messages, signal: new AbortController().signal }),
    );
    expect(err).toMatchObject({ status: 502, code: 'llm_upstream_error' });
    expect(calls).toBe(2);
  });

  it('rethrows the AbortError when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      client().stream({ model: 'deepseek-chat', messages, signal: controller.signal }),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(sleeps).toEqual([]);
  });
});

describe('LLM client: failures and aborts during the stream', () => {
  it('throws from the generator when the connection is cut midway', async () => {
    standIn.setScript({ kind: 'cut', after: 2 });
    const events = await client().stream({
      model: 'deepseek-chat',
      messages,
      signal: new AbortController().signal,
    });
    const seen: LlmEvent[] = [];
    await expect(
      (async () => {
        for await (const event of events) seen.push(event);
      })(),
    ).rejects.toThrow('the provider connection was lost');
    expect(seen).toEqual([{ type: 'delta', content: 'Hello' }]);
  });

  it('closes the upstream connection when the signal aborts mid-stream', async () => {
    standIn.setScript({
      kind: 'stream',
      deltas: Array.from({ length: 50 }, (_, i) => `t${i} `),
      delayMs: 20,
    });
    const controller = new AbortController();
    const events = await client().stream({ model: 'deepseek-chat', messages, signal: controller.signal });
    const first = await events.next();
    expect(first.value).toEqual({ type: 'delta', content: 't0 ' });
    controller.abort();
    await expect(events.next()).rejects.toMatchObject({ name: 'AbortError' });
    await standIn.waitForClose();
    expect(standIn.closedConnections).toBe(1);
  });

  it('closes the upstream connection when aborted while the provider stalls', async () => {
    standIn.setScript({ kind: 'stall' });
    const controller = new AbortController();
    const events = await client().stream({ model: 'deepseek-chat', messages, signal: controller.signal });
    const pending = events.next();
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await standIn.waitForClose();
    expect(standIn.closedConnections).toBe(1);
  });

  it('closes the upstream connection when the consumer stops reading', async () => {
    standIn.setScript({
      kind: 'stream',
      deltas: Array.from({ length: 50 }, (_, i) => `t${i} `),
      delayMs: 20,
    });
    const events = await client().stream({
      model: 'deepseek-chat',
      messages,
      signal: new AbortController().signal,
    });
    for await (const event of events) {
      expect(event.type).toBe('delta');
      break;
    }
    await standIn.waitForClose();
    expect(standIn.closedConnections).toBe(1);
  });

  it('throws on a malformed chunk', async () => {
    const events = await client({
      fetch: fetchAnswering(`${contentChunk('ok')}data: {"choices": [\n\n`),
    }).stream({
      model: 'm',
      messages,
      signal: new AbortController().signal,
    });
    await expect(collect(events)).rejects.toThrow('the provider sent a malformed chunk');
  });

  it('throws when the stream ends without [DONE] or a finish reason', async () => {
    const events = await client({ fetch: fetchAnswering(contentChunk('partial')) }).stream({
      model: 'm',
      messages,
      signal: new AbortController().signal,
    });
    await expect(collect(events)).rejects.toThrow('the provider stream ended early');
  });

  it('finishes when the stream ends after a finish reason but without [DONE]', async () => {
    const body = `${contentChunk('all')}${contentChunk('', 'stop')}`;
    const events = await collect(
      await client({ fetch: fetchAnswering(body) }).stream({
        model: 'm',
        messages,
        signal: new AbortController().signal,
      }),
    );
    expect(events).toEqual([
      { type: 'delta', content: 'all' },
      { type: 'done', finishReason: 'stop', usage: null },
    ]);
  });

  it('throws when a gateway reports an error inside the stream', async () => {
    const body = `${contentChunk('a')}data: {"error":{"message":"upstream overloaded"}}\n\n`;
    const events = await client({ fetch: fetchAnswering(body) }).stream({
      model: 'm',
      messages,
      signal: new AbortController().signal,
    });
    await expect(collect(events)).rejects.toThrow('upstream overloaded');
  });
});
