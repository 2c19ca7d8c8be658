import { type ChildProcess, spawn } from 'node:child_process';

/** A server entry run as a child process, its output collected as it comes. */
export interface EntryProcess {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `command` in `cwd` with only PATH and `env` in its environment. */
export function startEntry(
  command: readonly string[],
  cwd: string,
  env: Record<string, string>,
): EntryProcess {
  const [binary, ...args] = command;
  const child = spawn(binary!, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/**
 * Resolves once the output has a line matching `pattern`; rejects when the process exits first,
 * or after `hangMs` (a hang, not a timing assertion: starting takes seconds).
 */
export async function waitForLine(entry: EntryProcess, pattern: RegExp, hangMs = 20_000): Promise<void> {
  const deadline = Date.now() + hangMs;
  let done = false;
  void entry.exited.then(() => {
    done = true;
  });
  while (!pattern.test(entry.output())) {
    if (done || Date.now() > deadline) throw new Error(`never printed ${pattern}:\n${entry.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
