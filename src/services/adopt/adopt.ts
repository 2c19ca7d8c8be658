import { and, eq, getTableColumns, getTableName, inArray, sql } from 'drizzle-orm';
import { type AtomicStatement, type Database, type Db, runs, type Tables } from '../../db/database';
import type { Job } from '../../db/jobs';
import { maxIntegerId, nulMessage } from '../../openapi';
import { validateJobRecord } from '../jobs/importer';
import { profileText } from '../users';

/**
 * Adoption of a Flask (Alembic) database: the rows of the seed's `user_profiles` and `jobs` tables
 * copied into this project's database, so that a deployment can move from the Flask backend.
 *
 * How a re-run finds what an earlier run wrote:
 * - users by `auth0_sub` (unique on both sides);
 * - jobs by (`source`, `external_id`) = (`flask`, the Flask id): the same unique key the importer
 *   upserts by. The Flask id also becomes the job's id here when no job has it yet; when one has,
 *   the adopted job gets a new id and is still found again through its external id.
 * The Flask database is authoritative for the columns it has: a row that exists here with other
 * values is updated to the source's, one with the same values is left alone (`unchanged`).
 *
 * Rows are read in id order, a batch at a time, and each batch is written in one atomic write:
 * a run that fails part-way leaves whole batches, and running it again finishes the work.
 */

export const flaskTables = ['user_profiles', 'jobs'] as const;
export type FlaskTable = (typeof flaskTables)[number];

/** A value as a source driver gives it. Timestamps come as text (see the readers in src/node/flask-source.ts). */
export type SourceValue = string | number | bigint | boolean | null | Uint8Array | ArrayBuffer;
export type SourceRow = Readonly<Record<string, SourceValue | undefined>>;

/** The `source` of adopted jobs; their `external_id` is the Flask id. */
export const flaskJobSource = 'flask';

/** Read access to the Flask database. Column names are lower case on both sides of this interface. */
export interface FlaskSource {
  /** The columns of `table`, or undefined when the source has no such table. */
  columns(table: FlaskTable): Promise<ReadonlySet<string> | undefined>;
  /** How many rows `table` has, and its largest id (null when it is empty). */
  stats(table: FlaskTable): Promise<{ rows: number; maxId: number | null }>;
  /** At most `limit` rows of `table` with an id above `afterId` (from the first when null), in id order. */
  rows(
    table: FlaskTable,
    columns: readonly string[],
    afterId: number | null,
    limit: number,
  ): Promise<SourceRow[]>;
}

/** A problem with the source as a whole (the run cannot start): shown to the operator as it is. */
export class AdoptError extends Error {
  override name = 'AdoptError';
}

/** Columns a Flask table must have, and those read when present (the others are ignored). */
const sourceColumns: Record<FlaskTable, { required: readonly string[]; optional: readonly string[] }> = {
  // The seed's Alembic migration; `email` is NOT NULL there, but nullable here, so it is optional.
  user_profiles: { required: ['id', 'auth0_sub'], optional: ['email', 'name', 'created_at'] },
  // What the seed's GET /api/jobs returns, plus `is_active`, which it filters on.
  jobs: {
    required: ['id', 'title', 'company', 'location', 'job_type', 'description'],
    optional: ['created_at', 'is_active'],
  },
};

export interface SourceTablePlan {
  table: FlaskTable;
  /** The columns that will be read; undefined when the source has no such table. */
  columns: readonly string[] | undefined;
  rows: number;
  maxId: number | null;
}

export interface AdoptionPlan {
  source: FlaskSource;
  tables: SourceTablePlan[];
  /** Rows to read in all. */
  total: number;
}

/**
 * Checks that the source looks like the Flask database and counts its rows, before anything is
 * written. Throws AdoptError when it has neither table or lacks a column the copy needs.
 */
export async function planAdoption(source: FlaskSource): Promise<AdoptionPlan> {
  const tables: SourceTablePlan[] = [];
  for (const table of flaskTables) {
    const present = await source.columns(table);
    if (!present) {
      tables.push({ table, columns: undefined, rows: 0, maxId: null });
      continue;
    }
    const { required, optional } = sourceColumns[table];
    const missing = required.filter((column) => !present.has(column));
    if (missing.length > 0) {
      throw new AdoptError(
        `The source's ${table} table has no ${missing.join(', ')} column${missing.length === 1 ? '' : 's'}: it is not the Flask backend's table`,
      );
    }
    const columns = [...required, ...optional.filter((column) => present.has(column))];
    tables.push({ table, columns, ...(await source.stats(table)) });
  }
  if (tables.every((t) => t.columns === undefined)) {
    throw new AdoptError(
      'The source has neither a user_profiles nor a jobs table: is it the Flask backend database?',
    );
  }
  return { source, tables, total: tables.reduce((sum, t) => sum + t.rows, 0) };
}

