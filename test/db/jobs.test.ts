import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobStore, type NewJob, toFts5Query } from '../../src/db/jobs';
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
