/**
 * Matching: scans a text left to right for the longest label at each position, then keeps the
 * matches the evidence rules (./evidence.ts) accept, one result per skill.
 */
import type { ExtractedSkill, OntologySkill } from '../ontology';
import { allowedHere, type Candidate, hasEvidence, negated, technicalContext, vetoed } from './evidence';
import { analyseLines, blockedSpans, lineFinder, overlapIndex } from './lines';
import { SCORE } from './rules';
import { foldWord, normToken, tokenize } from './tokens';
import { type Entry, entryFor, spellingOf, type TrieNode } from './trie';
import type { SkillMatchResult } from './types';
import { unmatched } from './unmatched';

interface Found {
  entry: Entry;
  to: number;
  /** A verb-object match with words between ("operate overhead cranes" for "operate cranes"). */
  loose: boolean;
}

const CONJUNCTIONS = new Set(['and', 'or', '&']);
const ARTICLES = new Set(['a', 'an', 'the', 'all']);
/** Verbs too general to reach their object across a modifier ("perform engine repair"). */
const LIGHT_VERBS = new Set(
  [
    'perform',
    'keep',
    'make',
    'take',
    'get',
    'do',
    'have',
    'give',
    'use',
    'apply',
    'conduct',
    'provide',
    'ensure',
    'maintain',
    'process',
    'handle',
  ].map((w) => normToken(w)),
);

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

/** "installing" -> "install", "baking" -> "bake", "planning" -> "plan" (folded like labels). */
function verbForms(norm: string): string[] {
  if (norm.length < 6 || !norm.endsWith('ing')) return [];
  const stem = norm.slice(0, -3);
  const forms = [foldWord(stem), foldWord(`${stem}e`)];
  if (/([bdgmnprt])\1$/.test(stem)) forms.push(stem.slice(0, -1));
  return [...new Set(forms)].filter((f) => f !== norm);
}

interface Dictionary {
  root: TrieNode;
  skills: OntologySkill[];
  /** Words that begin ESCO skill names ("install", "operate", "prepare"), folded. */
  verbs: Set<string>;
  maxPhraseWords: number;
}

