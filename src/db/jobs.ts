import { and, type Column, count, desc, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm';
import type { ListPosition } from '../pagination';
import { type Database, runs } from './database';

export interface Job {
  id: number;
  title: string;
  company: string;
  location: string;
  jobType: string;
  description: string;
  isActive: boolean;
  createdAt: Date;
  updatedAt: Date;
  source: string | null;
  externalId: string | null;
  url: string | null;
  salaryMin: number | null;
  salaryMax: number | null;
  currency: string | null;
  remote: boolean;
}

export type NewJob = Omit<Job, 'id' | 'isActive' | 'createdAt' | 'updatedAt'> & { createdAt?: Date };
export type JobChanges = Partial<Omit<Job, 'id' | 'isActive' | 'createdAt' | 'updatedAt'>>;

export interface JobFilters {
  jobType?: string;
  /** Case-insensitive substring; the text is data (no wildcards). */
  location?: string;
  company?: string;
  /** Full-text search over title, company and description. */
  q?: string;
  sort: 'newest' | 'relevance';
}

/** A job as a list gives it: without `description` when the list was asked for without it. */
export type ListedJob = Omit<Job, 'description'> & { description?: string };

export interface JobStore {
  /** With `description: false`, rows come without it (it is most of a row's bytes). */
  /**
   * `page.after` continues a newest-first list after that row (keyset), without reading the rows
   * before it; `offset` is then usually 0.
   */
  list(
    filters: JobFilters,
    page: { offset: number; limit: number; after?: ListPosition },
    options?: { description?: boolean },
  ): Promise<{ jobs: ListedJob[]; total: number }>;
  /** An active job; inactive ones only with `includeInactive`. */
  get(id: number, options?: { includeInactive?: boolean }): Promise<Job | undefined>;
  /** The active ones among `ids`, in no particular order. */
  getActiveMany(ids: number[]): Promise<Job[]>;
  create(job: NewJob, now: Date): Promise<Job>;
  update(id: number, changes: JobChanges, now: Date): Promise<Job | undefined>;
  /** Soft delete. False when there is no such job. */
  deactivate(id: number, now: Date): Promise<boolean>;
  /**
   * Inserts or updates by (source, external_id), one atomic write per call; every row must have
   * both. Duplicates within the batch: the last one wins. Re-imported jobs become active again.
   */
  upsertMany(
    jobs: (NewJob & { source: string; externalId: string })[],
    now: Date,
  ): Promise<{ created: number; updated: number }>;
  countActive(): Promise<number>;
}

/** Turns free text into an FTS5 query: words and "quoted phrases" ANDed, `-word` excluded, OR kept. */
export function toFts5Query(input: string): string | undefined {
  const positives: string[] = [];
  const negatives: string[] = [];
  const pattern = /(-?)"([^"]*)"|(-?)(\S+)/g;
  for (const m of input.matchAll(pattern)) {
    const negated = (m[1] ?? m[3]) === '-';
    const text = (m[2] ?? m[4] ?? '').replace(/"/g, '').trim();
    if (!text) continue;
    if (!negated && text === 'OR' && positives.length > 0) {
      positives.push('OR');
      continue;
    }
    // Each word is quoted so FTS5 syntax in the input (AND, NEAR, *, :, ^) is data, not operators.
    const phrase = `"${text}"`;
    if (negated) negatives.push(phrase);
    else positives.push(phrase);
  }
  while (positives.at(-1) === 'OR') positives.pop();
  if (positives.length === 0) return undefined;
  const query = positives.join(' ');
  return negatives.length > 0 ? `(${query}) NOT (${negatives.join(' OR ')})` : query;
}

/** `%`, `_` and `\` are data in our filters. */
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface JobStoreOptions {
  /**
   * How long a list's `total` may be reused (ms). Counting every match is the costly part of a
   * page on large boards; this store's own writes clear the cache at once, other processes' writes
   * show within the TTL. 0 turns it off.
   */
  countCacheTtlMs?: number;
  /**
   * How long a page of a list may be reused (ms): the same page asked for by many users (the
   * board's first page, a common search) is read once per period. Writes of this store clear it;
   * other processes' writes show within the TTL. 0 turns it off.
   */
  listCacheTtlMs?: number;
  now?: () => number;
}

