import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock';
import { createApplicationStore } from '../../../src/db/applications';
import { type ConversationStore, createConversationStore } from '../../../src/db/conversations';
import { createJobStore } from '../../../src/db/jobs';
import { createResumeStore } from '../../../src/db/resumes';
import { createUserStore } from '../../../src/db/users';
import { AppError } from '../../../src/errors';
import { silentLogger } from '../../../src/logger';
import { type ChatEvent, createChatService } from '../../../src/services/chat/session';
import { createUserLimits, inMemoryLimiter, type UserLimiter } from '../../../src/services/limits';
import { createLlmClient } from '../../../src/services/llm/deepseek';
import { createTestDatabase, type TestDatabase } from '../../support/databases';
import { type DeepSeekStandIn, standInApiKey, startDeepSeekStandIn } from '../../support/deepseek-standin';

/** The chat flow as a service: the events it yields, and what it has done by the time it yields them. */
describe('chat session', () => {
  let db: TestDatabase;
  let deepseek: DeepSeekStandIn;
  let conversations: ConversationStore;
  let limits: UserLimiter;
  let userId: number;

  beforeAll(async () => {
    db = await createTestDatabase('libsql');
    deepseek = await startDeepSeekStandIn();
    conversations = createConversationStore(db.database);
    const user = await createUserStore(db.database).createIfAbsent(
      { auth0Sub: 'auth0|session', email: null, name: null, picture: null },
      new Date(),
    );
    userId = user.id;
  });
  afterAll(async () => {
    await deepseek.close();
    await db.dispose();
  });

  /** A service whose user may have one answer open at a time. */
  function service() {
    limits = inMemoryLimiter(
      createUserLimits({ what: 'chat messages', maxConcurrent: 1, perMinute: 100, clock: systemClock }),
    );
    return createChatService({
      clock: systemClock,
      logger: silentLogger,
      conversations,
      resumes: createResumeStore(db.database),
      jobs: createJobStore(db.database),
      applications: createApplicationStore(db.database),
      llm: createLlmClient({ baseUrl: deepseek.baseUrl, apiKey: standInApiKey }),
      limits,
      deadlineMs: 10_000,
      maxTokens: 64,
    });
  }

  /** Whether the user's one slot is free: taken and given back at once if so. */
  async function slotIsFree(): Promise<boolean> {
    try {
      await (await limits.acquire(userId))();
      return true;
    } catch (err) {
      if (err instanceof AppError && err.status === 429) return false;
      throw err;
    }
  }

  it('yields meta, the deltas and done; the reply is stored and the slot free before done', async () => {
    deepseek.setScript({ kind: 'stream', deltas: ['Hi', ' there'] });
    const events = await service().start({
      userId,
      message: 'Hello',
      model: 'deepseek-chat',
      signal: new AbortController().signal,
    });
    const seen: ChatEvent[] = [];
    for await (const event of events) {
      if (event.type === 'done') {
        expect(await slotIsFree()).toBe(true);
        const conversationId = String(seen[0]?.type === 'meta' ? seen[0].data.conversation_id : '');
        expect(
          (await conversations.messages(conversationId)).map((m) => [m.role, m.content, m.incomplete]),
        ).toEqual([
          ['user', 'Hello', false],
          ['assistant', 'Hi there', false],
        ]);
      } else {
        expect(await slotIsFree()).toBe(false);
      }
      seen.push(event);
    }
    expect(seen.map((e) => e.type)).toEqual(['meta', 'delta', 'delta', 'done']);
    expect(deepseek.requests.at(-1)?.body).toMatchObject({ max_tokens: 64 });
  });

  it('saves the reply so far as incomplete and frees the slot when the reader stops early', async () => {
    deepseek.setScript({ kind: 'stream', deltas: ['One', 'Two', 'Three'], delayMs: 20 });
    const events = await service().start({
      userId,
      message: 'Count',
      model: 'deepseek-chat',
      signal: new AbortController().signal,
    });
    let conversationId = '';
    for await (const event of events) {
      if (event.type === 'meta') conversationId = event.data.conversation_id;
      if (event.type === 'delta') break;
    }
    expect(await slotIsFree()).toBe(true);
    expect((await conversations.messages(conversationId)).at(-1)).toMatchObject({
      role: 'assistant',
      content: 'One',
      incomplete: true,
    });
  });
});
