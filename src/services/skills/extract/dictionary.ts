/**
 * The label dictionary: `createSkillMatcher` indexes every ontology name and alternative label (and
 * the labels derived from them, ./labels.ts) in a trie, classifies one-word labels by the evidence
 * they need, and resolves labels to skills.
 */
import type { Ontology, OntologySkill } from '../ontology';
import {
  nominalise,
  productForms,
  proseAliasUse,
  verbPhraseForms,
  withoutTrailingParenthetical,
} from './labels';
import { matchText } from './match';
import { AMBIGUOUS, type AmbiguousRule, STOP_LABELS, VERB_MIN_SKILLS } from './rules';
import { foldWord, labelTokens, normToken, TOKEN, tokenize } from './tokens';
import { type Entry, entryFor, type Kind, place, spellingOf, type TrieNode } from './trie';
import type { SkillMatcher, SkillMatcherOptions } from './types';

export function createSkillMatcher(ontology: Ontology, options: SkillMatcherOptions = {}): SkillMatcher {
  const skills = ontology.skills;
  const root: TrieNode = {};
  let labels = 0;
  let nodes = 1;
  const stop = new Set([...STOP_LABELS, ...(options.stopLabels ?? [])].map((l) => labelTokens(l).join(' ')));
  const maxPhraseWords = options.maxPhraseWords ?? 6;

  // Ordinary English words and how many ESCO skills use each, from ESCO's labels (English prose).
  const wordSkills = new Map<string, number>();
  for (const s of skills) {
    if (s.type === 'technology') continue;
    const words = new Set<string>();
    for (const label of [s.name, ...s.altLabels]) {
      for (const w of label.match(/(?<![\p{L}\p{N}])\p{Ll}+(?![\p{L}\p{N}])/gu) ?? []) words.add(foldWord(w));
    }
    for (const w of words) wordSkills.set(w, (wordSkills.get(w) ?? 0) + 1);
  }
  // Human languages: ESCO has "understand spoken <language>" for each.
  const languages = new Set<string>();
  for (const s of skills) {
    const m = /^understand spoken (.+)$/i.exec(s.name);
    if (m) languages.add(labelTokens(m[1]!).join(' '));
  }
  // Verbs: the first words of ESCO skill names ("install heat pump", "operate cranes").
  const firstWords = new Map<string, number>();
  for (const s of skills) {
    if (s.type !== 'skill') continue;
    const m = /^(\p{Ll}+) \p{L}/u.exec(s.name);
    if (m) firstWords.set(foldWord(m[1]!), (firstWords.get(foldWord(m[1]!)) ?? 0) + 1);
  }
  const verbs = new Set([...firstWords].filter(([, n]) => n >= VERB_MIN_SKILLS).map(([w]) => w));
  const ambiguous = new Map<string, AmbiguousRule>();
  for (const rule of AMBIGUOUS) for (const l of rule.labels) ambiguous.set(normToken(l), rule);

  // Labels share most of their words: normalise each word once while building.
  const wordCache = new Map<string, string>();
  let spelled: string[] = [];
  /** The folded words of a label (and, in `spelled`, the words as written). */
  const tokensOf = (label: string): string[] => {
    const out: string[] = [];
    spelled = [];
    for (const m of label.matchAll(TOKEN)) {
      spelled.push(m[0]);
      let norm = wordCache.get(m[0]);
      if (norm === undefined) {
        norm = normToken(m[0]);
        wordCache.set(m[0], norm);
      }
      if (norm) out.push(norm);
    }
    return out;
  };

  const add = (
    label: string,
    toks: string[],
    spelling: string,
    skill: number,
    kind: Kind,
    rank: number,
    weak?: 'list' | 'unmatched',
  ): void => {
    if (toks.length === 0 || toks.length > 12) return;
    const entry: Entry = { skill, kind, display: label.trim(), rank, spelling };
    if (weak === 'unmatched' || stop.has(toks.join(' '))) entry.unmatched = true;
    else if (weak === 'list') entry.need = 'list';
    if (toks.length === 1) classify(entry, toks[0]!, skills[skill]!);
    let node = root;
    for (const t of toks) {
      if (!node.next) node.next = new Map();
      let child = node.next.get(t);
      if (!child) {
        child = {};
        node.next.set(t, child);
        nodes++;
      }
      node = child;
    }
    labels++;
    if (!entry.unmatched) place(node, entry, 'entry');
    if (kind !== 'derived') place(node, entry, 'own');
  };

  /** The rules for one-word labels (see the file comment). */
  const classify = (entry: Entry, t: string, s: OntologySkill): void => {
    const display = entry.display;
    // Acronyms: the text must be in capitals (or, from four letters, a capitalised name: "Jira").
    if (/^(?=(?:.*\p{Lu}){2})[\p{Lu}\p{N}]{2,6}s?$/u.test(display)) entry.caps = true;
    if (entry.unmatched) return;
    const rule = ambiguous.get(t);
    if (languages.has(t)) {
      entry.language = true;
      entry.need = 'language';
    } else if (rule) {
      entry.rule = rule;
      entry.need = rule.need;
    } else if (t.length <= 2 && /^[a-z]+$/.test(t)) {
      entry.need = 'tech';
    } else if (
      entry.caps &&
      entry.kind !== 'name' &&
      s.type === 'technology' &&
      t.replace(/[^a-z]/g, '').length <= 3
    ) {
      // A product's short acronym: "PMP", "IDS", "IEP" are other things too.
      entry.need = 'tech';
    } else if (wordSkills.has(t) && /^\p{Lu}\p{Ll}+$/u.test(display)) {
      entry.need = 'proper';
    } else if (s.type === 'knowledge' && !entry.need && /^\p{Ll}+$/u.test(display)) {
      entry.need = 'list';
    }
  };

  skills.forEach((s, i) => {
    // Tie-break among skills sharing a label: the skill whose name contains the label's words
    // ("soldering" -> "soldering techniques" rather than "join metals"), then more sources, then the
    // shorter name.
    const nameToks = tokensOf(s.name);
    const nameSpelling = spellingOf(spelled);
    const nameWords = new Set(nameToks);
    const base = (2 - s.sources.length) * 1000 + Math.min(s.name.length, 999);
    const put = (label: string, kind: Kind, weak?: 'list' | 'unmatched') => {
      const toks = label === s.name ? nameToks : tokensOf(label);
      const spelling = label === s.name ? nameSpelling : spellingOf(spelled);
      add(label, toks, spelling, i, kind, (toks.every((t) => nameWords.has(t)) ? 0 : 10_000) + base, weak);
    };
    put(s.name, 'name');
    const bare = withoutTrailingParenthetical(s.name);
    const bareToks = bare === s.name ? nameToks : tokensOf(bare);
    if (bare && bare !== s.name) put(bare, 'name');
    for (const alt of s.altLabels) put(alt, 'alias', proseAliasUse(alt, bareToks, wordSkills));
    for (const label of [s.name, ...s.altLabels]) {
      if (s.type === 'technology') {
        for (const d of productForms(label, wordSkills)) put(d, 'derived');
        continue;
      }
      // "monitor patient's vital signs" is also written "monitor vital signs".
      const plain = label.replace(/(?<!\s)\s+\p{L}+(?:'s|s')(?=\s)/gu, '');
      for (const form of verbPhraseForms(plain === label ? [label] : [label, plain])) {
        const d = nominalise(form, verbs);
        if (form !== label) put(form, 'derived');
        if (d) put(d, 'derived');
      }
    }
  });

  const resolve = (label: string, opts: { derived?: boolean } = {}): OntologySkill | undefined => {
    let node: TrieNode | undefined = root;
    const toks = tokenize(label);
    for (const t of toks) node = node?.next?.get(t.norm);
    if (!node) return undefined;
    const spelling = () => spellingOf(toks.map((t) => t.raw));
    const entry =
      opts.derived === false
        ? entryFor(node, 'own', spelling)
        : (entryFor(node, 'entry', spelling) ?? node.own);
    return entry ? skills[entry.skill] : undefined;
  };

  return {
    match: (text, opts = {}) =>
      matchText(text, { root, skills, verbs, maxPhraseWords }, opts.kind ?? 'resume'),
    resolve,
    stats: { skills: skills.length, labels, nodes },
  };
}
