import type { Job, JobStore } from '../../db/jobs';
import type { ResumeSkill, SkillStore, StoredOccupation } from '../../db/skills';
import { matcherFor, recommendationRank } from './match';
import type { SkillsService } from './skills';
import { resumeTitleLines, titleCoverage, titleWords } from './titles';

/**
 * How much a job title naming the resume's own roles counts in the ranking, against skills. On
 * the labelled resumes (scripts/evaluate-recommendations.ts) the own occupation reached the top 3
 * for 2 of 24 on skills alone, 18 of 24 with any weight from 0.3 to 0.7, and 19 of 24 at 0.4 once
 * the title lines were queried as one text.
 */
const TITLE_WEIGHT = 0.3;
/** How much sharing an occupation (detected in both, ESCO) counts: what a person is, not only words. */
const OCCUPATION_WEIGHT = 0.3;
/** Jobs of the resume's occupations added to the candidates (from the database, not the vector store). */
const OCCUPATION_CANDIDATES = 100;

/** Jobs scored per recommendation: the nearest skill bags, never the whole board. */
export const RECOMMENDATION_CANDIDATES = 100;

/**
 * The active jobs that best fit a resume, best first. Candidates come from the vector store (the
 * jobs whose skill bags are nearest the resume's, and those whose titles are nearest the roles the
 * resume names) and from the database (jobs of the resume's occupations). Each is scored exactly
 * (`scoreMatch`) and ranked by skills (`recommendationRank`), title (`titleCoverage`) and shared
 * occupation, ties broken by nearness, then the newer id. `score` is that ranking, 0..100
 * (GET /api/jobs/{id}/match gives the job-coverage score instead).
 */
export async function recommendJobs(
  deps: { skills: SkillsService; skillStore: SkillStore; jobs: JobStore },
  resume: { text: string; skills: readonly ResumeSkill[]; occupations: readonly StoredOccupation[] },
  limit: number,
): Promise<{ job: Job; score: number }[]> {
  const resumeSkills = resume.skills;
  const titleLines = resumeTitleLines(resume.text);
  const roleWords = new Set(titleLines.flatMap(titleWords));
  const [nearest, ofOccupations] = await Promise.all([
    deps.skills.candidateJobs(resumeSkills, Math.max(RECOMMENDATION_CANDIDATES, limit), titleLines),
    deps.skillStore.jobsOfOccupations(
      resume.occupations.map((o) => o.occupationId),
      OCCUPATION_CANDIDATES,
    ),
  ]);
  const candidateIds = [...new Set([...nearest, ...ofOccupations])];
  const [candidates, skillsByJob, occupationsByJob, related] = await Promise.all([
    deps.jobs.getActiveMany(candidateIds),
    deps.skillStore.jobSkillsMany(candidateIds),
    deps.skillStore.jobOccupationsMany(candidateIds),
    deps.skills.relatedOf(),
  ]);
  const ownOccupations = new Map(resume.occupations.map((o) => [o.occupationId, o.score]));
  const nearness = new Map(candidateIds.map((id, rank) => [id, rank]));
  const match = matcherFor(resumeSkills, related);
  return (
    candidates
      .map((job) => {
        const result = match(skillsByJob.get(job.id) ?? []);
        const rank =
          (1 - TITLE_WEIGHT - OCCUPATION_WEIGHT) * recommendationRank(result) +
          TITLE_WEIGHT * titleCoverage(roleWords, job.title) +
          OCCUPATION_WEIGHT * sharedOccupation(ownOccupations, occupationsByJob.get(job.id) ?? []);
        return { job, score: Math.round(100 * rank), rank };
      })
      // Nothing in common (no skill, no title word) is no recommendation.
      .filter(({ rank }) => rank > 0)
      .sort(
        (a, b) =>
          b.rank - a.rank ||
          (nearness.get(a.job.id) ?? 0) - (nearness.get(b.job.id) ?? 0) ||
          b.job.id - a.job.id,
      )
      .slice(0, limit)
      .map(({ job, score }) => ({ job, score }))
  );
}

/** How much a job is of the resume's occupations: the geometric mean of both detections' scores, summed. */
function sharedOccupation(own: ReadonlyMap<string, number>, job: readonly StoredOccupation[]): number {
  let shared = 0;
  for (const o of job) {
    const mine = own.get(o.occupationId);
    if (mine !== undefined) shared += Math.sqrt(mine * o.score);
  }
  return Math.min(1, shared);
}
