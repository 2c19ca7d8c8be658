/**
 * Under `wrangler dev` (the local Workers runtime), a body refused while it streams must not leave
 * the client's connection stuck. An answer sent while the request body was half read made the
 * next request on the same keep-alive connection wait 30 s (3 of 3 tries); a body never read was
 * fine. The fix is ours: an over-limit body is read and dropped (bounded) before it is answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Auth0StandIn, startAuth0StandIn } from '../support/auth0-standin';
import { rawConnection, startWranglerDev, type WranglerDev } from '../support/wrangler-dev';

describe('over-limit bodies under wrangler dev', { timeout: 120_000 }, () => {
  let auth0: Auth0StandIn;
  let worker: WranglerDev;
  let token: string;

  beforeAll(async () => {
    auth0 = await startAuth0StandIn();
    token = await auth0.sign({ sub: 'auth0|wrangler-dev', email: 'w@example.com' });
    worker = await startWranglerDev({
      AUTH0_DOMAIN: auth0.issuer,
      AUTH0_AUDIENCE: auth0.audience,
      NODE_ENV: 'development',
      // Nothing is stored: every upload here is refused before storage.
      S3_BUCKET_NAME: 'unused',
      S3_ENDPOINT: 'http://127.0.0.1:9',
      AWS_ACCESS_KEY_ID: 'unused',
      AWS_SECRET_ACCESS_KEY: 'unused',
    });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await auth0?.close();
  });

  /** Sends `total` bytes as a chunked body after `head`, then asks for /api/resumes on the same connection. */
  async function overLimitThenNext(requestLine: string, contentType: string, head: string, total: number) {
    const connection = await rawConnection(worker.port);
    try {
      await connection.write(
        `${requestLine}\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: ${contentType}\r\nTransfer-Encoding: chunked\r\n\r\n`,
      );
      await connection.chunk(new TextEncoder().encode(head));
      const piece = new Uint8Array(256 * 1024).fill(0x61);
      for (let sent = 0; sent < total; sent += piece.byteLength) await connection.chunk(piece);
      await connection.write('0\r\n\r\n');
      const refused = await connection.response(20_000);
      await connection.write(
        `GET /api/resumes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      );
      const next = await connection.response(10_000);
      return { refused, next };
    } finally {
      connection.close();
    }
  }

  it('an upload over 10 MiB streamed without Content-Length: 413, then the next request is answered', async () => {
    const { refused, next } = await overLimitThenNext(
      'POST /api/resume/upload HTTP/1.1',
      'multipart/form-data; boundary=bb',
      '--bb\r\nContent-Disposition: form-data; name="resume_file"; filename="cv.txt"\r\n\r\n',
      12 * 1024 * 1024,
    );
    expect(refused?.status, worker.output().slice(-2000)).toBe(413);
    expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({ error: 'file_too_large' });
    expect(next?.status, 'the next request on the connection').toBe(200);
  });

  it('a JSON body over the global limit streamed without Content-Length: 413, then the next request is answered', async () => {
    const { refused, next } = await overLimitThenNext(
      'PUT /api/profile HTTP/1.1',
      'application/json',
      '{"summary":"',
      2 * 1024 * 1024,
    );
    expect(refused?.status).toBe(413);
    expect(JSON.parse(refused?.body ?? '{}')).toMatchObject({ error: 'payload_too_large' });
    expect(next?.status, 'the next request on the connection').toBe(200);
  });
});
