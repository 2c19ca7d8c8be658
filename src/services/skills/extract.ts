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
 * Precision rules (the tables `AMBIGUOUS`, `STOP_LABELS`, `TECH_TRIGGERS`, `LANGUAGE_EVIDENCE`, and
 * `classify`):
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
 */
import { chunkText } from '../documents/chunk';
import type { ExtractedSkill, Ontology, OntologySkill } from './ontology';

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

// ---------------------------------------------------------------------------------------------
// Rule tables

/**
 * What a weak label needs before it counts:
 * - `tech`: technical context: a Skills-like section or inline label ("Tools: ..."), a list that
 *   names another technology, or a trigger word from `TECH_TRIGGERS` within three words;
 * - `proper`: capitalised, and either not the first word of its sentence, item or line (in a line
 *   that is not all capitals) or in technical context;
 * - `list`: inside a skills list (a Skills-like section or label, or a comma/bullet list line);
 * - `language`: under a Languages heading or label, next to `LANGUAGE_EVIDENCE`, or in a list with
 *   another language.
 */
type Need = 'tech' | 'proper' | 'list' | 'language';

interface AmbiguousRule {
  labels: string[];
  need: Need;
  /** Vetoes the match when the text right after it matches (e.g. "Excel at"). */
  after?: RegExp;
  /** Vetoes the match when the text right before it matches. */
  before?: RegExp;
}

/** Labels that are ordinary words (or letters) at least as often as they are skills. */
const AMBIGUOUS: AmbiguousRule[] = [
  // One-letter languages: "C", "R", "D", but also "grade C", "vitamin D", "Plan B", and units:
  // "±0.5 °C", "40 F", "C-section".
  {
    labels: ['c', 'r', 'd', 'j', 'k', 'q', 'b', 'e', 'f', 'g', 's', 't', 'v', 'x'],
    need: 'tech',
    before:
      /(?:[°º]|\d)\s*$|\b(?:vitamin|grade|plan|type|class|level|hepatitis|size|category|section|zone|block|unit|part|phase|tier|group|blood|hep)\s*$/i,
    after: /^-(?:section|suite|level|class|grade)\b/i,
  },
  // Go (the language) vs "go live", "go-to-market", "Go/No-Go".
  {
    labels: ['go'],
    need: 'proper',
    after: /^(?:\s*-\s*|\s+)(?:live|to|through|ahead|back|for)\b|^\s*\//i,
    before: /no-?\s*$/i,
  },
  // Microsoft Office products named by one ordinary word: "excel at", "access to", "in a word".
  { labels: ['excel'], need: 'proper', after: /^\s+(?:at|in|as|with|under|when)\b/i },
  {
    labels: ['word', 'access', 'project', 'outlook', 'teams', 'office', 'publisher', 'paint', 'forms'],
    need: 'proper',
  },
  // Tools named by everyday words, where capitals are not enough: "Spring 2016", "Sous Chef",
  // "Shell" the company, "QuickLube Express", "Make sure", "Salt Lake City".
  {
    labels: ['spring', 'chef', 'puppet', 'express', 'less', 'shell', 'make', 'salt', 'ant', 'spark', 'hive'],
    need: 'tech',
    after: /^\s+(?:19|20)\d\d\b|^\s+(?:semester|term|break|de|lake)\b/i,
  },
  {
    labels: ['pig', 'storm', 'flask', 'helm', 'vault', 'consul', 'nomad', 'packer', 'square', 'toast'],
    need: 'tech',
  },
  {
    labels: ['mercury', 'clear', 'first', 'field', 'track', 'tank', 'travis', 'profile', 'claim'],
    need: 'tech',
  },
  // Programming languages and products that are also words or names: capitals are usually enough.
  {
    labels: ['swift', 'rust', 'ruby', 'dart', 'julia', 'scala', 'elm', 'crystal', 'pascal', 'basic'],
    need: 'proper',
  },
  { labels: ['logo', 'scheme', 'slack', 'zoom', 'box', 'sketch', 'canvas', 'epic', 'unity'], need: 'proper' },
  {
    labels: ['oracle', 'sage', 'stripe', 'jenkins', 'react', 'angular', 'ember', 'backbone', 'meteor'],
    need: 'proper',
  },
  {
    labels: ['analyze', 'route', 'dig', 'excavator', 'forth', 'prince', 'magic', 'jet', 'iris', 'reduce'],
    need: 'proper',
  },
];

