import {
  bestFirst,
  type JobSkill,
  type ResumeSkill,
  type SkillsStatus,
  type StoredOccupation,
} from '../../db/skills';
import { DependencyUnavailableError } from '../../errors';
import { describeError, type Logger } from '../../logger';
import type { TextAnalysis } from './analyse';
import { createSkillBagEmbedder, skillBagDocument } from './match';
import { inThreadMatching, type SkillMatching } from './matching';
import type { ExtractedSkill, Ontology, OntologySkill } from './ontology';
import { DEFAULT_SKILLS_COLLECTION } from './seed';
import type { VectorStore } from './vector-store';

/** The Chroma collection of active jobs' skill bags, which recommendations search. */
export const JOBS_COLLECTION = 'job_skill_bags';
/** The Chroma collection of active jobs' titles (the configured embedder), the second channel. */
export const JOB_TITLES_COLLECTION = 'job_titles';
/**
 * Title matches taken, for all the resume's role lines queried as one text: each query vector
 * costs Chroma a few milliseconds at 100k jobs, one per line was most of a recommendation.
 */
const TITLE_CANDIDATES = 50;

/**
 * A phrase's nearest ontology skill must be at least this similar to count. The built-in hashing
 * embedder knows spelling, not meaning: on the labelled resumes, 0.72 let in "pain management" ->
 * "alter management" and lowered F1 (65.6 % -> 63.7 %); at 0.85 only near-spellings pass.
 */
const VECTOR_MIN_SCORE = 0.85;
/** Vector matches are less certain than labels: their score is scaled down. */
const VECTOR_SCORE_FACTOR = 0.8;
/** Skills counted in a job's bag (its heaviest), and in a resume's query. */
const BAG_SKILLS = 60;
/** Resume skills stored: enough for any resume, bounded for a pathological one. */
const MAX_SKILLS = 200;

export interface SkillHit {
  id: string;
  name: string;
  type: string;
  score: number;
}

export interface SkillsServiceDeps {
  /** Reads the shipped ontology (a file on Node); called once, on first use. */
  loadOntology: () => Promise<Ontology>;
  /**
   * Where labels are matched (Node: a worker thread, src/node/skills-matching.ts). Default: in
   * this thread, with a dictionary built from `loadOntology`.
   */
  matching?: SkillMatching;
  /** Chroma with the configured embedder; absent when no Chroma is configured. */
  vectors?: VectorStore;
  logger: Logger;
  /** Collection names (tests give each suite its own). */
  collections?: { skills?: string; jobs?: string; titles?: string };
}

interface Extraction {
  skills: ExtractedSkill[];
  /** False when the vector step could not run (Chroma down): exact labels only. */
  complete: boolean;
}

/** What is stored of a text's skills and occupations. */
export interface ReadSkills<S> {
  skills: S[];
  status: SkillsStatus;
  occupations: StoredOccupation[];
}

const toStoredOccupations = (analysis: TextAnalysis): StoredOccupation[] =>
  analysis.occupations.map((o) => ({ occupationId: o.id, title: o.title, score: o.score }));

/**
 * Skills of resumes and jobs, skill search and the candidate search behind recommendations.
 * Labels are matched in memory (a prebuilt dictionary, ./extract.ts); only phrases that match
 * no label go to Chroma. When Chroma is down, extraction still answers with the exact labels
 * and says it is incomplete, so the record can be completed later.
 */
