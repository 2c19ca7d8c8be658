import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../env';
import { authErrorResponses, bearerSecurity, errorResponse, jsonBody, jsonResponse } from '../../openapi';
import { JobInputSchema, JobPatchSchema } from '../../services/jobs/job-input';
import {
  ImportSummarySchema,
  JobIdParams,
  JobListSchema,
  JobSchema,
  ListQuerySchema,
  MatchQuerySchema,
  MatchSchema,
  RecommendedQuerySchema,
  RecommendedSchema,
} from './schemas';

const writeResponses = {
  400: errorResponse('validation_error'),
  ...authErrorResponses,
  404: errorResponse('not_found'),
  409: errorResponse('conflict: another job has the same source and external_id'),
};

/**
 * The route definitions of /api/jobs (paths, schemas, responses: the OpenAPI document), given the
 * middleware each runs behind: readers, writers (scope write:jobs), routes that need the caller's
 * row (hydrated), and the JSON body limit.
 */
export function jobRouteDefinitions(middleware: {
  reader: MiddlewareHandler<AppEnv>;
  writer: MiddlewareHandler<AppEnv>;
  hydrated: MiddlewareHandler<AppEnv>;
  jsonBodyLimit: MiddlewareHandler<AppEnv>;
}) {
  const { reader, writer, hydrated, jsonBodyLimit } = middleware;
  return {
    importJobs: createRoute({
      method: 'post',
      path: '/api/jobs/import',
      tags: ['Jobs'],
      summary: 'Bulk upsert on (source, external_id) from a JSON array, NDJSON or CSV body',
      description:
        'Streamed and batched: memory stays bounded whatever the body size. Each bad row is reported ' +
        'as {row, error} while good rows land. Rows without external_id get a stable content hash, ' +
        'rows without source get "import". `failed` lists the first 1000 bad rows; `failed_total` counts all.',
      security: bearerSecurity,
      middleware: [writer],
      // Plain schema objects, not zod: a zod body would make the validator buffer the whole body,
      // and this route streams it through its own parser and per-row validation.
      request: {
        body: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'array', items: { $ref: '#/components/schemas/JobInput' } },
            },
            'application/x-ndjson': {
              schema: { type: 'string', description: 'One JobInput object a line' },
            },
            'text/csv': {
              schema: { type: 'string', description: 'A header row with JobInput field names' },
            },
          },
        },
      },
      responses: {
        200: jsonResponse(ImportSummarySchema, 'What landed and what failed'),
        400: errorResponse('validation_error: the body is not a JSON array, or the CSV has no header'),
        ...authErrorResponses,
        408: errorResponse('request_timeout: the body stopped arriving for UPLOAD_IDLE_TIMEOUT_MS'),
        413: errorResponse('payload_too_large'),
        415: errorResponse('unsupported_file_type: not JSON, NDJSON or CSV'),
      },
    }),
    list: createRoute({
      method: 'get',
      path: '/api/jobs',
      tags: ['Jobs'],
      summary: 'Active jobs, newest first or by relevance, with filters and full-text search',
      security: bearerSecurity,
      middleware: [reader],
      request: { query: ListQuerySchema },
      responses: {
        200: jsonResponse(JobListSchema, 'A page of jobs and the pagination block'),
        400: errorResponse('validation_error'),
        ...authErrorResponses,
      },
    }),
    recommended: createRoute({
      method: 'get',
      path: '/api/jobs/recommended',
      tags: ['Jobs'],
      summary: 'Active jobs ranked by how well the caller’s default resume matches them',
      description:
        'Candidates are the jobs whose skills are nearest the resume’s in the vector store; only those ' +
        'are scored, so the cost does not grow with the board. 404 without a default resume.',
      security: bearerSecurity,
      middleware: [hydrated],
      request: { query: RecommendedQuerySchema },
      responses: {
        200: jsonResponse(RecommendedSchema, 'Best first'),
        400: errorResponse('validation_error'),
        ...authErrorResponses,
        404: errorResponse('not_found: no default resume'),
        503: errorResponse('vector_store_unavailable'),
      },
    }),
    match: createRoute({
      method: 'get',
      path: '/api/jobs/{id}/match',
      tags: ['Jobs'],
      summary: 'How well a resume (default: the caller’s default one) covers a job’s skills',
      description:
        'Score 0-100: the weighted share of the job’s skills the resume shows, with half credit for a ' +
        'related skill. Only skills the resume shows are matched; a job skill the resume has only ' +
        'something related to is missing, with `closest` naming it. A job whose skills are not read yet ' +
        'scores 0 with empty lists.',
      security: bearerSecurity,
      middleware: [hydrated],
      request: { params: JobIdParams, query: MatchQuerySchema },
      responses: {
        200: jsonResponse(MatchSchema, 'The match'),
        400: errorResponse('validation_error'),
        ...authErrorResponses,
        404: errorResponse('not_found: no such job, or no such resume of the caller'),
      },
    }),
    get: createRoute({
      method: 'get',
      path: '/api/jobs/{id}',
      tags: ['Jobs'],
      summary: 'One active job with its skills',
      security: bearerSecurity,
      middleware: [reader],
      request: { params: JobIdParams },
      responses: {
        200: jsonResponse(JobSchema, 'The job'),
        400: errorResponse('validation_error'),
        ...authErrorResponses,
        404: errorResponse('not_found: no such job, or it is inactive'),
      },
    }),
    create: createRoute({
      method: 'post',
      path: '/api/jobs',
      tags: ['Jobs'],
      summary: 'Creates a job (scope write:jobs)',
      security: bearerSecurity,
      middleware: [jsonBodyLimit, writer],
      request: { body: jsonBody(JobInputSchema) },
      responses: { 201: jsonResponse(JobSchema, 'The new job'), ...writeResponses },
    }),
    update: createRoute({
      method: 'patch',
      path: '/api/jobs/{id}',
      tags: ['Jobs'],
      summary: 'Changes some fields of an active job (scope write:jobs)',
      security: bearerSecurity,
      middleware: [jsonBodyLimit, writer],
      request: { params: JobIdParams, body: jsonBody(JobPatchSchema) },
      responses: { 200: jsonResponse(JobSchema, 'The job after the change'), ...writeResponses },
    }),
    remove: createRoute({
      method: 'delete',
      path: '/api/jobs/{id}',
      tags: ['Jobs'],
      summary: 'Deactivates a job (soft delete; scope write:jobs)',
      security: bearerSecurity,
      middleware: [writer],
      request: { params: JobIdParams },
      responses: {
        204: { description: 'Deactivated (also when it already was)' },
        ...authErrorResponses,
        404: errorResponse('not_found'),
      },
    }),
  };
}
