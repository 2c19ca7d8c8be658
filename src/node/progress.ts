/** A one-line progress bar on stderr for the operator CLIs (redrawn in place on a terminal). */
export function progressBar(label: string, total: number | undefined) {
  const started = performance.now();
  const tty = process.stderr.isTTY;
  let lastDraw = 0;
  return {
    update(done: number, extra = '') {
      const now = performance.now();
      if (tty && now - lastDraw < 100) return;
      lastDraw = now;
      const rate = Math.round(done / Math.max((now - started) / 1000, 0.001));
      let bar = '';
      if (total) {
        const fraction = Math.min(done / total, 1);
        const width = 30;
        bar = `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
      }
      const line = `${label} ${bar}${done}${total ? `/${total}` : ''} (${rate}/s) ${extra}`;
      process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
    },
    done() {
      if (tty) process.stderr.write('\n');
      return (performance.now() - started) / 1000;
    },
  };
}
