import { createRoute, z } from '@hono/zod-openapi';
import type { StoredOccupation } from '../db/skills';
import { AppError } from '../errors';
import type { AuthGuard } from '../middleware/auth';
import { authErrorResponses, bearerSecurity, createRouter, errorResponse, jsonResponse } from '../openapi';
import type { SkillsService } from '../services/skills/skills';
import { nonBlankText } from '../services/validation';

const SearchQuerySchema = z.object({
  q: nonBlankText(200).openapi({ description: 'Words of a skill, a tool or a synonym' }),
  limit: z.coerce.number().int().min(1).max(50).default(10),
});

/** An ESCO occupation a resume or a job posting is about, most likely first. */
export const OccupationSchema = z
  .object({
    id: z.string().openapi({ description: 'ESCO occupation id (esco:<uuid>)' }),
    title: z.string().openapi({ example: 'plumber' }),
    score: z
      .number()
      .openapi({ description: 'how sure the detection is, 0..1 (the scores of a list add up to 1)' }),
  })
  .openapi('Occupation');

export const toOccupation = (o: StoredOccupation): z.infer<typeof OccupationSchema> => ({
  id: o.occupationId,
  title: o.title,
  score: o.score,
});

const SkillHitSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string().openapi({ description: 'knowledge | skill | technology' }),
    score: z.number().openapi({ description: 'Similarity 0..1' }),
  })
  .openapi('SkillHit');

export function skillRoutes(deps: { guard: AuthGuard; skills: SkillsService | undefined }) {
  return createRouter().openapi(
    createRoute({
      method: 'get',
      path: '/api/skills/search',
      tags: ['Skills'],
      summary: 'Skills of the ontology (ESCO + O*NET) nearest a query, best first',
      security: bearerSecurity,
      middleware: [deps.guard()] as const,
      request: { query: SearchQuerySchema },
      responses: {
        200: jsonResponse(z.object({ skills: z.array(SkillHitSchema) }), 'Best first'),
        400: errorResponse('validation_error'),
        ...authErrorResponses,
        503: errorResponse('vector_store_unavailable'),
      },
    }),
    async (c) => {
      const { q, limit } = c.req.valid('query');
      if (!deps.skills) throw new AppError('vector_store_unavailable', 'Skill search needs the vector store');
      return c.json({ skills: await deps.skills.search(q, limit) }, 200);
    },
  );
}