/**
 * Labels never matched in text (they still resolve): ESCO skills named by one generic verb, which
 * every resume uses in passing ("plans", "planning").
 */
const STOP_LABELS = ['plan', 'planning', 'sing', 'swim', 'improvise'];

/** Words that make a nearby weak label technical ("Go programming", "the R language"). */
const TECH_TRIGGERS = new Set(
  [
    'programming',
    'language',
    'framework',
    'library',
    'developer',
    'development',
    'engineer',
    'code',
    'coding',
    'script',
    'scripting',
    'stack',
    'sdk',
    'api',
    'backend',
    'frontend',
    'server',
    'microservice',
    'database',
    'compiler',
    'runtime',
    'module',
    'package',
    'software',
    'devops',
  ].map((w) => normToken(w)),
);

/** A human language counts only next to one of these words (or under a Languages heading/label). */
const LANGUAGE_EVIDENCE =
  /\b(?:fluen(?:t|cy)|native|bilingual|trilingual|multilingual|conversational|proficien\w*|mother[- ]tongue|speak\w*|spoken|written|intermediate|advanced|beginner|elementary|working knowledge|business level|[abc][12])\b/i;

/** Section or inline-label names under which a line is a list of skills. */
const SKILLS_SECTION =
  /\b(?:skills?|competenc\w*|expertise|tools?|technolog\w*|proficienc\w*|software|stack|frameworks?|librar\w*|platforms?|databases?|data|cloud|infrastructure|devops|ci\/cd|programming|languages?|methodolog\w*|practices|containers?|monitoring|scripting|operating systems?|networking|equipment|strengths|specialt\w*|areas of)\b/i;
const LANGUAGES_SECTION = /^(?:languages?|language skills|spoken languages)$/i;
/** Sections whose knowledge areas are degree subjects or coursework, not skills. */
const EDUCATION_SECTION = /^(?:education|courses)$/i;
/** A dated line: "2019 - Present", "June 2017 - February 2021", "(2014 – 2016)". */
const DATED_LINE = /\b(?:19|20)\d\d\s*(?:-|–|—|to)\s*(?:(?:19|20)\d\d|present|current|now)\b/i;

/** ESCO verb phrases indexed also as nouns: "administer medication" -> "medication administration". */
const NOMINALISED: Record<string, string> = {
  administer: 'administration',
  operate: 'operation',
  manage: 'management',
  install: 'installation',
  maintain: 'maintenance',
  repair: 'repair',
  develop: 'development',
  design: 'design',
  plan: 'planning',
  monitor: 'monitoring',
  inspect: 'inspection',
  test: 'testing',
  clean: 'cleaning',
  prepare: 'preparation',
  negotiate: 'negotiation',
  calculate: 'calculation',
  assess: 'assessment',
  analyse: 'analysis',
  analyze: 'analysis',
  train: 'training',
  coordinate: 'coordination',
  supervise: 'supervision',
  troubleshoot: 'troubleshooting',
  weld: 'welding',
  solder: 'soldering',
  braze: 'brazing',
  fabricate: 'fabrication',
  handle: 'handling',
  read: 'reading',
  interpret: 'interpretation',
  teach: 'teaching',
  forecast: 'forecasting',
  schedule: 'scheduling',
  process: 'processing',
  evaluate: 'evaluation',
  implement: 'implementation',
  control: 'control',
  write: 'writing',
  create: 'creation',
};
/** Verbs that add nothing: "carry out wound care" is "wound care". */
const EMPTY_VERBS = [
  'perform',
  'carry out',
  'conduct',
  'undertake',
  'execute',
  'apply',
  'use',
  'utilise',
  'utilize',
  'practise',
  'practice',
  'provide',
  'ensure',
  'comply with',
];

/** A word begins at least this many ESCO skill names to count as a verb (for verb-object matches). */
const VERB_MIN_SKILLS = 5;

