import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../env';
import { authErrorResponses, bearerSecurity, errorResponse, jsonBody, jsonResponse } from '../../openapi';
import { ResumeDetailSchema, ResumeIdParams, ResumeSchema, UploadResultSchema } from './schemas';

/**
 * The route definitions of the resumes (paths, schemas, responses: the OpenAPI document), given
 * the guard (which hydrates the caller's row) and the JSON body limit.
 */
export function resumeRouteDefinitions(
  guard: MiddlewareHandler<AppEnv>,
  jsonBodyLimit: MiddlewareHandler<AppEnv>,
) {
  return {
    upload: createRoute({
      method: 'post',
      path: '/api/resume/upload',
      tags: ['Resumes'],
      summary: 'Uploads a resume (PDF, DOCX or TXT, at most 10 MiB) as the multipart part resume_file',
      description:
        'The file is checked by extension and content, its text extracted and split into chunks, then ' +
        'stored. Nothing is left behind when a step fails. The first resume becomes the default.',
      security: bearerSecurity,
      middleware: [guard],
      // A plain schema object: a zod body would make the validator buffer the upload without a limit.
      request: {
        body: {
          required: true,
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                properties: { resume_file: { type: 'string', format: 'binary' } },
                required: ['resume_file'],
              },
            },
          },
        },
      },
      responses: {
        201: jsonResponse(UploadResultSchema, 'Stored and read'),
        400: errorResponse('file_required'),
        ...authErrorResponses,
        408: errorResponse('request_timeout: the body stopped arriving for UPLOAD_IDLE_TIMEOUT_MS'),
        413: errorResponse('file_too_large'),
        415: errorResponse('unsupported_file_type'),
        422: errorResponse('unreadable_document'),
        429: errorResponse(
          'rate_limited: too many uploads by this user, or the server is busy (Retry-After)',
        ),
        503: errorResponse('storage_unavailable / database_unavailable'),
      },
    }),
    list: createRoute({
      method: 'get',
      path: '/api/resumes',
      tags: ['Resumes'],
      summary: 'The caller’s resumes, newest first',
      security: bearerSecurity,
      middleware: [guard],
      responses: {
        200: jsonResponse(z.object({ resumes: z.array(ResumeSchema) }), 'The resumes'),
        ...authErrorResponses,
      },
    }),
    get: createRoute({
      method: 'get',
      path: '/api/resumes/{id}',
      tags: ['Resumes'],
      summary: 'One resume with its text and skills',
      security: bearerSecurity,
      middleware: [guard],
      request: { params: ResumeIdParams },
      responses: {
        200: jsonResponse(ResumeDetailSchema, 'The resume'),
        ...authErrorResponses,
        404: errorResponse('not_found (also for another user’s resume)'),
      },
    }),
    download: createRoute({
      method: 'get',
      path: '/api/resumes/{id}/download',
      tags: ['Resumes'],
      summary:
        'The file: a redirect to a presigned URL (S3, at most 15 minutes) or the bytes (local storage)',
      security: bearerSecurity,
      middleware: [guard],
      request: { params: ResumeIdParams },
      responses: {
        200: { description: 'The file, as an attachment (local storage)' },
        302: { description: 'Redirect to a presigned URL valid for at most 15 minutes' },
        ...authErrorResponses,
        404: errorResponse('not_found'),
        503: errorResponse('storage_unavailable'),
      },
    }),
    makeDefault: createRoute({
      method: 'patch',
      path: '/api/resumes/{id}',
      tags: ['Resumes'],
      summary: 'Makes a resume the default (exactly one per user)',
      security: bearerSecurity,
      middleware: [jsonBodyLimit, guard],
      request: {
        params: ResumeIdParams,
        body: jsonBody(
          z.strictObject({
            is_default: z.literal(true, { error: 'only true: make another resume the default instead' }),
          }),
        ),
      },
      responses: {
        200: jsonResponse(ResumeSchema, 'The resume, now the default'),
        400: errorResponse('validation_error'),
        ...authErrorResponses,
        404: errorResponse('not_found'),
      },
    }),
    remove: createRoute({
      method: 'delete',
      path: '/api/resumes/{id}',
      tags: ['Resumes'],
      summary: 'Deletes a resume: object, chunks, skills and row',
      security: bearerSecurity,
      middleware: [guard],
      request: { params: ResumeIdParams },
      responses: {
        204: {
          description:
            'Deleted; the newest remaining resume becomes the default if this was it. The object is ' +
            'removed now, or, while storage is failing, recorded and removed by the retries and the sweep',
        },
        ...authErrorResponses,
        404: errorResponse('not_found'),
        503: errorResponse('database_unavailable: nothing was deleted'),
      },
    }),
  };
}
