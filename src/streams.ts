import type { AppError } from './errors';

/** Bytes of an over-limit body read and dropped before it is answered (see `limitBytes`). */
export const maxDrainBytes = 16 * 1024 * 1024;

/**
 * Passes a body through while counting bytes; past `maxBytes` the stream errors with the given
 * 413 AppError, so an oversized body is refused while it streams, whatever Content-Length said.
 *
 * Before it errors, the rest of the body is read and dropped (up to `maxDrainBytes` more): an
 * answer sent while the request body is half read leaves the connection unusable under the
 * Workers runtime of `wrangler dev` (the client's next request on it waited 30 s; a body never
 * read at all is fine), and the client is usually still sending anyway. Node's server drains by
 * itself; draining here costs it nothing more.
 */
export function limitBytes(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  tooLarge: () => AppError,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      seen += value.byteLength;
      if (seen <= maxBytes) {
        controller.enqueue(value);
        return;
      }
      await drain(reader, maxDrainBytes).catch(() => undefined);
      controller.error(tooLarge());
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** Reads and drops up to `limit` more bytes (or until the body ends or errors, e.g. stalls). */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array>, limit: number): Promise<void> {
  let drained = 0;
  while (drained <= limit) {
    const { done, value } = await reader.read();
    if (done) return;
    drained += value.byteLength;
  }
  await reader.cancel();
}

/**
 * Passes a body through; when no chunk arrives for `idleMs` the stream errors with `onIdle()` and
 * the source is cancelled. A client that stops sending mid-body is answered instead of holding
 * its slot (and the memory of what it sent) until the connection times out.
 */
export function idleLimit(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  onIdle: () => AppError,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const idle = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(onIdle()), idleMs);
      });
      try {
        const { done, value } = await Promise.race([reader.read(), idle]);
        if (done) controller.close();
        else controller.enqueue(value);
      } catch (err) {
        controller.error(err);
        reader.cancel(err).catch(() => {});
      } finally {
        clearTimeout(timer);
      }
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** True when the declared Content-Length alone already exceeds the limit. */
export function declaredTooLarge(contentLength: string | undefined, maxBytes: number): boolean {
  if (!contentLength) return false;
  const length = Number(contentLength);
  return Number.isFinite(length) && length > maxBytes;
}

/**
 * Gathers a stream into one buffer; `sizeHint` (Content-Length) avoids the join when it is right.
 * `onChunk` sees each chunk with its offset in the body as it arrives.
 */
export async function readAll(
  body: ReadableStream<Uint8Array>,
  sizeHint?: number,
  onChunk?: (chunk: Uint8Array, offset: number) => void,
): Promise<Uint8Array> {
  const reader = body.getReader();
  let buffer = sizeHint !== undefined && sizeHint > 0 ? new Uint8Array(sizeHint) : undefined;
  let length = 0;
  const overflow: Uint8Array[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (buffer && overflow.length === 0 && length + value.byteLength <= buffer.byteLength) {
      buffer.set(value, length);
    } else {
      // More than Content-Length said, or no hint: keep the chunks and join them at the end.
      if (buffer && overflow.length === 0) overflow.push(buffer.subarray(0, length));
      overflow.push(value);
    }
    onChunk?.(value, length);
    length += value.byteLength;
  }
  if (overflow.length === 0) return buffer ? buffer.subarray(0, length) : new Uint8Array();
  buffer = new Uint8Array(length);
  let at = 0;
  for (const chunk of overflow) {
    buffer.set(chunk, at);
    at += chunk.byteLength;
  }
  return buffer;
}