/** One-word lower-case ESCO alternative labels rarer than this (skills using the word) count in lists. */
const RARE_WORD_SKILLS = 12;

const SCORE = { name: 1, alias: 0.9, derived: 0.8, loose: 0.85, evidenced: 0.85, skillsSection: 0.05 };

// ---------------------------------------------------------------------------------------------
// Tokens

interface Token {
  norm: string;
  raw: string;
  start: number;
  end: number;
  /**
   * What separates this token from the previous one: `hard` a line, sentence or list break (newline,
   * ". ", ";", ":", "|", bullets), `soft` a comma, bracket or dash, `none` spaces, "-" or "/".
   * A label never spans a break; a verb may reach its object across a soft one.
   */
  gap: 'none' | 'soft' | 'hard';
}

/**
 * A word, number or technical name: letters/digits joined by ".", "'", "&" ("Node.js", "R&D",
 * "O'Neil"), an optional leading "." (".NET") and trailing "++", "+" or "#" ("C++", "C#").
 */
const TOKEN =
  /(?<![\p{L}\p{N}])\.(?=\p{L})[\p{L}\p{N}]+(?:[.'’&][\p{L}\p{N}]+)*|[\p{L}\p{N}]+(?:[.'’&][\p{L}\p{N}]+)*(?:\+\+|\+|#)?/gu;
const HARD_GAP = /[\n\t;:|·•!?"“”]|\.\s/;
const SOFT_GAP = /[,()[\]{}]|\s[-–—]\s|[–—]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const start = m.index;
    const raw = m[0];
    const norm = normToken(raw);
    if (!norm) continue;
    tokens.push({
      norm,
      raw,
      start,
      end: start + raw.length,
      gap: gapKind(text.slice(last, start)),
    });
    last = start + raw.length;
  }
  return tokens;
}

function gapKind(gap: string): Token['gap'] {
  if (HARD_GAP.test(gap)) return 'hard';
  return SOFT_GAP.test(gap) ? 'soft' : 'none';
}

/** Lower case, accents folded, possessive and apostrophes dropped, plural and past tense folded. */
function normToken(raw: string): string {
  let t = raw.toLowerCase();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: testing for non-ASCII, not control characters.
  if (/[^\u0000-\u007f]/.test(t))
    t = t
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .replace(/’/g, "'");
  if (t.includes("'")) t = t.replace(/'s$/, '').replace(/'/g, '');
  return foldWord(t);
}

/**
 * A light stemmer for plain words, applied alike to labels and text: plural "s" (Harman), then past
 * tense "-ed" ("installed" -> "install", "planned" -> "plan"), then a final silent "e" on longer
 * words ("manage" and "managed" -> "manag"). No "-ing": gerunds are often nouns of their own
 * ("accounting", "training").
 */
function foldWord(t: string): string {
  if (t.length < 4 || !/^[a-z]+$/.test(t)) return t;
  if (t.endsWith('ies') && !/[ae]ies$/.test(t)) t = `${t.slice(0, -3)}y`;
  else if (/(?:ss|x|ch|sh|zz)es$/.test(t)) t = t.slice(0, -2);
  else if (t.endsWith('es') && !/[aeo]es$/.test(t)) t = t.slice(0, -1);
  else if (t.endsWith('s') && !/(?:us|ss)$/.test(t)) t = t.slice(0, -1);
  if (t.length >= 5 && t.endsWith('ed')) {
    const stem = t.slice(0, -2);
    if (/[aeiouy]/.test(stem) && !stem.endsWith('e')) {
      t = /([bdgmnprt])\1$/.test(stem) ? stem.slice(0, -1) : stem;
      return t;
    }
  }
  if (t.length >= 5 && /[^aeiou]e$/.test(t)) t = t.slice(0, -1);
  return t;
}

function labelTokens(label: string): string[] {
  return tokenize(label).map((t) => t.norm);
}

// ---------------------------------------------------------------------------------------------
// Dictionary

type Kind = 'name' | 'alias' | 'derived';
const KIND_RANK: Record<Kind, number> = { name: 0, alias: 1, derived: 2 };

