import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../env';
import { authErrorResponses, bearerSecurity, errorResponse, jsonBody, jsonResponse } from '../../openapi';
import { statsDefinition } from '../../services/applications/stats';
import { describeTransitions } from '../../services/applications/transitions';
import {
  ApplicationDetailSchema,
  ApplicationIdParams,
  ApplicationListSchema,
  ApplicationSchema,
  CreateApplicationSchema,
  EventInputSchema,
  ListQuerySchema,
  StatsSchema,
  TimelineEntrySchema,
  UpdateApplicationSchema,
} from './schemas';

/**
 * The route definitions of /api/applications (paths, schemas, responses: the OpenAPI document),
 * given the guard each one runs behind. Literal paths come before `{id}`, which would take them
 * for an id.
 */
export function applicationRouteDefinitions(
  guard: MiddlewareHandler<AppEnv>,
  jsonBodyLimit: MiddlewareHandler<AppEnv>,
) {
  // A tuple, not `[guard] as const`: a readonly array here made every handler's request type `never`.
  const middleware: [MiddlewareHandler<AppEnv>] = [guard];
  const common = { tags: ['Applications'], security: bearerSecurity, middleware };
  // The routes that take a JSON body: its limit (413 payload_too_large) first, as on every route.
  const withBody: [MiddlewareHandler<AppEnv>, MiddlewareHandler<AppEnv>] = [jsonBodyLimit, guard];
  const notFound = errorResponse('not_found: no such application of the caller (also another user’s)');

  return {
    create: createRoute({
      ...common,
      middleware: withBody,
      method: 'post',
      path: '/api/applications',
      summary: 'Tracks an application to a posting on the board (job_id) or an outside one',
      description:
        'Stores a snapshot of the match between the posting and the resume (resume_id, or the default resume) ' +
        'and records the initial status in the timeline. applied_at is set to now when the status is applied or ' +
        'later, unless given.',
      request: { body: jsonBody(CreateApplicationSchema) },
      responses: {
        201: jsonResponse(ApplicationSchema, 'The new application (Location names it)'),
        400: errorResponse('validation_error'),
        ...authErrorResponses,
        404: errorResponse('not_found: job_id is not on the board, or resume_id is not the caller’s'),
      },
    }),
    list: createRoute({
      ...common,
      method: 'get',
      path: '/api/applications',
      summary: 'The caller’s applications, filtered and sorted, a page at a time',
      request: { query: ListQuerySchema },
      responses: {
        200: jsonResponse(ApplicationListSchema, 'A page and the pagination block (as jobs)'),
        400: errorResponse('validation_error'),
        ...authErrorResponses,
      },
    }),
    stats: createRoute({
      ...common,
      method: 'get',
      path: '/api/applications/stats',
      summary: 'Counts by status, response rate, median days to a response, and per month',
      description: statsDefinition,
      responses: {
        200: jsonResponse(StatsSchema, 'The stats (every status key present)'),
        ...authErrorResponses,
      },
    }),
    export: createRoute({
      ...common,
      method: 'get',
      path: '/api/applications/export',
      summary: 'Every application of the caller as CSV (oldest first), an attachment',
      description:
        'RFC 4180: a header row, fields with a comma, quote or line break quoted, CRLF line ends, UTF-8. A cell ' +
        'that starts with =, +, -, @, a tab or CR gets a single quote in front (no formula runs when a ' +
        'spreadsheet opens it). Skills are `; `-separated names.',
      responses: {
        200: {
          description: 'Content-Disposition: attachment; filename="applications.csv"',
          content: { 'text/csv': { schema: z.string() } },
        },
        ...authErrorResponses,
      },
    }),
    get: createRoute({
      ...common,
      method: 'get',
      path: '/api/applications/{id}',
      summary: 'One application with its timeline and the posting’s current state',
      request: { params: ApplicationIdParams },
      responses: {
        200: jsonResponse(ApplicationDetailSchema, 'The application'),
        400: errorResponse('validation_error: the id is not a UUID'),
        ...authErrorResponses,
        404: notFound,
      },
    }),
    update: createRoute({
      ...common,
      middleware: withBody,
      method: 'patch',
      path: '/api/applications/{id}',
      summary: 'Changes the status, notes, follow-up date or resume',
      description:
        `A status change is recorded in the timeline; reaching applied or later sets applied_at once. ` +
        `Status moves: ${describeTransitions()}. Any other move is 409 conflict; the current status again ` +
        'changes nothing. Another resume_id takes a new match snapshot.',
      request: { params: ApplicationIdParams, body: jsonBody(UpdateApplicationSchema) },
      responses: {
        200: jsonResponse(ApplicationSchema, 'The application after the change'),
        400: errorResponse('validation_error'),
        ...authErrorResponses,
        404: errorResponse('not_found: no such application, or resume_id is not the caller’s'),
        409: errorResponse('conflict: a status move the table does not allow, or a concurrent change'),
      },
    }),
    remove: createRoute({
      ...common,
      method: 'delete',
      path: '/api/applications/{id}',
      summary: 'Deletes an application and its timeline',
      request: { params: ApplicationIdParams },
      responses: {
        204: { description: 'Deleted' },
        400: errorResponse('validation_error: the id is not a UUID'),
        ...authErrorResponses,
        404: notFound,
      },
    }),
    addEvent: createRoute({
      ...common,
      middleware: withBody,
      method: 'post',
      path: '/api/applications/{id}/events',
      summary: 'Adds an interview, a note or a contact to the timeline',
      request: { params: ApplicationIdParams, body: jsonBody(EventInputSchema) },
      responses: {
        201: jsonResponse(TimelineEntrySchema, 'The entry: {type, at, text}'),
        400: errorResponse('validation_error'),
        ...authErrorResponses,
        404: notFound,
      },
    }),
  };
}
