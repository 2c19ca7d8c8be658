import { withoutTrailingParenthetical } from './extract';
import { contentLemmas, type Lemmatizer } from './lemmas';
import type { ExtractedSkill, OntologySkill } from './ontology';

/**
 * Matching inside an occupation's own skills, where people write work and ESCO names competences:
 * "Drain cleaning with cable machines" is "clear out drains", "Trained two apprentices" is "train
 * employees". A clause of the text and a label are compared as sets of lemmas, in any order, each
 * word weighed by how rare it is among all skill labels (a shared "drain" says much, a shared
 * "use" little). Only the skills of the detected occupations are tried: across 22,000 skills the
 * same looseness would find something in every sentence.
 */

/** The weighed share of a label's words a clause must contain (two informative words at least). */
export const RELAXED_MIN_COVERAGE = 0.75;
/**
 * A word used by more skills than this says too little to count as evidence ("use", "manage",
 * "system", "equipment", "service" are in hundreds of labels; "drain" in 11, "brake" in 5).
 */
const INFORMATIVE_MAX_SKILLS = 250;
/** A word used by at most this many skills can point at one alone. */
const RARE_MAX_SKILLS = 30;
/** Score of a skill read this way: below exact labels (1, 0.9) and aliases. */
const RELAXED_SCORE = 0.6;
/** Clauses longer than this are prose, not a statement of one piece of work. */
const MAX_CLAUSE_WORDS = 12;
/** A clause this short may state a skill by one distinctive word ("Drain cleaning"). */
const SHORT_CLAUSE_WORDS = 6;

/** Words that deny a clause: what it says is not a skill ("no experience with drain cleaning"). */
const DENIAL = /\b(?:no|not|never|without|none|lack(?:ing)?|unfamiliar|n't)\b/i;
/** A dated line is a role or a school ("Plumber, Acme Plumbing, 2019-present"): no skills there. */
const DATED = /\b(?:19|20)\d\d\b/;
/** Where a clause ends: sentence and list punctuation. */
const CLAUSE_BREAK = /[.;:|•·!?,]\s+|[;|•·]|\s[-–—]\s/g;

export interface Clause {
  text: string;
  start: number;
  lemmas: ReadonlySet<string>;
}

/** The clauses of a text worth reading for work: bullets, sentences and list items, not headings. */
export function clausesOf(
  text: string,
  lemma: Lemmatizer,
  skipLines: ReadonlySet<number> = new Set(),
): Clause[] {
  const clauses: Clause[] = [];
  let lineStart = 0;
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const start = lineStart;
    lineStart += line.length + 1;
    if (skipLines.has(index) || DATED.test(line)) return;
    let from = 0;
    const push = (to: number) => {
      const raw = line.slice(from, to);
      const trimmed = raw.replace(/^[\s\-*•◦▪●‣■➢►▸✓✔❖◆]+/, '').trim();
      if (trimmed && !DENIAL.test(trimmed)) {
        const lemmas = contentLemmas(trimmed, lemma);
        if (lemmas.length > 0 && lemmas.length <= MAX_CLAUSE_WORDS) {
          clauses.push({
            text: trimmed,
            start: start + from + raw.indexOf(trimmed),
            lemmas: new Set(lemmas),
          });
        }
      }
    };
    for (const m of line.matchAll(CLAUSE_BREAK)) {
      push(m.index);
      from = m.index + m[0].length;
    }
    push(line.length);
  });
  return clauses;
}

export interface WordWeights {
  /** Rarity across all skill labels (inverse document frequency). */
  weight(word: string): number;
  /** Used by few enough skills to count as evidence. */
  informative(word: string): boolean;
  /** Used by so few skills that alone it points at one ("drain", "brake", "furnace"). */
  rare(word: string): boolean;
}

/** Weights of words by rarity across all skill labels. */
export function labelWordWeights(skills: readonly OntologySkill[], lemma: Lemmatizer): WordWeights {
  const documents = new Map<string, number>();
  for (const s of skills) {
    const seen = new Set<string>();
    for (const label of [s.name, ...s.altLabels]) for (const w of contentLemmas(label, lemma)) seen.add(w);
    for (const w of seen) documents.set(w, (documents.get(w) ?? 0) + 1);
  }
  const n = skills.length;
  return {
    weight: (word) => Math.log((n + 1) / ((documents.get(word) ?? 0) + 1)),
    informative: (word) => (documents.get(word) ?? 0) <= INFORMATIVE_MAX_SKILLS,
    rare: (word) => (documents.get(word) ?? 0) <= RARE_MAX_SKILLS,
  };
}

