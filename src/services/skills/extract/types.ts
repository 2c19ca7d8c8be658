/** The public types of skill extraction (see ../extract.ts). */
import type { ExtractedSkill, OntologySkill } from '../ontology';

export interface SkillMatcherOptions {
  /** Labels never to match (compared after normalisation), on top of `STOP_LABELS`. */
  stopLabels?: string[];
  /** Longest unmatched phrase reported, in words (default 6). */
  maxPhraseWords?: number;
}

export interface MatchOptions {
  /**
   * `resume` (default) skips the first line when it looks like a person's name; `job` does not (the
   * first line of a job text is its title).
   */
  kind?: 'resume' | 'job';
}

export interface UnmatchedPhrase {
  text: string;
  start: number;
  end: number;
}

export interface SkillMatchResult {
  /** One entry per skill, ordered by the position of its span. */
  skills: ExtractedSkill[];
  unmatchedPhrases: UnmatchedPhrase[];
}

export interface SkillMatcher {
  match(text: string, options?: MatchOptions): SkillMatchResult;
  /**
   * The skill a label names, resolved exactly as `match` resolves it (a preferred label beats an
   * alternative one, which beats a derived one). With `derived: false` only the ontology's own
   * names and alternative labels count (including those `match` does not use on their own).
   */
  resolve(label: string, options?: { derived?: boolean }): OntologySkill | undefined;
  readonly stats: { skills: number; labels: number; nodes: number };
}
