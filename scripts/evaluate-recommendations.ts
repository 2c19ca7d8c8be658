/**
 * `npx tsx scripts/evaluate-recommendations.ts`: for each labelled resume of
 * test/fixtures/skills-eval and test/fixtures/skills-heldout, does a job of its own occupation rank
 * in the top 3 of its recommendations?
 *
 * The board: POSTINGS_PER_OCCUPATION demo postings for every O*NET occupation of data/onet-jobs.json
 * (generated one occupation at a time, so each job's occupation is known), their skills read and
 * indexed exactly as the server does, against a private Chroma child seeded with the shipped
 * ontology. Recommendations are `recommendJobs`, the code behind GET /api/jobs/recommended.
 * Takes about a minute.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../src/config';
import { createJobStore } from '../src/db/jobs';
import { createSkillStore } from '../src/db/skills';
import { silentLogger } from '../src/logger';
import { startChromaServer } from '../src/node/chroma-server';
import { migrateDatabase, openNodeDatabase } from '../src/node/database';
import { generateDemoJobs } from '../src/node/demo-jobs';
import { loadOnetJobData } from '../src/node/onet-data';
import { loadOntology } from '../src/node/skills-ontology';
import { normaliseText } from '../src/services/documents/normalise';
import { createSkillsBackfill } from '../src/services/skills/backfill';
import { createHashingEmbedder } from '../src/services/skills/embedder';
import { recommendJobs } from '../src/services/skills/recommend';
import { seedOntology } from '../src/services/skills/seed';
import { createSkillsService } from '../src/services/skills/skills';
import { createVectorStore } from '../src/services/skills/vector-store';

const POSTINGS_PER_OCCUPATION = 3;
const TOP = 3;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tuningFixtures = path.join(root, 'test/fixtures/skills-eval');
const heldoutFixtures = path.join(root, 'test/fixtures/skills-heldout');

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobmate-recommend-eval-'));
  const chroma = await startChromaServer({ persistDir: path.join(dir, 'chroma') });
  try {
    const vectors = createVectorStore({
      url: chroma.url,
      embedder: createHashingEmbedder(),
      timeoutMs: 60_000,
    });
    const ontology = await loadOntology();
    await seedOntology({ ontology, store: vectors });
    const skills = createSkillsService({ loadOntology: async () => ontology, vectors, logger: silentLogger });

    const database = openNodeDatabase(parseConfig({ DATABASE_DEV: `file:${path.join(dir, 'eval.db')}` }));
    await migrateDatabase(database);
    const jobs = createJobStore(database);
    const skillStore = createSkillStore(database);

    // Every occupation's postings, remembering which occupation each external id belongs to.
    const onet = loadOnetJobData();
    const occupationOf = new Map<string, string>();
    const now = new Date();
    for (const [index, occupation] of onet.occupations.entries()) {
      const postings = generateDemoJobs({ ...onet, occupations: [occupation] }, POSTINGS_PER_OCCUPATION, {
        seed: 7,
        now,
        offset: index * POSTINGS_PER_OCCUPATION,
      });
      for (const p of postings) occupationOf.set(p.external_id, occupation.title);
      await jobs.upsertMany(
        postings.map((p) => ({
          title: p.title,
          company: p.company,
          location: p.location,
          jobType: p.job_type,
          description: p.description,
          source: p.source,
          externalId: p.external_id,
          url: p.url,
          salaryMin: p.salary_min,
          salaryMax: p.salary_max,
          currency: p.currency,
          remote: p.remote,
          createdAt: p.created_at,
        })),
        now,
      );
    }
    await createSkillsBackfill({ skills, store: skillStore, logger: silentLogger }).run();
    console.log(`board: ${occupationOf.size} postings of ${onet.occupations.length} occupations`);

    // Both labelled sets: the tuning set and the held-out one (not tuned on).
    let hits = 0;
    let total = 0;
    const rows: string[] = [];
    for (const fixtures of [tuningFixtures, heldoutFixtures]) {
      const labels = JSON.parse(readFileSync(path.join(fixtures, 'labels.json'), 'utf8')) as Record<
        string,
        { occupation: string }
      >;
      const set = path.basename(fixtures);
      let setHits = 0;
      for (const [file, { occupation }] of Object.entries(labels)) {
        const text = normaliseText(readFileSync(path.join(fixtures, file), 'utf8'));
        const { skills: found, occupations } = await skills.extractFromResume(text);
        const ranked = await recommendJobs(
          { skills, skillStore, jobs },
          { text, skills: found, occupations },
          TOP,
        );
        const top = ranked.map((r) => ({
          ...r,
          occupation: occupationOf.get(r.job.externalId ?? '') ?? '?',
        }));
        const hit = top.some((r) => r.occupation === occupation);
        if (hit) setHits++;
        rows.push(
          `| ${set}/${file} | ${occupation} | ${hit ? 'yes' : 'no'} | ${top.map((r) => `${r.job.title} (${r.occupation}, ${r.score})`).join('; ')} |`,
        );
      }
      console.log(`${set}: own occupation in the top ${TOP} for ${setHits} of ${Object.keys(labels).length}`);
      hits += setHits;
      total += Object.keys(labels).length;
    }
    console.log(`\n| resume | occupation | own occupation in top ${TOP} | top ${TOP} (occupation, score) |`);
    console.log('|---|---|---|---|');
    for (const row of rows) console.log(row);
    console.log(`\nown occupation in the top ${TOP}: ${hits} of ${total}`);
    await database.close();
  } finally {
    await chroma.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
