import { parseArgs } from 'node:util';
import { type Config, ConfigError } from '../config';
import { createSkillStore } from '../db/skills';
import { DependencyUnavailableError } from '../errors';
import { silentLogger } from '../logger';
import { createSkillsBackfill } from '../services/skills/backfill';
import { chromaConnection } from '../services/skills/chroma-connection';
import { createEmbedderFromConfig, EmbeddingsRequestError } from '../services/skills/embedder';
import type { Ontology } from '../services/skills/ontology';
import { DEFAULT_SKILLS_COLLECTION, seedOntology } from '../services/skills/seed';
import { createSkillsService } from '../services/skills/skills';
import { createVectorStore, EmbedderMismatchError, type VectorStore } from '../services/skills/vector-store';
import { type ChromaServer, startChromaServer } from './chroma-server';
import { openNodeDatabase } from './database';
import { loadNodeConfig } from './environment';
import { progressBar } from './progress';
import { loadOntology } from './skills-ontology';

/**
 * Operator commands on the skills vector store:
 *   npm run skills:seed -- [--reset] [--batch 500] [--ontology data/skills-ontology.json]
 *   npm run skills:backfill     skills of resumes and jobs not read yet, or read while Chroma was down
 *
 * Uses CHROMA_URL, or else starts a local Chroma on CHROMA_PERSIST_DIR for the run; embeds with
 * the OpenAI-compatible endpoint when EMBEDDINGS_BASE_URL is set, else with the built-in hashing
 * embedder. Safe to run again: only missing or outdated skills are embedded.
 */
const usage = 'usage: skills-cli seed [--reset] [--batch N] [--ontology FILE] | skills-cli backfill';

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      reset: { type: 'boolean', default: false },
      batch: { type: 'string', default: '500' },
      ontology: { type: 'string' },
    },
  });
  const [command] = positionals;
  if ((command !== 'seed' && command !== 'backfill') || positionals.length > 1) throw new Error(usage);
  const batchSize = Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) {
    throw new Error('--batch takes a whole number from 1 to 5000');
  }

  const config = loadNodeConfig();
  const embedder = createEmbedderFromConfig(config, { fetch });
  const ontology = await loadOntology(values.ontology);

  let local: ChromaServer | undefined;
  try {
    let url = config.CHROMA_URL;
    if (!url) {
      local = await startChromaServer({ persistDir: config.CHROMA_PERSIST_DIR });
      const server = local;
      // Interrupted: stop the local Chroma cleanly; the next run continues where this one stopped.
      process.once('SIGINT', () => {
        console.error('\nInterrupted; run the command again to continue.');
        void server.stop().finally(() => process.exit(130));
      });
      url = local.url;
      console.error(`Started a local Chroma at ${url} (data in ${config.CHROMA_PERSIST_DIR}).`);
    }
    // Seeding writes large batches: allow slower answers than a request would.
    const store = createVectorStore({ ...chromaConnection(config, url), embedder, timeoutMs: 60_000 });
    if (command === 'backfill') {
      await backfill(config, store, ontology);
      return;
    }
    const bar = progressBar('seeding', ontology.skills.length);
    const result = await seedOntology({
      ontology,
      store,
      batchSize,
      reset: values.reset,
      onProgress: (p) => bar.update(p.done, `added ${p.added}, skipped ${p.skipped}`),
    });
    bar.done();
    console.log(
      `Seeded ${DEFAULT_SKILLS_COLLECTION} (ontology ${ontology.version}, ${embedder.name}, ${embedder.dimension}-d) ` +
        `at ${url}: ${result.total} skills, ${result.added} added, ${result.skipped} skipped, ` +
        `${result.removed} removed in ${result.seconds.toFixed(1)} s.`,
    );
  } finally {
    await local?.stop();
  }
}

async function backfill(config: Config, vectors: VectorStore, ontology: Ontology) {
  const database = openNodeDatabase(config);
  try {
    const skills = createSkillsService({ loadOntology: async () => ontology, vectors, logger: silentLogger });
    const started = performance.now();
    const result = await createSkillsBackfill({
      skills,
      store: createSkillStore(database),
      logger: silentLogger,
    }).run();
    console.log(
      `Read skills of ${result.resumes} resumes and ${result.jobs} jobs in ${((performance.now() - started) / 1000).toFixed(1)} s` +
        (result.partial > 0
          ? `; ${result.partial} still partial (Chroma unavailable): run again later.`
          : '.'),
    );
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else if (err instanceof EmbedderMismatchError) console.error(`Embedder mismatch: ${err.message}`);
  else if (err instanceof DependencyUnavailableError) console.error(`Unavailable: ${err.message}`);
  else if (err instanceof EmbeddingsRequestError) console.error(`Embeddings request refused: ${err.message}`);
  else console.error((err as Error)?.message ?? String(err));
  process.exit(1);
});
