import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { Clock } from '../clock';
import type { ContactProfile, ContactProfilePatch, ContactProfileStore } from '../db/profiles';
import type { AppEnv } from '../env';
import type { AuthGuard } from '../middleware/auth';
import {
  authErrorResponses,
  bearerSecurity,
  createRouter,
  errorResponse,
  jsonBody,
  jsonResponse,
} from '../openapi';
import { httpUrlInput } from '../services/validation';

/** A settable text field: trimmed; an empty string clears it like null does. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((v) => (v === '' ? null : v))
    .nullable()
    .optional();

const ProfileUpdateSchema = z
  .strictObject({
    full_name: text(200),
    // What browsers take in <input type=email> (the HTML standard's pattern), which web clients
    // check too; published as the field's pattern. z.string().email(), not a pipe into z.email():
    // the pipe kept the check out of the document.
    email: z
      .string()
      .trim()
      .max(254)
      .email({ pattern: z.regexes.html5Email, error: 'must be an email address' })
      .nullable()
      .optional(),
    phone: z
      .string()
      .trim()
      .max(40)
      // No regex flags: OpenAPI patterns have none, and the document would publish "/i" as text.
      // No space at either end: the value is trimmed first, so a pattern that allowed one there
      // would publish strings ("  0") whose trimmed value it refuses.
      .regex(
        /^\+?[\d().\-/][\d\s().\-/]+[\d().\-/](\s*([Ee][Xx][Tt]\.?|[Xx])\s*\d+)?$/,
        'must be a phone number',
      )
      .nullable()
      .optional(),
    location: text(200),
    headline: text(200),
    summary: text(5000),
    linkedin_url: httpUrlInput(),
    github_url: httpUrlInput(),
    website_url: httpUrlInput(),
  })
  .openapi('ContactProfileUpdate');

const ProfileSchema = z
  .object({
    full_name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    location: z.string().nullable(),
    headline: z.string().nullable(),
    summary: z.string().nullable(),
    linkedin_url: z.string().nullable(),
    github_url: z.string().nullable(),
    website_url: z.string().nullable(),
    updated_at: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('ContactProfile');

type ProfileUpdate = z.infer<typeof ProfileUpdateSchema>;

const toResponse = (p: ContactProfile): z.infer<typeof ProfileSchema> => ({
  full_name: p.fullName,
  email: p.email,
  phone: p.phone,
  location: p.location,
  headline: p.headline,
  summary: p.summary,
  linkedin_url: p.linkedinUrl,
  github_url: p.githubUrl,
  website_url: p.websiteUrl,
  updated_at: p.updatedAt?.toISOString() ?? null,
});

const fieldNames = {
  full_name: 'fullName',
  email: 'email',
  phone: 'phone',
  location: 'location',
  headline: 'headline',
  summary: 'summary',
  linkedin_url: 'linkedinUrl',
  github_url: 'githubUrl',
  website_url: 'websiteUrl',
} as const satisfies Record<keyof ProfileUpdate, keyof ContactProfilePatch>;

function toPatch(update: ProfileUpdate): ContactProfilePatch {
  const patch: ContactProfilePatch = {};
  for (const [field, column] of Object.entries(fieldNames) as [
    keyof ProfileUpdate,
    keyof ContactProfilePatch,
  ][]) {
    const value = update[field];
    if (value !== undefined) patch[column] = value; // omitted keeps, null clears
  }
  return patch;
}

export function profileRoutes(deps: {
  guard: AuthGuard;
  profiles: ContactProfileStore;
  clock: Clock;
  /** The JSON body limit (413 payload_too_large) of PUT /api/profile. */
  jsonBodyLimit: MiddlewareHandler<AppEnv>;
}) {
  const guard = deps.guard({ hydrate: true });
  return createRouter()
    .openapi(
      createRoute({
        method: 'get',
        path: '/api/profile',
        tags: ['Profile'],
        summary: 'The caller’s contact profile (unset fields are null)',
        security: bearerSecurity,
        middleware: [guard] as const,
        responses: { 200: jsonResponse(ProfileSchema, 'The contact profile'), ...authErrorResponses },
      }),
      async (c) => c.json(toResponse(await deps.profiles.get(c.var.user.id)), 200),
    )
    .openapi(
      createRoute({
        method: 'put',
        path: '/api/profile',
        tags: ['Profile'],
        summary: 'Sets any subset of the contact fields; omitted keep their value, null clears',
        security: bearerSecurity,
        middleware: [deps.jsonBodyLimit, guard] as const,
        request: { body: jsonBody(ProfileUpdateSchema) },
        responses: {
          200: jsonResponse(ProfileSchema, 'The whole profile after the update'),
          400: errorResponse('validation_error: bad URL, unknown field, too long, ...'),
          ...authErrorResponses,
        },
      }),
      async (c) => {
        const patch = toPatch(c.req.valid('json'));
        const profile = await deps.profiles.update(c.var.user.id, patch, deps.clock.now());
        return c.json(toResponse(profile), 200);
      },
    );
}
