import {
  createSkillMatcher,
  extractFromJob,
  type JobText,
  type SkillMatcher,
  type SkillMatchResult,
} from './extract';
import type { Ontology, OntologySkill } from './ontology';

/**
 * The label matching behind skill extraction, wherever it runs. The dictionary takes ~1.5 s and
 * ~80 MB to build and a long text tens of milliseconds to match, so on Node it lives on a worker
 * thread of its own (src/node/skills-matching.ts) and the event loop only waits for answers; on
 * Workers (one request's CPU, no threads) it runs in the isolate (`inThreadMatching`).
 */
export interface SkillMatching {
  matchResume(text: string): Promise<SkillMatchResult>;
  /** Title and description matched as one text (`text`: what the spans point into). */
  matchJobs(jobs: readonly JobText[]): Promise<Array<SkillMatchResult & { text: string }>>;
  /** The skill a label or alias names ("JS", "k8s"), as matching resolves it. */
  resolve(label: string): Promise<OntologySkill | undefined>;
  /** Builds the dictionary now rather than on first use. */
  warmUp(): Promise<void>;
}

/** One request to a matcher: what crosses to a worker thread and back. */
export type MatchingTask =
  | { op: 'resume'; text: string }
  | { op: 'jobs'; jobs: JobText[] }
  | { op: 'resolve'; label: string }
  | { op: 'warm-up' };

export function runMatchingTask(matcher: SkillMatcher, task: MatchingTask): unknown {
  switch (task.op) {
    case 'resume':
      return matcher.match(task.text);
    case 'jobs':
      return task.jobs.map((job) => extractFromJob(matcher, job));
    case 'resolve':
      return matcher.resolve(task.label) ?? null;
    case 'warm-up':
      return null;
  }
}

/** Matching through `run`, which sends a task wherever the matcher is (a thread, or here). */
export function matchingVia(run: (task: MatchingTask) => Promise<unknown>): SkillMatching {
  return {
    matchResume: async (text) => (await run({ op: 'resume', text })) as SkillMatchResult,
    matchJobs: async (jobs) =>
      (await run({ op: 'jobs', jobs: [...jobs] })) as Array<SkillMatchResult & { text: string }>,
    resolve: async (label) => ((await run({ op: 'resolve', label })) as OntologySkill | null) ?? undefined,
    warmUp: async () => {
      await run({ op: 'warm-up' });
    },
  };
}

/** The matcher in this thread, built from the ontology on first use. */
export function inThreadMatching(
  loadOntology: () => Promise<Ontology>,
  onBuilt?: (info: { skills: number; buildMs: number }) => void,
): SkillMatching {
  let built: Promise<SkillMatcher> | undefined;
  const matcher = () => {
    built ??= loadOntology().then((ontology) => {
      const started = Date.now();
      const m = createSkillMatcher(ontology);
      onBuilt?.({ skills: ontology.skills.length, buildMs: Date.now() - started });
      return m;
    });
    built.catch(() => {
      built = undefined;
    });
    return built;
  };
  return matchingVia(async (task) => runMatchingTask(await matcher(), task));
}
