import type { z } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { ListedJob } from '../../db/jobs';
import type { AppEnv } from '../../env';
import { AppError, stalledBody, validationError } from '../../errors';
import type { AuthGuard } from '../../middleware/auth';
import { lastingAnswer } from '../../middleware/http-caching';
import { createRouter } from '../../openapi';
import { decodeCursor, encodeCursor, offsetOf, paginationBlock } from '../../pagination';
import { ImportFormatError, importFormatOf, parseImport } from '../../services/jobs/import-parser';
import { toNewJob } from '../../services/jobs/importer';
import type { JobService, JobWithSkills } from '../../services/jobs/service';
import { declaredTooLarge, idleLimit, limitBytes } from '../../streams';
import { jobRouteDefinitions } from './routes';
import { type JobListSchema, toChanges, toJob, toListItem, toSummary } from './schemas';

export interface JobRoutesDeps {
  guard: AuthGuard;
  /** The JSON body limit (413 payload_too_large), on the routes that take a JSON body. */
  jsonBodyLimit: MiddlewareHandler<AppEnv>;
  jobs: JobService;
  /** Largest import body, bytes. */
  importMaxBytes: number;
  /** An import body that stops arriving for this long is answered 408. */
  idleTimeoutMs: number;
  /** Work that goes on after the response (skills of imported jobs). */
  background: (work: Promise<unknown>, c: Context) => void;
}

const toJobJson = ({ job, skills, occupations }: JobWithSkills) => toJob(job, skills, occupations);

/**
 * /api/jobs: each handler reads the validated request, calls the job service and writes the
 * answer. The rules live in src/services/jobs/service.ts; the import body is streamed here (HTTP:
 * its media type, size and pace) into the service.
 */
export function jobRoutes(deps: JobRoutesDeps) {
  const { jobs } = deps;
  // A page the job store serves again from its page cache (JOBS_LIST_CACHE_TTL_MS) is the same
  // array each time: its answer is built once per pagination block (the total may change under
  // the same rows) and marked lasting, so the read validators serialise and tag it once, not on
  // every request. Nothing in a list is about the caller, so every caller may share it. An answer
  // lives as long as its page in the store's cache, and its text is about as large as the rows.
  const listAnswers = new WeakMap<ListedJob[], { key: string; answer: z.infer<typeof JobListSchema> }>();
  const routes = jobRouteDefinitions({
    reader: deps.guard(),
    writer: deps.guard({ scopes: ['write:jobs'] }),
    hydrated: deps.guard({ hydrate: true }),
    jsonBodyLimit: deps.jsonBodyLimit,
  });

  return (
    createRouter()
      .openapi(routes.importJobs, async (c) => {
        const format = importFormatOf(c.req.header('content-type'));
        if (!format) {
          throw new AppError(
            'unsupported_file_type',
            'Send application/json, application/x-ndjson or text/csv',
          );
        }
        const tooLarge = () =>
          new AppError('payload_too_large', `An import is limited to ${deps.importMaxBytes} bytes`);
        if (declaredTooLarge(c.req.header('content-length'), deps.importMaxBytes)) throw tooLarge();
        const body = c.req.raw.body;
        if (!body) throw validationError({ body: ['is empty'] }, 'The import body is empty');
        try {
          const stalled = stalledBody(deps.idleTimeoutMs);
          const items = parseImport(
            limitBytes(idleLimit(body, deps.idleTimeoutMs, stalled), deps.importMaxBytes, tooLarge),
            format,
          );
          const summary = await jobs.import(items, (work) => deps.background(work, c));
          return c.json(summary, 200);
        } catch (err) {
          if (err instanceof ImportFormatError) throw validationError({ body: [err.message] }, err.message);
          throw err;
        }
      })
      .openapi(routes.list, async (c) => {
        const query = c.req.valid('query');
        const { jobs: rows, total } = await jobs.list(
          {
            jobType: query.job_type,
            location: query.location,
            company: query.company,
            q: query.q,
            sort: query.sort,
          },
          query.cursor === undefined
            ? { offset: offsetOf(query.page, query.limit), limit: query.limit }
            : { offset: 0, limit: query.limit, after: decodeCursor(query.cursor) },
          { description: query.view === 'full' },
        );
        const block = paginationBlock(total, query.page, query.limit);
        // After a cursor the page number is unknown: a full page may have more after it (the
        // next one is then empty at the very end of the list).
        const more = query.cursor === undefined ? block.has_next : rows.length === query.limit;
        const last = rows.at(-1);
        const nextCursor = query.sort === 'newest' && last && more ? encodeCursor(last) : null;
        const pagination = query.cursor === undefined ? block : { ...block, has_next: more, has_prev: true };
        const key = JSON.stringify([pagination, nextCursor]);
        let listed = listAnswers.get(rows);
        if (listed?.key !== key) {
          const answer = lastingAnswer({ jobs: rows.map(toListItem), pagination, next_cursor: nextCursor });
          listed = { key, answer };
          listAnswers.set(rows, listed);
        }
        return c.json(listed.answer, 200);
      })
      // Before /api/jobs/{id}, which would take "recommended" for an id.
      .openapi(routes.recommended, async (c) => {
        const ranked = await jobs.recommend(c.var.user.id, c.req.valid('query').limit);
        return c.json({ jobs: ranked.map(({ job, score }) => ({ ...toSummary(job), score })) }, 200);
      })
      .openapi(routes.match, async (c) => {
        const { job, resumeId, result } = await jobs.match(
          c.var.user.id,
          c.req.valid('param').id,
          c.req.valid('query').resume_id,
        );
        return c.json(
          {
            job_id: job.id,
            resume_id: resumeId,
            score: result.score,
            matched_skills: result.matched,
            missing_skills: result.missing,
          },
          200,
        );
      })
      .openapi(routes.get, async (c) => c.json(toJobJson(await jobs.get(c.req.valid('param').id)), 200))
      .openapi(routes.create, async (c) => {
        const created = await jobs.create(toNewJob(c.req.valid('json')));
        c.header('Location', `/api/jobs/${created.job.id}`);
        return c.json(toJobJson(created), 201);
      })
      .openapi(routes.update, async (c) => {
        const updated = await jobs.update(c.req.valid('param').id, toChanges(c.req.valid('json')));
        return c.json(toJobJson(updated), 200);
      })
      .openapi(routes.remove, async (c) => {
        await jobs.deactivate(c.req.valid('param').id, (work) => deps.background(work, c));
        return c.body(null, 204);
      })
  );
}
