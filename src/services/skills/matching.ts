import { createSkillAnalyser, type SkillAnalyser, type TextAnalysis } from './analyse';
import type { JobText } from './extract';
import type { Ontology, OntologySkill } from './ontology';

/**
 * Skill extraction (the analyser: labels, occupations, matching in other words), wherever it runs.
 * The dictionary takes ~1.5 s and ~80 MB to build and a long text tens of milliseconds to read, so
 * on Node it lives on a worker thread of its own (src/node/skills-matching.ts) and the event loop
 * only waits for answers; on Workers (one request's CPU, no threads) it runs in the isolate
 * (`inThreadMatching`).
 */
export interface SkillMatching {
  analyseResume(text: string): Promise<TextAnalysis>;
  /** Title and description read as one text (`text`: what the spans point into). */
  analyseJobs(jobs: readonly JobText[]): Promise<Array<TextAnalysis & { text: string }>>;
  /** The skill a label or alias names ("JS", "k8s"), as extraction resolves it. */
  resolve(label: string): Promise<OntologySkill | undefined>;
  /** Builds the dictionary now rather than on first use. */
  warmUp(): Promise<void>;
}

/** One request to an analyser: what crosses to a worker thread and back. */
export type MatchingTask =
  | { op: 'resume'; text: string }
  | { op: 'jobs'; jobs: JobText[] }
  | { op: 'resolve'; label: string }
  | { op: 'warm-up' };

export function runMatchingTask(analyser: SkillAnalyser, task: MatchingTask): unknown {
  switch (task.op) {
    case 'resume':
      return analyser.resume(task.text);
    case 'jobs':
      return task.jobs.map((job) => analyser.job(job));
    case 'resolve':
      return analyser.resolve(task.label) ?? null;
    case 'warm-up':
      return null;
  }
}

/** Extraction through `run`, which sends a task wherever the analyser is (a thread, or here). */
export function matchingVia(run: (task: MatchingTask) => Promise<unknown>): SkillMatching {
  return {
    analyseResume: async (text) => (await run({ op: 'resume', text })) as TextAnalysis,
    analyseJobs: async (jobs) =>
      (await run({ op: 'jobs', jobs: [...jobs] })) as Array<TextAnalysis & { text: string }>,
    resolve: async (label) => ((await run({ op: 'resolve', label })) as OntologySkill | null) ?? undefined,
    warmUp: async () => {
      await run({ op: 'warm-up' });
    },
  };
}

/** The analyser in this thread, built from the ontology on first use. */
export function inThreadMatching(
  loadOntology: () => Promise<Ontology>,
  onBuilt?: (info: { skills: number; buildMs: number }) => void,
): SkillMatching {
  let built: Promise<SkillAnalyser> | undefined;
  const analyser = () => {
    built ??= loadOntology().then((ontology) => {
      const started = Date.now();
      const a = createSkillAnalyser(ontology);
      onBuilt?.({ skills: ontology.skills.length, buildMs: Date.now() - started });
      return a;
    });
    built.catch(() => {
      built = undefined;
    });
    return built;
  };
  return matchingVia(async (task) => runMatchingTask(await analyser(), task));
}