/** A trigram index serves a substring of three characters or more (none can serve a shorter one). */
const trigramServes = (text: string) => [...text].length >= 3;

/** How many of a search's matches (the most recently added) are scored for `sort=relevance`. */
export const RANKED_CANDIDATES = 1000;

export function createJobStore(database: Database, options: JobStoreOptions = {}): JobStore {
  const { db, tables, dialect } = database;
  const { jobs } = tables;
  const limits = { maxParameters: database.maxParameters };
  const jobColumnCount = Object.keys(getTableColumns(jobs)).length;
  const clockMs = options.now ?? Date.now;
  const countCache = createQueryCache<number>({
    ttlMs: options.countCacheTtlMs ?? 0,
    now: clockMs,
    maxWeight: 1000,
    weight: () => 1,
  });
  // Pages weigh their rows: at most about 5,000 rows (a few MB) are held.
  const pageCache = createQueryCache<ListedJob[]>({
    ttlMs: options.listCacheTtlMs ?? 0,
    now: clockMs,
    maxWeight: 5000,
    weight: (rows) => rows.length,
  });

  const clearCaches = () => {
    countCache.clear();
    pageCache.clear();
  };

  // Explicit columns: Postgres also has a generated `search` tsvector we never want to ship around.
  const columns = {
    id: jobs.id,
    title: jobs.title,
    company: jobs.company,
    location: jobs.location,
    jobType: jobs.jobType,
    description: jobs.description,
    isActive: jobs.isActive,
    createdAt: jobs.createdAt,
    updatedAt: jobs.updatedAt,
    source: jobs.source,
    externalId: jobs.externalId,
    url: jobs.url,
    salaryMin: jobs.salaryMin,
    salaryMax: jobs.salaryMax,
    currency: jobs.currency,
    remote: jobs.remote,
  };

  function contains(column: Column, text: string): SQL {
    return dialect === 'postgres'
      ? sql`lower(${column}) like lower(${`%${escapeLike(text)}%`})` // served by the pg_trgm index
      : sql`instr(lower(${column}), lower(${text})) > 0`;
  }

  /**
   * The location and company filters. On SQLite, those of three characters or more go through the
   * trigram index (`jobs_trgm`: a quoted phrase there matches as a case-insensitive substring);
   * shorter ones, which no trigram can serve, are checked row by row.
   */
  function substringFilters(filters: { location?: string; company?: string }): SQL[] {
    const wanted = (['location', 'company'] as const).flatMap((name) => {
      const text = filters[name];
      return text === undefined ? [] : [{ name, text }];
    });
    if (dialect === 'postgres') return wanted.map(({ name, text }) => contains(jobs[name], text));
    const indexed = wanted.filter(({ text }) => trigramServes(text));
    const scanned = wanted.filter(({ text }) => !trigramServes(text));
    const conditions = scanned.map(({ name, text }) => contains(jobs[name], text));
    if (indexed.length > 0) {
      const query = indexed
        .map(({ name, text }) => `${name} : "${text.replaceAll('"', '""')}"`)
        .join(' AND ');
      conditions.push(sql`${jobs.id} in (select rowid from jobs_trgm where jobs_trgm match ${query})`);
    }
    return conditions;
  }

  /**
   * The search condition, its rank order and, for ranking on SQLite, the FTS5 matches to join
   * (bm25() only exists inside an FTS query); `none` when q has no searchable words. On SQLite the
   * match is a subquery list and the ranked matches a derived table, so the planner starts from the
   * full-text index instead of probing it for every job.
   *
   * Ranking is bounded: only the RANKED_CANDIDATES most recently added matches are scored (scoring
   * is what costs: bm25 or ts_rank over every match took 45-120 ms for a common word on 100,000
   * postings); they come first, best first, and every other match follows, newest first. So every
   * match is still listed and counted, and a request costs the same however common its words are.
   */
  function search(q: string): { where: SQL; rank: SQL[]; join?: { table: SQL; on: SQL } } | 'none' {
    if (dialect === 'postgres') {
      if (!/[\p{L}\p{N}]/u.test(q)) return 'none';
      const query = sql`websearch_to_tsquery('english', ${q})`;
      const where = sql`"jobs"."search" @@ ${query}`;
      // `in (subquery)` inside the CASE is a hashed subplan: one lookup per matching row.
      const candidates = sql`select "id" from "jobs" where ${where} order by "id" desc limit ${RANKED_CANDIDATES}`;
      return {
        where,
        rank: [
          sql`case when "jobs"."id" in (${candidates}) then ts_rank("jobs"."search", ${query}) end desc nulls last`,
        ],
      };
    }
    const query = toFts5Query(q);
    if (!query) return 'none';
    return {
      where: sql`${jobs.id} in (select rowid from jobs_fts where jobs_fts match ${query})`,
      rank: [sql`fts.rank is null`, sql`fts.rank`],
      join: {
        // Column weights: title 10, company 5, description 1. FTS5 walks rowids backwards and
        // stops at the limit, so only the candidates are scored.
        table: sql`(select rowid as job_id, bm25(jobs_fts, 10.0, 5.0, 1.0) as rank from jobs_fts where jobs_fts match ${query} order by rowid desc limit ${RANKED_CANDIDATES}) as fts`,
        on: sql`fts.job_id = ${jobs.id}`,
      },
    };
  }

  async function countFullTextMatches(query: string): Promise<number> {
    const matches = sql`select rowid from jobs_fts where jobs_fts match ${query}`;
    const counted = await db
      .select({
        total: sql<number>`(select count(*) from jobs_fts where jobs_fts match ${query}) - (select count(*) from ${jobs} where ${jobs.isActive} = 0 and ${jobs.id} in (${matches}))`,
      })
      .from(sql`(select 1)`);
    return Number(counted[0]?.total ?? 0);
  }

  /** A list's page and count queries; `none` when its search has no searchable words. */
  type ListQuery = 'none' | { page: () => Promise<ListedJob[]>; count: () => Promise<number> };

  function listQuery(
    filters: JobFilters,
    page: { offset: number; limit: number; after?: ListPosition },
    options: { description?: boolean },
  ): ListQuery {
    const { after } = page;
    const conditions: SQL[] = [];
    if (filters.jobType) conditions.push(eq(jobs.jobType, filters.jobType));
    conditions.push(...substringFilters(filters));
    const { description, ...withoutDescription } = columns;
    let rows = db
      .select(options.description === false ? withoutDescription : columns)
      .from(jobs)
      .$dynamic();
    const order = [desc(jobs.createdAt), desc(jobs.id)];
    if (filters.q !== undefined) {
      const found = search(filters.q);
      if (found === 'none') return 'none';
      if (filters.sort === 'relevance') {
        if (found.join) rows = rows.leftJoin(found.join.table, found.join.on);
        order.unshift(...found.rank);
      }
      conditions.push(found.where);
    }
    // Relevance on SQLite reads every match (to order them): `+is_active` (no index on it) makes
    // the planner start from the match list's rowids instead of walking the whole board's
    // (is_active, ...) index and testing each row against the list. A newest-first page keeps the
    // index walk, which stops as soon as the page is full.
    const active = eq(jobs.isActive, true);
    const byRelevance = dialect === 'sqlite' && filters.sort === 'relevance' && filters.q !== undefined;
    // A row-value comparison, which both databases serve as one range of the (…, created_at, id)
    // index; the same condition written with OR made SQLite scan the index from its start.
    const afterCondition = after
      ? sql`(${jobs.createdAt}, ${jobs.id}) < (${sql.param(after.createdAt, jobs.createdAt)}, ${after.id})`
      : undefined;
    const where = and(byRelevance ? sql`+${jobs.isActive} = 1` : active, ...conditions, afterCondition);
    // Counts walk the covering (is_active, ...) index, which reads no row.
    const countAll = async () => {
      const counted = await db
        .select({ total: count() })
        .from(jobs)
        .where(and(active, ...conditions));
      return Number(counted[0]?.total ?? 0);
    };
    // A search with no other filter, on SQLite, is counted from the full-text index alone: every
    // match, less the inactive ones (few, and found through the is_active index). Counting the
    // active rows among 15,000 matches otherwise took 20-45 ms of the event loop on 100,000 postings.
    const ftsOnly =
      dialect === 'sqlite' &&
      filters.q !== undefined &&
      !filters.jobType &&
      !filters.location &&
      !filters.company
        ? toFts5Query(filters.q)
        : undefined;
    return {
      page: async () =>
        rows
          .where(where)
          .orderBy(...order)
          .limit(page.limit)
          .offset(page.offset),
      count: () => (ftsOnly ? countFullTextMatches(ftsOnly) : countAll()),
    };
  }

  async function get(id: number, options: { includeInactive?: boolean } = {}) {
    const where = options.includeInactive ? eq(jobs.id, id) : and(eq(jobs.id, id), eq(jobs.isActive, true));
    const rows = await db.select(columns).from(jobs).where(where).limit(1);
    return rows[0];
  }

  return {
    async getActiveMany(ids) {
      if (ids.length === 0) return [];
      // Activeness is checked here, not in SQL: with `is_active = 1` in the WHERE, SQLite's
      // planner walks the (is_active, ...) index over the whole board instead of looking up ids.
      const rows = await db
        .select({ ...columns, isActive: jobs.isActive })
        .from(jobs)
        .where(inArray(jobs.id, ids));
      return rows.filter((row) => row.isActive);
    },

    async list(filters, page, options = {}) {
      const { after } = page;
      const matching = JSON.stringify([
        filters.jobType,
        filters.location?.toLowerCase(),
        filters.company?.toLowerCase(),
        filters.q,
      ]);
      const shown = JSON.stringify([
        filters.sort,
        page.offset,
        page.limit,
        after ? [after.createdAt.getTime(), after.id] : null,
        options.description !== false,
      ]);
      // The query is built only when a cache misses: a page served from the caches builds none
      // (building one was about a tenth of the CPU of a list served from them).
      let query: ListQuery | undefined;
      const built = () => {
        query ??= listQuery(filters, page, options);
        return query;
      };
      const [pageRows, total] = await Promise.all([
        // async: a real promise, run once (a Drizzle query runs again on every `then`).
        pageCache.get(`${matching}${shown}`, async () => {
          const q = built();
          return q === 'none' ? [] : q.page();
        }),
        countCache.get(matching, async () => {
          const q = built();
          return q === 'none' ? 0 : q.count();
        }),
      ]);
      return { jobs: pageRows, total };
    },

    get,

    async create(job, now) {
      const rows = await db
        .insert(jobs)
        .values({ ...job, createdAt: job.createdAt ?? now, updatedAt: now, isActive: true })
        .returning(columns);
      clearCaches();
      const row = rows[0];
      if (!row) throw new Error('insert into jobs returned no row');
      return row;
    },

    async update(id, changes, now) {
      const rows = await db
        .update(jobs)
        .set({
          ...changes,
          updatedAt: now,
          ...(changes.title !== undefined || changes.description !== undefined
            ? { skillsStatus: 'pending' }
            : {}),
        })
        .where(and(eq(jobs.id, id), eq(jobs.isActive, true)))
        .returning(columns);
      clearCaches();
      return rows[0];
    },

    async deactivate(id, now) {
      const rows = await db
        .update(jobs)
        .set({ isActive: false, updatedAt: now })
        .where(eq(jobs.id, id))
        .returning({ id: jobs.id });
      clearCaches();
      return rows.length > 0;
    },

    async upsertMany(batch, now) {
      const latest = new Map<string, (typeof batch)[number]>();
      for (const job of batch) latest.set(JSON.stringify([job.source, job.externalId]), job);
      const unique = [...latest.values()];
      if (unique.length === 0) return { created: 0, updated: 0 };
      // Which keys exist already, per source: `source = ? and external_id in (...)` uses the
      // unique index on both dialects even before Postgres has statistics for a new table. Counted
      // in the same atomic write, just before the upsert, as one transaction did before.
      const bySource = new Map<string, string[]>();
      for (const job of unique)
        bySource.set(job.source, [...(bySource.get(job.source) ?? []), job.externalId]);
      const lookups = [...bySource].flatMap(([source, externalIds]) =>
        runs(externalIds, { ...limits, perItem: 1, fixed: 1, preferred: 500 }).map((ids) => ({
          source,
          ids,
        })),
      );
      const rows = unique.map((job) => ({
        ...job,
        createdAt: job.createdAt ?? now,
        updatedAt: now,
        isActive: true,
      }));
      const results = await database.atomic((db) => [
        ...lookups.map(({ source, ids }) =>
          db
            .select({ total: count() })
            .from(jobs)
            .where(and(eq(jobs.source, source), inArray(jobs.externalId, ids))),
        ),
        // One parameter per column at most (id and others left out are SQL), plus three in `set`.
        ...runs(rows, { ...limits, perItem: jobColumnCount, fixed: 3, preferred: 500 }).map((part) =>
          db
            .insert(jobs)
            .values(part)
            .onConflictDoUpdate({
              target: [jobs.source, jobs.externalId],
              set: {
                title: sql`excluded.title`,
                company: sql`excluded.company`,
                location: sql`excluded.location`,
                jobType: sql`excluded.job_type`,
                description: sql`excluded.description`,
                url: sql`excluded.url`,
                salaryMin: sql`excluded.salary_min`,
                salaryMax: sql`excluded.salary_max`,
                currency: sql`excluded.currency`,
                remote: sql`excluded.remote`,
                isActive: true,
                updatedAt: now,
                // Read again for skills (the text may have changed): see the skills backfill.
                skillsStatus: 'pending',
              },
            }),
        ),
      ]);
      let existing = 0;
      for (const counted of results.slice(0, lookups.length) as { total: number }[][]) {
        existing += Number(counted[0]?.total ?? 0);
      }
      const updated = existing + (batch.length - unique.length);
      const result = { created: batch.length - updated, updated };
      clearCaches();
      return result;
    },

    async countActive() {
      const rows = await db.select({ total: count() }).from(jobs).where(eq(jobs.isActive, true));
      return Number(rows[0]?.total ?? 0);
    },
  };
}

