import { createReadStream, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config';
import { createJobStore } from '../db/jobs';
import { type ImportFormat, parseImport } from '../services/jobs/import-parser';
import { importJobs } from '../services/jobs/importer';
import { migrateDatabase, openNodeDatabase } from './database';
import { seedDemoJobs } from './demo-seed';
import { loadNodeConfig } from './environment';
import { loadOnetJobData } from './onet-data';
import { progressBar } from './progress';

/**
 * Operator commands on the configured database:
 *   npm run jobs:import -- <file> [--format csv|json|ndjson] [--source name]
 *   npm run jobs:demo -- [--count 3000] [--seed 1]
 */
const usage =
  'usage: jobs-cli import <file> [--format csv|json|ndjson] [--source name] | jobs-cli demo [--count N] [--seed N]';

const formatsByExtension: Record<string, ImportFormat> = {
  '.csv': 'csv',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      source: { type: 'string' },
      count: { type: 'string', default: '3000' },
      seed: { type: 'string', default: '1' },
    },
  });
  const [command, file] = positionals;
  const config = loadNodeConfig();
  const database = openNodeDatabase(config);
  try {
    if (config.MIGRATE_ON_START) await migrateDatabase(database);
    const store = createJobStore(database);

    if (command === 'import' && file) {
      const format = (values.format ?? formatsByExtension[path.extname(file).toLowerCase()]) as
        | ImportFormat
        | undefined;
      if (!format || !['csv', 'json', 'ndjson'].includes(format))
        throw new Error(`Cannot tell the format of ${file}; pass --format`);
      const size = statSync(file).size;
      const bar = progressBar('importing', size);
      let bytes = 0;
      const stream = createReadStream(file);
      stream.on('data', (chunk) => {
        bytes += chunk.length;
      });
      const summary = await importJobs(
        parseImport(Readable.toWeb(stream) as ReadableStream<Uint8Array>, format),
        store,
        {
          now: new Date(),
          defaultSource: values.source,
          onProgress: (p) =>
            bar.update(
              bytes,
              `rows ${p.rows}, created ${p.created}, updated ${p.updated}, failed ${p.failed}`,
            ),
        },
      );
      const seconds = bar.done();
      console.log(
        `Imported ${file}: ${summary.created} created, ${summary.updated} updated, ${summary.failed_total} failed ` +
          `in ${seconds.toFixed(1)} s.`,
      );
      for (const failure of summary.failed.slice(0, 20))
        console.log(`  row ${failure.row}: ${failure.error}`);
      if (summary.failed_total > 20) console.log(`  ... and ${summary.failed_total - 20} more`);
      return;
    }

    if (command === 'demo') {
      const count = Number(values.count);
      const seed = Number(values.seed);
      if (!Number.isInteger(count) || count < 1 || !Number.isInteger(seed))
        throw new Error('--count and --seed take whole numbers');
      const bar = progressBar('generating', count);
      const result = await seedDemoJobs(store, loadOnetJobData(), {
        count,
        seed,
        now: new Date(),
        onProgress: (n) => bar.update(n),
      });
      const seconds = bar.done();
      console.log(
        `Demo jobs: ${result.created} created, ${result.updated} updated in ${seconds.toFixed(1)} s.`,
      );
      return;
    }
    throw new Error(usage);
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
});
