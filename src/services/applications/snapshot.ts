import type { ApplicationMatch } from '../../db/schema/application-match';
import type { JobSkill } from '../../db/skills';
import { scoreMatch } from '../skills/match';

/**
 * The match an application keeps from the moment it is made (and when its resume changes): the
 * same score, matched and missing skills as `GET /api/jobs/{id}/match` (`scoreMatch`), or null when
 * there is nothing to match: no resume, a posting whose skills are not known (not read yet, or an
 * outside posting without a description or a skills service), or a resume without skills.
 */
export function matchSnapshot(
  jobSkills: readonly JobSkill[],
  resumeSkills: ReadonlyArray<{ skillId: string; name: string }> | undefined,
  relatedOf: (skillId: string) => readonly string[],
): ApplicationMatch | null {
  if (!resumeSkills || resumeSkills.length === 0 || jobSkills.length === 0) return null;
  const result = scoreMatch(jobSkills, resumeSkills, relatedOf);
  return { score: result.score, matched_skills: result.matched, missing_skills: result.missing };
}
