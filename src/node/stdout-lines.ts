/**
 * Log lines for standard output, written together once per turn of the event loop. Standard output
 * is written synchronously when it is a file or a pipe (Node's rule on Linux), so one write per
 * request line cost a small request about a tenth of its CPU; under load the lines of every request
 * answered in one turn now share a write, and an idle server still writes each line at once (the
 * next turn). Lines still waiting when the process exits are written before it goes.
 *
 * Not sonic-boom (pino's writer): its asynchronous mode writes from libuv's thread pool, which
 * response compression shares, and this entry also runs under Bun and Deno; batching keeps
 * `process.stdout` and its handling of pipes, files and terminals, in 20 lines.
 */
export function batchedLines(write: (chunk: string) => void): { line(text: string): void; flush(): void } {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = `${pending.join('\n')}\n`;
    pending = [];
    write(chunk);
  };
  return {
    line(text) {
      pending.push(text);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

/** `batchedLines` on `process.stdout`, flushed on exit (also after `process.exit()`). */
export function stdoutLines(): (text: string) => void {
  const lines = batchedLines((chunk) => process.stdout.write(chunk));
  process.on('exit', lines.flush);
  return lines.line;
}