export interface SkipReason {
  reason: string;
  count: number;
  /** Flask ids of the first rows skipped for it. */
  ids: number[];
}

export interface TableSummary {
  table: FlaskTable;
  /** False when the source has no such table. */
  inSource: boolean;
  read: number;
  inserted: number;
  /** Of `inserted`: rows whose Flask id was taken here, which got a new id. */
  renumbered: number;
  updated: number;
  unchanged: number;
  skipped: number;
  /** Why rows were skipped, most frequent first. */
  skips: SkipReason[];
}

export interface AdoptOptions {
  now: Date;
  /** Rows read and written together, in one atomic write (default 500). */
  batchSize?: number;
  /** Ids listed per skip reason (default 10). */
  idsPerReason?: number;
  onProgress?: (progress: { done: number; total: number }) => void;
}

/** Copies the planned tables into `database`. Rows that fail validation are skipped and counted. */
export async function adoptFlaskData(
  plan: AdoptionPlan,
  database: Database,
  options: AdoptOptions,
): Promise<TableSummary[]> {
  const summaries: TableSummary[] = [];
  const progress = { done: 0 };
  for (const tablePlan of plan.tables) {
    const { columns } = tablePlan;
    if (!columns) {
      summaries.push({ ...emptySummary(tablePlan.table), inSource: false });
      continue;
    }
    const run = { plan, tablePlan, columns, database, options, progress };
    summaries.push(
      tablePlan.table === 'jobs'
        ? await adoptTable(jobsAdopter(database.tables), run)
        : await adoptTable(usersAdopter(database.tables), run),
    );
  }
  return summaries;
}

function emptySummary(table: FlaskTable): TableSummary {
  return {
    table,
    inSource: true,
    read: 0,
    inserted: 0,
    renumbered: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    skips: [],
  };
}

/** The columns of a table the source decides, `createdAt` only when the source has one. */
interface Adopted {
  createdAt?: Date;
}

/** A source row that passed the checks, ready to be written. */
interface Candidate<V extends Adopted> {
  flaskId: number;
  /** What identifies the row on both sides (auth0_sub; the Flask id of a job). */
  key: string;
  values: V;
}

/** A row here that carries a candidate's key. */
interface Existing<V extends Adopted> {
  id: number;
  key: string;
  values: Required<V>;
}

/** What differs between the two tables. */
interface Adopter<V extends Adopted> {
  table: Tables['jobs'] | Tables['userProfiles'];
  /** The source column that identifies a row, for the duplicate's skip reason. */
  keyName: string;
  check(row: SourceRow, flaskId: number): Candidate<V> | { error: string };
  /** Rows here that carry these keys. */
  find(db: Db, keys: string[], maxParameters: number): Promise<Existing<V>[]>;
  /** One insert of these rows; `id` is left to the database where undefined. */
  insert(db: Db, rows: { id: number | undefined; candidate: Candidate<V> }[], now: Date): AtomicStatement;
  /** One update of the row `id` to `changes`, the columns that differ. */
  update(db: Db, id: number, changes: Partial<V>, now: Date): AtomicStatement;
}

type UserValues = { auth0Sub: string; email: string | null; name: string | null } & Adopted;

function usersAdopter({ userProfiles }: Tables): Adopter<UserValues> {
  return {
    table: userProfiles,
    keyName: 'auth0_sub',
    check(row, flaskId) {
      const sub = row.auth0_sub;
      if (sub === null || sub === undefined || sub === '') return { error: 'auth0_sub: is required' };
      if (typeof sub !== 'string') return { error: 'auth0_sub: must be a string' };
      // A subject is an identity: not cleaned up like the profile fields, refused instead.
      if (sub.includes('\u0000')) return { error: `auth0_sub: ${nulMessage}` };
      const createdAt = timeOf(row.created_at);
      if (createdAt === 'invalid') return { error: 'created_at: must be a date and time' };
      return {
        flaskId,
        key: sub,
        values: {
          auth0Sub: sub,
          // Stored the way sign-in stores profile fields from Auth0: no NUL, empty as null.
          email: profileText(row.email),
          name: profileText(row.name),
          ...(createdAt ? { createdAt } : {}),
        },
      };
    },
    async find(db, keys, maxParameters) {
      const found: Existing<UserValues>[] = [];
      for (const part of runs(keys, { maxParameters, perItem: 1, preferred: 500 })) {
        const rows = await db
          .select({
            id: userProfiles.id,
            auth0Sub: userProfiles.auth0Sub,
            email: userProfiles.email,
            name: userProfiles.name,
            createdAt: userProfiles.createdAt,
          })
          .from(userProfiles)
          .where(inArray(userProfiles.auth0Sub, part));
        for (const { id, ...values } of rows) found.push({ id, key: values.auth0Sub, values });
      }
      return found;
    },
    insert: (db, rows, now) =>
      db.insert(userProfiles).values(
        rows.map(({ id, candidate }) => ({
          ...(id === undefined ? {} : { id }),
          picture: null,
          ...candidate.values,
          createdAt: candidate.values.createdAt ?? now,
          updatedAt: now,
        })),
      ),
    update: (db, id, changes, now) =>
      db
        .update(userProfiles)
        .set({ ...changes, updatedAt: now })
        .where(eq(userProfiles.id, id)),
  };
}

