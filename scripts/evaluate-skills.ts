/**
 * Evaluates skill extraction (the analyser: exact labels, occupations, matching in other words)
 * on the labelled resumes: the tuning set (test/fixtures/skills-eval, which the rules were tuned
 * on) and the held-out set (test/fixtures/skills-heldout, labelled before the extractor was run on
 * it and never tuned on).
 *
 *   npx tsx scripts/evaluate-skills.ts [--set tuning|heldout|both] [--runs 20] [--verbose] [--vector]
 *
 * Per set: micro and macro precision, recall and F1, F1 per occupation family, false readings (an
 * extracted skill a resume's traps.json says must not be read from a planted phrase), whether the
 * labelled ESCO occupation is among the detected ones, and extraction time (p50/p99 over --runs
 * passes after a warm-up; per resume and per 2-page text, without the vector step). --verbose lists
 * each tuning resume's errors (never the held-out set's: it is not for tuning). --vector also scores
 * extraction as uploads do it, with the vector step, against a private Chroma child (~30 s more).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { silentLogger } from '../src/logger';
import { startChromaServer } from '../src/node/chroma-server';
import { loadOntology } from '../src/node/skills-ontology';
import { normaliseText } from '../src/services/documents/normalise';
import { createSkillAnalyser, type SkillAnalyser } from '../src/services/skills/analyse';
import { createHashingEmbedder } from '../src/services/skills/embedder';
import type { Ontology } from '../src/services/skills/ontology';
import { seedOntology } from '../src/services/skills/seed';
import { createSkillsService } from '../src/services/skills/skills';
import { createVectorStore } from '../src/services/skills/vector-store';
import { evaluateExtraction, mostFrequent, prf } from './lib/evaluate';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const evaluationSets = {
  tuning: path.join(root, 'test/fixtures/skills-eval'),
  heldout: path.join(root, 'test/fixtures/skills-heldout'),
} as const;
export type SetName = keyof typeof evaluationSets;

interface LabelEntry {
  occupation: string;
  esco_occupation?: string;
  family: string;
  skills: string[];
}

interface Trap {
  phrase: string;
  kind: string;
  not: string[];
}

export interface LabelledSet {
  name: SetName;
  texts: Map<string, string>;
  labels: Record<string, LabelEntry>;
  /** File -> skill ids that must not be read (traps.json), with the trap's kind. */
  traps: Map<string, Map<string, string>>;
  gold: Record<string, string[]>;
  unresolved: string[];
}

/** A labelled set, its labels resolved to skill ids the way the analyser resolves them. */
export function loadLabelledSet(name: SetName, analyser: SkillAnalyser): LabelledSet {
  const dir = evaluationSets[name];
  const labels = JSON.parse(readFileSync(path.join(dir, 'labels.json'), 'utf8')) as Record<
    string,
    LabelEntry
  >;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort();
  const texts = new Map(files.map((f) => [f, normaliseText(readFileSync(path.join(dir, f), 'utf8'))]));
  const resolve = (label: string) => analyser.matcher.resolve(label, { derived: false });
  const gold: Record<string, string[]> = {};
  const unresolved: string[] = [];
  for (const [file, entry] of Object.entries(labels)) {
    gold[file] = [];
    for (const label of entry.skills) {
      const skill = resolve(label);
      if (skill) gold[file].push(skill.id);
      else unresolved.push(`${file}: ${label}`);
    }
  }
  const traps = new Map<string, Map<string, string>>();
  const trapsFile = path.join(dir, 'traps.json');
  if (existsSync(trapsFile)) {
    const raw = JSON.parse(readFileSync(trapsFile, 'utf8')) as Record<string, Trap[]>;
    for (const [file, list] of Object.entries(raw)) {
      const ids = new Map<string, string>();
      for (const trap of list) {
        for (const label of trap.not) {
          const skill = resolve(label);
          if (skill) ids.set(skill.id, trap.kind);
          else unresolved.push(`${file} (trap): ${label}`);
        }
      }
      traps.set(file, ids);
    }
  }
  return { name, texts, labels, traps, gold, unresolved };
}

export interface SetResult {
  micro: ReturnType<typeof prf>;
  macro: { precision: number; recall: number; f1: number };
  families: Map<string, ReturnType<typeof prf> & { resumes: number }>;
  falseReadings: { file: string; id: string; kind: string }[];
  /** Resumes whose labelled ESCO occupation is among those detected, of those labelled with one. */
  occupationHits: {
    hits: number;
    labelled: number;
    misses: { file: string; expected: string; got: string[] }[];
  };
  evaluation: ReturnType<typeof evaluateExtraction>;
  predicted: Record<string, string[]>;
  /**
   * Labelled skills that were read, or that the profiles (essential, optional, technologies) of
   * the three likeliest detected occupations list: the recall that matching in other words inside
   * the detected occupations could reach at most. What lies outside needs matching across the
   * whole ontology, where looseness costs precision.
   */
  reachable: { read: number; inProfiles: number; either: number; gold: number };
}

