import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobStore, type NewJob, RANKED_CANDIDATES, toFts5Query } from '../../src/db/jobs';
import { createTestDatabase, databaseKinds, type TestDatabase } from '../support/databases';

const job = (title: string): NewJob => ({
  title,
  company: 'Counted Co',
  location: 'Oslo, Norway',
  jobType: 'full-time',
  description: 'Counting things.',
  source: null,
  externalId: null,
  url: null,
  salaryMin: null,
  salaryMax: null,
  currency: null,
  remote: false,
});

describe.each(databaseKinds)('the job list total cache on %s', (kind) => {
  let db: TestDatabase;
  let now = 0;
  const page = { offset: 0, limit: 10 };
  const filters = { sort: 'newest' as const, company: 'counted' };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db.dispose());

  it('clears on its own writes and picks up other writers after the TTL', async () => {
    const store = createJobStore(db.database, { countCacheTtlMs: 1000, now: () => now });
    const otherProcess = createJobStore(db.database);
    await store.create(job('First'), new Date());
    expect((await store.list(filters, page)).total).toBe(1);

    await store.create(job('Second'), new Date());
    expect((await store.list(filters, page)).total).toBe(2);

    await otherProcess.create(job('Third'), new Date());
    const stale = await store.list(filters, page);
    expect(stale.total).toBe(2); // cached total, fresh rows
    expect(stale.jobs).toHaveLength(3);

    now += 1001;
    expect((await store.list(filters, page)).total).toBe(3);
  });

  it('reuses a page within listCacheTtlMs, clears it on its own writes, and reads again after it', async () => {
    const store = createJobStore(db.database, { listCacheTtlMs: 1000, now: () => now });
    const otherProcess = createJobStore(db.database);
    const titles = async (options?: { description?: boolean }) =>
      (await store.list({ ...filters, company: 'paged' }, page, options)).jobs.map((j) => j.title);
    await store.create({ ...job('One'), company: 'Paged Co' }, new Date());
    expect(await titles()).toEqual(['One']);

    await otherProcess.create({ ...job('Two'), company: 'Paged Co' }, new Date(Date.now() + 1000));
    expect(await titles()).toEqual(['One']); // the cached page
    expect((await store.list({ ...filters, company: 'paged' }, { offset: 0, limit: 9 })).jobs).toHaveLength(
      2,
    );

    await store.create({ ...job('Three'), company: 'Paged Co' }, new Date(Date.now() + 2000));
    expect(await titles()).toEqual(['Three', 'Two', 'One']);

    await otherProcess.create({ ...job('Four'), company: 'Paged Co' }, new Date(Date.now() + 3000));
    now += 1001;
    expect(await titles()).toEqual(['Four', 'Three', 'Two', 'One']);
    // Without descriptions: a page of its own, read now.
    const summary = await store.list({ ...filters, company: 'paged' }, page, { description: false });
    expect(summary.jobs.every((j) => j.description === undefined)).toBe(true);
  });
});

describe('toFts5Query', () => {
  it.each([
    ['python developer', '"python" "developer"'],
    ['"machine learning" python', '"machine learning" "python"'],
    ['python -java', '("python") NOT ("java")'],
    ['python OR java', '"python" OR "java"'],
    ['OR python OR', '"OR" "python"'],
    ['NEAR(a b) title:x c++*', '"NEAR(a" "b)" "title:x" "c++*"'],
    ['-only', undefined],
    ['   ', undefined],
  ])('turns %s into %s', (input, expected) => {
    expect(toFts5Query(input)).toBe(expected);
  });
});

