import type { Context, MiddlewareHandler } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ConversationStore } from '../../db/conversations';
import type { AppEnv } from '../../env';
import { AppError, notFound } from '../../errors';
import type { AuthGuard } from '../../middleware/auth';
import { createRouter } from '../../openapi';
import { type ChatService, ClientLeftError } from '../../services/chat/session';
import { chatRouteDefinitions } from './routes';

export interface ChatRoutesDeps {
  /** The JSON body limit (413 payload_too_large), on the routes that take a JSON body. */
  jsonBodyLimit: MiddlewareHandler<AppEnv>;
  guard: AuthGuard;
  /** The chat sessions; undefined when DEEPSEEK_API_KEY is not set (503 llm_not_configured). */
  chat: ChatService | undefined;
  conversations: ConversationStore;
  models: { default: string; allowed: string[] };
  /**
   * Keeps a streaming answer's work alive to its end (saving the reply, also an incomplete one
   * when the client leaves): on Workers a request whose client has gone is otherwise cancelled.
   */
  background: (work: Promise<unknown>, c: Context) => void;
}

/**
 * /api/chat and /api/conversations: the chat session (src/services/chat/session.ts) yields events;
 * the handler pipes them to Server-Sent Events and turns the client leaving into the session's
 * signal. The conversation routes read the store.
 */
export function chatRoutes(deps: ChatRoutesDeps) {
  const { conversations, chat } = deps;
  const routes = chatRouteDefinitions(deps.guard({ hydrate: true }), deps.jsonBodyLimit, deps.models.allowed);

  return createRouter()
    .openapi(routes.chat, async (c) => {
      const body = c.req.valid('json');
      if (!chat)
        throw new AppError('llm_not_configured', 'The assistant is not configured (DEEPSEEK_API_KEY)');
      // The schema allows only DEEPSEEK_MODELS, and the configuration requires the default among them.
      const model = body.model ?? deps.models.default;

      // The client leaving, whenever it happens: the request's signal (on Node it aborts when the
      // connection closes, also before the stream begins), or the response stream being cancelled.
      const left = new AbortController();
      const requestSignal = c.req.raw.signal;
      if (requestSignal.aborted) left.abort();
      else requestSignal.addEventListener('abort', () => left.abort(), { once: true });

      let events: Awaited<ReturnType<typeof chat.start>>;
      try {
        events = await chat.start({
          userId: c.var.user.id,
          message: body.message,
          model,
          conversationId: body.conversation_id,
          resumeId: body.resume_id,
          jobId: body.job_id,
          applicationId: body.application_id,
          signal: left.signal,
        });
      } catch (err) {
        // Nobody is there to read an answer; 499 ("client closed request") is for the request log.
        if (err instanceof ClientLeftError) return new Response(null, { status: 499 });
        throw err;
      }

      c.header('Cache-Control', 'no-cache, no-transform');
      c.header('X-Accel-Buffering', 'no');
      return streamSSE(c, async (stream) => {
        stream.onAbort(() => left.abort());
        const relayed = (async () => {
          for await (const event of events) {
            await stream.writeSSE({ event: event.type, data: JSON.stringify(event.data) });
          }
        })();
        deps.background(relayed, c);
        await relayed;
      });
    })
    .openapi(routes.listConversations, async (c) => {
      const rows = await conversations.listForUser(c.var.user.id);
      return c.json(
        {
          conversations: rows.map((r) => ({
            id: r.id,
            title: r.title,
            created_at: r.createdAt.toISOString(),
            updated_at: r.updatedAt.toISOString(),
          })),
        },
        200,
      );
    })
    .openapi(routes.getConversation, async (c) => {
      const conversation = await conversations.get(c.var.user.id, c.req.valid('param').id);
      if (!conversation) throw notFound('Conversation');
      const rows = await conversations.messages(conversation.id);
      return c.json(
        {
          id: conversation.id,
          title: conversation.title,
          messages: rows.map((m) => ({
            id: m.id,
            role: m.role,
            content: m.content,
            created_at: m.createdAt.toISOString(),
            incomplete: m.incomplete,
          })),
        },
        200,
      );
    })
    .openapi(routes.deleteConversation, async (c) => {
      if (!(await conversations.delete(c.var.user.id, c.req.valid('param').id)))
        throw notFound('Conversation');
      return c.body(null, 204);
    });
}
