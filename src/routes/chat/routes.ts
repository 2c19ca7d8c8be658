import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../env';
import { authErrorResponses, bearerSecurity, errorResponse, jsonBody, jsonResponse } from '../../openapi';
import { ConversationIdParams, ConversationSchema, chatRequestSchema, MessageSchema } from './schemas';

/**
 * The route definitions of the chat (paths, schemas, responses: the OpenAPI document), given the
 * guard, the JSON body limit and the models this server allows (DEEPSEEK_MODELS, an enum there).
 */
export function chatRouteDefinitions(
  guard: MiddlewareHandler<AppEnv>,
  jsonBodyLimit: MiddlewareHandler<AppEnv>,
  allowedModels: readonly string[],
) {
  return {
    chat: createRoute({
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
      middleware: [jsonBodyLimit, guard],
      request: { body: jsonBody(chatRequestSchema(allowedModels)) },
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
    listConversations: createRoute({
      method: 'get',
      path: '/api/conversations',
      tags: ['Chat'],
      summary: 'The caller’s conversations, newest activity first',
      security: bearerSecurity,
      middleware: [guard],
      responses: {
        200: jsonResponse(z.object({ conversations: z.array(ConversationSchema) }), 'The conversations'),
        ...authErrorResponses,
      },
    }),
    getConversation: createRoute({
      method: 'get',
      path: '/api/conversations/{id}',
      tags: ['Chat'],
      summary: 'One conversation with its messages, oldest first',
      security: bearerSecurity,
      middleware: [guard],
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
    deleteConversation: createRoute({
      method: 'delete',
      path: '/api/conversations/{id}',
      tags: ['Chat'],
      summary: 'Deletes a conversation and its messages',
      security: bearerSecurity,
      middleware: [guard],
      request: { params: ConversationIdParams },
      responses: {
        204: { description: 'Deleted' },
        ...authErrorResponses,
        404: errorResponse('not_found'),
      },
    }),
  };
}
