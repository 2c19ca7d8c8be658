/**
 * The skills ontology the project ships (data/skills-ontology.json, built by
 * scripts/derive-skills-ontology.ts from ESCO v1.1.1 and O*NET 29.2) and the shapes the skills
 * services share: the extractor reads labels from it, the seeder embeds it into Chroma, matching
 * uses `related` for partial credit.
 */

export type SkillType = 'knowledge' | 'skill' | 'technology';
export type SkillSource = 'esco' | 'onet';

export interface OntologySkill {
  /** Stable across rebuilds: `esco:<concept uuid>` when ESCO has the skill, else `onet:<slug of the name>`. */
  id: string;
  /** Preferred label (ESCO's preferredLabel, or the O*NET example's name). */
  name: string;
  type: SkillType;
  /** Other labels people write for the same skill, without the name, deduplicated case-insensitively. */
  altLabels: string[];
  sources: SkillSource[];
  /** O*NET "Hot Technology" flag (false for ESCO-only skills). */
  hot: boolean;
  /** O*NET "In Demand" flag (false for ESCO-only skills). */
  inDemand: boolean;
  /** Ids of closely related skills (ESCO skill-skill relations and direct broader skills), for partial credit. */
  related: string[];
}

export interface Ontology {
  /** Changes whenever the derivation or its inputs change. */
  version: string;
  attribution: string[];
  skills: OntologySkill[];
}

/** A skill found in a text, with the evidence for it. */
export interface ExtractedSkill {
  id: string;
  name: string;
  type: SkillType;
  /** Confidence 0..1: exact preferred-label match highest, alias lower, vector match by similarity. */
  score: number;
  method: 'label' | 'alias' | 'vector';
  /** The text that evidences the skill: character offsets into the input text and the matched text. */
  span: { start: number; end: number; text: string };
}
