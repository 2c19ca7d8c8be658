import type { ChildProcess } from 'node:child_process';
import type { ChildMessage, ParentMessage } from './servers';

/** Asks a server child (bench/servers.ts) for something over IPC and waits for its reply. */
export function request<T extends ChildMessage['type']>(
  child: ChildProcess,
  message: ParentMessage,
  reply: T,
  timeoutMs = 5_000,
) {
  return new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${reply} reply from the server`)), timeoutMs);
    const onMessage = (m: ChildMessage) => {
      if (m.type !== reply) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(m as Extract<ChildMessage, { type: T }>);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

/** The port a server child listens on, once it says it is ready; `failure` when it takes too long. */
export function readyPort(child: ChildProcess, failure: string, timeoutMs = 30_000): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(failure)), timeoutMs);
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m.port);
      }
    });
  });
}

/** Polls until the server answers 200 {"message":"pong"}. */
export async function waitForPing(url: string) {
  const deadline = Date.now() + 30_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      const body = (await res.json()) as { message?: string };
      if (res.status === 200 && body.message === 'pong') return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer pong in 30 s (${last})`);
}
