/**
 * Context and denial rules: whether a label found in the text counts there (employer lines, degree
 * subjects), whether its clause denies it ("no experience with Kubernetes"), and whether a weak
 * label has the evidence it needs (see `Need` in ./rules.ts).
 */
import type { OntologySkill } from '../ontology';
import type { LineInfo } from './lines';
import { type AmbiguousRule, EDUCATION_SECTION, LANGUAGE_EVIDENCE, TECH_TRIGGERS } from './rules';
import { normToken, type Token } from './tokens';
import type { Entry } from './trie';

/** A label found in the text, before the evidence rules. */
export interface Candidate {
  loose: boolean;
  entry: Entry;
  from: number;
  to: number;
  start: number;
  end: number;
  line: LineInfo;
}

/** Words that deny what follows in their clause. Compared after `normToken`. */
const NEGATION_CUES = new Set(
  [
    'no',
    'not',
    'never',
    'without',
    'none',
    'nor',
    'neither',
    'lack',
    'lacking',
    'unfamiliar',
    'cannot',
    'cant',
    'dont',
    'doesnt',
    'didnt',
    'havent',
    'hasnt',
    'hadnt',
    'isnt',
    'arent',
    'wasnt',
    'werent',
    'wont',
  ].map((w) => normToken(w)),
);
/** Words that end a denial's reach inside a sentence ("no Java, but Go every day"). */
const CONTRAST = new Set(
  ['but', 'however', 'although', 'though', 'whereas', 'while', 'instead', 'yet'].map((w) => normToken(w)),
);
/**
 * Tokens a denial reaches forward: "I have no hands-on experience with Kubernetes" is four, "I
 * have not written native Android code in Kotlin" six. A clause break or a contrast word ends
 * it sooner.
 */
const NEGATION_REACH = 8;

/**
 * True when the token at `from` lies in a denied clause: a negation cue at most NEGATION_REACH
 * tokens before it, with no sentence or line break and no contrast word in between ("not yet"
 * stays a denial; "not only" is none).
 */
export function negated(tokens: Token[], from: number): boolean {
  for (let k = from; k >= 0 && from - k <= NEGATION_REACH; k--) {
    const t = tokens[k]!;
    if (k < from) {
      if (CONTRAST.has(t.norm) && !(t.norm === 'yet' && NEGATION_CUES.has(tokens[k - 1]?.norm ?? ''))) {
        return false;
      }
      if (NEGATION_CUES.has(t.norm)) {
        const next = tokens[k + 1];
        if (t.norm === 'not' && next?.norm === 'only') return false;
        // "No. 1 in sales", "No 2" are numbers, not denials.
        if (t.norm === 'no' && next && /^\d/.test(next.raw)) return false;
        return true;
      }
    }
    // A break before this token ends the clause the denial could reach from further back.
    if (t.gap === 'hard') return false;
  }
  return false;
}

/** Where a label may not count whatever its evidence: employer lines, degree subjects. */
export function allowedHere(c: Candidate, skills: OntologySkill[], text: string, tokens: Token[]): boolean {
  const s = skills[c.entry.skill]!;
  // An inline label ("CI/CD: GitLab CI, Jenkins") names a category: a technology at most.
  if (c.start < c.line.contentStart) return s.type === 'technology' && !c.entry.need;
  if (s.type === 'technology') return true;
  if (c.line.dated && !c.line.skills) return false;
  // A one-word subject or language before a capitalised name is part of the name: "Latin
  // America", "English Channel", "Physics Olympiad" (in prose; a Skills list is no prose).
  const prose =
    !c.line.skills && !c.line.languages && !c.line.listLike && !c.line.titleCase && !c.line.allCaps;
  if (c.to - c.from === 1 && prose && !s.sources.includes('onet') && properNameFollows(c, text, tokens)) {
    return false;
  }
  if (s.type === 'knowledge' && c.line.section && EDUCATION_SECTION.test(c.line.section)) return false;
  return true;
}

