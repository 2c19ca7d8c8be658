import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Clock } from '../clock';
import type { ConversationStore } from '../db/conversations';
import type { JobStore } from '../db/jobs';
import type { ResumeStore } from '../db/resumes';
import { ApiError, notFound, validationError } from '../errors';
import { describeError, type Logger } from '../logger';
import type { AuthGuard } from '../middleware/auth';
import {
  authErrorResponses,
  bearerSecurity,
  createRouter,
  errorResponse,
  jsonBody,
  jsonResponse,
  uuidId,
  uuidIdParam,
} from '../openapi';
import {
  buildPrompt,
  type Grounding,
  relevantChunks,
  titleFrom,
  trimHistory,
} from '../services/chat/context';
import type { UserLimits } from '../services/limits';
import type { ChatMessage, createLlmClient } from '../services/llm/deepseek';

export interface ChatRoutesDeps {
  guard: AuthGuard;
  clock: Clock;
  logger: Logger;
  conversations: ConversationStore;
  resumes: ResumeStore;
  jobs: JobStore;
  /** Undefined when DEEPSEEK_API_KEY is not set. */
  llm: ReturnType<typeof createLlmClient> | undefined;
  models: { default: string; allowed: string[] };
  limits: UserLimits;
  /**
   * Keeps a streaming answer's work alive to its end (saving the reply, also an incomplete one
   * when the client leaves): on Workers a request whose client has gone is otherwise cancelled.
   */
  background: (work: Promise<unknown>, c: Context) => void;
  /** Upper bound on one answer, keep-alives or not. */
  deadlineMs: number;
  newId?: () => string;
}

/** Prompt budgets, in characters of grounding and tokens of history. */
const resumeBudgetChars = 6000;
const jobBudgetChars = 6000;
const historyBudgetTokens = 4000;

const ChatRequestSchema = z
  .strictObject({
    message: z.string().trim().min(1, 'is required').max(8000),
    conversation_id: uuidId().optional(),
    resume_id: uuidId().optional(),
    job_id: z.number().int().min(1).max(2_147_483_647).optional(),
    model: z.string().max(100).optional(),
  })
  .openapi('ChatRequest');

const ConversationSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Conversation');

const MessageSchema = z
  .object({
    id: z.string(),
    role: z.enum(['user', 'assistant']),
    content: z.string(),
    created_at: z.string().openapi({ format: 'date-time' }),
    incomplete: z.boolean(),
  })
  .openapi('Message');

const ConversationIdParams = z.object({ id: uuidIdParam('id') });