/** Runs the analyser over a set and scores it. */
export function scoreSet(set: LabelledSet, analyser: SkillAnalyser): SetResult {
  const predicted: Record<string, string[]> = {};
  const detected: Record<string, string[]> = {};
  const reachable = { read: 0, inProfiles: 0, either: 0, gold: 0 };
  for (const [file, text] of set.texts) {
    const analysis = analyser.resume(text);
    predicted[file] = analysis.skills.map((s) => s.id);
    detected[file] = analysis.occupations.map((o) => o.title);
    const read = new Set(predicted[file]);
    const profiles = analysis.occupations
      .slice(0, 3)
      .map((o) => analyser.occupations.profile(o.id))
      .filter((p) => p !== undefined);
    for (const id of set.gold[file] ?? []) {
      const listed = profiles.some(
        (p) => p.essential.has(id) || p.optional.has(id) || p.technologies.has(id),
      );
      reachable.gold++;
      if (read.has(id)) reachable.read++;
      if (listed) reachable.inProfiles++;
      if (read.has(id) || listed) reachable.either++;
    }
  }
  const evaluation = evaluateExtraction(predicted, set.gold);
  const families = new Map<string, ReturnType<typeof prf> & { resumes: number }>();
  const counts = new Map<string, { tp: number; fp: number; fn: number; resumes: number }>();
  for (const d of evaluation.documents) {
    const family = set.labels[d.document]?.family ?? 'unknown';
    const c = counts.get(family) ?? { tp: 0, fp: 0, fn: 0, resumes: 0 };
    c.tp += d.truePositives;
    c.fp += d.falsePositives;
    c.fn += d.falseNegatives;
    c.resumes++;
    counts.set(family, c);
  }
  for (const [family, c] of [...counts].sort())
    families.set(family, { ...prf(c.tp, c.fp, c.fn), resumes: c.resumes });
  const falseReadings: SetResult['falseReadings'] = [];
  for (const [file, ids] of set.traps) {
    for (const id of predicted[file] ?? []) {
      const kind = ids.get(id);
      if (kind) falseReadings.push({ file, id, kind });
    }
  }
  const misses: SetResult['occupationHits']['misses'] = [];
  let hits = 0;
  let labelled = 0;
  for (const [file, entry] of Object.entries(set.labels)) {
    if (!entry.esco_occupation) continue;
    labelled++;
    if (detected[file]?.includes(entry.esco_occupation)) hits++;
    else misses.push({ file, expected: entry.esco_occupation, got: detected[file] ?? [] });
  }
  return {
    micro: evaluation.micro,
    macro: evaluation.macro,
    families,
    falseReadings,
    occupationHits: { hits, labelled, misses },
    evaluation,
    predicted,
    reachable,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`.padStart(6);

function report(set: LabelledSet, result: SetResult, ontology: Ontology, verbose: boolean) {
  const byId = new Map(ontology.skills.map((s) => [s.id, s]));
  const name = (id: string) => byId.get(id)?.name ?? id;
  console.log(`\n== ${set.name} set (${set.texts.size} resumes)\n`);
  console.log(`${'resume'.padEnd(42)} ${'family'.padEnd(14)} gold pred  tp      P      R     F1`);
  for (const d of result.evaluation.documents) {
    const family = set.labels[d.document]?.family ?? '';
    console.log(
      `${d.document.padEnd(42)} ${family.padEnd(14)} ${String(d.truePositives + d.falseNegatives).padStart(4)} ${String(d.truePositives + d.falsePositives).padStart(4)} ${String(d.truePositives).padStart(3)} ${pct(d.precision)} ${pct(d.recall)} ${pct(d.f1)}`,
    );
    if (verbose && set.name === 'tuning') {
      if (d.falsePositiveIds.length) console.log(`    FP: ${d.falsePositiveIds.map(name).join('; ')}`);
      if (d.falseNegativeIds.length) console.log(`    FN: ${d.falseNegativeIds.map(name).join('; ')}`);
    }
  }
  const m = result.micro;
  console.log(
    `\nMicro: P ${pct(m.precision)}  R ${pct(m.recall)}  F1 ${pct(m.f1)}  (tp ${m.truePositives}, fp ${m.falsePositives}, fn ${m.falseNegatives})`,
  );
  console.log(
    `Macro: P ${pct(result.macro.precision)}  R ${pct(result.macro.recall)}  F1 ${pct(result.macro.f1)}`,
  );
  console.log('F1 by family:');
  for (const [family, f] of result.families) {
    console.log(
      `  ${family.padEnd(15)} ${String(f.resumes).padStart(2)} resumes  F1 ${pct(f.f1)}  P ${pct(f.precision)}  R ${pct(f.recall)}`,
    );
  }
  console.log(
    `False readings (traps.json): ${result.falseReadings.length}${result.falseReadings.length ? ` — ${result.falseReadings.map((r) => `${r.file}: ${name(r.id)} (${r.kind})`).join('; ')}` : ''}`,
  );
  const o = result.occupationHits;
  if (o.labelled > 0) {
    console.log(`Labelled ESCO occupation among the detected ones: ${o.hits}/${o.labelled}`);
    if (verbose && set.name === 'tuning')
      for (const miss of o.misses)
        console.log(`    ${miss.file}: ${miss.expected} — got ${miss.got.join(' | ')}`);
  }
  const r = result.reachable;
  console.log(
    `Labelled skills read or listed by the 3 likeliest occupations' profiles: ${r.either}/${r.gold} (${pct(r.either / r.gold).trim()}; read ${r.read}, listed ${r.inProfiles}): the most recall matching inside the detected occupations can reach`,
  );
  if (verbose && set.name === 'tuning') {
    console.log('Most frequent false positives:');
    for (const { id, count } of mostFrequent(
      result.evaluation.documents.map((d) => d.falsePositiveIds),
      15,
    ))
      console.log(`  ${String(count).padStart(2)}  ${name(id)}`);
  }
  if (set.unresolved.length) console.log(`Labels that resolve to no skill: ${set.unresolved.join('; ')}`);
}