interface Entry {
  skill: number;
  kind: Kind;
  /** The label as the ontology spells it (case matters for the proper-noun and acronym rules). */
  display: string;
  /** Tie-break among skills sharing a label: lower wins. */
  rank: number;
  /** The label's words as written (lower case), to tell apart labels that fold alike. */
  spelling: string;
  need?: Need;
  rule?: AmbiguousRule;
  /** Acronym: the text must be in capitals too. */
  caps?: boolean;
  /** A human language (gets the `language` rule). */
  language?: boolean;
  /** Never matched in text; resolves only (`resolve(label, { derived: false })`). */
  unmatched?: boolean;
}

interface TrieNode {
  next?: Map<string, TrieNode>;
  /** The best matchable entry for these words. */
  entry?: Entry;
  /** The best entry among the ontology's own labels, matchable or not (for `resolve`). */
  own?: Entry;
  /**
   * When labels spelled differently fold to the same words ("Canva" and "Canvas"), the best entry
   * per spelling: the text's own spelling decides.
   */
  spellings?: Map<string, Entry>;
  ownSpellings?: Map<string, Entry>;
}

/** Puts `entry` on `node` (as its best entry and as the best for its spelling). */
function place(node: TrieNode, entry: Entry, field: 'entry' | 'own'): void {
  const mapField = field === 'entry' ? 'spellings' : 'ownSpellings';
  const current = node[field];
  let map = node[mapField];
  if (!map && current && current.spelling !== entry.spelling) {
    map = new Map([[current.spelling, current]]);
    node[mapField] = map;
  }
  if (map && better(entry, map.get(entry.spelling))) map.set(entry.spelling, entry);
  if (better(entry, current)) node[field] = entry;
}

/** The entry for the words as spelled in the text. */
function entryFor(node: TrieNode, field: 'entry' | 'own', spelling: () => string): Entry | undefined {
  const map = field === 'entry' ? node.spellings : node.ownSpellings;
  return map?.get(spelling()) ?? node[field];
}

/** Lower-case words as written, unfolded: "canvas" vs "canva". */
function spellingOf(raws: string[]): string {
  return raws.join(' ').toLowerCase();
}

function better(a: Entry, b: Entry | undefined): boolean {
  if (!b) return true;
  if (KIND_RANK[a.kind] !== KIND_RANK[b.kind]) return KIND_RANK[a.kind] < KIND_RANK[b.kind];
  return a.rank < b.rank;
}

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

/**
 * How a one-word, lower-case ESCO alternative label is used: as is when it spells the one-word name
 * differently ("troubleshooting"/"troubleshoot"); in skills lists only when the word is rare in ESCO
 * ("phlebotomy", "upsell"); not at all when it is common ("press" for journalism, "guide" for
 * advise others).
 */
function proseAliasUse(
  alt: string,
  nameToks: string[],
  wordSkills: Map<string, number>,
): 'list' | 'unmatched' | undefined {
  const a = alt.trim();
  if (!/^\p{Ll}+$/u.test(a)) return undefined;
  const t = normToken(a);
  if (nameToks.length === 1) {
    const n = nameToks[0]!;
    if (t === n || (t.length >= 5 && n.length >= 5 && t.slice(0, 5) === n.slice(0, 5))) return undefined;
  }
  // The name's first word: "soldering" for "soldering techniques".
  if (t === nameToks[0]) return 'list';
  return (wordSkills.get(t) ?? 0) <= RARE_WORD_SKILLS ? 'list' : 'unmatched';
}

/** O*NET vendor prefixes dropped for a derived label ("Microsoft Windows Server" -> "Windows Server"). */
const VENDORS = [
  'amazon web services aws',
  'amazon web services',
  'microsoft',
  'adobe',
  'apache',
  'oracle',
  'atlassian',
  'intuit',
  'autodesk',
  'ibm',
  'amazon',
  'google',
  'salesforce.com',
  'jetbrains',
  'red hat',
  'cisco',
];

/**
 * Shorter names of an O*NET product: an acronym spelled out ("Amazon Web Services AWS" -> "AWS",
 * "Amazon Web Services") and the name without its vendor when what is left is still a name
 * ("Microsoft Windows Server" -> "Windows Server"; not "Microsoft Project" -> "Project").
 */