/** How people write job types in a free-text column, read as this project's types. */
const flaskJobTypeWords = new Map([
  ['full-time', 'full-time'],
  ['fulltime', 'full-time'],
  ['part-time', 'part-time'],
  ['parttime', 'part-time'],
  ['contract', 'contract'],
  ['contractor', 'contract'],
  ['internship', 'internship'],
  ['intern', 'internship'],
  ['temporary', 'temporary'],
  ['temp', 'temporary'],
]);

/**
 * A Flask `job_type` as this project's type: the seed's column is free text ("Full Time",
 * "full_time", "Contractor"), this project's is one of five. What it cannot read is kept as
 * written, so the row is refused with the importer's reason.
 */
export function flaskJobType(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const word = value
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');
  return flaskJobTypeWords.get(word) ?? value;
}

type JobValues = Pick<Job, 'title' | 'company' | 'location' | 'jobType' | 'description' | 'isActive'> &
  Adopted;

function jobsAdopter({ jobs }: Tables): Adopter<JobValues> {
  return {
    table: jobs,
    keyName: 'id',
    check(row, flaskId) {
      // The importer's own check of a job row: the same rows are refused for the same reasons.
      const record: Record<string, unknown> = {};
      for (const field of ['title', 'company', 'location', 'job_type', 'description']) {
        const value = row[field];
        // A NULL column is a missing field ('is required'), as an absent one in an import file.
        if (value !== null && value !== undefined)
          record[field] = field === 'job_type' ? flaskJobType(value) : value;
      }
      const checked = validateJobRecord(record);
      if ('error' in checked) return checked;
      const createdAt = timeOf(row.created_at);
      if (createdAt === 'invalid') return { error: 'created_at: must be a date and time' };
      const isActive = booleanOf(row.is_active);
      if (isActive === 'invalid') return { error: 'is_active: must be true or false' };
      const { title, company, location, jobType, description } = checked.job;
      return {
        flaskId,
        key: String(flaskId),
        values: {
          title,
          company,
          location,
          jobType,
          description,
          // The seed's model defaults is_active to true.
          isActive: isActive ?? true,
          ...(createdAt ? { createdAt } : {}),
        },
      };
    },
    async find(db, keys, maxParameters) {
      const found: Existing<JobValues>[] = [];
      for (const part of runs(keys, { maxParameters, perItem: 1, fixed: 1, preferred: 500 })) {
        const rows = await db
          .select({
            id: jobs.id,
            externalId: jobs.externalId,
            title: jobs.title,
            company: jobs.company,
            location: jobs.location,
            jobType: jobs.jobType,
            description: jobs.description,
            isActive: jobs.isActive,
            createdAt: jobs.createdAt,
          })
          .from(jobs)
          .where(and(eq(jobs.source, flaskJobSource), inArray(jobs.externalId, part)));
        for (const { id, externalId, ...values } of rows) found.push({ id, key: externalId ?? '', values });
      }
      return found;
    },
    insert: (db, rows, now) =>
      db.insert(jobs).values(
        rows.map(({ id, candidate }) => ({
          ...(id === undefined ? {} : { id }),
          source: flaskJobSource,
          externalId: candidate.key,
          url: null,
          salaryMin: null,
          salaryMax: null,
          currency: null,
          remote: false,
          ...candidate.values,
          createdAt: candidate.values.createdAt ?? now,
          updatedAt: now,
        })),
      ),
    update: (db, id, changes, now) =>
      db
        .update(jobs)
        .set({
          ...changes,
          updatedAt: now,
          // New text is read for skills again, as the store's own update does.
          ...(changes.title !== undefined || changes.description !== undefined
            ? { skillsStatus: 'pending' }
            : {}),
        })
        .where(eq(jobs.id, id)),
  };
}

