import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConversationStore, createConversationStore } from '../../../src/db/conversations';
import { createUserStore } from '../../../src/db/users';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../../support/databases';

/**
 * The history a chat turn reads: only the newest messages, bounded in the query (a LIMIT), on
 * every dialect. The budget trim happens after, in code.
 */
describe.each(databaseKinds)('conversation history on %s', (kind) => {
  let db: TestDatabase;
  let store: ConversationStore;
  let userId: number;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = createConversationStore(db.database);
    const user = await createUserStore(db.database).createIfAbsent(
      { auth0Sub: `auth0|history-${kind}`, email: null, name: null, picture: null },
      new Date(),
    );
    userId = user.id;
  });
  afterAll(async () => {
    await db.dispose();
  });

  /** A conversation of `count` messages, alternating user and assistant, one second apart. */
  async function conversationOf(count: number): Promise<string> {
    const id = crypto.randomUUID();
    const start = Date.UTC(2026, 0, 1, 12, 0, n++);
    await store.create({ id, userId, title: 't' }, new Date(start));
    for (let i = 0; i < count; i++) {
      const at = new Date(start + (i + 1) * 1000);
      if (i % 2 === 0) await store.addUserMessage(id, { id: crypto.randomUUID(), content: `m${i}` }, at);
      else
        await store.addAssistantReply(
          id,
          {
            id: crypto.randomUUID(),
            content: `m${i}`,
            incomplete: false,
            model: 'deepseek-chat',
            finishReason: 'stop',
            promptTokens: null,
            completionTokens: null,
          },
          at,
        );
    }
    return id;
  }

  it('reads only the newest `limit` messages, oldest first', async () => {
    const id = await conversationOf(7);
    const recent = await store.recentMessages(id, 3);
    expect(recent.map((m) => [m.role, m.content])).toEqual([
      ['user', 'm4'],
      ['assistant', 'm5'],
      ['user', 'm6'],
    ]);
  });

  it('reads the whole conversation when it is shorter than the limit, in the order of the full read', async () => {
    const id = await conversationOf(4);
    const recent = await store.recentMessages(id, 100);
    expect(recent).toEqual(await store.messages(id));
    expect(recent.map((m) => m.content)).toEqual(['m0', 'm1', 'm2', 'm3']);
  });

  it('orders messages stored in the same instant as the full read does', async () => {
    const id = crypto.randomUUID();
    const at = new Date(Date.UTC(2026, 1, 1));
    await store.create({ id, userId, title: 't' }, at);
    for (const content of ['a', 'b', 'c', 'd']) {
      await store.addUserMessage(id, { id: crypto.randomUUID(), content }, at);
    }
    const all = await store.messages(id);
    expect(await store.recentMessages(id, 2)).toEqual(all.slice(-2));
  });
});