function productForms(label: string, wordSkills: Map<string, number>): string[] {
  const out: string[] = [];
  const base = label.replace(/(?<!\s)\s+software$/i, '');
  const acronym = splitTrailingAcronym(base);
  if (acronym) {
    const [head, letters] = acronym;
    const words = head.split(/\s+/);
    const initials = words.map((w) => w[0]!.toUpperCase()).join('');
    if (words.length >= 2 && initials.startsWith(letters)) out.push(letters, head);
  }
  const lower = base.toLowerCase();
  const vendor = VENDORS.find((v) => lower.startsWith(`${v} `));
  if (vendor) {
    const rest = base.slice(vendor.length + 1).trim();
    const toks = labelTokens(rest);
    const distinctive =
      toks.length >= 2
        ? /^\p{Lu}/u.test(rest)
        : toks.length === 1 && toks[0]!.length > 2 && !wordSkills.has(toks[0]!);
    if (distinctive) out.push(rest);
  }
  return out;
}

/** Modifiers ESCO adds that resumes leave out: "read standard blueprints" is "read blueprints". */
const VAGUE_MODIFIERS =
  /(?<!\s)\s+(?:standard|appropriate|relevant|specific|necessary|suitable|various|different|required|proper)(?=\s+\p{L})/gu;
/** Verb particles: "clear out drains" is also written "clear drains". */
const PARTICLE = /^(\p{Ll}+) (?:out|up|off|down) (?=\p{L})/u;

/**
 * The forms of an ESCO verb phrase worth indexing: as written, without vague modifiers ("read
 * blueprints") and without a particle after the verb ("clear drains"); empty verbs ("carry out")
 * keep their particle (`nominalise` drops the verb).
 */
function verbPhraseForms(labels: string[]): string[] {
  const out = new Set<string>();
  for (const label of labels) {
    out.add(label);
    const plain = label.replace(VAGUE_MODIFIERS, '');
    out.add(plain);
    for (const l of [label, plain]) {
      const lower = l.trim().toLowerCase();
      if (EMPTY_VERBS.some((v) => lower.startsWith(`${v} `))) continue;
      const m = PARTICLE.exec(lower);
      if (m) out.add(l.trim().replace(/^(\S+)\s+\S+\s+/, '$1 '));
    }
  }
  return [...out];
}

/** "clean" -> "cleaning", "plan" -> "planning", "bake" -> "baking". */
function gerund(verb: string): string {
  if (/[^e]e$/.test(verb) && verb.length > 2) return `${verb.slice(0, -1)}ing`;
  if (/^[^aeiou]*[aeiou][bdgmnprt]$/.test(verb)) return `${verb}${verb.slice(-1)}ing`;
  return `${verb}ing`;
}

/**
 * "administer medication" -> "medication administration"; "carry out wound care" -> "wound care";
 * "clean drains" -> "drain cleaning" (a verb without a known noun takes its "-ing" form).
 * "pick orders for dispatching" -> "order picking" (without a purpose phrase).
 */
function nominalise(label: string, verbs?: Set<string>): string | undefined {
  const l = label.trim().toLowerCase();
  for (const v of EMPTY_VERBS) {
    if (l.startsWith(`${v} `)) {
      const object = stripArticle(l.slice(v.length + 1));
      if (/^(?:for|to|with|in|on|of|from|by|at|as)\b/.test(object)) return undefined;
      return object.split(/\s+/).length >= 2 ? object : undefined;
    }
  }
  const m = /^([a-z]+) (.+)$/.exec(l);
  if (!m) return undefined;
  const verb = m[1]!;
  const noun = NOMINALISED[verb] ?? (verbs?.has(foldWord(verb)) ? gerund(verb) : undefined);
  if (!noun) return undefined;
  // A purpose phrase says nothing a resume repeats: "pick orders for dispatching".
  const object = stripArticle(m[2]!).replace(/^(\S+(?: \S+)?) for \p{Ll}+ing$/u, '$1');
  if (/\b(?:and|or|to|for|with|in|on|of|from|by|at)\b/.test(object)) return undefined;
  return `${object} ${noun}`;
}

