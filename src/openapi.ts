import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { AppEnv } from './env';
import { type ErrorDetails, validationError } from './errors';

/** Turns zod issues into the contract's `details`: field path -> messages. */
export function issueDetails(error: ZodError, target?: string): ErrorDetails {
  // No prototype: a client's field may be called `__proto__` or `constructor`.
  const details: ErrorDetails = Object.create(null);
  const add = (path: string, message: string) => {
    details[path] ??= [];
    details[path].push(message);
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key].join('.'), 'is not a known field');
      continue;
    }
    add(issue.path.length > 0 ? issue.path.join('.') : (target ?? 'body'), messageOf(issue));
  }
  return details;
}

const expectedKinds: Record<string, string> = {
  string: 'must be a string',
  number: 'must be a number',
  int: 'must be a whole number',
  boolean: 'must be true or false',
  object: 'must be an object',
  array: 'must be a list',
};

/**
 * The message of an issue, in the API's own words: zod's wording for a wrong or missing type
 * ("Invalid input: expected string, received undefined") becomes "is required" or "must be a
 * string", like every message written here; the rest are ours already.
 */
function messageOf(issue: ZodError['issues'][number]): string {
  if (issue.code !== 'invalid_type') return issue.message;
  if (/received undefined$/.test(issue.message)) return 'is required';
  return expectedKinds[issue.expected] ?? issue.message;
}

/**
 * The path of the first string in `value` that holds a NUL character, or undefined. Postgres
 * refuses NUL in text (SQLite would store it), so it is refused before any database sees it, the
 * same way on every dialect.
 */
export function nulField(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulField(item, path ? `${path}.${i}` : String(i));
      if (found !== undefined) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = nulField(item, path ? `${path}.${key}` : key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

export const nulMessage = 'must not contain NUL (\\u0000) characters';

/** A router whose validators answer with the contract's 400 envelope. Every route file uses it. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      const where = result.target === 'json' ? 'body' : result.target;
      if (!result.success) {
        throw validationError(issueDetails(result.error, where), `The request ${where} is not valid`);
      }
      const field = nulField(result.data);
      if (field !== undefined) {
        throw validationError({ [field || where]: [nulMessage] }, `The request ${where} is not valid`);
      }
    },
  });
}

/** The largest job id (Postgres `integer`, SQLite's rowid kept in that range). */
export const maxIntegerId = 2_147_483_647;

/**
 * An integer record id in a path: decimal digits only. `Number()` would read "0x10", "1e1" and
 * " 16" as 16 and 10; none of those is an id, so each is a 400 rather than someone else's record.
 */
export const integerIdParam = (name: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive whole number in decimal digits')
    .refine((id) => Number(id) <= maxIntegerId, `must be at most ${maxIntegerId}`)
    .transform(Number)
    .openapi({
      param: { name, in: 'path' },
      type: 'integer',
      format: 'int32',
      minimum: 1,
      maximum: maxIntegerId,
      example: 42,
    });

/** A UUID record id (resumes, conversations); compared in lower case, as the server writes them. */
export const uuidId = () =>
  z
    .uuid({ error: 'must be a UUID' })
    .transform((id) => id.toLowerCase())
    .openapi({ format: 'uuid', example: '0b5f6a4e-2a53-4f7e-9c1d-8f3e2b1a4c5d' });

export const uuidIdParam = (name: string) => uuidId().openapi({ param: { name, in: 'path' } });

export const ErrorSchema = z
  .object({
    error: z.string().openapi({ example: 'not_found' }),
    message: z.string(),
    details: z.record(z.string(), z.array(z.string())).optional(),
  })
  .openapi('Error');

export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorSchema } },
});

/** The 401/403 responses every protected route documents. */
export const authErrorResponses = {
  401: errorResponse('Missing, malformed, expired or otherwise invalid bearer token'),
  403: errorResponse('The token lacks a required scope'),
} as const;

export const jsonBody = <T extends z.ZodType>(schema: T, description?: string) => ({
  required: true,
  description,
  content: { 'application/json': { schema } },
});

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const bearerSecurity = [{ bearerAuth: [] }];
