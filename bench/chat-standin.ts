import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * A DeepSeek stand-in for `bench/chat.ts`, in DeepSeek's wire format (like
 * test/support/deepseek-standin.ts), that stamps every content delta with the moment it was
 * written: the content is `t=<performance.now()>;`. It runs in the benchmark's own process, so the
 * client reading the relayed `event: delta` computes the relay's delay on the same clock.
 */

export const benchApiKey = 'test-key';

export interface StandInPlan {
  /** Content deltas per answer. */
  deltas: number;
  /** Pause before each delta (the first included, so the relay is idle when it arrives). */
  delayMs: number;
}

export async function startChatStandIn(initial: StandInPlan) {
  let plan = initial;
  let open = 0;
  let peakOpen = 0;
  let served = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 30_000;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    for await (const _ of req) {
      // Drain the body; its content does not matter here.
    }
    if (req.method !== 'POST' || !(req.url ?? '').endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Not Found', type: 'invalid_request_error' } }));
      return;
    }
    if (req.headers.authorization !== `Bearer ${benchApiKey}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Authentication Fails', type: 'authentication_error' } }));
      return;
    }
    open++;
    peakOpen = Math.max(peakOpen, open);
    try {
      await stream(plan, res);
      served++;
    } finally {
      open--;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 2048, resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    setPlan(next: StandInPlan) {
      plan = next;
    },
    get peakOpen() {
      return peakOpen;
    },
    get served() {
      return served;
    },
    resetPeak() {
      peakOpen = open;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type ChatStandIn = Awaited<ReturnType<typeof startChatStandIn>>;

async function stream(plan: StandInPlan, res: ServerResponse) {
  const id = crypto.randomUUID();
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model: 'deepseek-chat',
      system_fingerprint: 'fp_standin',
      choices,
      ...extra,
    })}\n\n`;
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.write(chunk([choice({ role: 'assistant', content: '' })]));
  for (let i = 0; i < plan.deltas; i++) {
    await delay(plan.delayMs);
    if (res.destroyed) return;
    res.write(chunk([choice({ content: `t=${performance.now()};` })]));
  }
  res.write(chunk([choice({ content: '' }, 'stop')]));
  res.write(
    chunk([], {
      usage: { prompt_tokens: 12, completion_tokens: plan.deltas, total_tokens: 12 + plan.deltas },
    }),
  );
  res.end('data: [DONE]\n\n');
}