function stripArticle(s: string): string {
  return s.replace(/^(?:a|an|the)\s+/, '');
}

// ---------------------------------------------------------------------------------------------
// Document structure: sections (reusing chunk.ts's heading rules), lines, list segments

interface LineInfo {
  start: number;
  end: number;
  /** Where the content starts, after a bullet and an inline "Label:" prefix. */
  contentStart: number;
  section: string | null;
  heading: boolean;
  bullet: boolean;
  /** In a Skills-like section, or after a Skills-like inline label. */
  skills: boolean;
  languages: boolean;
  allCaps: boolean;
  /** Most words capitalised (a job title, an employer): capitals say nothing there. */
  titleCase: boolean;
  /** The first non-empty line of a resume, when it looks like a person's name. */
  name: boolean;
  dated: boolean;
  /** The line's content split at list separators (commas, semicolons, pipes, dots, parentheses). */
  segments: Array<{ start: number; end: number }>;
  listLike: boolean;
}

/**
 * The heading a line is, by chunk.ts's rules, through its public `chunkText`: the line between two
 * sentinel lines becomes its own section when it is a heading. (chunk.ts does not export its
 * heading matcher; if it ever does, call it here instead.)
 */
function headingOf(line: string, firstLine: boolean): { name: string; rest: string } | undefined {
  const probe = firstLine ? `${line}\n.` : `.\n${line}\n.`;
  const chunks = chunkText(probe, { maxChars: Math.max(40, probe.length + 10), overlapChars: 0 });
  const own = chunks.find((c) => c.section !== null);
  if (!own) return undefined;
  const rest = own.content.replace(/\n?\.$/, '').trim();
  return { name: own.section!, rest };
}

const BULLET_PREFIX = /^(?:[-*•◦▪●‣■➢►▸✓✔❖◆]|\d{1,2}[.)])\s+/;
const INLINE_LABEL = /^([\p{L}][\p{L} &/+.-]{1,30}):\s+(?=\S)/u;
const SEGMENT_SEP = /(?<!\s)\s*(?:[,;|·•()]|\s\/\s|\s[-–—]\s)\s*/g;
/** "Daniel Okafor", "Dr. Tomás Alvarez", "Angela M. Brooks, RN, BSN", "MARCUS LINDQVIST". */
const PERSON_NAME =
  /^(?:(?:Dr|Mr|Mrs|Ms)\.?\s+)?\p{Lu}[\p{L}'’.-]*(?:\s+\p{Lu}[\p{L}'’.-]*){1,3}(?:,\s*\p{Lu}[\p{L}.]*)*$/u;

