import { z } from '@hono/zod-openapi';
import { uuidId, uuidIdParam } from '../../openapi';
import { nonBlankText } from '../../services/validation';

/** The shapes of /api/chat and /api/conversations. */

/** The request body; `model` is one of the models this server allows (DEEPSEEK_MODELS), as an enum. */
export const chatRequestSchema = (models: readonly string[]) =>
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

export const ConversationSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    created_at: z.string().openapi({ format: 'date-time' }),
    updated_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Conversation');

export const MessageSchema = z
  .object({
    id: z.string(),
    role: z.enum(['user', 'assistant']),
    content: z.string(),
    created_at: z.string().openapi({ format: 'date-time' }),
    incomplete: z.boolean(),
  })
  .openapi('Message');

export const ConversationIdParams = z.object({ id: uuidIdParam('id') });
