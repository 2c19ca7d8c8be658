import { env } from 'cloudflare:workers';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createDurableLimiter, type DurableObjectNamespaceLike } from '../../src/services/chat/limits-object';
import type { ReleaseSlot } from '../../src/services/limits';
import {
  api,
  expectError,
  expectJson,
  mode,
  parseSse,
  readSse,
  services,
  textReader,
  where,
} from './helpers';
import { chatScript } from './services';

/**
 * Chat against the project's DeepSeek stand-in (loopback), which streams `chatScript`: a pause
 * after every write, so a relayed stream shows its first delta long before `done`, and a buffered
 * one shows them together. 503 llm_not_configured needs a worker without DEEPSEEK_API_KEY: it is
 * covered by the Node tests only.
 */

interface ConversationBody {
  id: string;
  title: string;
  messages: { id: string; role: string; content: string; created_at: string; incomplete: boolean }[];
}
interface ListBody {
  conversations: { id: string; title: string; created_at: string; updated_at: string }[];
}

const reply = chatScript.deltas.join('');
const chat = (json: unknown, as: 'chat' | 'chatOther' | 'chatLimit' = 'chat') =>
  api('/api/chat', { method: 'POST', as, json });

describe(`chat on ${where} with the DeepSeek stand-in`, () => {
  let conversationId: string;

  it('streams meta, the deltas as they arrive (not buffered) and done, and stores both messages', async () => {
    const res = await chat({ message: 'How do I improve my resume summary for backend roles?' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const { events } = await readSse(res);
    expect(events.map((e) => e.event)).toEqual(['meta', ...chatScript.deltas.map(() => 'delta'), 'done']);
    const deltas = events.filter((e) => e.event === 'delta');
    expect(deltas.map((e) => e.data.content).join('')).toBe(reply);

    // The stand-in pauses `delayMs` after each of its writes (role chunk, deltas, finish, usage,
    // [DONE]): relayed at once, the deltas arrive one by one and the first several pauses before
    // `done`; buffered, they would all arrive together at the end.
    const first = deltas[0]?.at ?? 0;
    const done = events.at(-1)?.at ?? 0;
    const pause = chatScript.delayMs ?? 0;
    expect(done - first, 'first delta to done (ms)').toBeGreaterThanOrEqual(pause * 3);
    expect(new Set(deltas.map((e) => e.at)).size, 'distinct arrival times of the deltas').toBe(deltas.length);

    const meta = events[0]?.data as { conversation_id: string; message_id: string };
    conversationId = meta.conversation_id;
    expect(events.at(-1)?.data).toEqual({
      message_id: meta.message_id,
      finish_reason: 'stop',
      usage: chatScript.usage,
    });
    const stored = await expectJson<ConversationBody>(
      await api(`/api/conversations/${conversationId}`, { as: 'chat' }),
      200,
    );
    expect(stored.messages.map((m) => [m.role, m.content, m.incomplete])).toEqual([
      ['user', 'How do I improve my resume summary for backend roles?', false],
      ['assistant', reply, false],
    ]);
    expect(stored.messages[1]?.id).toBe(meta.message_id);
  });

  it('continues a conversation with conversation_id', async () => {
    const res = await chat({
      message: 'And the skills section?',
      conversation_id: conversationId,
      model: 'deepseek-reasoner',
    });
    const { events } = await readSse(res);
    expect(events[0]?.data.conversation_id).toBe(conversationId);
    expect(events.at(-1)?.event).toBe('done');
    const stored = await expectJson<ConversationBody>(
      await api(`/api/conversations/${conversationId}`, { as: 'chat' }),
      200,
    );
    expect(stored.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
  });

  it('a client that leaves mid-stream: the upstream request is aborted, the reply so far is kept as incomplete', async () => {
    const closed = async () =>
      ((await (await fetch(`${services.controlUrl}/deepseek/${mode}/closed`)).json()) as { closed: number })
        .closed;
    const closedBefore = await closed();
    const res = await chat({ message: 'Tell me a long story' });
    expect(res.status).toBe(200);
    const reader = textReader(res);
    let text = '';
    while (!text.includes('event: delta')) {
      const value = await reader.read();
      if (value === undefined) break;
      text += value;
    }
    const complete = text.slice(0, text.lastIndexOf('\n\n') + 2);
    const events = parseSse(complete);
    expect(events.map((e) => e.event)).toContain('delta');
    const leftId = String(events[0]?.data.conversation_id);
    onTestFinished(async () => {
      await api(`/api/conversations/${leftId}`, { method: 'DELETE', as: 'chat' });
    });
    await reader.cancel();

    const deadline = Date.now() + 5000;
    let stored: ConversationBody | undefined;
    let closedAfter = closedBefore;
    for (;;) {
      closedAfter = await closed();
      stored = await expectJson<ConversationBody>(
        await api(`/api/conversations/${leftId}`, { as: 'chat' }),
        200,
      );
      if ((closedAfter > closedBefore && stored.messages.length === 2) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(closedAfter, 'stand-in streams closed early by the worker').toBeGreaterThan(closedBefore);
    const assistant = stored.messages[1];
    expect(assistant).toMatchObject({ role: 'assistant', incomplete: true });
    expect(reply.startsWith(assistant?.content ?? 'x')).toBe(true);
    expect(assistant?.content.length).toBeGreaterThan(0);
    expect(assistant?.content).not.toBe(reply);
  });

  it('lists the caller’s conversations only', async () => {
    const mine = await expectJson<ListBody>(await api('/api/conversations', { as: 'chat' }), 200);
    expect(mine.conversations.map((c) => c.id)).toEqual([conversationId]);
    expect(mine.conversations[0]?.title).toBeTruthy();
    const theirs = await expectJson<ListBody>(await api('/api/conversations', { as: 'chatOther' }), 200);
    expect(theirs.conversations).toEqual([]);
  });

  it.each([
    ['an empty message', { message: '   ' }, 'message'],
    ['no message', {}, 'message'],
    ['an unknown field', { message: 'hi', temperature: 2 }, 'temperature'],
    ['a model that is not allowed', { message: 'hi', model: 'gpt-4o' }, 'model'],
    ['a job_id that is not an integer', { message: 'hi', job_id: 'abc' }, 'job_id'],
  ])('400 validation_error for %s', async (_name, body, field) => {
    const error = await expectError(await chat(body), 400, 'validation_error');
    expect(Object.keys(error.details ?? {})).toContain(field);
  });

  it('404 for an unknown conversation, resume or job, and for another user’s conversation', async () => {
    await expectError(await chat({ message: 'hi', conversation_id: crypto.randomUUID() }), 404, 'not_found');
    await expectError(await chat({ message: 'hi', resume_id: crypto.randomUUID() }), 404, 'not_found');
    await expectError(await chat({ message: 'hi', job_id: 2_147_483_000 }), 404, 'not_found');
    await expectError(
      await chat({ message: 'hi', conversation_id: conversationId }, 'chatOther'),
      404,
      'not_found',
    );
    await expectError(
      await api(`/api/conversations/${conversationId}`, { as: 'chatOther' }),
      404,
      'not_found',
    );
    await expectError(
      await api(`/api/conversations/${conversationId}`, { method: 'DELETE', as: 'chatOther' }),
      404,
      'not_found',
    );
  });

  it('429 rate_limited with Retry-After for a fourth answer at once (CHAT_MAX_CONCURRENT=3)', async () => {
    const responses = await Promise.all(
      [1, 2, 3, 4].map((i) => chat({ message: `Question ${i}` }, 'chatLimit')),
    );
    const statuses = responses.map((r) => r.status).sort();
    const limited = responses.filter((r) => r.status === 429);
    // Drain the streams (and the refusals) before asserting, so nothing is left open.
    const bodies = await Promise.all(responses.map((r) => r.text()));
    expect(statuses, bodies.filter((b) => !b.startsWith('event:')).join('\n')).toEqual([200, 200, 200, 429]);
    expect(limited[0]?.headers.get('Retry-After')).toBeTruthy();
    expect(JSON.parse(bodies[responses.indexOf(limited[0] as Response)] ?? '{}')).toMatchObject({
      error: 'rate_limited',
    });
  });

  it('keeps the per-user limit in the CHAT_LIMITS Durable Object: slots taken by any instance count, and each stream gives its slot back', async () => {
    const me = await expectJson<{ id: number }>(await api('/api/me', { as: 'chatLimit' }), 200);
    // The same object the worker uses (one per user id), reached directly, as another isolate would.
    const elsewhere = createDurableLimiter({
      namespace: env.CHAT_LIMITS as DurableObjectNamespaceLike,
      what: 'chat messages',
      maxConcurrent: 3,
      perMinute: 20,
      leaseMs: 60_000,
    });
    const held: ReleaseSlot[] = [];
    onTestFinished(async () => {
      await Promise.all(held.map((release) => release()));
    });
    for (let i = 0; i < 3; i++) held.push(await elsewhere.acquire(me.id));

    const refused = await chat({ message: 'A fourth one?' }, 'chatLimit');
    await expectError(refused, 429, 'rate_limited');
    expect(refused.headers.get('Retry-After')).toBeTruthy();

    await Promise.all(held.splice(0).map((release) => release()));
    const accepted = await chat({ message: 'Now?' }, 'chatLimit');
    expect(accepted.status).toBe(200);
    expect((await readSse(accepted)).events.at(-1)?.event).toBe('done');
    // The finished stream released its slot before `done`: three fit again at once.
    for (let i = 0; i < 3; i++) held.push(await elsewhere.acquire(me.id));
  });

  it('needs a token', async () => {
    await expectError(
      await api('/api/chat', { method: 'POST', json: { message: 'hi' } }),
      401,
      'missing_or_invalid_authorization',
    );
    await expectError(await api('/api/conversations'), 401, 'missing_or_invalid_authorization');
  });

  it('DELETE /api/conversations/:id: 204, then 404 and gone from the list', async () => {
    const res = await api(`/api/conversations/${conversationId}`, { method: 'DELETE', as: 'chat' });
    expect(res.status).toBe(204);
    await expectError(await api(`/api/conversations/${conversationId}`, { as: 'chat' }), 404, 'not_found');
    const mine = await expectJson<ListBody>(await api('/api/conversations', { as: 'chat' }), 200);
    expect(mine.conversations).toEqual([]);
  });
});