function analyseLines(text: string, kind: 'resume' | 'job'): LineInfo[] {
  const lines: LineInfo[] = [];
  let section: string | null = null;
  let sectionSkills = false;
  let sectionLanguages = false;
  let first = true;
  let pos = 0;
  for (const raw of text.split('\n')) {
    const start = pos;
    const end = pos + raw.length;
    pos = end + 1;
    const trimmed = raw.trim();
    const info: LineInfo = {
      start,
      end,
      contentStart: start + raw.length - raw.trimStart().length,
      section,
      heading: false,
      bullet: false,
      skills: sectionSkills,
      languages: sectionLanguages,
      allCaps: false,
      titleCase: false,
      name: false,
      dated: DATED_LINE.test(raw),
      segments: [],
      listLike: false,
    };
    lines.push(info);
    if (!trimmed) continue;
    const h = headingOf(trimmed, first);
    if (first && kind === 'resume' && !h && PERSON_NAME.test(trimmed)) info.name = true;
    first = false;
    if (h && !h.rest) {
      section = h.name;
      sectionSkills = SKILLS_SECTION.test(h.name) && !LANGUAGES_SECTION.test(h.name);
      sectionLanguages = LANGUAGES_SECTION.test(h.name);
      info.heading = true;
      continue;
    }
    let content = raw.slice(info.contentStart - start);
    const bullet = BULLET_PREFIX.exec(content);
    if (bullet) {
      info.bullet = true;
      info.contentStart += bullet[0].length;
      content = content.slice(bullet[0].length);
    }
    const label = (h ? /^([^:]{2,40}):\s*/.exec(content) : null) ?? INLINE_LABEL.exec(content);
    if (label) {
      const name = h?.name ?? label[1]!.trim();
      const isLanguages = LANGUAGES_SECTION.test(name) || /^languages?$/i.test(label[1]!.trim());
      if (SKILLS_SECTION.test(name) || SKILLS_SECTION.test(label[1]!)) info.skills = true;
      if (isLanguages) info.languages = true;
      if (h && !sectionSkills) {
        // "Skills: a, b" starts a section as in chunk.ts, unless we are already in a skills list
        // ("Languages: Go, Python" under "Technical skills" stays technical).
        section = h.name;
        sectionSkills = SKILLS_SECTION.test(h.name) && !LANGUAGES_SECTION.test(h.name);
        sectionLanguages = LANGUAGES_SECTION.test(h.name);
        info.section = section;
        info.skills = info.skills || sectionSkills;
      }
      if (info.skills || isLanguages) {
        info.contentStart += label[0].length;
        content = content.slice(label[0].length);
      }
    }
    info.allCaps = !/\p{Ll}/u.test(content) && /\p{Lu}{2}/u.test(content);
    // Title Case: most words after the first capitalised ("Senior Software Engineer, Payments Platform").
    const words = (content.match(/\p{L}{4,}/gu) ?? []).slice(1);
    info.titleCase =
      words.length >= 2 && words.filter((w) => /^\p{Lu}/u.test(w)).length >= 0.8 * words.length;
    let segStart = info.contentStart;
    const body = text.slice(info.contentStart, end);
    for (const sep of body.matchAll(SEGMENT_SEP)) {
      const at = info.contentStart + sep.index;
      if (at > segStart) info.segments.push({ start: segStart, end: at });
      segStart = at + sep[0].length;
    }
    const tail = text.slice(segStart, end).replace(/(?<![.\s])[.\s]+$/, '');
    if (tail) info.segments.push({ start: segStart, end: segStart + tail.length });
    const segWords = info.segments.map((s) => countWords(text.slice(s.start, s.end)));
    const avg = segWords.reduce((a, b) => a + b, 0) / Math.max(1, segWords.length);
    // A list: several short entries, or a labelled line of them ("Mobile: Swift, Kotlin").
    const n = info.segments.length;
    info.listLike = (n >= 3 && avg <= 4) || (n >= 2 && ((info.skills && avg <= 6) || (!!label && avg <= 3)));
  }
  return lines;
}

function countWords(s: string): number {
  return s.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/**
 * E-mail addresses and URLs (with or without scheme): no skill is taken from inside them. Each
 * alternative starts only where its run of characters starts (a lookbehind) and its parts have
 * bounded lengths (RFC 5321 local part and DNS label), so the scan is linear in the text.
 */
const EMAIL_OR_URL =
  /(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}|\b(?:https?:\/\/|www\.)[^\s,;)]+|(?<![a-z0-9.-])[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63}){0,8}\.(?:com|org|net|io|dev|ai|co|edu|gov|me|app|us|uk|info|biz)\b(?:\/[^\s,;)]*)?/g;

function blockedSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const m of text.matchAll(EMAIL_OR_URL)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

/**
 * "Does [start, end) overlap one of these spans?" in O(log n): a text can hold thousands of
 * addresses or skills, and the question is asked for every token.
 */
export function overlapIndex(spans: ReadonlyArray<readonly [number, number]>) {
  const sorted = [...spans].sort((a, b) => a[0] - b[0]);
  const maxEnd: number[] = [];
  let furthest = Number.NEGATIVE_INFINITY;
  for (const [, e] of sorted) {
    furthest = Math.max(furthest, e);
    maxEnd.push(furthest);
  }
  return (start: number, end: number): boolean => {
    // The spans that start before `end`: sorted[0 .. lo).
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]![0] < end) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && maxEnd[lo - 1]! > start;
  };
}

