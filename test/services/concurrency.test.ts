import { describe, expect, it } from 'vitest';
import { createGate } from '../../src/services/concurrency';

/** A task that runs until `finish` is called, recording when it started. */
function heldTask(log: string[], name: string) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    finish: () => finish(),
    task: async () => {
      log.push(`start ${name}`);
      await done;
      return name;
    },
  };
}

/** Lets the promise chains already resolved run to their next real wait. */
const flushMicrotasks = () => new Promise<void>((resolve) => setImmediate(resolve));

const full = () => new Error('full');
const aborted = () => new Error('aborted');

describe('createGate', () => {
  it('runs tasks while their weights fit the capacity (1 each by default) and starts waiters first come, first served', async () => {
    const gate = createGate({ capacity: 2, maxWaiting: 10 });
    const log: string[] = [];
    const tasks = ['a', 'b', 'c', 'd'].map((name) => heldTask(log, name));
    const results = tasks.map((t) => gate.run(t.task, { whenFull: full, whenAborted: aborted }));
    await flushMicrotasks();
    expect(log).toEqual(['start a', 'start b']);
    expect(gate.waiting).toBe(2);

    tasks[1]?.finish();
    await results[1];
    await flushMicrotasks();
    expect(log).toEqual(['start a', 'start b', 'start c']);

    for (const t of tasks) t.finish();
    expect(await Promise.all(results)).toEqual(['a', 'b', 'c', 'd']);
    expect(gate.running).toBe(0);
    expect(gate.waiting).toBe(0);
  });

  it('throws whenFull at once when the queue is full', async () => {
    const gate = createGate({ capacity: 1, maxWaiting: 1 });
    const log: string[] = [];
    const first = heldTask(log, 'first');
    const second = heldTask(log, 'second');
    const running = gate.run(first.task, { whenFull: full, whenAborted: aborted });
    const queued = gate.run(second.task, { whenFull: full, whenAborted: aborted });
    await expect(gate.run(async () => 'third', { whenFull: full, whenAborted: aborted })).rejects.toThrow(
      'full',
    );
    first.finish();
    second.finish();
    expect(await Promise.all([running, queued])).toEqual(['first', 'second']);
  });

  it('frees the slot when a task fails', async () => {
    const gate = createGate({ capacity: 1, maxWaiting: 1 });
    await expect(
      gate.run(
        async () => {
          throw new Error('boom');
        },
        { whenFull: full, whenAborted: aborted },
      ),
    ).rejects.toThrow('boom');
    expect(gate.running).toBe(0);
    expect(await gate.run(async () => 'next', { whenFull: full, whenAborted: aborted })).toBe('next');
  });

  it('drops a waiter whose signal aborts, without running its task', async () => {
    const gate = createGate({ capacity: 1, maxWaiting: 5 });
    const log: string[] = [];
    const first = heldTask(log, 'first');
    const running = gate.run(first.task, { whenFull: full, whenAborted: aborted });
    const controller = new AbortController();
    const waiter = gate.run(async () => log.push('never'), {
      signal: controller.signal,
      whenFull: full,
      whenAborted: aborted,
    });
    controller.abort();
    await expect(waiter).rejects.toThrow('aborted');
    expect(gate.waiting).toBe(0);
    first.finish();
    await running;
    expect(log).toEqual(['start first']);
    expect(gate.running).toBe(0);
  });

  it('weighs tasks: a heavy one waits until enough is free, and nothing overtakes it', async () => {
    const gate = createGate({ capacity: 10, maxWaiting: 10 });
    const log: string[] = [];
    const small = heldTask(log, 'small 4');
    const heavy = heldTask(log, 'heavy 8');
    const light = heldTask(log, 'light 1');
    const opts = { whenFull: full, whenAborted: aborted };
    const results = [
      gate.run(small.task, { ...opts, weight: 4 }),
      gate.run(heavy.task, { ...opts, weight: 8 }),
      gate.run(light.task, { ...opts, weight: 1 }),
    ];
    await flushMicrotasks();
    // The light one would fit beside the small one, but the heavy one came first.
    expect(log).toEqual(['start small 4']);
    small.finish();
    await flushMicrotasks();
    expect(log).toEqual(['start small 4', 'start heavy 8', 'start light 1']);
    expect(gate.used).toBe(9);
    heavy.finish();
    light.finish();
    await Promise.all(results);
    expect(gate.used).toBe(0);
  });

  it('runs a task heavier than the capacity alone rather than never', async () => {
    const gate = createGate({ capacity: 10, maxWaiting: 1 });
    expect(await gate.run(async () => 'huge', { weight: 50, whenFull: full, whenAborted: aborted })).toBe(
      'huge',
    );
  });
});
