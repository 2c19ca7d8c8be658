/**
 * Label-based skill extraction: finds the ontology's skill names and alternative labels in a resume
 * or job text, with rules that keep ordinary words ("excel at", "Go live", "Sous Chef") from
 * becoming skills. Runs the same on Node and Workers (no fs, process or Buffer).
 *
 * How it works
 * - `createSkillMatcher` indexes every name and alternative label once, as a trie over normalised
 *   tokens: lower case, accents folded, possessives dropped, a light plural and past-tense fold
 *   ("systems" = "system", "installed" = "install", "managed" = "manage"); "C++", "C#", ".NET",
 *   "Node.js", "R&D" stay single tokens; "-" and "/" split, so "CI/CD", "A/B testing" and
 *   "cold-calling" match however they are hyphenated. It adds two kinds of derived labels where the
 *   ontology has none for the same words: the name without a parenthetical qualifier
 *   ("Java (computer programming)" -> "Java"), and ESCO verb phrases as people write them on a
 *   resume ("administer medication" -> "medication administration", "carry out wound care" ->
 *   "wound care", "clean drains" -> "drain cleaning" for other verbs, "pick orders for dispatching"
 *   -> "order picking"), also without vague modifiers ("read standard blueprints" -> "read
 *   blueprints", "blueprint reading") or a particle ("clear out drains" -> "clear drains").
 * - `match(text)` scans left to right taking the longest label at each position ("JavaScript" never
 *   yields "Java", "Spring Boot" beats "Spring"), never across a line, list or sentence break nor
 *   inside an e-mail address or URL; "install and repair heat pumps" also tries "install heat
 *   pumps", and "operate overhead cranes" a skill named "operate cranes" (not after light verbs). It then applies the evidence rules below and keeps one result per skill (highest score,
 *   first span).
 *
 * Precision rules (the tables `AMBIGUOUS`, `STOP_LABELS`, `TECH_TRIGGERS`, `LANGUAGE_EVIDENCE` in
 * extract/rules.ts, and `classify` in extract/dictionary.ts):
 * - Short or ordinary-word labels ("C", "R", "Go", "Excel", "Word", "Chef", "Spring", ...) need
 *   evidence: technical context (a Skills-like section, a "Tools:"-style label, a list that names
 *   another technology, or a trigger word such as "programming" nearby) or, for some, a proper-noun
 *   spelling (capitalised and not the first word of its sentence or item).
 * - Single-word O*NET technology names that are also ordinary English words (detected from ESCO's
 *   labels, which are English prose) get the proper-noun rule automatically ("React" yes, "react
 *   quickly" no); so do two-letter acronyms ("IT", "UX"), which also need technical context.
 * - Acronym labels ("BLS", "LEDs", "CLEAR") match only text written in capitals.
 * - Human languages ("English"; recognised because the ontology has "understand spoken <language>")
 *   count only under a Languages heading or label, next to "fluent", "native", "bilingual"..., or in
 *   a list with another language.
 * - ESCO lists broader or related words among alternative labels ("press" for journalism,
 *   "coordination" for logistics). A one-word, lower-case alternative label is used as is only when
 *   it spells the one-word name differently ("troubleshooting" for "troubleshoot"); when the word
 *   is rare in ESCO ("phlebotomy", "upsell") it counts in skills lists only; otherwise it is not
 *   matched at all (it still resolves, see `resolve`).
 * - One-word ESCO knowledge areas ("statistics", "hydraulics", "logistics") count in skills lists
 *   only; knowledge areas in the Education section (degree subjects, coursework) do not count.
 * - The first line of a resume (the candidate's name) is skipped, and so are non-technology labels
 *   on dated lines ("Project Manager - TransAmerica Logistics, 2014 - 2019": employer names).
 *
 * Scores: preferred label 1.0, alternative label 0.9, derived label 0.8; a label accepted on
 * evidence (the rules above) x0.85; +0.05 inside a Skills-like section; capped at 1.
 *
 * `unmatchedPhrases` lists the entries of skills lists and short bullet items (<= 6 words) that
 * contained no accepted label, for the vector lookup.
 *
 * Files (extract/): types.ts (the public types), rules.ts (the rule tables), tokens.ts (tokenising
 * and normalising), trie.ts and dictionary.ts (the label dictionary, `createSkillMatcher`,
 * `resolve`), labels.ts (derived labels), lines.ts (sections, lines, list segments, e-mail addresses
 * and URLs), match.ts (the scan), evidence.ts (context and denial rules), unmatched.ts (unmatched
 * phrases). This file re-exports the public API and holds `extractFromJob`.
 */
export { createSkillMatcher } from './extract/dictionary';
export { withoutTrailingParenthetical } from './extract/labels';
export { overlapIndex } from './extract/lines';
export type {
  MatchOptions,
  SkillMatcher,
  SkillMatcherOptions,
  SkillMatchResult,
  UnmatchedPhrase,
} from './extract/types';

import type { SkillMatcher, SkillMatchResult } from './extract/types';

// ---------------------------------------------------------------------------------------------
// Jobs

export interface JobText {
  title: string;
  description: string;
}

/** Added to a skill named in a job's title, which is the strongest statement of what the job is. */
const TITLE_BONUS = 0.1;

/**
 * Skills of a job posting. The title and description are matched as one text
 * (`${title}\n\n${description}`, which is what the spans point into, returned as `text`); a skill
 * named in the title ("Senior Go Developer", "Registered Nurse - ICU") gets +0.1 (capped at 1), and
 * the title is technical context for weak labels next to a trigger word ("Go Developer").
 */
export function extractFromJob(matcher: SkillMatcher, job: JobText): SkillMatchResult & { text: string } {
  const title = job.title.replace(/\s+/g, ' ').trim();
  const text = `${title}\n\n${job.description}`;
  const result = matcher.match(text, { kind: 'job' });
  for (const s of result.skills) {
    if (s.span.end <= title.length) s.score = Math.min(1, Math.round((s.score + TITLE_BONUS) * 1000) / 1000);
  }
  return { ...result, text };
}
