import { and, asc, type Column, count, desc, eq, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { ApplicationStatus } from '../services/applications/transitions';
import type { Database, Db } from './database';
import type { ApplicationMatch } from './schema/application-match';

/** Events a user adds to a timeline; status entries are recorded by the store itself. */
export const applicationEventTypes = ['interview', 'note', 'contact'] as const;
export type ApplicationEventType = (typeof applicationEventTypes)[number];

export interface Application {
  id: string;
  userId: number;
  /** The posting on the board it was made for; null for an outside posting. Not a foreign key. */
  jobId: number | null;
  title: string;
  company: string;
  url: string | null;
  location: string | null;
  /** Copied from the posting (or given): what chat grounds an answer in once the posting is gone. */
  description: string | null;
  resumeId: string | null;
  status: ApplicationStatus;
  match: ApplicationMatch | null;
  notes: string | null;
  appliedAt: Date | null;
  nextActionAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An application as lists and the export read it: without the description (most of a row's bytes). */
export type ListedApplication = Omit<Application, 'description'>;

export type NewApplication = Omit<Application, 'createdAt' | 'updatedAt'>;

export interface ApplicationChanges {
  notes?: string | null;
  nextActionAt?: Date | null;
  resumeId?: string | null;
  match?: ApplicationMatch | null;
  /**
   * A status move, already decided on `from` (see services/applications/transitions.ts): written
   * only while the application still is `from`, with its timeline entry in the same atomic write.
   */
  status?: { from: ApplicationStatus; to: ApplicationStatus; appliedAt: Date | null };
}

export type TimelineEntry =
  | { type: 'status'; at: Date; from: ApplicationStatus | null; to: ApplicationStatus }
  | { type: ApplicationEventType; at: Date; text: string };

export type ApplicationSort = 'updated' | 'applied' | 'next_action';

export interface ApplicationFilters {
  status?: ApplicationStatus;
  /** `next_action_at <= dueBefore`: follow-ups due by then (applications without one are left out). */
  dueBefore?: Date;
  /** A substring of the title or the company, compared in lower case (already lower case here). */
  q?: string;
  sort: ApplicationSort;
}

/** The export's keyset position: the last row of the previous page (created_at never changes). */
export interface ExportPosition {
  createdAt: Date;
  id: string;
}

/** What the stats are computed from, per application: see services/applications/stats.ts. */
export interface StatsRow {
  status: ApplicationStatus;
  createdAt: Date;
  appliedAt: Date | null;
  /**
   * Its first status entry (in timeline order) into one of the statuses asked about, and whether
   * that was the initial entry (the application was made in it); null when there is none.
   */
  firstAnswer: { at: Date; initial: boolean } | null;
}

export interface ApplicationStore {
  /** The row and its first timeline entry (the initial status, `from` null) in one atomic write. */
  create(application: NewApplication, now: Date): Promise<Application>;
  get(userId: number, id: string): Promise<Application | undefined>;
  list(
    userId: number,
    filters: ApplicationFilters,
    page: { offset: number; limit: number },
  ): Promise<{ applications: ListedApplication[]; total: number }>;
  /**
   * Writes the changes and bumps `updated_at`. Undefined when there is no such application of the
   * user, or when `changes.status` was given and the status is no longer `from` (a concurrent
   * change): nothing is written then.
   */
  update(
    userId: number,
    id: string,
    changes: ApplicationChanges,
    now: Date,
  ): Promise<Application | undefined>;
  /** The application and its timeline. False when there was no such application of the user. */
  delete(userId: number, id: string): Promise<boolean>;
  /** Adds a user's event and bumps `updated_at`; undefined when there is no such application of the user. */
  addEvent(
    userId: number,
    id: string,
    event: { type: ApplicationEventType; at: Date; text: string },
    now: Date,
  ): Promise<TimelineEntry | undefined>;
  /** Oldest first (entries at the same time in the order they were written). */
  timeline(applicationId: string): Promise<TimelineEntry[]>;
  /** Oldest first, at most `limit`, after `after`. */
  exportPage(userId: number, after: ExportPosition | undefined, limit: number): Promise<ListedApplication[]>;
  /**
   * What the stats are computed from: every application of the user, with its first status
   * entry into one of `answered` (the service says which statuses are an answer).
   */
  statsRows(userId: number, answered: readonly ApplicationStatus[]): Promise<StatsRow[]>;
}

/** A JSON array read back: pg and Neon parse `json` themselves, libSQL and D1 give its text. */
function parseJsonArray(value: unknown): unknown[] {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  return Array.isArray(parsed) ? parsed : [];
}

/** Title and company as `q` looks for them: lower case (JavaScript's Unicode folding), a line apart. */
export const searchTextOf = (title: string, company: string) =>
  `${title.toLowerCase()}\n${company.toLowerCase()}`;

export function createApplicationStore(database: Database): ApplicationStore {
  const { db, tables, dialect } = database;
  const { applications, applicationEvents } = tables;

  const listedColumns = {
    id: applications.id,
    userId: applications.userId,
    jobId: applications.jobId,
    title: applications.title,
    company: applications.company,
    url: applications.url,
    location: applications.location,
    resumeId: applications.resumeId,
    status: applications.status,
    match: applications.match,
    notes: applications.notes,
    appliedAt: applications.appliedAt,
    nextActionAt: applications.nextActionAt,
    createdAt: applications.createdAt,
    updatedAt: applications.updatedAt,
  };
  const columns = { ...listedColumns, description: applications.description };
  /** The application `id` if it is the user's (a condition that is never undefined, unlike `and`). */
  const owned = (userId: number, id: string, ...more: SQL[]) =>
    sql.join([eq(applications.userId, userId), eq(applications.id, id), ...more], sql` and `);

  /**
   * The id of a timeline entry written by INSERT ... SELECT, which names every column: the identity
   * sequence's next value on Postgres; NULL on SQLite, where an INTEGER PRIMARY KEY takes the next rowid.
   */
  const nextEventId =
    dialect === 'postgres' ? sql`nextval(pg_get_serial_sequence('application_events', 'id'))` : sql`null`;
  /** A bound time in a SELECT list: Postgres would otherwise take the parameter for text. */
  const timeParam = (value: Date) =>
    dialect === 'postgres'
      ? sql`cast(${sql.param(value, applicationEvents.at)} as timestamptz)`
      : sql`${sql.param(value, applicationEvents.at)}`;
  /** A bound text in a SELECT list (Postgres reads an untyped parameter there as text). */
  const textParam = (value: string | null) => (value === null ? sql`null` : sql`${value}`);

  /**
   * Appends a timeline entry to the application if it is the user's and the `guards` hold for it, as
   * one INSERT ... SELECT: nothing is written when the application is gone or was changed by
   * someone else meanwhile. Its `created_at` is the application's `updated_at` (just set by the
   * write before it in the same atomic write).
   */
  function appendEntry(
    into: Db,
    userId: number,
    id: string,
    entry: { type: string; at: SQL; text: string | null; from: string | null; to: string | null },
    ...guards: SQL[]
  ) {
    return into
      .insert(applicationEvents)
      .select(
        sql`select ${nextEventId}, ${applications.id}, ${entry.type}, ${entry.at}, ${textParam(entry.text)}, ${textParam(entry.from)}, ${textParam(entry.to)}, ${applications.updatedAt} from ${applications} where ${owned(userId, id, ...guards)}`,
      );
  }

  /** Milliseconds since the epoch of a time column (a JSON number), null for null. */
  const epochMs = (column: Column) =>
    dialect === 'postgres' ? sql`(extract(epoch from ${column}) * 1000)::bigint` : sql`${column}`;

  /** The aggregate of the selected rows as one JSON array of arrays ('[]' when there are none). */
  const jsonArrayOf = (values: (SQL | Column)[]) => {
    const row = sql.join(values, sql`, `);
    return dialect === 'postgres'
      ? sql<unknown>`coalesce(json_agg(json_build_array(${row})), '[]'::json)`
      : sql<unknown>`json_group_array(json_array(${row}))`;
  };

  function condition(userId: number, filters: ApplicationFilters): SQL | undefined {
    return and(
      eq(applications.userId, userId),
      filters.status === undefined ? undefined : eq(applications.status, filters.status),
      filters.dueBefore === undefined ? undefined : lte(applications.nextActionAt, filters.dueBefore),
      filters.q === undefined
        ? undefined
        : dialect === 'postgres'
          ? sql`strpos(${applications.searchText}, ${filters.q}) > 0`
          : sql`instr(${applications.searchText}, ${filters.q}) > 0`,
    );
  }

  /**
   * Each order matches one index walked in one direction (see the schema), so a page reads its
   * rows and stops. `applied`: newest first, never-applied last, which is SQLite's DESC (NULL is
   * the smallest value) and Postgres's index order. `next_action`: soonest first, none last.
   */
  function order(sort: ApplicationSort): SQL[] {
    switch (sort) {
      case 'updated':
        return [desc(applications.updatedAt), desc(applications.id)];
      case 'applied':
        return dialect === 'postgres'
          ? [sql`${applications.appliedAt} desc nulls last`, sql`${applications.id} desc nulls last`]
          : [desc(applications.appliedAt), desc(applications.id)];
      case 'next_action':
        return [sql`${applications.nextActionAt} asc nulls last`, asc(applications.id)];
    }
  }

  return {
    async create(application, now) {
      const results = await database.atomic((db) => [
        db
          .insert(applications)
          .values({
            ...application,
            searchText: searchTextOf(application.title, application.company),
            createdAt: now,
            updatedAt: now,
          })
          .returning(columns),
        db.insert(applicationEvents).values({
          applicationId: application.id,
          type: 'status',
          at: now,
          fromStatus: null,
          toStatus: application.status,
          createdAt: now,
        }),
      ]);
      const row = results[0][0];
      if (!row) throw new Error('insert into applications returned no row');
      return row;
    },

    async get(userId, id) {
      const rows = await db.select(columns).from(applications).where(owned(userId, id)).limit(1);
      return rows[0];
    },

    async list(userId, filters, page) {
      const where = condition(userId, filters);
      const [rows, counted] = await Promise.all([
        db
          .select(listedColumns)
          .from(applications)
          .where(where)
          .orderBy(...order(filters.sort))
          .limit(page.limit)
          .offset(page.offset),
        db.select({ total: count() }).from(applications).where(where),
      ]);
      return { applications: rows, total: Number(counted[0]?.total ?? 0) };
    },

    async update(userId, id, changes, now) {
      const { status, ...fields } = changes;
      const set = {
        ...fields,
        ...(status ? { status: status.to, appliedAt: status.appliedAt } : {}),
        updatedAt: now,
      };
      const results = await database.atomic((db) => [
        db
          .update(applications)
          .set(set)
          .where(status ? owned(userId, id, eq(applications.status, status.from)) : owned(userId, id))
          .returning(columns),
        // Only when the update above happened: the row is then in `to` with this `updated_at`.
        ...(status
          ? [
              appendEntry(
                db,
                userId,
                id,
                {
                  type: 'status',
                  at: sql`${applications.updatedAt}`,
                  text: null,
                  from: status.from,
                  to: status.to,
                },
                eq(applications.status, status.to),
                eq(applications.updatedAt, now),
              ),
            ]
          : []),
      ]);
      return results[0][0];
    },

    async delete(userId, id) {
      const results = await database.atomic((db) => [
        // The timeline first, only of the user's own application (its foreign key would cascade on
        // every dialect too; explicit, so the write does not depend on the foreign-key setting).
        db
          .delete(applicationEvents)
          .where(
            and(
              eq(applicationEvents.applicationId, id),
              sql`exists (select 1 from ${applications} where ${owned(userId, id)})`,
            ),
          ),
        db.delete(applications).where(owned(userId, id)).returning({ id: applications.id }),
      ]);
      return results[1].length > 0;
    },

    async addEvent(userId, id, event, now) {
      const results = await database.atomic((db) => [
        db
          .update(applications)
          .set({ updatedAt: now })
          .where(owned(userId, id))
          .returning({ id: applications.id }),
        appendEntry(db, userId, id, {
          type: event.type,
          at: timeParam(event.at),
          text: event.text,
          from: null,
          to: null,
        }),
      ]);
      if (results[0].length === 0) return undefined;
      return { type: event.type, at: event.at, text: event.text };
    },

    async timeline(applicationId) {
      const rows = await db
        .select({
          type: applicationEvents.type,
          at: applicationEvents.at,
          text: applicationEvents.text,
          from: applicationEvents.fromStatus,
          to: applicationEvents.toStatus,
        })
        .from(applicationEvents)
        .where(eq(applicationEvents.applicationId, applicationId))
        .orderBy(asc(applicationEvents.at), asc(applicationEvents.id));
      return rows.map((row): TimelineEntry => {
        if (row.type === 'status') {
          return { type: 'status', at: row.at, from: row.from, to: row.to as ApplicationStatus };
        }
        return { type: row.type as ApplicationEventType, at: row.at, text: row.text ?? '' };
      });
    },

    async exportPage(userId, after, limit) {
      return db
        .select(listedColumns)
        .from(applications)
        .where(
          and(
            eq(applications.userId, userId),
            after
              ? sql`(${applications.createdAt}, ${applications.id}) > (${sql.param(after.createdAt, applications.createdAt)}, ${after.id})`
              : undefined,
          ),
        )
        .orderBy(asc(applications.createdAt), asc(applications.id))
        .limit(limit);
    },

    async statsRows(userId, answered) {
      // ONE row holding a JSON array, not 10,000 rows: read as rows, a busy user's applications
      // cost 60 ms in libSQL's row objects alone, on the event loop. Each application's first
      // answer is a subquery that stops at the first entry of its own (application_id, at, id)
      // index range; as a join, Postgres chose to walk every application's primary key (350 ms
      // at 1,000,000 applications).
      const first = sql`select ${
        dialect === 'postgres'
          ? sql`json_build_array(${epochMs(applicationEvents.at)}, ${applicationEvents.fromStatus} is null)`
          : sql`json_array(${applicationEvents.at}, ${applicationEvents.fromStatus} is null)`
      } from ${applicationEvents} where ${and(
        sql`${applicationEvents.applicationId} = ${applications.id}`,
        eq(applicationEvents.type, 'status'),
        answered.length > 0 ? inArray(applicationEvents.toStatus, [...answered]) : sql`false`,
      )} order by ${applicationEvents.at}, ${applicationEvents.id} limit 1`;
      const rows = await db
        .select({
          data: jsonArrayOf([
            applications.status,
            epochMs(applications.createdAt),
            epochMs(applications.appliedAt),
            // SQLite would take the subquery's JSON text for a string without json().
            dialect === 'postgres' ? sql`(${first})` : sql`json((${first}))`,
          ]),
        })
        .from(applications)
        .where(eq(applications.userId, userId));
      const parsed = parseJsonArray(rows[0]?.data) as [
        ApplicationStatus,
        number,
        number | null,
        [number, boolean | number] | null,
      ][];
      return parsed.map(([status, createdAt, appliedAt, answer]) => ({
        status,
        createdAt: new Date(Number(createdAt)),
        appliedAt: appliedAt === null ? null : new Date(Number(appliedAt)),
        // SQLite's boolean is 0 or 1.
        firstAnswer: answer ? { at: new Date(Number(answer[0])), initial: Boolean(answer[1]) } : null,
      }));
    },
  };
}