export function createSkillsService(deps: SkillsServiceDeps) {
  const { logger, vectors } = deps;
  const skillCollection = vectors?.collection(deps.collections?.skills ?? DEFAULT_SKILLS_COLLECTION);
  const jobBags = vectors
    ? vectors.withEmbedder(createSkillBagEmbedder()).collection(deps.collections?.jobs ?? JOBS_COLLECTION)
    : undefined;
  const jobTitles = vectors?.collection(deps.collections?.titles ?? JOB_TITLES_COLLECTION);
  let jobIndexReady: Promise<void> | undefined;
  const ensureJobIndex = () => {
    if (!jobBags || !jobTitles) throw noVectorStore();
    jobIndexReady ??= Promise.all([jobBags.ensure(), jobTitles.ensure()])
      .then(() => undefined)
      .catch((err: unknown) => {
        jobIndexReady = undefined;
        throw err;
      });
    return jobIndexReady;
  };

  const matching =
    deps.matching ??
    inThreadMatching(deps.loadOntology, ({ skills, buildMs }) =>
      logger.info('skills ontology ready', { skills, build_ms: buildMs }),
    );
  /** The ontology's skills by id (names of vector matches, related skills): 15 MB, read once. */
  let loaded: Promise<{ byId: Map<string, OntologySkill> }> | undefined;
  const ontology = () => {
    loaded ??= deps.loadOntology().then((o) => ({ byId: new Map(o.skills.map((s) => [s.id, s])) }));
    loaded.catch(() => {
      loaded = undefined;
    });
    return loaded;
  };

  /** Looks the unmatched phrases up in Chroma; adds what is near enough to a label. */
  async function withVectorStep(results: TextAnalysis[]): Promise<Extraction[]> {
    const phrases = [...new Set(results.flatMap((r) => r.unmatchedPhrases.map((p) => p.text)))];
    if (phrases.length === 0) return results.map((r) => ({ skills: r.skills, complete: true }));
    if (!skillCollection) return results.map((r) => ({ skills: r.skills, complete: false }));
    let nearest: Map<string, { id: string; score: number }>;
    try {
      const matches = await skillCollection.query(phrases, { k: 1 });
      nearest = new Map();
      phrases.forEach((phrase, i) => {
        const best = matches[i]?.[0];
        if (best && best.score >= VECTOR_MIN_SCORE) nearest.set(phrase, { id: best.id, score: best.score });
      });
    } catch (err) {
      if (!(err instanceof DependencyUnavailableError)) throw err;
      logger.warn('vector step skipped: Chroma is unavailable', describeError(err));
      return results.map((r) => ({ skills: r.skills, complete: false }));
    }
    const { byId } = await ontology();
    return results.map((r) => {
      const skills = [...r.skills];
      const seen = new Set(skills.map((s) => s.id));
      for (const phrase of r.unmatchedPhrases) {
        const hit = nearest.get(phrase.text);
        const skill = hit && byId.get(hit.id);
        if (!hit || !skill || seen.has(skill.id)) continue;
        seen.add(skill.id);
        skills.push({
          id: skill.id,
          name: skill.name,
          type: skill.type,
          score: Math.round(hit.score * VECTOR_SCORE_FACTOR * 1000) / 1000,
          method: 'vector',
          span: { start: phrase.start, end: phrase.end, text: phrase.text },
        });
      }
      return { skills, complete: true };
    });
  }

  const statusOf = (e: Extraction): SkillsStatus => (e.complete ? 'complete' : 'partial');

  const toResumeSkills = (skills: ExtractedSkill[]): ResumeSkill[] =>
    [...skills]
      .sort((a, b) => bestFirst(a, b, a.score, b.score))
      .slice(0, MAX_SKILLS)
      .map((s) => ({
        skillId: s.id,
        name: s.name,
        type: s.type,
        score: s.score,
        method: s.method,
        evidence: s.span.text.slice(0, 200),
      }));

  const toJobSkills = (skills: ExtractedSkill[]): JobSkill[] =>
    [...skills]
      .sort((a, b) => bestFirst(a, b, a.score, b.score))
      .slice(0, MAX_SKILLS)
      .map((s) => ({ skillId: s.id, name: s.name, type: s.type, weight: s.score }));

  return {
    hasVectorStore: vectors !== undefined,

    /** For /api/health: `ok`, or throws when Chroma does not answer. */
    async heartbeat(): Promise<string> {
      if (!vectors) throw noVectorStore();
      await vectors.heartbeat();
      return 'ok';
    },

    /** Builds the label dictionary now rather than on the first request. */
    async warmUp(): Promise<void> {
      await Promise.all([ontology(), matching.warmUp()]);
    },

    async extractFromResume(text: string): Promise<ReadSkills<ResumeSkill>> {
      const analysis = await matching.analyseResume(text);
      const [extraction] = await withVectorStep([analysis]);
      if (!extraction) throw new Error('no extraction result');
      return {
        skills: toResumeSkills(extraction.skills),
        status: statusOf(extraction),
        occupations: toStoredOccupations(analysis),
      };
    },

    /** Many jobs at once (imports, backfill): one Chroma query for all their unmatched phrases. */
    async extractFromJobs(
      jobs: ReadonlyArray<{ title: string; description: string }>,
    ): Promise<ReadSkills<JobSkill>[]> {
      const analyses = await matching.analyseJobs(jobs);
      const extractions = await withVectorStep(analyses);
      return extractions.map((e, i) => ({
        skills: toJobSkills(e.skills),
        status: statusOf(e),
        occupations: toStoredOccupations(analyses[i]!),
      }));
    },

    /** Ontology ids related to a skill (for partial credit). */
    async relatedOf(): Promise<(skillId: string) => readonly string[]> {
      const { byId } = await ontology();
      return (skillId) => byId.get(skillId)?.related ?? [];
    },

    /** The ontology's skills nearest to a query, best first (503 when Chroma is down). */
    /**
     * The ontology's skills nearest a query, best first (503 when Chroma is down). A query that is
     * a skill's name or alias ("JS", "k8s") puts that skill first with score 1: the built-in
     * embedder compares spelling, and two letters share too little with "JavaScript".
     */
    async search(q: string, limit: number): Promise<SkillHit[]> {
      if (!skillCollection) throw noVectorStore();
      const [exact, [matches = []]] = await Promise.all([
        matching.resolve(q),
        skillCollection.query([q], { k: limit }),
      ]);
      const hits: SkillHit[] = exact ? [{ id: exact.id, name: exact.name, type: exact.type, score: 1 }] : [];
      for (const m of matches) {
        if (m.id === exact?.id) continue;
        hits.push({
          id: m.id,
          name: String(m.metadata.name ?? m.document ?? m.id),
          type: String(m.metadata.type ?? 'skill'),
          score: Math.round(m.score * 1000) / 1000,
        });
      }
      return hits.slice(0, limit);
    },

    /**
     * Puts jobs into the recommendation indexes: their skill bags (jobs without skills are taken
     * out: an empty bag has no direction) and their titles. Throws DependencyUnavailableError
     * when Chroma is down.
     */
    async indexJobs(
      entries: ReadonlyArray<{ jobId: number; title: string; skills: readonly JobSkill[] }>,
    ): Promise<void> {
      if (entries.length === 0) return;
      await ensureJobIndex();
      const bags = jobBags as NonNullable<typeof jobBags>;
      const titles = jobTitles as NonNullable<typeof jobTitles>;
      const withSkills = entries.filter((e) => e.skills.length > 0);
      const without = entries.filter((e) => e.skills.length === 0).map((e) => String(e.jobId));
      if (withSkills.length > 0) {
        await bags.upsert(
          withSkills.map((e) => ({
            id: String(e.jobId),
            text: skillBagDocument(e.skills.slice(0, BAG_SKILLS)),
            metadata: { job_id: e.jobId },
          })),
        );
      }
      if (without.length > 0) await bags.delete(without);
      await titles.upsert(
        entries.map((e) => ({ id: String(e.jobId), text: e.title, metadata: { job_id: e.jobId } })),
      );
    },

    async unindexJobs(jobIds: number[]): Promise<void> {
      if (jobIds.length === 0 || !jobBags || !jobTitles) return;
      await ensureJobIndex();
      const ids = jobIds.map(String);
      await Promise.all([jobBags.delete(ids), jobTitles.delete(ids)]);
    },

    /**
     * Candidate jobs for a resume, from two channels (503 when Chroma is down): the jobs whose
     * skill bags are nearest the resume's (`k`), and the jobs whose titles are nearest the
     * resume's own role titles (`titleLines`: its headline and job titles).
     */
    async candidateJobs(
      resumeSkills: readonly ResumeSkill[],
      k: number,
      titleLines: readonly string[] = [],
    ): Promise<number[]> {
      if (resumeSkills.length === 0 && titleLines.length === 0) return [];
      await ensureJobIndex();
      const bags = jobBags as NonNullable<typeof jobBags>;
      const titles = jobTitles as NonNullable<typeof jobTitles>;
      const bag = skillBagDocument(
        resumeSkills.slice(0, BAG_SKILLS).map((s) => ({ skillId: s.skillId, weight: s.score })),
      );
      const [bagMatches, titleMatches] = await Promise.all([
        resumeSkills.length > 0 ? bags.query([bag], { k, idsOnly: true }) : Promise.resolve([]),
        titleLines.length > 0
          ? titles.query([titleLines.join('\n')], { k: TITLE_CANDIDATES, idsOnly: true })
          : Promise.resolve([]),
      ]);
      const ids = new Set<number>();
      for (const match of [...(bagMatches[0] ?? []), ...titleMatches.flat()]) {
        const id = Number(match.id);
        if (Number.isInteger(id)) ids.add(id);
      }
      return [...ids];
    },
  };
}

export type SkillsService = ReturnType<typeof createSkillsService>;

const noVectorStore = () =>
  new DependencyUnavailableError('vector_store', 'No vector store (Chroma) is configured for this server');