/** The values of `candidate` that differ from the row's here. */
function changes<V extends Adopted>(candidate: Candidate<V>, existing: Existing<V>): Partial<V> {
  const changed: Partial<V> = {};
  for (const column of Object.keys(candidate.values) as (keyof V)[]) {
    const value = candidate.values[column];
    const current = existing.values[column];
    const same =
      value instanceof Date && current instanceof Date
        ? value.getTime() === current.getTime()
        : value === current;
    if (!same) changed[column] = value;
  }
  return changed;
}

interface TableRun {
  plan: AdoptionPlan;
  tablePlan: SourceTablePlan;
  columns: readonly string[];
  database: Database;
  options: AdoptOptions;
  /** Rows read so far, every table. */
  progress: { done: number };
}

async function adoptTable<V extends Adopted>(adopter: Adopter<V>, run: TableRun): Promise<TableSummary> {
  const { plan, tablePlan, columns, database, options, progress } = run;
  const batchSize = options.batchSize ?? 500;
  const idsPerReason = options.idsPerReason ?? 10;
  const summary = emptySummary(tablePlan.table);
  const skips = new Map<string, SkipReason>();
  const skip = (id: number, reason: string) => {
    summary.skipped++;
    const entry = skips.get(reason) ?? { reason, count: 0, ids: [] };
    entry.count++;
    if (entry.ids.length < idsPerReason) entry.ids.push(id);
    skips.set(reason, entry);
  };

  // Ids up to the source's largest are set aside first, so that a row given a new id (its own was
  // taken) cannot take the id of a Flask row still to come, nor can the app's own inserts while the
  // run lasts (Postgres).
  const { maxId } = tablePlan;
  if (maxId !== null && keepable(maxId)) {
    await database.atomic((db) => advanceIds(db, database, adopter.table, maxId));
  }

  const seenKeys = new Set<string>();
  let afterId: number | null = null;
  for (;;) {
    const rows = await plan.source.rows(tablePlan.table, columns, afterId, batchSize);
    if (rows.length === 0) break;
    const candidates: Candidate<V>[] = [];
    for (const row of rows) {
      const id = integerOf(row.id);
      if (id === undefined) {
        throw new AdoptError(`A row of the source's ${tablePlan.table} table has a non-integer id`);
      }
      afterId = id;
      summary.read++;
      const checked = adopter.check(row, id);
      if ('error' in checked) {
        skip(id, checked.error);
        continue;
      }
      // The source may lack the unique constraint the seed declares: the first row of a key wins.
      if (seenKeys.has(checked.key)) {
        skip(id, `${adopter.keyName}: another row has the same one`);
        continue;
      }
      seenKeys.add(checked.key);
      candidates.push(checked);
    }
    const counts = await writeBatch(database, adopter, candidates, options.now);
    summary.inserted += counts.inserted;
    summary.renumbered += counts.renumbered;
    summary.updated += counts.updated;
    summary.unchanged += counts.unchanged;
    progress.done += rows.length;
    options.onProgress?.({ done: progress.done, total: Math.max(plan.total, progress.done) });
    if (rows.length < batchSize) break;
  }
  summary.skips = [...skips.values()].sort((a, b) => b.count - a.count);
  return summary;
}

/**
 * One batch: which rows exist here (read first, as `atomic` requires), then their inserts and
 * updates in one atomic write.
 */
async function writeBatch<V extends Adopted>(
  database: Database,
  adopter: Adopter<V>,
  candidates: Candidate<V>[],
  now: Date,
) {
  const counts = { inserted: 0, renumbered: 0, updated: 0, unchanged: 0 };
  if (candidates.length === 0) return counts;
  const { db, maxParameters } = database;
  const found = await adopter.find(
    db,
    candidates.map((c) => c.key),
    maxParameters,
  );
  const existing = new Map(found.map((row) => [row.key, row]));
  const fresh = candidates.filter((c) => !existing.has(c.key));
  const taken = new Set<number>();
  const wanted = fresh.map((c) => c.flaskId).filter(keepable);
  for (const part of runs(wanted, { maxParameters, perItem: 1, preferred: 500 })) {
    const rows = await db
      .select({ id: adopter.table.id })
      .from(adopter.table)
      .where(inArray(adopter.table.id, part));
    for (const { id } of rows) taken.add(id);
  }

  const withId: { id: number; candidate: Candidate<V> }[] = [];
  const withoutId: { id: undefined; candidate: Candidate<V> }[] = [];
  for (const candidate of fresh) {
    if (keepable(candidate.flaskId) && !taken.has(candidate.flaskId))
      withId.push({ id: candidate.flaskId, candidate });
    else withoutId.push({ id: undefined, candidate });
  }
  const updates: { id: number; changes: Partial<V> }[] = [];
  for (const candidate of candidates) {
    const row = existing.get(candidate.key);
    if (!row) continue;
    const changed = changes(candidate, row);
    if (Object.keys(changed).length === 0) counts.unchanged++;
    else updates.push({ id: row.id, changes: changed });
  }

  // Every column of a row is at most one bound parameter.
  const perRow = Object.keys(getTableColumns(adopter.table)).length;
  await database.atomic((db) => [
    ...[withId, withoutId].flatMap((rows) =>
      runs<{ id: number | undefined; candidate: Candidate<V> }>(rows, {
        maxParameters,
        perItem: perRow,
        preferred: 500,
      }).map((part) => adopter.insert(db, part, now)),
    ),
    ...updates.map(({ id, changes }) => adopter.update(db, id, changes, now)),
    ...(withId.length > 0 ? advanceIds(db, database, adopter.table, 0) : []),
  ]);
  counts.inserted = withId.length + withoutId.length;
  counts.renumbered = withoutId.length;
  counts.updated = updates.length;
  return counts;
}

