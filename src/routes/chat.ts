import { createRoute, z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Clock } from '../clock';
import type { ApplicationStore } from '../db/applications';
import type { ConversationStore } from '../db/conversations';
import type { JobStore } from '../db/jobs';
import type { ResumeStore } from '../db/resumes';
import type { AppEnv } from '../env';
import { AppError, notFound } from '../errors';
import type { Logger } from '../logger';
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
import { ClientLeftError, createChatService } from '../services/chat/session';
import type { UserLimiter } from '../services/limits';
import type { LlmClient } from '../services/llm/deepseek';
import { nonBlankText } from '../services/validation';

export interface ChatRoutesDeps {
  /** The JSON body limit (413 payload_too_large), on the routes that take a JSON body. */
  jsonBodyLimit: MiddlewareHandler<AppEnv>;
  guard: AuthGuard;
  clock: Clock;
  logger: Logger;
  conversations: ConversationStore;
  resumes: ResumeStore;
  jobs: JobStore;
  applications: ApplicationStore;
  /** Undefined when DEEPSEEK_API_KEY is not set. */
  llm: LlmClient | undefined;
  models: { default: string; allowed: string[] };
  /** Per-user open answers and messages a minute: in memory on Node, a Durable Object on Workers. */
  limits: UserLimiter;
  /**
   * Keeps a streaming answer's work alive to its end (saving the reply, also an incomplete one
   * when the client leaves): on Workers a request whose client has gone is otherwise cancelled.
   */
  background: (work: Promise<unknown>, c: Context) => void;
  /** Upper bound on one answer, keep-alives or not. */
  deadlineMs: number;
  /** `max_tokens` of every provider request. */
  maxTokens: number;
  newId?: () => string;
}

/** The request body; `model` is one of the models this server allows (DEEPSEEK_MODELS), as an enum. */
const chatRequestSchema = (models: readonly string[]) =>
  z
    .strictObject({
      message: nonBlankText(8000),
      conversation_id: uuidId().optional(),
      resume_id: uuidId().optional(),
      job_id: z.number().int().min(1).max(2_147_483_647).optional(),
      application_id: uuidId()
        .optional()
        .openapi({
          description:
            'One of the caller’s applications: its status, dates, notes, missing skills and timeline ground the ' +
            'answer, with its posting and resume unless job_id or resume_id name others',
        }),
      model: z
        .enum(models as [string, ...string[]], { error: `must be one of ${models.join(', ')}` })
        .optional()
        .openapi({ description: 'Default: DEEPSEEK_MODEL' }),
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
  const { conversations } = deps;
  const guard = deps.guard({ hydrate: true });
  const chat = deps.llm
    ? createChatService({
        clock: deps.clock,
        logger: deps.logger,
        conversations,
        resumes: deps.resumes,
        jobs: deps.jobs,
        applications: deps.applications,
        llm: deps.llm,
        limits: deps.limits,
        deadlineMs: deps.deadlineMs,
        maxTokens: deps.maxTokens,
        newId: deps.newId,
      })
    : undefined;

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
        middleware: [deps.jsonBodyLimit, guard] as const,
        request: { body: jsonBody(chatRequestSchema(deps.models.allowed)) },
        responses: {
          200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: z.string() } } },
          400: errorResponse('validation_error (e.g. a model that is not allowed)'),
          ...authErrorResponses,
          404: errorResponse('not_found: conversation, resume, job or application'),
          429: errorResponse('rate_limited (Retry-After set)'),
          502: errorResponse('llm_upstream_error'),
          503: errorResponse('llm_not_configured'),
        },
      }),
      async (c) => {
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
