import { describe, expect, it } from 'vitest';
import { encodeSse, parseSse, type SseEvent } from '../../../src/services/llm/sse';

const encoder = new TextEncoder();

/** A body that delivers `bytes` in pieces of `size` bytes, so boundaries fall anywhere. */
function streamOf(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
}

function streamOfChunks(chunks: string[]): ReadableStream<Uint8Array> {
  const queue = chunks.map((c) => encoder.encode(c));
  return new ReadableStream({
    pull(controller) {
      const next = queue.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

async function collect(body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of parseSse(body)) events.push(event);
  return events;
}

// Every line ending the spec allows, a BOM, comments, multi-byte characters, fields without a
// space or without a value, an event with no data, and a final event without its blank line.
const sample = [
  '\uFEFF: keep-alive\n\n',
  'data: {"content":"Hél"}\n\n',
  'event: delta\r\ndata:no space\r\ndata:  two spaces\r\n\r\n',
  'id: 7\rdata: first line\rdata: 👋 second line\r\r',
  ': comment between fields\ndata\ndata: after empty\n\n',
  'event: only-a-type\n\n',
  'retry: 1000\nunknown: field\ndata: 漢字 ✓\n\n',
  'data: [DONE]\r\n\r\n',
  'data: never dispatched\n',
].join('');

const expected: SseEvent[] = [
  { event: 'message', data: '{"content":"Hél"}' },
  { event: 'delta', data: 'no space\n two spaces' },
  { event: 'message', data: 'first line\n👋 second line', id: '7' },
  { event: 'message', data: '\nafter empty', id: '7' },
  { event: 'message', data: '漢字 ✓', id: '7' },
  { event: 'message', data: '[DONE]', id: '7' },
];

describe('parseSse', () => {
  it('parses a whole stream in one read', async () => {
    expect(await collect(streamOf(encoder.encode(sample), 1 << 16))).toEqual(expected);
  });

  it.each([1, 2, 3, 4, 5, 6, 7])(
    'gives the same events when the bytes are cut every %i bytes',
    async (size) => {
      expect(await collect(streamOf(encoder.encode(sample), size))).toEqual(expected);
    },
  );

  it('accepts an async iterable of chunks as well as a stream', async () => {
    async function* pieces() {
      const bytes = encoder.encode(sample);
      for (let i = 0; i < bytes.length; i += 3) yield bytes.slice(i, i + 3);
    }
    expect(await collect(pieces())).toEqual(expected);
  });

  it('treats a CRLF split across two reads as one line ending', async () => {
    const events = await collect(
      streamOfChunks(['data: a\r', '\ndata: b\r\n\r', '\n', 'data: c\r\n', '\r\n']),
    );
    expect(events.map((e) => e.data)).toEqual(['a\nb', 'c']);
  });

  it('ends a line at a CR that is the last byte of a read even when no LF follows', async () => {
    const events = await collect(streamOfChunks(['data: a\r', 'data: b\r', '\r']));
    expect(events.map((e) => e.data)).toEqual(['a\nb']);
  });

  it('strips a BOM only at the very start', async () => {
    const events = await collect(streamOfChunks(['\uFEFFdata: x\n\n', 'data: \uFEFFy\n\n']));
    expect(events.map((e) => e.data)).toEqual(['x', '\uFEFFy']);
  });

  it('does not dispatch a final event that lacks its blank line', async () => {
    expect(await collect(streamOfChunks(['data: done\n\n', 'data: cut off\n']))).toHaveLength(1);
    expect(await collect(streamOfChunks(['data: cut off']))).toEqual([]);
  });

  it('yields an event as soon as its blank line arrives', async () => {
    let push: ((text: string) => void) | undefined;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (text) => controller.enqueue(encoder.encode(text));
      },
    });
    const events = parseSse(body);
    push?.('data: one\n');
    push?.('\n');
    // The stream is still open: the event must come without waiting for its end.
    await expect(events.next()).resolves.toEqual({ done: false, value: { event: 'message', data: 'one' } });
    await events.return(undefined);
  });

  it('throws the abort reason and cancels the body when the signal aborts during a read', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: one\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    const controller = new AbortController();
    const events = parseSse(body, controller.signal);
    expect((await events.next()).value).toEqual({ event: 'message', data: 'one' });
    const pending = events.next();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(cancelled).toBe(true);
  });

  it('cancels the body when the consumer stops early', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('data: one\n\ndata: two\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const event of parseSse(body)) {
      expect(event.data).toBe('one');
      break;
    }
    expect(cancelled).toBe(true);
  });
});

describe('encodeSse', () => {
  it('writes one event with single-line JSON data', () => {
    const text = encodeSse('delta', { content: 'line one\nline two\r\n' });
    expect(text).toBe('event: delta\ndata: {"content":"line one\\nline two\\r\\n"}\n\n');
    expect(text.slice(0, -2)).not.toMatch(/\n\n|\r/);
  });

  it('round-trips through parseSse', async () => {
    const data = { content: 'a\nb 👋', n: 1 };
    const [event] = await collect(streamOfChunks([encodeSse('done', data)]));
    expect(event?.event).toBe('done');
    expect(JSON.parse(event?.data ?? '')).toEqual(data);
  });

  it('refuses an event name with a line break', () => {
    expect(() => encodeSse('a\nb', {})).toThrow();
  });
});
