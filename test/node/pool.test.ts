import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTaskPool, PoolTaskError, type TaskPool } from '../../src/node/pool';

const busyTask = new URL('../support/workers/busy-task.ts', import.meta.url);

async function failure(run: () => Promise<unknown>): Promise<PoolTaskError> {
  try {
    await run();
  } catch (err) {
    if (err instanceof PoolTaskError) return err;
    throw err;
  }
  throw new Error('the task did not fail');
}

describe('createTaskPool', () => {
  let pool: TaskPool<{ ms: number }, string>;
  beforeAll(async () => {
    pool = await createTaskPool({ module: busyTask, threads: 1, maxQueue: 1, timeoutMs: 1_000 });
  });
  afterAll(() => pool.close());

  it('runs a task on a worker thread', async () => {
    expect(await pool.run({ ms: 0 })).toBe('done after 0 ms');
  });

  it('stops a task that runs past the timeout, and the next task gets a fresh thread', async () => {
    const stuck = await failure(() => pool.run({ ms: 60_000 }));
    expect(stuck.reason).toBe('timeout');
    expect(await pool.run({ ms: 0 })).toBe('done after 0 ms');
  });

  it('refuses a task at once when the thread is busy and the queue is full', async () => {
    const running = pool.run({ ms: 300 });
    const queued = pool.run({ ms: 0 });
    const refused = await failure(() => pool.run({ ms: 0 }));
    expect(refused.reason).toBe('busy');
    expect(await running).toBe('done after 300 ms');
    expect(await queued).toBe('done after 0 ms');
  });

  it('reports a thread that dies mid-task as crashed, and recovers', async () => {
    const running = pool.run({ ms: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const thread of pool.threads) await thread.terminate();
    expect((await failure(() => running)).reason).toBe('crashed');
    expect(await pool.run({ ms: 0 })).toBe('done after 0 ms');
  });
});
