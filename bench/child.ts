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

/**
 * The server children of one benchmark run: started ones are watched (an exit nobody asked for
 * ends the run with code 1), `stop` ends one on purpose, and `exitWith` stops them all (SIGTERM,
 * SIGKILL after 2 s), runs the benchmark's own clean-up, then exits. Ctrl-C and SIGTERM go the
 * same way; `process.exit` from anywhere still kills the children and runs `onExitSync`.
 */
export function superviseChildren(hooks: {
  onCleanup?: () => Promise<void> | void;
  onExitSync?: () => void;
}) {
  const children = new Set<ChildProcess>();
  const stopping = new WeakSet<ChildProcess>();
  let shuttingDown = false;
  const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

  async function stop(child: ChildProcess) {
    stopping.add(child);
    if (alive(child)) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
  }

  async function exitWith(code: number, message?: string): Promise<never> {
    if (message) process.stderr.write(`${message}\n`);
    shuttingDown = true;
    await Promise.all([...children].map(stop));
    await hooks.onCleanup?.();
    process.exit(code);
  }

  process.on('exit', () => {
    for (const child of children) if (alive(child)) child.kill('SIGKILL');
    hooks.onExitSync?.();
  });
  process.on('SIGINT', () => void exitWith(130, '\ninterrupted: stopping the servers'));
  process.on('SIGTERM', () => void exitWith(143));

  return {
    /** Watches a started child: its exit, unless stopped or shutting down, fails the run. */
    watch(child: ChildProcess, what: string) {
      children.add(child);
      child.once('exit', (code, signal) => {
        children.delete(child);
        if (!shuttingDown && !stopping.has(child)) {
          void exitWith(1, `the ${what} exited unexpectedly (${signal ?? `code ${code}`})`);
        }
      });
    },
    stop,
    exitWith,
  };
}