/** "Python (computer programming)" -> "Python"; the name itself when it has no such ending. */
export function withoutTrailingParenthetical(name: string): string {
  const trimmed = name.trimEnd();
  if (!trimmed.endsWith(')')) return name.trim();
  const open = trimmed.lastIndexOf('(');
  return open < 0 ? name.trim() : trimmed.slice(0, open).trim();
}

/** "Structured Query Language SQL" -> ["Structured Query Language", "SQL"]. */
function splitTrailingAcronym(label: string): [string, string] | undefined {
  const trimmed = label.trimEnd();
  const space = trimmed.lastIndexOf(' ');
  if (space <= 0) return undefined;
  const last = trimmed.slice(space + 1);
  const head = trimmed.slice(0, space).trimEnd();
  return head && /^\p{Lu}{2,6}$/u.test(last) ? [head, last] : undefined;
}

// ---------------------------------------------------------------------------------------------
// Matching

interface Found {
  entry: Entry;
  to: number;
  /** A verb-object match with words between ("operate overhead cranes" for "operate cranes"). */
  loose: boolean;
}

interface Candidate {
  loose: boolean;
  entry: Entry;
  from: number;
  to: number;
  start: number;
  end: number;
  line: LineInfo;
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

function matchText(text: string, dict: Dictionary, kind: 'resume' | 'job'): SkillMatchResult {
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
function negated(tokens: Token[], from: number): boolean {
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
function allowedHere(c: Candidate, skills: OntologySkill[], text: string, tokens: Token[]): boolean {
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

function lineFinder(lines: LineInfo[]): (offset: number) => LineInfo {
  return (offset) => {
    let lo = 0;
    let hi = lines.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lines[mid]!.start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lines[lo]!;
  };
}

function vetoed(rule: AmbiguousRule, text: string, c: Candidate): boolean {
  if (rule.after?.test(text.slice(c.end, c.end + 24))) return true;
  if (rule.before?.test(text.slice(Math.max(0, c.start - 24), c.start))) return true;
  return false;
}

function hasEvidence(
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
function technicalContext(c: Candidate, tokens: Token[]): boolean {
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

// ---------------------------------------------------------------------------------------------
// Unmatched phrases

const FLUENCY_ONLY =
  /^(?:native|fluent|bilingual|conversational|basic|intermediate|advanced|professional|working|proficient|beginner|elementary|[abc][12])$/i;

function unmatched(
  text: string,
  lines: LineInfo[],
  accepted: Candidate[],
  blocked: Array<[number, number]>,
  maxWords: number,
): UnmatchedPhrase[] {
  const out: UnmatchedPhrase[] = [];
  const seen = new Set<string>();
  const isAccepted = overlapIndex(accepted.map((c) => [c.start, c.end] as const));
  const isBlocked = overlapIndex(blocked);
  const covered = (s: number, e: number) => isAccepted(s, e) || isBlocked(s, e);
  const push = (s: number, e: number) => {
    const raw = text.slice(s, e);
    const phrase = raw.replace(/^[\s"'“‘*&+-]+|(?<![\s"'”’.:*&+-])[\s"'”’.:*&+-]+$/g, '');
    if (!phrase || !/\p{L}{2}/u.test(phrase) || FLUENCY_ONLY.test(phrase)) return;
    const words = countWords(phrase);
    if (words === 0 || words > maxWords) return;
    if (/^(?:and|or|etc|e\.g|i\.e)$/i.test(phrase)) return;
    const start = s + raw.indexOf(phrase);
    const key = phrase.toLowerCase();
    if (covered(start, start + phrase.length) || seen.has(key)) return;
    seen.add(key);
    out.push({ text: phrase, start, end: start + phrase.length });
  };
  for (const line of lines) {
    if (line.heading || line.name || line.segments.length === 0) continue;
    if (line.skills && (line.listLike || line.bullet || line.segments.length === 1)) {
      for (const seg of line.segments) push(seg.start, seg.end);
    } else if (line.bullet && line.segments.length <= 3) {
      const s = line.contentStart;
      const e = line.segments[line.segments.length - 1]!.end;
      if (countWords(text.slice(s, e)) <= maxWords) push(s, e);
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

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
