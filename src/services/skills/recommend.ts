import type { Job, JobStore } from '../../db/jobs';
import type { ResumeSkill, SkillStore } from '../../db/skills';
import { matcherFor, recommendationRank } from './match';
import type { SkillsService } from './skills';

/** Jobs scored per recommendation: the nearest skill bags, never the whole board. */
export const RECOMMENDATION_CANDIDATES = 100;

/**
 * The active jobs that best fit a resume's skills, best first. Candidates are the jobs whose
 * skill bags are nearest the resume's in the vector store; each is then scored exactly
 * (`scoreMatch`) and ranked by `recommendationRank`, ties broken by nearness, then the newer id.
 * `score` is the match score, as GET /api/jobs/{id}/match gives it.
 */
export async function recommendJobs(
  deps: { skills: SkillsService; skillStore: SkillStore; jobs: JobStore },
  resumeSkills: readonly ResumeSkill[],
  limit: number,
): Promise<{ job: Job; score: number }[]> {
  const candidateIds = await deps.skills.candidateJobs(
    resumeSkills,
    Math.max(RECOMMENDATION_CANDIDATES, limit),
  );
  const [candidates, skillsByJob, related] = await Promise.all([
    deps.jobs.getActiveMany(candidateIds),
    deps.skillStore.jobSkillsMany(candidateIds),
    deps.skills.relatedOf(),
  ]);
  const nearness = new Map(candidateIds.map((id, rank) => [id, rank]));
  const match = matcherFor(resumeSkills, related);
  return candidates
    .map((job) => {
      const result = match(skillsByJob.get(job.id) ?? []);
      return { job, score: result.score, rank: recommendationRank(result) };
    })
    .sort(
      (a, b) =>
        b.rank - a.rank ||
        (nearness.get(a.job.id) ?? 0) - (nearness.get(b.job.id) ?? 0) ||
        b.job.id - a.job.id,
    )
    .slice(0, limit)
    .map(({ job, score }) => ({ job, score }));
}