export interface LabelSet {
  skill: OntologySkill;
  words: string[];
  /** The label's words that are informative (used by few skills). */
  informative: string[];
  total: number;
}

/** The labels of some skills as weighed lemma sets (labels of one word are left to exact matching). */
export function labelSets(
  skills: Iterable<OntologySkill>,
  lemma: Lemmatizer,
  words_: WordWeights,
): LabelSet[] {
  const sets: LabelSet[] = [];
  for (const skill of skills) {
    const seen = new Set<string>();
    for (const label of [skill.name, ...skill.altLabels]) {
      const words = [...new Set(contentLemmas(withoutTrailingParenthetical(label), lemma))];
      const key = [...words].sort().join(' ');
      if (words.length < 2 || seen.has(key)) continue;
      seen.add(key);
      const informative = words.filter((w) => words_.informative(w));
      if (informative.length === 0) continue;
      sets.push({ skill, words, informative, total: words.reduce((sum, w) => sum + words_.weight(w), 0) });
    }
  }
  return sets;
}

/**
 * The skills of `candidates` (an occupation's own) that clauses of the text state in other words,
 * each with the clause that says it (the best one). A clause states a skill when it holds two or
 * more of the label's informative words and most of its weight ("Prepared corporate tax returns"
 * is "prepare tax returns forms"), or, when short, the one informative word that no other skill of
 * the occupation uses ("Drain cleaning with cable machines" is "clear out drains" for a plumber,
 * "Trained two apprentices" is "train employees"). `found` are skills already read exactly.
 */
export function relaxedMatches(
  clauses: readonly Clause[],
  candidates: readonly LabelSet[],
  words: WordWeights,
  found: ReadonlySet<string>,
): ExtractedSkill[] {
  const skillsUsing = skillsUsingWords(candidates);
  const best = new Map<string, { coverage: number; clause: Clause }>();
  for (const set of candidates) {
    if (found.has(set.skill.id) || set.total <= 0) continue;
    for (const clause of clauses) {
      let held = 0;
      let heldWord = '';
      for (const w of set.informative) {
        if (clause.lemmas.has(w)) {
          held++;
          heldWord = w;
        }
      }
      if (held === 0) continue;
      let covered = 0;
      for (const w of set.words) if (clause.lemmas.has(w)) covered += words.weight(w);
      const coverage = covered / set.total;
      const byWords = held >= 2 && coverage >= RELAXED_MIN_COVERAGE;
      const byDistinctiveWord =
        held === 1 &&
        set.informative.length <= 2 &&
        clause.lemmas.size <= SHORT_CLAUSE_WORDS &&
        words.rare(heldWord) &&
        skillsUsing.get(heldWord) === 1;
      if (!byWords && !byDistinctiveWord) continue;
      const prev = best.get(set.skill.id);
      if (!prev || coverage > prev.coverage) best.set(set.skill.id, { coverage, clause });
    }
  }
  const out: ExtractedSkill[] = [];
  const bySkill = new Map(candidates.map((c) => [c.skill.id, c.skill]));
  for (const [id, { coverage, clause }] of best) {
    const skill = bySkill.get(id)!;
    out.push({
      id,
      name: skill.name,
      type: skill.type,
      score: Math.round(RELAXED_SCORE * Math.max(0.5, coverage) * 1000) / 1000,
      method: 'occupation',
      span: { start: clause.start, end: clause.start + clause.text.length, text: clause.text },
    });
  }
  return out.sort((a, b) => a.span.start - b.span.start || (a.id < b.id ? -1 : 1));
}

/** How many of the candidate skills use each informative word: one that only one uses points at it. */
function skillsUsingWords(candidates: readonly LabelSet[]): Map<string, number> {
  const skills = new Map<string, Set<string>>();
  for (const set of candidates) {
    for (const w of set.informative) {
      let ids = skills.get(w);
      if (!ids) {
        ids = new Set();
        skills.set(w, ids);
      }
      ids.add(set.skill.id);
    }
  }
  return new Map([...skills].map(([w, ids]) => [w, ids.size]));
}
