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

/** An ESCO occupation with its skill profile (ESCO's occupation-skill relations). */
export interface OntologyOccupation {
  /** `esco:<concept uuid>` of the ESCO occupation. */
  id: string;
  /** ESCO's preferred label ("plumber", "nurse responsible for general care"). */
  title: string;
  /** ESCO's alternative labels, deduplicated case-insensitively, without the title. */
  altTitles: string[];
  /** ISCO-08 unit group (4 digits): occupations of a family share its first digits. */
  isco: string;
  /** Skill ids ESCO lists as essential for it, and as optional. */
  essential: string[];
  optional: string[];
  /** O*NET-SOC codes of the O*NET occupations whose titles name the same occupation. */
  onet: string[];
}

/** An O*NET occupation: its titles (for detecting it) and the technologies O*NET lists for it. */
export interface OnetOccupation {
  /** O*NET-SOC code, e.g. "47-2152.00". */
  code: string;
  title: string;
  /** O*NET's alternate titles ("Pipe Fitter", "Plumber"), deduplicated. */
  altTitles: string[];
  /** Skill ids of the technologies (O*NET Technology Skills) used in it. */
  technologies: string[];
}

export interface Ontology {
  /** Changes whenever the derivation or its inputs change. */
  version: string;
  attribution: string[];
  skills: OntologySkill[];
  occupations: OntologyOccupation[];
  onetOccupations: OnetOccupation[];
  /**
   * Word forms -> lemma (lower case), for the words of the skill labels and occupation titles:
   * "drains" -> "drain", "cleaning" -> "clean", "trained" -> "train", "apprentices" ->
   * "apprentice". Derived with wink-lemmatizer when the ontology is built, so lemmatising at run
   * time is a lookup (the same on Node and Workers, no 3 MB lexicon in the bundle). A form that is
   * its own lemma is not listed.
   */
  lemmas: Record<string, string>;
}

/** A skill found in a text, with the evidence for it. */
export interface ExtractedSkill {
  id: string;
  name: string;
  type: SkillType;
  /** Confidence 0..1: exact preferred-label match highest, alias lower, vector match by similarity. */
  score: number;
  /** How it was read: a label or alias as written, a clause in other words inside the occupation's skills, or Chroma. */
  method: 'label' | 'alias' | 'occupation' | 'vector';
  /** The text that evidences the skill: character offsets into the input text and the matched text. */
  span: { start: number; end: number; text: string };
  /**
   * Read in technical context (a Skills-like list or label, or next to "programming", "framework"
   * and the like): what lets a named tool outside the text's occupation count (see analyse.ts).
   */
  technical?: boolean;
}
