import { createRoute, z } from '@hono/zod-openapi';
import type { UserProfile } from '../db/users';
import type { AuthGuard } from '../middleware/auth';
import { authErrorResponses, bearerSecurity, createRouter, errorResponse, jsonResponse } from '../openapi';

const MeSchema = z
  .object({
    id: z.number().int(),
    auth0_sub: z.string(),
    email: z.string().nullable(),
    name: z.string().nullable(),
    picture: z.string().nullable(),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('UserProfile');

export const toMe = (user: UserProfile): z.infer<typeof MeSchema> => ({
  id: user.id,
  auth0_sub: user.auth0Sub,
  email: user.email,
  name: user.name,
  picture: user.picture,
  created_at: user.createdAt.toISOString(),
});

export function meRoutes(deps: { guard: AuthGuard }) {
  return createRouter().openapi(
    createRoute({
      method: 'get',
      path: '/api/me',
      tags: ['Identity'],
      summary: 'The caller’s profile, created from the token or Auth0 on first call',
      security: bearerSecurity,
      middleware: [deps.guard({ hydrate: true })] as const,
      responses: {
        200: jsonResponse(MeSchema, 'The hydrated profile'),
        ...authErrorResponses,
        404: errorResponse('user_not_found_in_auth0: the Management API has no such user'),
        500: errorResponse('hydrate_failure'),
        502: errorResponse('mgmt_api_error: the Management API failed'),
      },
    }),
    (c) => c.json(toMe(c.var.user), 200),
  );
}