export function chatRoutes(deps: ChatRoutesDeps) {
  const { conversations, clock, logger } = deps;
  const guard = deps.guard({ hydrate: true });
  const newId = deps.newId ?? (() => crypto.randomUUID());

  async function grounding(userId: number, body: z.infer<typeof ChatRequestSchema>): Promise<Grounding> {
    const result: Grounding = {};
    const resume = body.resume_id
      ? await deps.resumes.get(userId, body.resume_id)
      : (await deps.resumes.listForUser(userId)).find((r) => r.isDefault);
    if (body.resume_id && !resume) throw notFound('Resume');
    if (resume) {
      const chunks = await deps.resumes.chunks(resume.id);
      result.resume = {
        filename: resume.filename,
        text: relevantChunks(chunks, body.message, resumeBudgetChars),
      };
    }
    if (body.job_id !== undefined) {
      const job = await deps.jobs.get(body.job_id);
      if (!job) throw notFound('Job');
      result.job = { ...job, description: job.description.slice(0, jobBudgetChars) };
    }
    return result;
  }

  return createRouter()
    .openapi(
      createRoute({
        method: 'post',
        path: '/api/chat',
        tags: ['Chat'],
        summary: 'Asks the career assistant; the answer streams back as Server-Sent Events',
        description:
          'Events: `meta` {conversation_id, message_id} first; `reasoning` {content} and `delta` {content} as ' +
          'tokens arrive; `done` {message_id, finish_reason, usage} last, or `error` {error, message}. ' +
          'Errors before the stream begins are plain JSON. The user’s message is stored before the provider ' +
          'is called; the reply when the stream ends, or as far as it got (incomplete) when it is cut short.',
        security: bearerSecurity,
        middleware: [guard] as const,
        request: { body: jsonBody(ChatRequestSchema) },
        responses: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
          400: errorResponse('validation_error (e.g. a model that is not allowed)'),
          ...authErrorResponses,
          404: errorResponse('not_found: conversation, resume or job'),
          429: errorResponse('rate_limited (Retry-After set)'),
          502: errorResponse('llm_upstream_error'),
          503: errorResponse('llm_not_configured'),
        },
      }),
      async (c) => {
        const body = c.req.valid('json');
        const userId = c.var.user.id;
        if (!deps.llm)
          throw new ApiError(503, 'llm_not_configured', 'The assistant is not configured (DEEPSEEK_API_KEY)');
        const model = body.model ?? deps.models.default;
        if (!deps.models.allowed.includes(model)) {
          throw validationError({ model: [`must be one of ${deps.models.allowed.join(', ')}`] });
        }
        const existing = body.conversation_id
          ? await conversations.get(userId, body.conversation_id)
          : undefined;
        if (body.conversation_id && !existing) throw notFound('Conversation');
        const context = await grounding(userId, body);

        const release = deps.limits.acquire(userId);
        try {
          const conversation =
            existing ??
            (await conversations.create(
              { id: newId(), userId, title: titleFrom(body.message) },
              clock.now(),
            ));
          const history: ChatMessage[] = existing
            ? (await conversations.messages(conversation.id)).map((m) => ({
                role: m.role,
                content: m.content,
              }))
            : [];
          await conversations.addUserMessage(
            conversation.id,
            { id: newId(), content: body.message },
            clock.now(),
          );

          // One controller for the upstream request: the client leaving, and the deadline, both abort it.
          const upstream = new AbortController();
          const deadline = setTimeout(() => upstream.abort(new Error('deadline')), deps.deadlineMs);
          const messages = buildPrompt({
            grounding: context,
            history: trimHistory(history, historyBudgetTokens),
            question: body.message,
          });
          let events: Awaited<ReturnType<NonNullable<ChatRoutesDeps['llm']>['stream']>>;
          try {
            events = await deps.llm.stream({ model, messages, signal: upstream.signal });
          } catch (err) {
            clearTimeout(deadline);
            throw err;
          }

          const replyId = newId();
          c.header('Cache-Control', 'no-cache, no-transform');
          c.header('X-Accel-Buffering', 'no');
          const releaseOnce = release;
          return streamSSE(c, async (stream) => {
            let streamDone!: () => void;
            deps.background(
              new Promise<void>((resolve) => {
                streamDone = resolve;
              }),
              c,
            );
            let content = '';
            let finished = false;
            let saved = false;
            const save = async (reply: {
              incomplete: boolean;
              finishReason: string | null;
              usage: UsageLike | null;
            }) => {
              if (saved) return;
              saved = true;
              await conversations
                .addAssistantReply(
                  conversation.id,
                  {
                    id: replyId,
                    content,
                    incomplete: reply.incomplete,
                    model,
                    finishReason: reply.finishReason,
                    promptTokens: reply.usage?.prompt_tokens ?? null,
                    completionTokens: reply.usage?.completion_tokens ?? null,
                  },
                  clock.now(),
                )
                .catch((err: unknown) =>
                  logger.error('storing the assistant reply failed', {
                    conversation_id: conversation.id,
                    ...describeError(err),
                  }),
                );
            };
            stream.onAbort(() => {
              upstream.abort(new Error('client disconnected'));
            });
            try {
              await stream.writeSSE({
                event: 'meta',
                data: JSON.stringify({ conversation_id: conversation.id, message_id: replyId }),
              });
              for await (const event of events) {
                if (event.type === 'done') {
                  finished = true;
                  await save({ incomplete: false, finishReason: event.finishReason, usage: event.usage });
                  await stream.writeSSE({
                    event: 'done',
                    data: JSON.stringify({
                      message_id: replyId,
                      finish_reason: event.finishReason,
                      usage: event.usage,
                    }),
                  });
                  break;
                }
                if (event.type === 'delta') content += event.content;
                await stream.writeSSE({
                  event: event.type,
                  data: JSON.stringify({ content: event.content }),
                });
              }
            } catch (err) {
              const reason = upstream.signal.aborted
                ? String((upstream.signal.reason as Error)?.message)
                : undefined;
              if (reason !== 'client disconnected') {
                logger.warn('chat stream failed', {
                  conversation_id: conversation.id,
                  reason,
                  ...describeError(err),
                });
                const message =
                  reason === 'deadline'
                    ? 'The answer took too long and was cut short'
                    : 'The assistant stopped answering; the reply so far was kept';
                await stream
                  .writeSSE({
                    event: 'error',
                    data: JSON.stringify({ error: 'llm_upstream_error', message }),
                  })
                  .catch(() => undefined);
              }
            } finally {
              clearTimeout(deadline);
              if (!finished) await save({ incomplete: true, finishReason: null, usage: null });
              releaseOnce();
              streamDone();
            }
          });
        } catch (err) {
          release();
          throw err;
        }
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/api/conversations',
        tags: ['Chat'],
        summary: 'The caller’s conversations, newest activity first',
        security: bearerSecurity,
        middleware: [guard] as const,
        responses: {
          200: jsonResponse(z.object({ conversations: z.array(ConversationSchema) }), 'The conversations'),
          ...authErrorResponses,
        },
      }),
      async (c) => {
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
      },
    )
    .openapi(
      createRoute({
        method: 'get',
        path: '/api/conversations/{id}',
        tags: ['Chat'],
        summary: 'One conversation with its messages, oldest first',
        security: bearerSecurity,
        middleware: [guard] as const,
        request: { params: ConversationIdParams },
        responses: {
          200: jsonResponse(
            z.object({ id: z.string(), title: z.string(), messages: z.array(MessageSchema) }),
            'The conversation',
          ),
          ...authErrorResponses,
          404: errorResponse('not_found'),
        },
      }),
      async (c) => {
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
      },
    )
    .openapi(
      createRoute({
        method: 'delete',
        path: '/api/conversations/{id}',
        tags: ['Chat'],
        summary: 'Deletes a conversation and its messages',
        security: bearerSecurity,
        middleware: [guard] as const,
        request: { params: ConversationIdParams },
        responses: {
          204: { description: 'Deleted' },
          ...authErrorResponses,
          404: errorResponse('not_found'),
        },
      }),
      async (c) => {
        if (!(await conversations.delete(c.var.user.id, c.req.valid('param').id)))
          throw notFound('Conversation');
        return c.body(null, 204);
      },
    );
}

type UsageLike = { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number };
