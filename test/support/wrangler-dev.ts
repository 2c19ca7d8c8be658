import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export interface WranglerDev {
  base: string;
  port: number;
  /** What wrangler and the worker printed (for failing tests). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * `wrangler dev` on loopback: the real local Workers runtime (workerd behind wrangler's proxy),
 * with a local D1 migrated first and `vars` as plain-text bindings.
 */
export async function startWranglerDev(vars: Record<string, string>): Promise<WranglerDev> {
  const persist = mkdtempSync(path.join(tmpdir(), 'jobmate-wrangler-'));
  const env = { ...process.env, WRANGLER_SEND_METRICS: 'false', CI: 'true' };
  const migrate = spawnSync(
    'npx',
    ['wrangler', 'd1', 'migrations', 'apply', 'jobmate', '--local', '--persist-to', persist],
    { cwd: root, env, encoding: 'utf8' },
  );
  if (migrate.status !== 0) throw new Error(`wrangler d1 migrations apply failed:\n${migrate.stderr}`);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'npx',
    [
      'wrangler',
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--persist-to',
      persist,
      ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ],
    { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(persist, { recursive: true, force: true });
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      const res = await fetch(`${base}/api/ping`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`wrangler dev did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { base, port, output: () => output, stop };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * One keep-alive HTTP/1.1 connection driven byte by byte, to see what a client on the same
 * connection sees after an answer (fetch would hide it behind a pool).
 */
export async function rawConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let received = Buffer.alloc(0);
  let closed = false;
  socket.on('data', (d: Buffer) => {
    received = Buffer.concat([received, d]);
  });
  socket.on('close', () => {
    closed = true;
  });
  socket.on('error', () => {
    closed = true;
  });

  /** The next complete response (Content-Length or chunked), or undefined after `timeoutMs`. */
  async function response(timeoutMs: number): Promise<{ status: number; body: string } | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = text.slice(0, end);
        const length = /\r\ncontent-length: *(\d+)/i.exec(head);
        const bodyStart = end + 4;
        let bodyEnd: number | undefined;
        if (length) {
          if (received.length >= bodyStart + Number(length[1])) bodyEnd = bodyStart + Number(length[1]);
        } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
          const last = text.indexOf('\r\n0\r\n\r\n', bodyStart - 2);
          if (last >= 0) bodyEnd = last + 7;
        } else bodyEnd = bodyStart;
        if (bodyEnd !== undefined) {
          const status = Number(head.split(' ')[1]);
          const body = received.subarray(bodyStart, bodyEnd).toString('utf8');
          received = received.subarray(bodyEnd);
          return { status, body };
        }
      }
      if (closed || Date.now() > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  return {
    write: (data: string | Uint8Array) =>
      new Promise<void>((resolve) => {
        if (!socket.write(data)) socket.once('drain', () => resolve());
        else resolve();
      }),
    /** Writes one chunk of a chunked body. */
    chunk: async function (this: { write(d: string | Uint8Array): Promise<void> }, data: Uint8Array) {
      await this.write(`${data.byteLength.toString(16)}\r\n`);
      await this.write(data);
      await this.write('\r\n');
    },
    response,
    get closed() {
      return closed;
    },
    close: () => socket.destroy(),
  };
}
