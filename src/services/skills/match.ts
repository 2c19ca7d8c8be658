import type { JobSkill } from '../../db/skills';
import type { Embedder } from './embedder';

/** Credit for a job skill the resume does not show but shows a related one of (ESCO/O*NET relations). */
export const RELATED_CREDIT = 0.5;

/** A job skill the resume shows. */
export interface MatchedSkill {
  id: string;
  name: string;
  type: string;
  match: 'exact';
}

/**
 * A job skill the resume does not show. When it shows a related skill, `closest` names it: the
 * job seeker has something near (half credit in the score), not the skill itself.
 */
export interface MissingSkill {
  id: string;
  name: string;
  type: string;
  closest?: { id: string; name: string };
}

export interface MatchResult {
  /** 0..100: the weighted share of the job's skills the resume covers. */
  score: number;
  /** 0..1: the share of the resume's skills the job asks for (exact or related). */
  resumeCoverage: number;
  matched: MatchedSkill[];
  missing: MissingSkill[];
}

/**
 * How well a resume covers a job: each job skill counts with its weight, fully when the resume
 * shows it, half when the resume shows a related skill, not at all otherwise. So a resume with
 * every job skill scores 100, one with none of them (nor related ones) 0, and adding a skill to
 * a resume can only raise a credit, never lower the score. A job without skills scores 0.
 *
 * Only skills the resume shows are `matched`: a related one earns partial credit but the job skill
 * stays `missing`, with the related skill as `closest` ("you have Docker, the job asks for
 * Kubernetes"), never reported as if the job seeker had it.
 */
/**
 * How good a recommendation a job is: the harmonic mean of how much of the job the resume covers
 * and how much of the resume the job uses. Coverage alone would put a job that asks for one
 * skill the resume happens to have (100 %) above a job that asks for twenty of its skills.
 */
export function recommendationRank(match: MatchResult): number {
  const coverage = match.score / 100;
  const used = match.resumeCoverage;
  return coverage + used === 0 ? 0 : (2 * coverage * used) / (coverage + used);
}

export function scoreMatch(
  jobSkills: readonly JobSkill[],
  resumeSkills: ReadonlyArray<{ skillId: string; name: string }>,
  relatedOf: (skillId: string) => readonly string[],
): MatchResult {
  return matcherFor(resumeSkills, relatedOf)(jobSkills);
}

/**
 * `scoreMatch` with the resume's side prepared once, for scoring many jobs against one resume:
 * its skills, and which job skills its skills are related to (the relation read both ways).
 */
export function matcherFor(
  resumeSkills: ReadonlyArray<{ skillId: string; name: string }>,
  relatedOf: (skillId: string) => readonly string[],
): (jobSkills: readonly JobSkill[]) => MatchResult {
  const shown = new Map(resumeSkills.map((s) => [s.skillId, s.name]));
  // Job skill id -> a resume skill that names it as related.
  const relatedFromResume = new Map<string, { id: string; name: string }>();
  for (const [id, name] of shown) {
    for (const other of relatedOf(id))
      if (!relatedFromResume.has(other)) relatedFromResume.set(other, { id, name });
  }
  const viaOf = (skillId: string) => {
    for (const id of relatedOf(skillId)) {
      const name = shown.get(id);
      if (name !== undefined) return { id, name };
    }
    return relatedFromResume.get(skillId);
  };

  return (jobSkills) => {
    const usedResumeSkills = new Set<string>();
    let total = 0;
    let covered = 0;
    const matched: MatchedSkill[] = [];
    const missing: MissingSkill[] = [];
    for (const skill of jobSkills) {
      const weight = Math.max(0, skill.weight);
      total += weight;
      if (shown.has(skill.skillId)) {
        covered += weight;
        usedResumeSkills.add(skill.skillId);
        matched.push({ id: skill.skillId, name: skill.name, type: skill.type, match: 'exact' });
        continue;
      }
      const closest = viaOf(skill.skillId);
      if (closest) {
        covered += weight * RELATED_CREDIT;
        usedResumeSkills.add(closest.id);
        missing.push({ id: skill.skillId, name: skill.name, type: skill.type, closest });
      } else {
        missing.push({ id: skill.skillId, name: skill.name, type: skill.type });
      }
    }
    const score = total === 0 ? 0 : Math.round((100 * covered) / total);
    const resumeCoverage = shown.size === 0 ? 0 : usedResumeSkills.size / shown.size;
    return { score, resumeCoverage, matched, missing };
  };
}

const SKILL_BAG_VERSION = 'v1';

/** FNV-1a, 32 bits: stable across runtimes, which Chroma's stored vectors rely on. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The document a skill bag embeds: `id weight` pairs, one per line. */
export function skillBagDocument(skills: ReadonlyArray<{ skillId: string; weight: number }>): string {
  return skills.map((s) => `${s.skillId} ${Math.round(s.weight * 1000) / 1000}`).join('\n');
}

/**
 * Embeds a set of skill ids (not words): each id is hashed to a signed dimension and weighted, so
 * the cosine of two bags measures their weighted skill overlap. Recommendations look for jobs
 * with such vectors near the resume's, then score only those candidates exactly.
 */
export function createSkillBagEmbedder(dimension = 256): Embedder {
  return {
    name: `skill-bag-${SKILL_BAG_VERSION}-${dimension}`,
    dimension,
    async embed(texts) {
      return texts.map((text) => {
        const vector = new Array<number>(dimension).fill(0);
        for (const line of text.split('\n')) {
          const [id, weightText] = line.trim().split(/\s+/);
          if (!id) continue;
          const weight = Number(weightText ?? 1);
          const h = fnv1a(id);
          const index = (h & 0x7fffffff) % dimension;
          vector[index] =
            (vector[index] ?? 0) + (h & 0x80000000 ? -1 : 1) * (Number.isFinite(weight) ? weight : 1);
        }
        const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
        return norm === 0 ? vector : vector.map((x) => x / norm);
      });
    },
  };
}
