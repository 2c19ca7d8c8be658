import { and, asc, desc, eq } from 'drizzle-orm';
import type { Database } from './database';

export interface Conversation {
  id: string;
  userId: number;
  title: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface Message {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant';
  content: string;
  incomplete: boolean;
  createdAt: Date;
}

export interface AssistantReply {
  id: string;
  content: string;
  incomplete: boolean;
  model: string;
  finishReason: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
}

export interface ConversationStore {
  /** Newest activity first. */
  listForUser(userId: number): Promise<Conversation[]>;
  get(userId: number, id: string): Promise<Conversation | undefined>;
  create(conversation: { id: string; userId: number; title: string }, now: Date): Promise<Conversation>;
  /** Oldest first. */
  messages(conversationId: string): Promise<Message[]>;
  /**
   * The newest `limit` messages, oldest first (the same order as `messages`): a chat turn reads only
   * the end of a conversation, bounded in the query rather than trimmed after reading it all.
   */
  recentMessages(conversationId: string, limit: number): Promise<Message[]>;
  addUserMessage(conversationId: string, message: { id: string; content: string }, now: Date): Promise<void>;
  addAssistantReply(conversationId: string, reply: AssistantReply, now: Date): Promise<void>;
  delete(userId: number, id: string): Promise<boolean>;
}

export function createConversationStore({ db, tables }: Database): ConversationStore {
  const { conversations, messages } = tables;
  const owned = (userId: number, id: string) =>
    and(eq(conversations.userId, userId), eq(conversations.id, id));
  const touch = (conversationId: string, now: Date) =>
    db.update(conversations).set({ updatedAt: now }).where(eq(conversations.id, conversationId));
  const selectMessages = () =>
    db
      .select({
        id: messages.id,
        conversationId: messages.conversationId,
        role: messages.role,
        content: messages.content,
        incomplete: messages.incomplete,
        createdAt: messages.createdAt,
      })
      .from(messages);
  const asMessage = (row: Omit<Message, 'role'> & { role: string }): Message => ({
    ...row,
    role: row.role === 'assistant' ? 'assistant' : 'user',
  });

  return {
    async listForUser(userId) {
      return db
        .select()
        .from(conversations)
        .where(eq(conversations.userId, userId))
        .orderBy(desc(conversations.updatedAt), desc(conversations.id));
    },

    async get(userId, id) {
      const rows = await db.select().from(conversations).where(owned(userId, id)).limit(1);
      return rows[0];
    },

    async create(conversation, now) {
      const rows = await db
        .insert(conversations)
        .values({ ...conversation, createdAt: now, updatedAt: now })
        .returning();
      const row = rows[0];
      if (!row) throw new Error('insert into conversations returned no row');
      return row;
    },

    async messages(conversationId) {
      const rows = await selectMessages()
        .where(eq(messages.conversationId, conversationId))
        .orderBy(asc(messages.createdAt), asc(messages.id));
      return rows.map(asMessage);
    },

    async recentMessages(conversationId, limit) {
      // Newest first through the (conversation_id, created_at) index, then back to oldest first.
      const rows = await selectMessages()
        .where(eq(messages.conversationId, conversationId))
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(limit);
      return rows.reverse().map(asMessage);
    },

    async addUserMessage(conversationId, message, now) {
      await db.insert(messages).values({ ...message, conversationId, role: 'user', createdAt: now });
      await touch(conversationId, now);
    },

    async addAssistantReply(conversationId, reply, now) {
      await db.insert(messages).values({ ...reply, conversationId, role: 'assistant', createdAt: now });
      await touch(conversationId, now);
    },

    async delete(userId, id) {
      const found = await db
        .select({ id: conversations.id })
        .from(conversations)
        .where(owned(userId, id))
        .limit(1);
      if (found.length === 0) return false;
      // Explicit, not only ON DELETE CASCADE: SQLite enforces foreign keys only when asked to.
      await db.delete(messages).where(eq(messages.conversationId, id));
      await db.delete(conversations).where(owned(userId, id));
      return true;
    },
  };
}
