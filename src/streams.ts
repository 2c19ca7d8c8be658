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

/** True when the declared Content-Length alone already exceeds the limit. */
export function declaredTooLarge(contentLength: string | undefined, maxBytes: number): boolean {
  if (!contentLength) return false;
  const length = Number(contentLength);
  return Number.isFinite(length) && length > maxBytes;
}
