/**
 * Server-Sent Events, both directions: an incremental parser for the provider's stream (WHATWG HTML,
 * "Interpreting an event stream") and the encoder for the events this API sends to its clients.
 * Web standards only, so it runs unchanged on Node and in workerd.
 */

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** The per-stream state the spec calls the data buffer, event type buffer and last event ID buffer. */
interface EventBuffers {
  data: string;
  type: string;
  lastEventId: string;
}

/**
 * Yields each event as soon as the blank line that ends it arrives. Bytes may be cut anywhere: the
 * decoder keeps partial UTF-8 sequences and the line splitter keeps partial lines (and a CR whose LF
 * may come in the next read). A final event without its blank line is dropped, as the spec says.
 * When `signal` aborts, the body is cancelled and the abort reason is thrown.
 */
export async function* parseSse(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<SseEvent> {
  const lines = new LineSplitter();
  const buffers: EventBuffers = { data: '', type: '', lastEventId: '' };
  for await (const text of decodeChunks(body, signal)) {
    for (const line of lines.push(text)) {
      const event = processLine(line, buffers);
      if (event) yield event;
    }
  }
  // Whatever is left (an unterminated line or event) is discarded: end of stream is not a blank line.
}

/** `event: <name>\ndata: <json>\n\n`. JSON.stringify escapes newlines, so the data stays on one line. */
export function encodeSse(event: string, data: unknown): string {
  if (/[\r\n]/.test(event)) throw new Error('an SSE event name cannot contain a line break');
  return `event: ${event}\ndata: ${JSON.stringify(data) ?? 'null'}\n\n`;
}

/** Text of the body, decoded in stream mode so a UTF-8 character split across reads survives. */
async function* decodeChunks(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<string> {
  // The default decoder (ignoreBOM: false) strips one leading BOM, which the spec also requires.
  const decoder = new TextDecoder('utf-8');
  for await (const bytes of readBytes(body, signal)) {
    const text = decoder.decode(bytes, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/**
 * The body's chunks. A stream is read through its reader so that stopping early (consumer breaks,
 * abort, error) cancels it, which is what closes the upstream connection.
 */
async function* readBytes(
  body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  if (!(body instanceof ReadableStream)) {
    yield* readIterable(body, signal);
    return;
  }
  signal?.throwIfAborted();
  const reader = body.getReader();
  // A pending read() does not notice an abort by itself; cancelling the reader ends it.
  const onAbort = () => void reader.cancel(signal?.reason).catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  let finished = false;
  try {
    while (true) {
      const { done, value } = await readOrAbortReason(reader, signal);
      signal?.throwIfAborted();
      if (done) break;
      yield value;
    }
    finished = true;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (!finished) await reader.cancel().catch(() => {});
    reader.releaseLock();
  }
}

async function readOrAbortReason(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal?: AbortSignal,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  try {
    return await reader.read();
  } catch (err) {
    // A fetch aborted by our signal errors its body with the abort reason or a network error;
    // report the abort, not the symptom.
    signal?.throwIfAborted();
    throw err;
  }
}

async function* readIterable(
  body: AsyncIterable<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  for await (const bytes of body) {
    signal?.throwIfAborted();
    yield bytes;
  }
  signal?.throwIfAborted();
}

/**
 * Splits text into lines on CRLF, LF or CR. A CR at the end of a chunk ends its line at once (so the
 * event is not delayed), and a LF that starts the next chunk is then skipped as the rest of a CRLF.
 */
class LineSplitter {
  private partial = '';
  private skipLeadingLf = false;

  *push(text: string): Generator<string> {
    let start = 0;
    if (this.skipLeadingLf && text.startsWith('\n')) start = 1;
    this.skipLeadingLf = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0x0a && c !== 0x0d) continue;
      const line = this.partial + text.slice(start, i);
      this.partial = '';
      if (c === 0x0d) {
        if (i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === 0x0a) i++;
        } else {
          this.skipLeadingLf = true;
        }
      }
      start = i + 1;
      yield line;
    }
    this.partial += text.slice(start);
  }
}

/** One line of the stream; returns the event when the line is blank and an event is ready. */
function processLine(line: string, buffers: EventBuffers): SseEvent | undefined {
  if (line === '') return dispatch(buffers);
  if (line.startsWith(':')) return undefined; // a comment, e.g. the provider's `: keep-alive`
  const colon = line.indexOf(':');
  const field = colon === -1 ? line : line.slice(0, colon);
  let value = colon === -1 ? '' : line.slice(colon + 1);
  if (value.startsWith(' ')) value = value.slice(1);
  applyField(field, value, buffers);
  return undefined;
}

function applyField(field: string, value: string, buffers: EventBuffers): void {
  if (field === 'data') buffers.data += `${value}\n`;
  else if (field === 'event') buffers.type = value;
  else if (field === 'id' && !value.includes('\0')) buffers.lastEventId = value;
  // `retry` and unknown fields are ignored: this client does not reconnect.
}

function dispatch(buffers: EventBuffers): SseEvent | undefined {
  const { data, type, lastEventId } = buffers;
  buffers.data = '';
  buffers.type = '';
  if (data === '') return undefined;
  const event: SseEvent = { event: type || 'message', data: data.slice(0, -1) };
  // The last event ID persists across events, as in EventSource.lastEventId.
  if (lastEventId) event.id = lastEventId;
  return event;
}
