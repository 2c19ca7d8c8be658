import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { batchedLines } from '../../src/node/stdout-lines';

const run = promisify(execFile);

describe('log lines for standard output', () => {
  it('writes the lines of one turn of the event loop in one write, in order', async () => {
    const writes: string[] = [];
    const lines = batchedLines((chunk) => writes.push(chunk));
    lines.line('{"n":1}');
    lines.line('{"n":2}');
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['{"n":1}\n{"n":2}\n']);
  });

  it('writes a line logged on an idle server in the next turn', async () => {
    const writes: string[] = [];
    const lines = batchedLines((chunk) => writes.push(chunk));
    lines.line('first');
    await new Promise((resolve) => setImmediate(resolve));
    lines.line('second');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toEqual(['first\n', 'second\n']);
  });

  it('writes the lines still waiting when the process exits', async () => {
    const script = [
      `const { stdoutLines } = await import(${JSON.stringify(path.resolve('src/node/stdout-lines.ts'))});`,
      'const line = stdoutLines();',
      "line('before exit 1'); line('before exit 2');",
      'process.exit(3);',
    ].join('\n');
    const result = await run(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]).catch((err: { code: number; stdout: string }) => err);
    expect(result).toMatchObject({ code: 3, stdout: 'before exit 1\nbefore exit 2\n' });
  });

  it('writes them when the process dies of an uncaught exception', async () => {
    const script = [
      `const { stdoutLines } = await import(${JSON.stringify(path.resolve('src/node/stdout-lines.ts'))});`,
      'const line = stdoutLines();',
      "line('last words');",
      "setTimeout(() => { throw new Error('crash'); });",
    ].join('\n');
    const result = await run(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ]).catch((err: { code: number; stdout: string }) => err);
    expect(result).toMatchObject({ code: 1, stdout: 'last words\n' });
  });
});
