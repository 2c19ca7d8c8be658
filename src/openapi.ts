import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { ZodError } from 'zod';
import type { AppEnv } from './env';
import { type ErrorDetails, validationError } from './errors';

/** Turns zod issues into the contract's `details`: field path -> messages. */
export function issueDetails(error: ZodError, target?: string): ErrorDetails {
  const details: ErrorDetails = {};
  const add = (path: string, message: string) => {
    details[path] ??= [];
    details[path].push(message);
  };
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key].join('.'), 'is not a known field');
      continue;
    }
    add(issue.path.length > 0 ? issue.path.join('.') : (target ?? 'body'), issue.message);
  }
  return details;
}

/** A router whose validators answer with the contract's 400 envelope. Every route file uses it. */
export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const where = result.target === 'json' ? 'body' : result.target;
        throw validationError(issueDetails(result.error, where), `The request ${where} is not valid`);
      }
    },
  });
}

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
