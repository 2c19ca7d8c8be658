/**
 * Evaluates label-based skill extraction on the labelled resumes in test/fixtures/skills-eval.
 *
 *   npx tsx scripts/evaluate-skills.ts [--ontology data/skills-ontology.json] [--runs 20] [--verbose] [--vector]
 *
 * Prints a per-resume table and the overall micro/macro precision, recall and F1, the matcher's build
 * time, extraction time per resume (p50/p99 over --runs passes, after one warm-up pass), and the false
 * positives and negatives most frequent across resumes. --verbose also lists each resume's errors.
 * Texts are normalised as the resume pipeline does (normaliseText) before extraction. --vector
 * also scores extraction as uploads do it, with the vector step for unmatched phrases, against a
 * private Chroma child seeded with the ontology (about 30 s more).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/logger';
import { startChromaServer } from '../src/node/chroma-server';
import { loadOntology } from '../src/node/skills-ontology';
import { normaliseText } from '../src/services/documents/normalise';
import { createHashingEmbedder } from '../src/services/skills/embedder';
import { evaluateExtraction, mostFrequent } from '../src/services/skills/evaluate';
import { createSkillMatcher } from '../src/services/skills/extract';
import type { Ontology } from '../src/services/skills/ontology';
import { seedOntology } from '../src/services/skills/seed';
import { createSkillsService } from '../src/services/skills/skills';
import { createVectorStore } from '../src/services/skills/vector-store';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = path.join(root, 'test/fixtures/skills-eval');

interface Labels {
  [file: string]: { occupation: string; skills: string[] };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);

async function main() {
  const { values } = parseArgs({
    options: {
      ontology: { type: 'string' },
      runs: { type: 'string', default: '20' },
      verbose: { type: 'boolean', default: false },
      vector: { type: 'boolean', default: false },
    },
  });
  const runs = Math.max(1, Number(values.runs) || 20);
  const ontology = await loadOntology(values.ontology);
  const byId = new Map(ontology.skills.map((s) => [s.id, s]));

  const t0 = performance.now();
  const matcher = createSkillMatcher(ontology);
  const buildMs = performance.now() - t0;

  const labels = JSON.parse(readFileSync(path.join(fixtures, 'labels.json'), 'utf8')) as Labels;
  const files = readdirSync(fixtures)
    .filter((f) => f.endsWith('.txt'))
    .sort();
  const texts = new Map(files.map((f) => [f, normaliseText(readFileSync(path.join(fixtures, f), 'utf8'))]));

  const gold: Record<string, string[]> = {};
  const unresolved: string[] = [];
  for (const [file, entry] of Object.entries(labels)) {
    gold[file] = [];
    for (const label of entry.skills) {
      const skill = matcher.resolve(label, { derived: false });
      if (skill) gold[file].push(skill.id);
      else unresolved.push(`${file}: ${label}`);
    }
  }

  const predicted: Record<string, string[]> = {};
  const times = new Map<string, number[]>(files.map((f) => [f, []]));
  for (let run = -1; run < runs; run++) {
    for (const file of files) {
      const start = performance.now();
      const result = matcher.match(texts.get(file)!);
      const ms = performance.now() - start;
      if (run >= 0) times.get(file)!.push(ms);
      predicted[file] = result.skills.map((s) => s.id);
    }
  }

  const evaluation = evaluateExtraction(predicted, gold);
  const name = (id: string) => byId.get(id)?.name ?? id;

  console.log(
    `Ontology ${ontology.version}: ${ontology.skills.length} skills; matcher ${JSON.stringify(matcher.stats)}`,
  );
  console.log(`Matcher build: ${buildMs.toFixed(0)} ms`);
  console.log('');
  console.log(
    `${'resume'.padEnd(40)} ${'words'.padStart(5)} ${'gold'.padStart(4)} ${'pred'.padStart(4)} ${'tp'.padStart(3)}      P      R     F1  p50 ms`,
  );
  for (const d of evaluation.documents) {
    const text = texts.get(d.document) ?? '';
    const sorted = [...(times.get(d.document) ?? [])].sort((a, b) => a - b);
    console.log(
      `${d.document.padEnd(40)} ${String(text.split(/\s+/).length).padStart(5)} ${String(d.truePositives + d.falseNegatives).padStart(4)} ${String(d.truePositives + d.falsePositives).padStart(4)} ${String(d.truePositives).padStart(3)} ${pct(d.precision)} ${pct(d.recall)} ${pct(d.f1)} ${percentile(sorted, 50).toFixed(2).padStart(7)}`,
    );
    if (values.verbose) {
      if (d.falsePositiveIds.length) console.log(`    FP: ${d.falsePositiveIds.map(name).join('; ')}`);
      if (d.falseNegativeIds.length) console.log(`    FN: ${d.falseNegativeIds.map(name).join('; ')}`);
    }
  }
  const m = evaluation.micro;
  console.log('');
  console.log(
    `Micro: P ${pct(m.precision)}  R ${pct(m.recall)}  F1 ${pct(m.f1)}  (tp ${m.truePositives}, fp ${m.falsePositives}, fn ${m.falseNegatives})`,
  );
  const a = evaluation.macro;
  console.log(`Macro: P ${pct(a.precision)}  R ${pct(a.recall)}  F1 ${pct(a.f1)}`);
  const all = [...times.values()].flat().sort((x, y) => x - y);
  const chars = [...texts.values()].reduce((sum, t) => sum + t.length, 0) / Math.max(1, texts.size);
  console.log(
    `Extraction per resume (${runs} runs x ${files.length} resumes, mean ${chars.toFixed(0)} chars): p50 ${percentile(all, 50).toFixed(2)} ms, p99 ${percentile(all, 99).toFixed(2)} ms, max ${all.at(-1)?.toFixed(2)} ms`,
  );

  // The target is for a 2-page resume (~4,000 characters): time each resume joined with the next one.
  const pairs = files.map((f, i) => `${texts.get(f)}\n\n${texts.get(files[(i + 1) % files.length]!)}`);
  for (const t of pairs) matcher.match(t);
  const pairTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    for (const t of pairs) {
      const start = performance.now();
      matcher.match(t);
      pairTimes.push(performance.now() - start);
    }
  }
  pairTimes.sort((x, y) => x - y);
  const pairChars = pairs.reduce((sum, t) => sum + t.length, 0) / Math.max(1, pairs.length);
  console.log(
    `Extraction per 2-page text (two resumes joined, mean ${pairChars.toFixed(0)} chars): p50 ${percentile(pairTimes, 50).toFixed(2)} ms, p99 ${percentile(pairTimes, 99).toFixed(2)} ms`,
  );

  const worst = [...evaluation.documents].sort((x, y) => x.f1 - y.f1).slice(0, 5);
  console.log(`Worst F1: ${worst.map((d) => `${d.document} ${pct(d.f1).trim()}`).join(', ')}`);
  console.log('');
  console.log('Most frequent false positives (resumes):');
  for (const { id, count } of mostFrequent(
    evaluation.documents.map((d) => d.falsePositiveIds),
    25,
  )) {
    console.log(`  ${String(count).padStart(2)}  ${name(id)}  [${id}]`);
  }
  console.log('Most frequent false negatives (resumes):');
  for (const { id, count } of mostFrequent(
    evaluation.documents.map((d) => d.falseNegativeIds),
    25,
  )) {
    console.log(`  ${String(count).padStart(2)}  ${name(id)}  [${id}]`);
  }
  if (values.vector) await evaluateWithVectorStep(ontology, texts, gold, name);
  if (unresolved.length) {
    console.log('');
    console.log(`Labels that resolve to no ontology skill (${unresolved.length}):`);
    for (const u of unresolved) console.log(`  ${u}`);
  }
}

/** Extraction as the upload pipeline runs it: labels, then Chroma for the unmatched phrases. */
async function evaluateWithVectorStep(
  ontology: Ontology,
  texts: Map<string, string>,
  gold: Record<string, string[]>,
  name: (id: string) => string,
) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jobmate-skills-eval-'));
  const chroma = await startChromaServer({ persistDir: dir });
  try {
    const vectors = createVectorStore({
      url: chroma.url,
      embedder: createHashingEmbedder(),
      timeoutMs: 60_000,
    });
    await seedOntology({ ontology, store: vectors });
    const service = createSkillsService({
      loadOntology: async () => ontology,
      vectors,
      logger: silentLogger,
    });
    const predicted: Record<string, string[]> = {};
    const added: string[] = [];
    for (const [file, text] of texts) {
      const { skills } = await service.extractFromResume(text);
      predicted[file] = skills.map((s) => s.skillId);
      for (const s of skills)
        if (s.method === 'vector') added.push(`${file}: "${s.evidence}" -> ${s.name} (${s.score})`);
    }
    const m = evaluateExtraction(predicted, gold).micro;
    console.log('');
    console.log(
      `With the vector step: P ${pct(m.precision)}  R ${pct(m.recall)}  F1 ${pct(m.f1)}  (tp ${m.truePositives}, fp ${m.falsePositives}, fn ${m.falseNegatives})`,
    );
    console.log(`Vector matches (${added.length}):`);
    for (const line of added) console.log(`  ${line}`);
    void name;
  } finally {
    await chroma.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