function timings(texts: string[], analyser: SkillAnalyser, runs: number) {
  const time = (inputs: string[]) => {
    for (const t of inputs) analyser.resume(t);
    const all: number[] = [];
    for (let run = 0; run < runs; run++) {
      for (const t of inputs) {
        const start = performance.now();
        analyser.resume(t);
        all.push(performance.now() - start);
      }
    }
    return all.sort((a, b) => a - b);
  };
  const single = time(texts);
  // A 2-page resume is ~4,000 characters: each resume joined with the next one.
  const pairs = texts.map((t, i) => `${t}\n\n${texts[(i + 1) % texts.length]}`);
  const double = time(pairs);
  console.log(
    `\nExtraction without the vector step (${runs} runs): per resume p50 ${percentile(single, 50).toFixed(2)} ms, p99 ${percentile(single, 99).toFixed(2)} ms; per 2-page text p50 ${percentile(double, 50).toFixed(2)} ms, p99 ${percentile(double, 99).toFixed(2)} ms`,
  );
}

async function main() {
  const { values } = parseArgs({
    options: {
      set: { type: 'string', default: 'both' },
      runs: { type: 'string', default: '20' },
      verbose: { type: 'boolean', default: false },
      vector: { type: 'boolean', default: false },
    },
  });
  const sets: SetName[] =
    values.set === 'both' ? ['tuning', 'heldout'] : values.set === 'heldout' ? ['heldout'] : ['tuning'];
  const runs = Math.max(1, Number(values.runs) || 20);
  const ontology = await loadOntology();
  const started = performance.now();
  const analyser = createSkillAnalyser(ontology);
  console.log(
    `Ontology ${ontology.version}: ${ontology.skills.length} skills, ${ontology.occupations.length} occupations; analyser built in ${(performance.now() - started).toFixed(0)} ms`,
  );
  const texts: string[] = [];
  for (const name of sets) {
    const set = loadLabelledSet(name, analyser);
    report(set, scoreSet(set, analyser), ontology, values.verbose ?? false);
    texts.push(...set.texts.values());
    if (values.vector) await evaluateWithVectorStep(ontology, set);
  }
  timings(texts, analyser, runs);
}

/** Extraction as the upload pipeline runs it: the analyser, then Chroma for the unmatched phrases. */
async function evaluateWithVectorStep(ontology: Ontology, set: LabelledSet) {
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
    for (const [file, text] of set.texts) {
      const { skills } = await service.extractFromResume(text);
      predicted[file] = skills.map((s) => s.skillId);
    }
    const m = evaluateExtraction(predicted, set.gold).micro;
    console.log(
      `With the vector step (${set.name}): P ${pct(m.precision)}  R ${pct(m.recall)}  F1 ${pct(m.f1)}  (tp ${m.truePositives}, fp ${m.falsePositives}, fn ${m.falseNegatives})`,
    );
  } finally {
    await chroma.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}