/** A capitalised word right after a capitalised one-word match: "Latin America". */
function properNameFollows(c: Candidate, text: string, tokens: Token[]): boolean {
  const word = tokens[c.from]!;
  const next = tokens[c.to];
  if (!next || text.slice(word.end, next.start) !== ' ') return false;
  return /^\p{Lu}/u.test(word.raw) && /^\p{Lu}\p{Ll}/u.test(next.raw);
}

export function vetoed(rule: AmbiguousRule, text: string, c: Candidate): boolean {
  if (rule.after?.test(text.slice(c.end, c.end + 24))) return true;
  if (rule.before?.test(text.slice(Math.max(0, c.start - 24), c.start))) return true;
  return false;
}

export function hasEvidence(
  c: Candidate,
  text: string,
  tokens: Token[],
  strong: Candidate[],
  all: Candidate[],
  skills: OntologySkill[],
): boolean {
  const need = c.entry.need!;
  const line = c.line;
  if (need === 'language') {
    if (line.languages) return true;
    // "Latin America", "French Riviera", "English Premier League": a place or a name, not a language.
    const next = tokens[c.to];
    const joined = next !== undefined && text.slice(tokens[c.to - 1]!.end, next.start) === ' ';
    if (joined && /^\p{Lu}/u.test(next.raw) && !line.allCaps && !line.titleCase) return false;
    if (LANGUAGE_EVIDENCE.test(text.slice(line.start, line.end))) return true;
    return all.some((o) => o !== c && o.entry.language && o.line === line);
  }
  const capitalised = /^\p{Lu}/u.test(tokens[c.from]!.raw) && !line.allCaps;
  // Capitals mean a name only in ordinary sentences, not in Title Case or all-caps lines.
  const properNoun = capitalised && !line.titleCase && !sentenceInitial(c, text, tokens);
  if (need === 'list') return ((line.skills || line.listLike) && wholeSegment(c, text, tokens)) || properNoun;
  if (need === 'proper') {
    if (!capitalised && !line.allCaps) return false;
    if (properNoun) return true;
  }
  // Technical context: a skills list, another technology in the same list or close by, a trigger word.
  if (line.listLike && strong.some((o) => o.line === line && skills[o.entry.skill]!.type === 'technology')) {
    return true;
  }
  return technicalContext(c, tokens);
}

/** A Skills-like section or label, or a trigger word ("programming", "framework") within 3 words. */
export function technicalContext(c: Candidate, tokens: Token[]): boolean {
  const line = c.line;
  if (line.skills) return true;
  for (let k = Math.max(0, c.from - 3); k < Math.min(tokens.length, c.to + 3); k++) {
    if (k >= c.from && k < c.to) continue;
    const t = tokens[k]!;
    if (TECH_TRIGGERS.has(t.norm) && t.start >= line.start && t.end <= line.end) return true;
  }
  return false;
}

/** The match is a whole list entry ("communication", not the end of "stakeholder communication"). */
function wholeSegment(c: Candidate, text: string, tokens: Token[]): boolean {
  const start = tokens[c.from]!.start;
  const end = tokens[c.to - 1]!.end;
  // "Agile/Scrum": a slash without spaces separates entries too.
  const opens = (s: { start: number }) => s.start === start || (s.start < start && text[start - 1] === '/');
  const closes = (s: { end: number }) => s.end === end || (s.end > end && text[end] === '/');
  return c.line.segments.some((s) => s.start <= start && s.end >= end && opens(s) && closes(s));
}

/** The first word of its line, item or sentence (where capitals say nothing). */
function sentenceInitial(c: Candidate, text: string, tokens: Token[]): boolean {
  const tok = tokens[c.from]!;
  if (tok.start <= c.line.contentStart) return true;
  const before = text.slice(c.line.contentStart, tok.start).trimEnd();
  return !before || /[.!?:;•·|–—-]$/.test(before);
}