export function matchText(text: string, dict: Dictionary, kind: 'resume' | 'job'): SkillMatchResult {
  const { root, skills, verbs, maxPhraseWords } = dict;
  const tokens = tokenize(text);
  const lines = analyseLines(text, kind);
  const blocked = blockedSpans(text);
  const isBlocked = overlapIndex(blocked);
  const lineOf = lineFinder(lines);
  const tokenLine = tokens.map((t) => lineOf(t.start));
  const skip = tokens.map((t, i) => {
    const line = tokenLine[i]!;
    if (line.heading || line.name) return true;
    return isBlocked(t.start, t.end);
  });

  /** Entries reachable from `node` along tokens from..., contiguous (no break, no skipped token). */
  const walk = (
    node: TrieNode | undefined,
    from: number,
    found: Found[],
    loose = false,
    head = from - 1,
  ): void => {
    for (let j = from; j < tokens.length && node; j++) {
      if (skip[j] || tokens[j]!.gap !== 'none') break;
      node = node.next?.get(tokens[j]!.norm);
      const spelling = () => spellingOf([head, ...range(from, j + 1)].map((k) => tokens[k]!.raw));
      const entry = node && entryFor(node, 'entry', spelling);
      if (entry) found.push({ entry, to: j + 1, loose });
    }
  };

  /** An acronym label ("CLEAR", "ICON", "BLS") in capitals, or capitalised mid-sentence ("Jira"). */
  const capsOk = (i: number) => {
    const raw = tokens[i]!.raw;
    if (/^[\p{Lu}\p{N}]+s?$/u.test(raw)) return true;
    const line = tokenLine[i]!;
    const listed = line.skills || line.listLike;
    return /^\p{Lu}\p{Ll}{3,}$/u.test(raw) && (listed || (!clauseStart(i) && !line.titleCase));
  };

  /** The first word of a line, item or sentence, where an "-ing" word is most likely a verb. */
  const clauseStart = (i: number) =>
    tokens[i]!.start <= tokenLine[i]!.contentStart || tokens[i]!.gap === 'hard';

  // Longest match at each position; a label vetoed by its rule falls back to shorter ones.
  const candidates: Candidate[] = [];
  for (let i = 0; i < tokens.length; ) {
    if (skip[i]) {
      i++;
      continue;
    }
    const found: Found[] = [];
    // "Installing heat pumps": the verb of a multi-word label (tried first, so that on equal length
    // the words as written win).
    if (clauseStart(i)) {
      for (const form of verbForms(tokens[i]!.norm))
        if (verbs.has(form)) walk(root.next?.get(form), i + 1, found);
    }
    const first = root.next?.get(tokens[i]!.norm);
    const single = first && entryFor(first, 'entry', () => spellingOf([tokens[i]!.raw]));
    if (single) found.push({ entry: single, to: i + 1, loose: false });
    walk(first, i + 1, found);
    const verb = verbs.has(tokens[i]!.norm) ? first : undefined;
    if (verb) {
      // "install and repair heat pumps" also says "install heat pumps", "prepare the budget" says
      // "prepare budget": a verb, then its object after a coordinated verb or an article.
      const next = tokens[i + 1];
      const after = tokens[i + 2];
      if (next && after && !skip[i + 1] && !skip[i + 2] && next.gap === 'none' && after.gap === 'none') {
        if (CONJUNCTIONS.has(next.norm) && verbs.has(after.norm)) walk(verb, i + 3, found, true, i);
        else if (ARTICLES.has(next.norm)) walk(verb, i + 2, found, true, i);
        else if (!LIGHT_VERBS.has(tokens[i]!.norm) && !verbs.has(next.norm) && /^\p{Ll}+$/u.test(next.raw)) {
          // "operate overhead cranes" says "operate cranes": one modifier between verb and object.
          // Only a skill's own name: an alternative label is often looser ("stay with", "repair systems").
          const to = found.length;
          const single = verb.next?.get(after.norm);
          const e = single && entryFor(single, 'entry', () => spellingOf([tokens[i]!.raw, after.raw]));
          if (e) found.push({ entry: e, to: i + 3, loose: true });
          walk(single, i + 3, found, true, i);
          for (let k = found.length - 1; k >= to; k--)
            if (found[k]!.entry.kind !== 'name') found.splice(k, 1);
        }
      }
    }
    found.sort((x, y) => Number(y.loose) - Number(x.loose) || x.to - y.to); // stable: ties keep order
    let taken = false;
    for (let k = found.length - 1; k >= 0; k--) {
      const { entry, to, loose } = found[k]!;
      const cand: Candidate = {
        entry,
        from: i,
        to,
        start: tokens[i]!.start,
        end: tokens[to - 1]!.end,
        line: tokenLine[i]!,
        loose,
      };
      if (entry.caps && !capsOk(i)) continue;
      if (entry.rule && vetoed(entry.rule, text, cand)) continue;
      if (!allowedHere(cand, skills, text, tokens)) continue;
      if (loose) {
        // A verb-object match never hides what lies between; the scan goes on after the verb.
        if (!entry.need) candidates.push(cand);
      } else if (!taken) {
        candidates.push(cand);
        taken = true;
        i = to - 1;
      }
    }
    i++;
  }

  // "No experience with Kubernetes", "never used AutoCAD": what a resume says it lacks is not a skill.
  const affirmed = candidates.filter((c) => !negated(tokens, c.from));
  candidates.length = 0;
  candidates.push(...affirmed);

  const strong = candidates.filter((c) => !c.entry.need);
  const accepted: Array<Candidate & { evidenced: boolean }> = strong.map((c) => ({ ...c, evidenced: false }));
  for (const c of candidates) {
    if (c.entry.need && hasEvidence(c, text, tokens, strong, candidates, skills))
      accepted.push({ ...c, evidenced: true });
  }

  const byId = new Map<string, ExtractedSkill>();
  accepted.sort((x, y) => x.start - y.start);
  for (const c of accepted) {
    const s = skills[c.entry.skill]!;
    let score = c.entry.kind === 'name' ? SCORE.name : c.entry.kind === 'alias' ? SCORE.alias : SCORE.derived;
    if (c.evidenced) score *= SCORE.evidenced;
    if (c.loose) score *= SCORE.loose;
    if (c.line.skills) score += SCORE.skillsSection;
    score = Math.min(1, Math.round(score * 1000) / 1000);
    const method = c.entry.kind === 'name' ? 'label' : 'alias';
    const prev = byId.get(s.id);
    if (prev) {
      if (score > prev.score) {
        prev.score = score;
        prev.method = method;
      }
      prev.technical ||= technicalContext(c, tokens);
      continue;
    }
    byId.set(s.id, {
      id: s.id,
      name: s.name,
      type: s.type,
      score,
      method,
      span: { start: c.start, end: c.end, text: text.slice(c.start, c.end) },
      technical: technicalContext(c, tokens),
    });
  }

  return {
    skills: [...byId.values()],
    unmatchedPhrases: unmatched(text, lines, accepted, blocked, maxPhraseWords),
  };
}
