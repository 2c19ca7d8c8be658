import { createClient } from '@libsql/client';
import pg from 'pg';

/**
 * The fill of bench/applications.ts: the same rows on both dialects, from one INSERT ... SELECT
 * over a series `i` (1..total), in statements of 100,000 rows. Rows 1..perUser belong to user 1
 * (the measured one, `auth0_sub` 'bench|apps'), the rest to users 2..otherUsers + 1. User 1's
 * applications get timelines (the initial status, and one change when they moved on).
 */

export interface FillSize {
  total: number;
  perUser: number;
  otherUsers: number;
}

const titles = [
  'Backend Engineer',
  'Data Analyst',
  'Registered Nurse',
  'Frontend Developer',
  'Site Reliability Engineer',
  'Product Manager',
  'Electrician',
  'Marketing Specialist',
];
const statusOf =
  "case when i % 20 < 6 then 'saved' when i % 20 < 12 then 'applied' when i % 20 < 15 then 'interviewing' " +
  "when i % 20 = 15 then 'offer' when i % 20 = 16 then 'accepted' when i % 20 < 19 then 'rejected' else 'withdrawn' end";
const titleOf = `case i % ${titles.length} ${titles.map((t, k) => `when ${k} then '${t}'`).join(' ')} end`;
const dayMs = 86_400_000;
function columnsSql(dialect: 'sqlite' | 'postgres', size: FillSize) {
  const { perUser, otherUsers } = size;
  // Postgres's series is int4: products that pass 2^31 need bigint.
  const big = dialect === 'sqlite' ? 'i' : 'i::bigint';
  /** Created over the two years from 2024-06-01, spread by a multiplicative hash of i. */
  const createdMsOf = `(${Date.UTC(2024, 5, 1)} + (${big} * 7919) % ${730 * dayMs})`;
  const newline = dialect === 'sqlite' ? 'char(10)' : 'chr(10)';
  const time = (ms: string) => (dialect === 'sqlite' ? `(${ms})` : `to_timestamp((${ms}) / 1000.0)`);
  // Parenthesised: SQLite's || binds tighter than % ('a' || i % 7 is ('a' || i) % 7).
  const text = (expr: string) => (dialect === 'sqlite' ? `(${expr})` : `(${expr})::text`);
  const hex = (expr: string, width: number) =>
    dialect === 'sqlite' ? `printf('%0${width}x', ${expr})` : `lpad(to_hex(${expr}), ${width}, '0')`;
  const id = `${hex('i', 8)} || '-0000-4000-8000-' || ${hex(`(${big} * 2654435761) % 281474976710656`, 12)}`;
  const user = `case when i <= ${perUser} then 1 else 2 + i % ${otherUsers} end`;
  const company = `'Company ' || ${text(`i % 997`)}`;
  const match = `case when i % 2 = 0 then '{"score":' || ${text('i % 101')} || ',"matched_skills":[{"id":"s1","name":"Python","type":"skill","match":"exact"}],"missing_skills":[{"id":"s2","name":"Kubernetes","type":"technology"}]}' end`;
  return [
    ['id', id],
    ['user_id', user],
    ['job_id', 'case when i % 5 = 0 then 1 + i % 100000 end'],
    ['title', titleOf],
    ['company', company],
    ['url', `'https://jobs.example.com/' || ${text('i')}`],
    ['location', "'Lisbon, Portugal'"],
    ['description', 'null'],
    ['search_text', `lower(${titleOf}) || ${newline} || lower(${company})`],
    ['resume_id', 'null'],
    ['status', statusOf],
    ['match_snapshot', dialect === 'sqlite' ? match : `(${match})::jsonb`],
    ['notes', `case when i % 4 = 0 then 'Notes about application ' || ${text('i')} end`],
    [
      'applied_at',
      `case when i % 20 >= 6 and i % 20 < 19 then ${time(`${createdMsOf} + (${big} % 5) * ${dayMs}`)} end`,
    ],
    ['next_action_at', `case when i % 3 = 0 then ${time(`${createdMsOf} + (${big} % 30) * ${dayMs}`)} end`],
    ['created_at', time(createdMsOf)],
    ['updated_at', time(`${createdMsOf} + (${big} % 40) * ${dayMs}`)],
  ] as const;
}

function insertSql(dialect: 'sqlite' | 'postgres', size: FillSize, from: number, to: number): string {
  const columns = columnsSql(dialect, size);
  const names = columns.map(([name]) => `"${name}"`).join(', ');
  const values = columns.map(([, expr]) => expr).join(',\n  ');
  const series =
    dialect === 'sqlite'
      ? `with recursive seq(i) as (select ${from} union all select i + 1 from seq where i < ${to}) `
      : '';
  const source = dialect === 'sqlite' ? 'seq' : `generate_series(${from}, ${to}) as s(i)`;
  return `${series}insert into applications (${names}) select\n  ${values}\nfrom ${source}`;
}

/** The measured user's timelines: the initial status and, when it moved on, one change. */
const eventsColumns = '(application_id, type, at, from_status, to_status, created_at)';
const eventsSql = [
  `insert into application_events ${eventsColumns} select id, 'status', created_at, null, 'saved', created_at from applications where user_id = 1`,
  `insert into application_events ${eventsColumns} select id, 'status', updated_at, 'saved', status, updated_at from applications where user_id = 1 and status <> 'saved'`,
];

const usersSql = (dialect: 'sqlite' | 'postgres', { otherUsers }: FillSize) =>
  dialect === 'sqlite'
    ? `with recursive seq(i) as (select 1 union all select i + 1 from seq where i < ${otherUsers + 1}) insert into user_profiles (id, auth0_sub, email, name) select i, case when i = 1 then 'bench|apps' else 'bench|other-' || i end, 'u' || i || '@example.com', 'User ' || i from seq`
    : `insert into user_profiles (id, auth0_sub, email, name) select i, case when i = 1 then 'bench|apps' else 'bench|other-' || i end, 'u' || i || '@example.com', 'User ' || i from generate_series(1, ${otherUsers + 1}) as s(i)`;

const BATCH = 100_000;

export async function fillSqlite(url: string, size: FillSize) {
  const { total } = size;
  const client = createClient({ url });
  try {
    await client.execute(usersSql('sqlite', size));
    for (let from = 1; from <= total; from += BATCH) {
      await client.execute(insertSql('sqlite', size, from, Math.min(total, from + BATCH - 1)));
      process.stdout.write('.');
    }
    for (const statement of eventsSql) await client.execute(statement);
  } finally {
    client.close();
  }
}

export async function fillPostgres(url: string, size: FillSize) {
  const { total, otherUsers } = size;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(usersSql('postgres', size));
    await client.query(`select setval(pg_get_serial_sequence('user_profiles', 'id'), ${otherUsers + 1})`);
    for (let from = 1; from <= total; from += BATCH) {
      await client.query(insertSql('postgres', size, from, Math.min(total, from + BATCH - 1)));
      process.stdout.write('.');
    }
    for (const statement of eventsSql) await client.query(statement);
    // As autovacuum would after a bulk load (insert-triggered since Postgres 13): the planner's
    // statistics and the visibility map, without which no index-only scan skips the heap.
    for (const table of ['applications', 'application_events', 'user_profiles']) {
      await client.query(`vacuum analyze ${table}`);
    }
  } finally {
    await client.end();
  }
}
