import type { ApiError } from './errors';

/**
 * Passes a body through while counting bytes; past `maxBytes` the stream errors with the given
 * 413 ApiError, so an oversized body is refused while it streams, whatever Content-Length said.
 */
export function limitBytes(
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
  tooLarge: () => ApiError,
): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(tooLarge());
        else controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Passes a body through; when no chunk arrives for `idleMs` the stream errors with `onIdle()` and
 * the source is cancelled. A client that stops sending mid-body is answered instead of holding
 * its slot (and the memory of what it sent) until the connection times out.
 */
export function idleLimit(
  body: ReadableStream<Uint8Array>,
  idleMs: number,
  onIdle: () => ApiError,
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