/**
 * Totals of recent list queries, keyed by their filters. Concurrent misses for one key share one
 * count; the number of keys is bounded (oldest dropped first).
 */
/**
 * Answers reused for `ttlMs`, keyed by the query: requests that arrive while one is computed share
 * it. A failed answer is not kept, nor one a write of this store overtook (it served only its own
 * requests); `clear()` (every write) empties it. Bounded by the total `weight` of its entries,
 * oldest dropped first.
 */
function createQueryCache<T>(options: {
  ttlMs: number;
  now: () => number;
  maxWeight: number;
  weight: (value: T) => number;
}) {
  const { ttlMs, now } = options;
  const entries = new Map<string, { at: number; value: Promise<T>; weight: number }>();
  let totalWeight = 0;
  let generation = 0;
  const drop = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    totalWeight -= entry.weight;
    entries.delete(key);
  };
  return {
    get(key: string, compute: () => Promise<T>): Promise<T> {
      if (ttlMs <= 0) return compute();
      const cached = entries.get(key);
      if (cached && now() - cached.at < ttlMs) return cached.value;
      drop(key);
      const startedIn = generation;
      const value = compute();
      const entry = { at: now(), value, weight: 1 };
      entries.set(key, entry);
      totalWeight += 1;
      const forget = () => {
        if (entries.get(key) === entry) drop(key);
      };
      value.then((result) => {
        if (generation !== startedIn) return forget();
        if (entries.get(key) !== entry) return;
        const weight = Math.max(1, options.weight(result));
        totalWeight += weight - entry.weight;
        entry.weight = weight;
        for (const oldest of entries.keys()) {
          if (totalWeight <= options.maxWeight) break;
          drop(oldest);
        }
      }, forget);
      return value;
    },
    clear() {
      generation++;
      entries.clear();
      totalWeight = 0;
    },
  };
}