/** A Flask id this project can use as its own id. */
const keepable = (id: number) => id >= 1 && id <= maxIntegerId;

/**
 * Statements that move `table`'s id generator to at least `atLeast` and its largest id, never back.
 * Postgres identity sequences do not follow explicit ids, so without this the next insert would
 * be given an id an adopted row has. SQLite's AUTOINCREMENT follows explicit ids by itself;
 * raising its counter sets ids aside before rows are written (see adoptTable).
 */
function advanceIds(
  db: Db,
  database: Database,
  table: Tables['jobs'] | Tables['userProfiles'],
  atLeast: number,
): AtomicStatement[] {
  const name = getTableName(table);
  if (database.dialect === 'postgres') {
    const sequence = sql`pg_get_serial_sequence(${name}, 'id')`;
    return [
      db
        .select({
          value: sql<number>`setval(${sequence}, greatest(coalesce(pg_sequence_last_value(${sequence}::regclass), 0), (select coalesce(max(${table.id}), 0) from ${table}), ${atLeast}::bigint, 1))`,
        })
        .from(sql`(select 1) as one`),
    ];
  }
  return [
    db.run(
      sql`insert into sqlite_sequence (name, seq) select ${name}, 0 where not exists (select 1 from sqlite_sequence where name = ${name})`,
    ),
    db.run(sql`update sqlite_sequence set seq = max(seq, cast(${atLeast} as integer)) where name = ${name}`),
  ];
}

/** An integer id from a driver's value (Postgres bigint arrives as text, libSQL's as bigint). */
export function integerOf(value: SourceValue | undefined): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'bigint') {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : undefined;
  }
  if (typeof value === 'string' && /^-?\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

/**
 * SQLAlchemy's DateTime as stored: `2024-01-02 03:04:05.678901` on SQLite (text) and Postgres
 * (`timestamp without time zone`, read as text), with an offset for `timestamptz`. Times without an
 * offset are UTC: the seed's models default to `datetime.utcnow`. Sub-millisecond digits are dropped.
 */
const timestampPattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(?:\s?(Z|[+-]\d{2})(?::?(\d{2}))?)?$/i;

export function timeOf(value: SourceValue | undefined): Date | undefined | 'invalid' {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== 'string') return 'invalid';
  const m = timestampPattern.exec(value.trim());
  if (!m) return 'invalid';
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone, zoneMinutes] = m;
  const parts = [year, month, day, hour, minute, second].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const [y, mo, d, h, mi, s] = parts;
  const ms = Number(fraction.slice(0, 3).padEnd(3, '0'));
  const local = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const check = new Date(local);
  // Date.UTC rolls 2024-02-30 over into March: such a value is not a date.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d)
    return 'invalid';
  if (h > 23 || mi > 59 || s > 59) return 'invalid';
  let offsetMinutes = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1)) * 60 + Number(zoneMinutes ?? 0));
  }
  return new Date(local - offsetMinutes * 60_000);
}

/** SQLAlchemy's Boolean: 1/0 on SQLite, a boolean on Postgres; text forms accepted. Undefined when NULL. */
export function booleanOf(value: SourceValue | undefined): boolean | undefined | 'invalid' {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 1n) return true;
  if (value === 0 || value === 0n) return false;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (['1', 't', 'true', 'y', 'yes'].includes(text)) return true;
    if (['0', 'f', 'false', 'n', 'no'].includes(text)) return false;
  }
  return 'invalid';
}