describe.each(databaseKinds)('location and company filters on %s', (kind) => {
  let db: TestDatabase;
  let store: ReturnType<typeof createJobStore>;
  const page = { offset: 0, limit: 50 };
  const titles = async (filters: { location?: string; company?: string }) =>
    (await store.list({ sort: 'newest', ...filters }, page)).jobs.map((j) => j.title).sort();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = createJobStore(db.database);
    const at = (title: string, location: string, company: string) =>
      store.create({ ...job(title), location, company }, new Date());
    await at('a', 'New York, NY', 'Acme "Quoted" Ltd');
    await at('b', 'York, United Kingdom', 'Yorkshire Tea');
    await at('c', 'MÜNCHEN, Germany', 'Ab 100% Co');
    await at('d', 'Oslo, Norway', 'Under_Score AS');
  });
  afterAll(() => db.dispose());

  it('matches a substring case-insensitively', async () => {
    expect(await titles({ location: 'YORK' })).toEqual(['a', 'b']);
    expect(await titles({ company: 'york' })).toEqual(['b']);
  });

  it('matches one- and two-character filters too', async () => {
    expect(await titles({ location: 'Os' })).toEqual(['d']);
    expect(await titles({ company: 'y' })).toEqual(['b']);
  });

  it('takes quotes, % and _ as text', async () => {
    expect(await titles({ company: '"Quoted"' })).toEqual(['a']);
    expect(await titles({ company: '100%' })).toEqual(['c']);
    expect(await titles({ company: 'r_s' })).toEqual(['d']);
    expect(await titles({ company: '%' })).toEqual(['c']);
  });

  it('combines location and company', async () => {
    expect(await titles({ location: 'york', company: 'tea' })).toEqual(['b']);
    expect(await titles({ location: 'york', company: 'Os' })).toEqual([]);
  });

  it('folds non-ASCII case', async () => {
    expect(await titles({ location: 'münchen' })).toEqual(['c']);
  });

  it('follows updates and deletes of the rows', async () => {
    const moved = await store.create({ ...job('e'), location: 'Bergen, Norway' }, new Date());
    expect(await titles({ location: 'bergen' })).toEqual(['e']);
    await store.update(moved.id, { location: 'Tromsø, Norway' }, new Date());
    expect(await titles({ location: 'bergen' })).toEqual([]);
    expect(await titles({ location: 'TROMSØ' })).toEqual(['e']);
  });
});

describe.each(databaseKinds)('relevance ranking on %s', (kind) => {
  let db: TestDatabase;
  let store: ReturnType<typeof createJobStore>;
  const matches = RANKED_CANDIDATES + 30;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = createJobStore(db.database);
    // The oldest posting is the best match (the word in its title), and it is past the candidates.
    await store.create({ ...job('Welder'), description: 'welder' }, new Date(0));
    const rows = Array.from({ length: matches - 1 }, (_, i) => ({
      ...job(`Fabricator ${i}`),
      description: `Workshop role ${i}; a welder helps now and then.`,
      source: 'test',
      externalId: `r${i}`,
    }));
    await store.upsertMany(rows, new Date());
  }, 120_000);
  afterAll(() => db.dispose());

  it('lists and counts every match, ranked candidates first', async () => {
    const ids = new Set<number>();
    let total = 0;
    for (let offset = 0; offset < matches + 20; offset += 100) {
      const page = await store.list({ sort: 'relevance', q: 'welder' }, { offset, limit: 100 });
      total = page.total;
      for (const j of page.jobs) ids.add(j.id);
    }
    expect(total).toBe(matches);
    expect(ids.size).toBe(matches);
  });

  it('counts only the active matches of a search', async () => {
    const before = (await store.list({ sort: 'newest', q: 'welder' }, { offset: 0, limit: 1 })).total;
    const gone = await store.create({ ...job('Welder, gone'), description: 'welder' }, new Date());
    expect((await store.list({ sort: 'newest', q: 'welder' }, { offset: 0, limit: 1 })).total).toBe(
      before + 1,
    );
    await store.deactivate(gone.id, new Date());
    expect((await store.list({ sort: 'newest', q: 'welder' }, { offset: 0, limit: 1 })).total).toBe(before);
    expect((await store.list({ sort: 'relevance', q: 'welder' }, { offset: 0, limit: 1 })).total).toBe(
      before,
    );
  });

  it('puts the best match first among the most recently added ones', async () => {
    const best = await store.create({ ...job('Welder, senior'), description: 'welder welder' }, new Date());
    const page = await store.list({ sort: 'relevance', q: 'welder' }, { offset: 0, limit: 3 });
    expect(page.jobs[0]?.id).toBe(best.id);
  });
});

describe.each(databaseKinds)('keyset pages on %s', (kind) => {
  let db: TestDatabase;
  let store: ReturnType<typeof createJobStore>;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    store = createJobStore(db.database);
  });
  afterAll(() => db.dispose());

  it('walks rows that share one created_at (an import) without skipping or repeating any', async () => {
    const at = new Date('2026-03-01T00:00:00Z');
    const made: number[] = [];
    for (let i = 0; i < 5; i++)
      made.push((await store.create({ ...job(`Tied ${i}`), company: 'Tied Co' }, at)).id);
    const filters = { sort: 'newest' as const, company: 'tied' };
    const seen: number[] = [];
    let after: { createdAt: Date; id: number } | undefined;
    for (let pages = 0; pages < 5; pages++) {
      const { jobs } = await store.list(filters, { offset: 0, limit: 2, after });
      seen.push(...jobs.map((j) => j.id));
      const last = jobs.at(-1);
      if (!last || jobs.length < 2) break;
      after = { createdAt: last.createdAt, id: last.id };
    }
    expect(seen).toEqual([...made].sort((a, b) => b - a));
  });
});
