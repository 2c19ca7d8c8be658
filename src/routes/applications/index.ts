import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../env';
import type { AuthGuard } from '../../middleware/auth';
import { createRouter } from '../../openapi';
import { offsetOf, paginationBlock } from '../../pagination';
import type { ApplicationService } from '../../services/applications/service';
import { applicationRouteDefinitions } from './routes';
import { toApplicationJson, toJobJson, toStatsJson, toTimelineJson } from './schemas';

export interface ApplicationRoutesDeps {
  guard: AuthGuard;
  /** The JSON body limit (413 payload_too_large), on the routes that take a JSON body. */
  jsonBodyLimit: MiddlewareHandler<AppEnv>;
  applications: ApplicationService;
}

/**
 * /api/applications: each handler reads the validated request, calls the service with the
 * caller's id and writes the answer. The rules live in src/services/applications/.
 */
export function applicationRoutes(deps: ApplicationRoutesDeps) {
  const { applications } = deps;
  const routes = applicationRouteDefinitions(deps.guard({ hydrate: true }), deps.jsonBodyLimit);

  return createRouter()
    .openapi(routes.create, async (c) => {
      const body = c.req.valid('json');
      const application = await applications.create(c.var.user.id, {
        jobId: body.job_id,
        // Without job_id the schema has required title, company and url.
        posting:
          body.job_id === undefined && body.title && body.company && body.url
            ? {
                title: body.title,
                company: body.company,
                url: body.url,
                location: body.location || null,
                description: body.description || null,
              }
            : undefined,
        resumeId: body.resume_id,
        status: body.status,
        appliedAt: body.applied_at,
        nextActionAt: body.next_action_at,
        notes: body.notes,
      });
      c.header('Location', `/api/applications/${application.id}`);
      return c.json(toApplicationJson(application), 201);
    })
    .openapi(routes.list, async (c) => {
      const query = c.req.valid('query');
      const { applications: rows, total } = await applications.list(
        c.var.user.id,
        { status: query.status, dueBefore: query.due_before, q: query.q, sort: query.sort },
        { offset: offsetOf(query.page, query.limit), limit: query.limit },
      );
      return c.json(
        {
          applications: rows.map(toApplicationJson),
          pagination: paginationBlock(total, query.page, query.limit),
        },
        200,
      );
    })
    .openapi(routes.stats, async (c) => c.json(toStatsJson(await applications.stats(c.var.user.id)), 200))
    .openapi(routes.export, async (c) => {
      const csv = await applications.exportCsv(c.var.user.id);
      return c.body(csv, 200, {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': 'attachment; filename="applications.csv"',
        // Personal data in a file: no cache keeps a copy.
        'Cache-Control': 'private, no-store',
      });
    })
    .openapi(routes.get, async (c) => {
      const { application, timeline, job } = await applications.get(c.var.user.id, c.req.valid('param').id);
      return c.json(
        { ...toApplicationJson(application), timeline: timeline.map(toTimelineJson), job: toJobJson(job) },
        200,
      );
    })
    .openapi(routes.update, async (c) => {
      const body = c.req.valid('json');
      const application = await applications.update(c.var.user.id, c.req.valid('param').id, {
        status: body.status,
        notes: body.notes,
        nextActionAt: body.next_action_at,
        resumeId: body.resume_id,
      });
      return c.json(toApplicationJson(application), 200);
    })
    .openapi(routes.remove, async (c) => {
      await applications.remove(c.var.user.id, c.req.valid('param').id);
      return c.body(null, 204);
    })
    .openapi(routes.addEvent, async (c) => {
      const body = c.req.valid('json');
      const entry = await applications.addEvent(c.var.user.id, c.req.valid('param').id, {
        type: body.type,
        at: body.at,
        text: body.text,
      });
      return c.json(toTimelineJson(entry), 201);
    });
}
