/**
 * Derives data/skills-ontology.json (the compact skills ontology the project ships, see
 * src/services/skills/ontology.ts) from ESCO v1.1.1 and O*NET 29.2: skills, occupation profiles and a
 * lemma table.
 *
 *   npx tsx scripts/derive-skills-ontology.ts [shared-data-dir] [output-file]
 *
 * Defaults: ../shared/data and data/skills-ontology.json, relative to the project root. Reads
 * esco/esco-v1.1.1-classification-en-csv.zip (skills, occupations), esco/esco-v1.1.1-relations-csv.zip
 * (both unzipped in memory), onet/Technology_Skills.txt, onet/Occupation_Data.txt,
 * onet/Alternate_Titles.txt and, for a vocabulary of ordinary English words (to keep aliases such as
 * "Docs" out), the ESCO descriptions and onet/Task_Statements.txt. The lemma table is derived with
 * wink-lemmatizer (a devDependency: needed here only, never at run time).
 *
 * The output is deterministic: `{"version":...,"attribution":[...],"skills":[` then one skill per line
 * sorted by id, `],"occupations":[` one ESCO occupation per line sorted by id, `],"onetOccupations":[`
 * one O*NET occupation per line sorted by code, `],"lemmas":{` the form -> lemma entries sorted by form,
 * wrapped at 100 characters, then `}}`. `version` is a hash of all those lines, so it changes whenever the
 * derivation or its inputs change. The rules are documented in data/NOTICE.md; the hand-written tables
 * they use (vendors, curated aliases and merges, ...) are the JSON files of data/skills-derivation/
 * (see its README.md).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import curated from '../data/skills-derivation/curated.json' with { type: 'json' };
import lemmaTables from '../data/skills-derivation/lemmas.json' with { type: 'json' };
import onetNames from '../data/skills-derivation/onet-names.json' with { type: 'json' };
import { parseCsvText } from '../src/csv';
import type {
  OnetOccupation,
  Ontology,
  OntologyOccupation,
  OntologySkill,
  SkillSource,
  SkillType,
} from '../src/services/skills/ontology';

export const ATTRIBUTION = [
  'This service uses the ESCO classification of the European Commission.',
  'This product includes information from the O*NET 29.2 Database by the U.S. Department of Labor, ' +
    'Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license. ' +
    'O*NET® is a trademark of USDOL/ETA.',
  'The word forms (lemmas) are derived with wink-lemmatizer from WordNet 3.0. ' +
    'WordNet 3.0 Copyright 2006 by Princeton University. All rights reserved. ' +
    'WordNet License: http://wordnet.princeton.edu/wordnet/license/',
];

const MAX_LABEL_LENGTH = 100;
const MAX_RELATED = 12;
const MAX_COMMODITY_PEERS = 8;
/** O*NET alternate titles longer than this are descriptions rather than titles. */
const MAX_ONET_TITLE_LENGTH = 80;
/** O*NET occupations linked to one ESCO occupation, at most. */
const MAX_ONET_LINKS = 3;
/** The lemma object is wrapped at this many characters a line (for readable diffs). */
const LEMMAS_LINE_WIDTH = 100;

// ---------------------------------------------------------------------------------------------------
// CSV (the project's reader, src/csv.ts) and O*NET's tab-separated files

export type CsvRecord = Record<string, string>;

/**
 * CSV rows keyed by the header row's names. Throws on a malformed record rather than guessing, so bad
 * input is seen.
 */
export function csvRecords(text: string): CsvRecord[] {
  const [header, ...rows] = parseCsvText(text);
  if (!header) return [];
  return rows.map((cells, r) => {
    if (cells.length !== header.length) {
      throw new Error(`CSV: record ${r + 1} has ${cells.length} fields, the header ${header.length}`);
    }
    const record: CsvRecord = {};
    header.forEach((name, i) => {
      record[name] = cells[i] ?? '';
    });
    return record;
  });
}

/** Rows of a tab-separated O*NET file, keyed by its header names (O*NET fields hold no tabs or quotes). */
export function tsvRecords(text: string): CsvRecord[] {
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0);
  const header = (lines.shift() ?? '').split('\t');
  return lines.map((l) => {
    const cells = l.split('\t');
    const record: CsvRecord = {};
    header.forEach((name, i) => {
      record[name] = (cells[i] ?? '').trim();
    });
    return record;
  });
}

// ---------------------------------------------------------------------------------------------------
// Names

/** A label as shipped: trimmed, runs of white space collapsed (ESCO has "analyze  medication's ..."). */
export function cleanLabel(label: string): string {
  return label.replace(/\s+/g, ' ').trim();
}

/** British spellings ESCO uses where O*NET uses American ones; whole words, so nothing else is joined. */
const SPELLINGS: [RegExp, string][] = [
  [/isation(s?)\b/g, 'ization$1'],
  [/\b(analy|organi|optimi|visuali|speciali|standardi|utili|customi)s(e|es|ed|ing)\b/g, '$1z$2'],
  [/\b(model|label|signal|travel|counsel)ling\b/g, '$1ing'],
];

/**
 * The key two names must share to be the same skill. Only folds that cannot join different things:
 * case, curly apostrophes, hyphens/underscores/white space, a few British/American spellings
 * ("modelling" ~ "modeling") and one trailing parenthetical qualifier ("Python (computer programming)"
 * ~ "Python"). Dots, plus signs and hashes are kept: "Node.js" does not become "NodeJS" (a curated
 * alias does that), "C#" and "C++" stay apart from "C".
 */
export function nameKey(name: string): string {
  let key = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/\s*\([^()]*\)\s*$/, '')
    .replace(/[\s_\u2010-\u2015-]+/g, ' ')
    .trim();
  for (const [pattern, replacement] of SPELLINGS) key = key.replace(pattern, replacement);
  return key;
}

/**
 * The O*NET id slug: lowercase ASCII, other characters runs to '-'. '+' and '#' are spelled out first
 * because "C", "C#" and "C++" would otherwise share the slug "c".
 */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\+/g, ' plus ')
    .replace(/#/g, ' sharp ')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Labels deduplicated case-insensitively (first spelling wins), cleaned, without the name and overlong ones. */
export function distinctLabels(
  name: string,
  labels: Iterable<string>,
  maxLength = MAX_LABEL_LENGTH,
): string[] {
  const seen = new Set([name.toLowerCase()]);
  const out: string[] = [];
  for (const raw of labels) {
    const label = cleanLabel(raw);
    const key = label.toLowerCase();
    if (!label || label.length > maxLength || seen.has(key)) continue;
    seen.add(key);
    out.push(label);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// O*NET names -> the shorter names people write (tables: data/skills-derivation/onet-names.json)

/**
 * Companies whose products people name without the vendor ("Excel", "Spark", "AutoCAD"). Longest first
 * so "Amazon Web Services" wins over "Amazon". Obscure vendors are left out on purpose: a bare
 * "Sage 50 Accounting" remainder ("50 Accounting") helps nobody.
 */
const VENDORS = [...onetNames.vendors].sort((a, b) => b.length - a.length || byText(a, b));

/**
 * "X software" names where X is a product, not a category ("Ansible software" vs "Accounting software").
 * Names of that shape are otherwise left whole; hot technologies are products anyway.
 */
const SOFTWARE_PRODUCTS = new Set(onetNames.softwareProducts);

/**
 * Vendor-less names that are ordinary words on their own but which resumes use bare for the product
 * (the extractor must check context). Listed in data/NOTICE.md; every other ordinary-word remainder
 * ("Google Docs" -> "Docs", "Oracle Database" -> "Database") is dropped.
 */
export const AMBIGUOUS_ALIASES = new Set(onetNames.ambiguousAliases);

/** Ordinary words the description vocabulary misses (seen among the vendor-less remainders). */
const EXTRA_ENGLISH = onetNames.extraEnglish;

/**
 * Bare acronyms that name a category, not a product, or something else in resumes ("APO": an Army
 * post office address): never an alias once the vendor is removed ("SAP ERP" -> "ERP").
 */
const GENERIC_ACRONYMS = new Set(onetNames.genericAcronyms);

const STOP_WORDS = new Set(['a', 'an', 'and', 'for', 'in', 'of', 'on', 'the', 'to', 'with', '&']);

/** A category name such as "Accounting software" or "Web browser software" (O*NET's generic examples). */
const genericName = /^[A-Z][a-z]+( [a-z]+)+$/;

function stripSoftware(name: string, hot: boolean): string {
  const m = /^(.+?) [Ss]oftware$/.exec(name);
  if (!m?.[1]) return name;
  const stem = m[1];
  if (genericName.test(name) && !hot && !SOFTWARE_PRODUCTS.has(stem)) return name;
  return stem;
}

function stripVendor(name: string): string | null {
  for (const vendor of VENDORS) {
    if (name.startsWith(`${vendor} `)) return name.slice(vendor.length + 1);
  }
  return null;
}

/**
 * True when `acronym` abbreviates `words`: a single word holding its letters in order ("Subversion SVN"),
 * or words whose initials or inner capitals give its letters in order, starting with the first word
 * ("Elastic Compute Cloud EC2", "JavaServer Pages JSP"). Digits are ignored. Rejects "Bing for Power BI".
 */
function abbreviates(acronym: string, words: string[]): boolean {
  const letters = acronym.replace(/[0-9]/g, '').toLowerCase();
  if (!letters || words.length === 0) return false;
  if (words.length === 1) {
    const word = (words[0] ?? '').toLowerCase();
    if (!word.startsWith(letters.charAt(0))) return false;
    let at = 0;
    for (const ch of letters) {
      const found = word.indexOf(ch, at);
      if (found === -1) return false;
      at = found + 1;
    }
    return true;
  }
  // The letters that may stand for something: each word's initial and its inner capitals, in order.
  const marks: string[] = [];
  for (const word of words) {
    marks.push(word.charAt(0).toLowerCase());
    for (const ch of word.slice(1)) if (ch >= 'A' && ch <= 'Z') marks.push(ch.toLowerCase());
  }
  if (marks[0] !== letters.charAt(0)) return false;
  let at = 0;
  for (const ch of letters) {
    const found = marks.indexOf(ch, at);
    if (found === -1) return false;
    at = found + 1;
  }
  return true;
}

export interface OnetNameForms {
  /** Distinctive shorter names: labels, and keys for merging with ESCO. */
  aliases: string[];
  /** Ordinary-word names kept as labels (AMBIGUOUS_ALIASES) but only matched against ESCO preferred labels. */
  ambiguous: string[];
  /** Vendor-less names dropped as ordinary words (for the report). */
  dropped: string[];
  /**
   * The vendor-less names among the above: weaker evidence, so they merge with an ESCO label only when
   * spelled exactly the same ("Cisco IOS" -> "IOS" is not ESCO's "iOS").
   */
  vendorless: string[];
}

/**
 * The shorter names people write for an O*NET example: without " software" ("Ansible software" ->
 * "Ansible"), a described or named acronym ("Structured query language SQL" -> "SQL", "Structured query
 * language"; "Amazon Elastic Compute Cloud EC2" -> "EC2", "Amazon Elastic Compute Cloud") and the
 * vendor-less name ("Microsoft Excel" -> "Excel") when it is distinctive.
 */
export function onetNameForms(example: string, hot: boolean, english: English): OnetNameForms {
  const forms: OnetNameForms = { aliases: [], ambiguous: [], dropped: [], vendorless: [] };
  const seen = new Set([example.toLowerCase()]);
  const add = (list: string[], alias: string) => {
    const key = alias.toLowerCase();
    if (alias.length < 2 || seen.has(key)) return;
    seen.add(key);
    list.push(alias);
  };

  const base = stripSoftware(example, hot);
  const full: string[] = [base];
  // An acronym is worth an alias unless it is a word ("Computer assisted language learning CALL") or
  // two letters without a digit ("BI"; "S3" is fine): those would match ordinary text.
  const acronym = (a: string) => {
    if (english.words.has(a.toLowerCase()) || (a.length <= 2 && !/[0-9]/.test(a))) add(forms.dropped, a);
    else full.push(a);
  };
  // "Adobe Experience Manager (AEM)": the name without the bracket, and the acronym.
  const bracket = /^(.+?)\s*\(([A-Z][A-Za-z0-9]{1,7})\)$/.exec(base);
  if (bracket?.[1] && bracket[2] && /[A-Z].*[A-Z]/.test(bracket[2])) {
    full.push(bracket[1]);
    acronym(bracket[2]);
  }
  const words = base.split(' ');
  const last = words.at(-1) ?? '';
  const rest = words.slice(0, -1);
  if (rest.length >= 1 && /^[A-Z][A-Z0-9]{1,5}$/.test(last)) {
    const described =
      rest.length >= 2 &&
      /^[A-Z][a-z-]*$/.test(rest[0] ?? '') &&
      rest.slice(1).every((w) => /^[a-z-]+$/.test(w));
    const vendorless = stripVendor(rest.join(' '))?.split(' ') ?? rest;
    if (described || abbreviates(last, rest) || abbreviates(last, vendorless)) {
      full.push(rest.join(' '));
      acronym(last);
    }
  }
  for (const name of full) add(forms.aliases, name);

  for (const name of full) {
    // "Amazon Web Services" is a vendor itself, not Amazon's product "Web Services".
    const remainder = VENDORS.includes(name) ? null : stripVendor(name);
    if (!remainder) continue;
    const bare = stripSoftware(remainder, true);
    forms.vendorless.push(bare);
    // Category remainders ("software", "cloud computing"), two-letter or category acronyms ("SAP IQ" ->
    // "IQ", "SAP ERP" -> "ERP") and words in any spelling ("Adobe AIR" -> "AIR") say nothing on their own.
    if (
      /^[a-z]+( |$)/.test(bare) ||
      /^[A-Z]{1,2}$/.test(bare) ||
      GENERIC_ACRONYMS.has(bare) ||
      (/^[A-Z]+$/.test(bare) && english.words.has(bare.toLowerCase()))
    ) {
      add(forms.dropped, bare);
      continue;
    }
    // Ordinary: one English word ("Docs"), or an English phrase that prose uses ("Risk Management").
    // A capitalised phrase prose never uses ("Visual Studio", "Active Directory") names the product.
    const words = bare.split(' ');
    const plain = words.every((w) => /^[A-Z]?[a-z]+$/.test(w) || STOP_WORDS.has(w));
    const ordinary =
      plain &&
      (words.length === 1 ? english.words.has(bare.toLowerCase()) : english.hasPhrase(bare.toLowerCase()));
    if (!ordinary) add(forms.aliases, bare);
    else if (AMBIGUOUS_ALIASES.has(bare)) add(forms.ambiguous, bare);
    else add(forms.dropped, bare);
  }
  return forms;
}

/** Ordinary English as the descriptions and task statements use it. */
export interface English {
  /** Lowercase words. */
  words: ReadonlySet<string>;
  /** Whether a lowercase phrase of several words occurs in the prose. */
  hasPhrase(phrase: string): boolean;
}

/**
 * Ordinary English from the ESCO descriptions and O*NET task statements. Only words written in lowercase
 * count: capitalised ones may be product names ("Use Microsoft Visual Studio ..."), so a capitalised word
 * also ends a phrase.
 */
export function englishVocabulary(texts: Iterable<string>): English {
  const words = new Set(EXTRA_ENGLISH);
  const runs: string[] = [];
  for (const text of texts) {
    let run: string[] = [];
    for (const token of text.split(/[^A-Za-z]+/)) {
      if (token && token === token.toLowerCase()) {
        words.add(token);
        run.push(token);
      } else if (token) {
        if (run.length > 1) runs.push(run.join(' '));
        run = [];
      }
    }
    if (run.length > 1) runs.push(run.join(' '));
  }
  // One string with '|' between runs: a phrase is in the prose when ` phrase ` is in it.
  const prose = ` ${runs.join(' | ')} `;
  return { words, hasPhrase: (phrase) => prose.includes(` ${phrase} `) };
}

// ---------------------------------------------------------------------------------------------------
// Curated aliases: what resumes write that neither source spells. Each entry is a real synonym.
// (Tables: data/skills-derivation/curated.json.)

/** [a skill's name as ESCO or O*NET spells it, aliases]. The derivation fails if a name is missing. */
const CURATED_ALIASES: [string, string[]][] = curated.aliases.map((a) => [a.name, a.aliases]);

/**
 * O*NET examples that are an ESCO skill under another name, which no name rule can see:
 * [O*NET example, ESCO preferred label]. The derivation fails if either is missing.
 */
const CURATED_MERGES: [string, string][] = curated.merges.map((m) => [m.onet, m.esco]);

// ---------------------------------------------------------------------------------------------------
// Lemmas: word form -> lemma, derived with wink-lemmatizer (WordNet's morphy) at derivation time only

/** wink-lemmatizer's API (it ships no types). */
interface WinkLemmatizer {
  noun(word: string): string;
  verb(word: string): string;
}

/** What the lemma table is derived from: wink-lemmatizer and the WordNet data of wink-lexicon. */
export interface WordNet {
  noun(word: string): string;
  verb(word: string): string;
  /** The irregular forms of WordNet's exception lists (form -> lemma), nouns and verbs. */
  nounExceptions: Readonly<Record<string, string>>;
  verbExceptions: Readonly<Record<string, string>>;
  /** Whether WordNet has the word as a noun ("wound", "data") or as a verb ("wound", "dive") of its own. */
  isNoun(word: string): boolean;
  isVerb(word: string): boolean;
}

let wordNet: WordNet | undefined;

/**
 * wink-lemmatizer and the wink-lexicon files it reads (loaded on first use: ~3 MB of WordNet data).
 * wink-lexicon is resolved from wink-lemmatizer's own location, the way wink-lemmatizer finds it.
 */
export function loadWordNet(): WordNet {
  if (wordNet) return wordNet;
  const require = createRequire(import.meta.url);
  const lemmatizerFile = require.resolve('wink-lemmatizer');
  const lexicon = createRequire(lemmatizerFile);
  const lemmatizer = require(lemmatizerFile) as WinkLemmatizer;
  const words = lexicon('wink-lexicon/src/wn-words.js') as Record<string, number>;
  const senses = lexicon('wink-lexicon/src/wn-word-senses.js') as number[][];
  // The sense numbers wink-lemmatizer's isNoun / isVerb test: 3-28 nouns, 29-43 verbs.
  const hasSense = (word: string, from: number, to: number) => {
    const index = Object.hasOwn(words, word) ? words[word] : undefined;
    const list = index === undefined ? undefined : senses[index];
    return list?.some((sense) => sense >= from && sense <= to) ?? false;
  };
  wordNet = {
    noun: (word) => lemmatizer.noun(word),
    verb: (word) => lemmatizer.verb(word),
    nounExceptions: lexicon('wink-lexicon/src/wn-noun-exceptions.js') as Record<string, string>,
    verbExceptions: lexicon('wink-lexicon/src/wn-verb-exceptions.js') as Record<string, string>,
    isNoun: (word) => hasSense(word, 3, 28),
    isVerb: (word) => hasSense(word, 29, 43),
  };
  return wordNet;
}

/** The lowercase alphabetic words of a text, accents folded; hyphens, apostrophes and digits split words. */
export function lemmaWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter((w) => w.length > 0);
}

/** Forms of 1-2 letters are never listed ("is", "as", "us" would be noise). */
const MIN_FORM_LENGTH = 3;

/**
 * The lemma of one word form as the table records it (memoised):
 * - the noun lemma and the verb lemma of wink-lemmatizer;
 * - an irregular lemma from WordNet's exception lists (which list every possible reading) is ignored
 *   when the form is a word of its own: an irregular verb form, other than "-ing" / "-ed", that WordNet
 *   also has as a noun or verb ("wound" stays "wound", not "wind"; "found", "saw", "ground", "felt"
 *   stay), an irregular plural that WordNet also has as a verb ("dive" stays, not "diva"), and
 *   the adjectives of KEEP_IRREGULAR. Other irregular forms apply ("ran" -> "run", "taught" ->
 *   "teach", "applied" -> "apply", "planning" -> "plan", "men" -> "man", "children" -> "child", "data"
 *   -> "datum"), and so do the regular suffix rules;
 * - when noun and verb lemmas disagree and both differ from the form: the verb lemma for forms ending
 *   in "-ing" or "-ed", the noun lemma otherwise ("leaves" -> "leaf", "axes" -> "ax");
 * - applied until nothing changes, so a lemma is never itself a form in the table ("buildings" ->
 *   "building" -> "build" gives "buildings" -> "build"); a cycle (none in WordNet so far) resolves to
 *   its alphabetically first member.
 */
/**
 * Irregular readings of WordNet's exception lists that are wrong for the vocabulary of skills and
 * occupations (adjectives WordNet does not have as nouns or verbs): "bespoke" software or tailoring is
 * not "bespeak", "wrought" iron is not "work", "clad" (and so "cladding") is not "clothe".
 * (data/skills-derivation/lemmas.json)
 */
const KEEP_IRREGULAR = new Set(lemmaTables.keepIrregular);

/**
 * Whether an irregular lemma from WordNet's exception lists is ignored for a form (see lemmaOfWord): an
 * irregular verb form (other than "-ing" / "-ed") that WordNet also has as a noun or verb, an irregular
 * plural that WordNet also has as a verb, and KEEP_IRREGULAR.
 */
function keepsIrregular(wn: WordNet, form: string, lemma: string, pos: 'noun' | 'verb'): boolean {
  if (lemma === form) return false;
  if (pos === 'noun') return Object.hasOwn(wn.nounExceptions, form) && wn.isVerb(form);
  if (!Object.hasOwn(wn.verbExceptions, form)) return false;
  if (KEEP_IRREGULAR.has(form)) return true;
  return !/(?:ing|ed)$/.test(form) && (wn.isNoun(form) || wn.isVerb(form));
}

export function lemmaOfWord(wn: WordNet): (word: string) => string {
  const once = (w: string): string => {
    let n = wn.noun(w);
    let v = wn.verb(w);
    if (keepsIrregular(wn, w, n, 'noun')) n = w;
    if (keepsIrregular(wn, w, v, 'verb')) v = w;
    if (n === w) return v;
    if (v === w || v === n) return n;
    return /(?:ing|ed)$/.test(w) ? v : n;
  };
  const memo = new Map<string, string>();
  return (word) => {
    const known = memo.get(word);
    if (known !== undefined) return known;
    const path = [word];
    let current = word;
    for (;;) {
      const next = once(current);
      if (next === current) break;
      const at = path.indexOf(next);
      if (at !== -1) {
        current = [...path.slice(at)].sort(byText)[0] ?? next;
        break;
      }
      path.push(next);
      current = next;
    }
    memo.set(word, current);
    return current;
  };
}

/**
 * The regular inflections of a lemma by English spelling rules: -s, or -es after s/x/z/ch/sh/o, -ies
 * after a consonant + y; -d after e, -ied after a consonant + y, else -ed; -ing (e dropped except after
 * e/y/o, ie -> ying); a final consonant after a single vowel is doubled in a word of one syllable
 * ("plan" -> "planned", "planning") and tried both ways in a longer one ("visited", "controlled").
 * Candidates only: the lemmatiser decides which are real, and its suffix rules are lenient ("cleanes",
 * "careing" would pass), so the candidates must be spelled by the rules.
 */
export function regularInflections(lemma: string): string[] {
  const out: string[] = [];
  const consonantY = /[^aeiou]y$/.test(lemma);
  const stem = lemma.slice(0, -1);
  if (consonantY) out.push(`${stem}ies`);
  else if (/(?:s|x|z|ch|sh)$/.test(lemma)) out.push(`${lemma}es`);
  else if (lemma.endsWith('o')) out.push(`${lemma}s`, `${lemma}es`);
  else out.push(`${lemma}s`);

  const doubling = /(?:^|[^aeiou])[aeiou][bcdfgklmnprstvz]$/.test(lemma);
  const syllables = lemma.match(/[aeiouy]+/g)?.length ?? 0;
  const last = lemma.slice(-1);
  const bases: string[] = [];
  if (!doubling || syllables > 1) bases.push(lemma);
  if (doubling) bases.push(`${lemma}${last}`);
  if (lemma.endsWith('e')) out.push(`${lemma}d`);
  else if (consonantY) out.push(`${stem}ied`);
  else for (const base of bases) out.push(`${base}ed`);
  if (lemma.endsWith('ie')) out.push(`${lemma.slice(0, -2)}ying`);
  else if (/[^eyo]e$/.test(lemma)) out.push(`${stem}ing`);
  else if (lemma.endsWith('e')) out.push(`${lemma}ing`);
  else for (const base of bases) out.push(`${base}ing`);
  return out;
}

export interface LemmaTable {
  /** Form -> lemma, sorted by form. */
  lemmas: Map<string, string>;
  counts: { vocabulary: number; lemmas: number; fromWords: number; inflections: number; exceptions: number };
  /** Words whose noun and verb lemmas disagreed: [form, noun lemma, verb lemma, chosen]. */
  conflicts: [string, string, string, string][];
  /** Irregular lemmas ignored because the form is a word of its own: [form, ignored lemma]. */
  keptIrregular: [string, string][];
}

/**
 * The lemma table for the words of `texts` (skill labels, occupation titles): (a) each word whose lemma
 * differs from it, (b) the regular inflections of each lemma that the lemmatiser maps back to that
 * lemma, (c) the irregular forms of WordNet's exception lists whose lemma is one of the vocabulary's.
 * Every entry is `form -> lemmaOf(form)` (see lemmaOfWord), so the table is one function of the form
 * whatever added it, and forms of 1-2 letters are left out.
 */
export function deriveLemmas(texts: Iterable<string>, wn: WordNet = loadWordNet()): LemmaTable {
  const lemmaOf = lemmaOfWord(wn);
  const vocabulary = new Set<string>();
  for (const text of texts) for (const w of lemmaWords(text)) vocabulary.add(w);
  const words = [...vocabulary].sort(byText);
  const table = new Map<string, string>();
  const counts = { vocabulary: words.length, lemmas: 0, fromWords: 0, inflections: 0, exceptions: 0 };
  const add = (form: string, lemma: string, kind: 'fromWords' | 'inflections' | 'exceptions') => {
    if (form.length < MIN_FORM_LENGTH || form === lemma || table.has(form)) return;
    table.set(form, lemma);
    counts[kind]++;
  };

  const lemmaSet = new Set<string>();
  for (const w of words) {
    const lemma = lemmaOf(w);
    lemmaSet.add(lemma);
    add(w, lemma, 'fromWords');
  }
  const lemmaList = [...lemmaSet].sort(byText);
  counts.lemmas = lemmaList.length;
  for (const lemma of lemmaList) {
    if (!/^[a-z]+$/.test(lemma)) continue;
    for (const form of regularInflections(lemma)) {
      if (!table.has(form) && lemmaOf(form) === lemma) add(form, lemma, 'inflections');
    }
  }
  const irregular = new Set([...Object.keys(wn.nounExceptions), ...Object.keys(wn.verbExceptions)]);
  for (const form of [...irregular].sort(byText)) {
    if (!/^[a-z]+$/.test(form) || table.has(form)) continue;
    const lemma = lemmaOf(form);
    if (lemmaSet.has(lemma)) add(form, lemma, 'exceptions');
  }

  // For the report: how the rules above decided the vocabulary's words.
  const conflicts: LemmaTable['conflicts'] = [];
  const keptIrregular: LemmaTable['keptIrregular'] = [];
  for (const w of words) {
    const n = wn.noun(w);
    const v = wn.verb(w);
    if (n !== w && v !== w && n !== v) conflicts.push([w, n, v, lemmaOf(w)]);
    if (keepsIrregular(wn, w, n, 'noun')) keptIrregular.push([w, `noun ${n}`]);
    if (keepsIrregular(wn, w, v, 'verb')) keptIrregular.push([w, `verb ${v}`]);
  }
  const sorted = new Map([...table].sort((a, b) => byText(a[0], b[0])));
  return { lemmas: sorted, counts, conflicts, keptIrregular };
}

/**
 * The key two occupation titles share when they name the same occupation: lower case, accents folded,
 * punctuation to spaces, white space collapsed, and the last word by the lemma table ("Plumbers" ->
 * "plumber"; the same lookup on both sides, so a final "-ing" form agrees too).
 */
export function titleKey(title: string, lemmas: ReadonlyMap<string, string>): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ');
  const last = words.length - 1;
  const word = words[last] ?? '';
  words[last] = lemmas.get(word) ?? word;
  return words.join(' ');
}

// ---------------------------------------------------------------------------------------------------
// Inputs

export interface Inputs {
  escoSkills: CsvRecord[];
  escoSkillRelations: CsvRecord[];
  escoBroader: CsvRecord[];
  onetTechnology: CsvRecord[];
  /** ESCO occupations_en.csv. */
  escoOccupations: CsvRecord[];
  /** ESCO occupationSkillRelations.csv. */
  escoOccupationSkills: CsvRecord[];
  /** O*NET Occupation_Data.txt. */
  onetOccupations: CsvRecord[];
  /** O*NET Alternate_Titles.txt. */
  onetAlternateTitles: CsvRecord[];
  /** Prose for the English vocabulary (descriptions, task statements). */
  prose: string[];
}

function zipEntries(file: string, names: string[]): Map<string, string> {
  const wanted = new Set(names);
  const files = unzipSync(readFileSync(file), { filter: (f) => wanted.has(f.name) });
  const decoder = new TextDecoder('utf-8');
  const out = new Map<string, string>();
  for (const name of names) {
    const bytes = files[name];
    if (!bytes) throw new Error(`${file} has no ${name}`);
    out.set(name, decoder.decode(bytes));
  }
  return out;
}

export function readInputs(dataDir: string): Inputs {
  const classification = zipEntries(path.join(dataDir, 'esco/esco-v1.1.1-classification-en-csv.zip'), [
    'skills_en.csv',
    'occupations_en.csv',
  ]);
  const relations = zipEntries(path.join(dataDir, 'esco/esco-v1.1.1-relations-csv.zip'), [
    'skillSkillRelations.csv',
    'broaderRelationsSkillPillar.csv',
    'occupationSkillRelations.csv',
  ]);
  const escoSkills = csvRecords(classification.get('skills_en.csv') ?? '');
  const occupations = csvRecords(classification.get('occupations_en.csv') ?? '');
  const tasks = tsvRecords(readFileSync(path.join(dataDir, 'onet/Task_Statements.txt'), 'utf8'));
  return {
    escoSkills,
    escoSkillRelations: csvRecords(relations.get('skillSkillRelations.csv') ?? ''),
    escoBroader: csvRecords(relations.get('broaderRelationsSkillPillar.csv') ?? ''),
    onetTechnology: tsvRecords(readFileSync(path.join(dataDir, 'onet/Technology_Skills.txt'), 'utf8')),
    escoOccupations: occupations,
    escoOccupationSkills: csvRecords(relations.get('occupationSkillRelations.csv') ?? ''),
    onetOccupations: tsvRecords(readFileSync(path.join(dataDir, 'onet/Occupation_Data.txt'), 'utf8')),
    onetAlternateTitles: tsvRecords(readFileSync(path.join(dataDir, 'onet/Alternate_Titles.txt'), 'utf8')),
    prose: [
      ...escoSkills.map((r) => r.description ?? ''),
      ...occupations.map((r) => r.description ?? ''),
      ...tasks.map((r) => r.Task ?? ''),
    ],
  };
}

// ---------------------------------------------------------------------------------------------------
// Derivation

/** A skill while it is being built. */
interface Draft {
  id: string;
  name: string;
  type: SkillType;
  sources: Set<SkillSource>;
  hot: boolean;
  inDemand: boolean;
  /** Names of the O*NET examples merged in (besides the name). */
  onetNames: string[];
  /** Aliases derived from O*NET names; may be taken away again when several skills claim one. */
  derived: string[];
  curated: string[];
  escoLabels: string[];
  /** O*NET rows (example x occupation): how widely used, to settle derived-alias conflicts. */
  onetRows: number;
  commodities: Set<string>;
  /** O*NET-SOC codes of the occupations listing it. */
  occupations: Set<string>;
  /** Related id -> priority (lower is kept first when capping). */
  related: Map<string, number>;
}

/** Priorities for `related` when more than MAX_RELATED candidates exist. */
const RELATED_PRIORITY = { broader: 0, essential: 1, optional: 2, reverse: 3, narrower: 4, commodity: 5 };

interface OnetExample {
  name: string;
  hot: boolean;
  inDemand: boolean;
  rows: number;
  commodities: Set<string>;
  occupations: Set<string>;
  forms: OnetNameForms;
}

export interface Merge {
  onet: string;
  esco: string;
  escoId: string;
  /** How they matched: the ESCO preferred label, an ESCO alternative label or CURATED_MERGES. */
  via: 'preferred' | 'alternative' | 'curated';
  key: string;
}

export interface DerivationReport {
  merges: Merge[];
  /** O*NET examples folded into another O*NET example with the same name ("Epic Systems software"). */
  onetDuplicates: [string, string][];
  /** O*NET names whose key matched several ESCO skills: left unmerged. */
  ambiguousMatches: { onet: string; key: string; esco: string[] }[];
  /** Derived aliases several skills claimed: [alias, kept on, taken from]. */
  aliasConflicts: [string, string, string[]][];
  ambiguousAliases: [string, string][];
  droppedAliases: [string, string][];
  counts: Record<string, number>;
  /** Occupations, links and lemmas: counts. */
  occupationCounts: Record<string, number>;
  /** Links made: [ESCO occupation title, O*NET code, the title keys they share]. */
  links: [string, string, string[]][];
  /** Lemma table: words whose noun and verb lemmas disagreed ([form, noun, verb, chosen]). */
  lemmaConflicts: [string, string, string, string][];
  /** Lemma table: irregular lemmas ignored because the form is a word of its own ([form, ignored]). */
  keptIrregular: [string, string][];
}

export interface Derivation {
  ontology: Ontology;
  /** The file content. */
  text: string;
  report: DerivationReport;
}

function escoId(uri: string): string {
  const m = /\/skill\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(uri);
  if (!m) throw new Error(`not an ESCO skill URI: ${uri}`);
  return `esco:${m[1]}`;
}

function splitLabels(value: string | undefined): string[] {
  return (value ?? '').split(/\r?\n/);
}

function pushMulti<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function addRelated(draft: Draft | undefined, id: string, priority: number) {
  if (!draft || draft.id === id) return;
  const known = draft.related.get(id);
  if (known === undefined || priority < known) draft.related.set(id, priority);
}

/** A label without its trailing parenthetical qualifier. */
function labelCore(label: string): string {
  return label.replace(/\s*\([^()]*\)\s*$/, '').trim();
}

/** A proper name ("Python (...)", "iOS", "SQL Server") rather than a concept ("3D modelling", "first aid"). */
function isNamed(label: string): boolean {
  return /^[A-Z]|[a-z][A-Z]/.test(labelCore(label));
}

/** Content words of a key, for checking that an alternative label names the same thing. */
function contentWords(key: string): string[] {
  return key.split(' ').filter((w) => w.length > 1 && !STOP_WORDS.has(w) && w !== 'software');
}

export function deriveOntology(inputs: Inputs): Derivation {
  const english = englishVocabulary(inputs.prose);
  const drafts = new Map<string, Draft>();
  const uriToId = new Map<string, string>();

  // ESCO: every released skill.
  for (const rec of inputs.escoSkills) {
    if (rec.status !== 'released') continue;
    const id = escoId(rec.conceptUri ?? '');
    const name = cleanLabel(rec.preferredLabel ?? '');
    if (!name) throw new Error(`${rec.conceptUri} has no preferred label`);
    uriToId.set(rec.conceptUri ?? '', id);
    drafts.set(id, {
      id,
      name,
      // Six DigComp competences ("digital content creation") have no skillType: they are competences.
      type: rec.skillType === 'knowledge' ? 'knowledge' : 'skill',
      sources: new Set(['esco']),
      hot: false,
      inDemand: false,
      onetNames: [],
      derived: [],
      curated: [],
      escoLabels: [...splitLabels(rec.altLabels), ...splitLabels(rec.hiddenLabels)],
      onetRows: 0,
      commodities: new Set(),
      occupations: new Set(),
      related: new Map(),
    });
  }
  const escoDrafts = [...drafts.values()];
  const preferredIndex = new Map<string, string[]>();
  const alternativeIndex = new Map<string, string[]>();
  for (const d of escoDrafts) {
    pushMulti(preferredIndex, nameKey(d.name), d.id);
    const keys = new Set(d.escoLabels.map(nameKey).filter((k) => k && k !== nameKey(d.name)));
    for (const key of keys) pushMulti(alternativeIndex, key, d.id);
  }

  // O*NET: one entry per distinct example.
  const examples = new Map<string, OnetExample>();
  for (const row of inputs.onetTechnology) {
    const name = cleanLabel(row.Example ?? '');
    if (!name) continue;
    let ex = examples.get(name);
    if (!ex) {
      ex = {
        name,
        hot: false,
        inDemand: false,
        rows: 0,
        commodities: new Set(),
        occupations: new Set(),
        forms: emptyForms(),
      };
      examples.set(name, ex);
    }
    ex.hot ||= row['Hot Technology'] === 'Y';
    ex.inDemand ||= row['In Demand'] === 'Y';
    ex.rows++;
    if (row['Commodity Code']) ex.commodities.add(row['Commodity Code']);
    if (row['O*NET-SOC Code']) ex.occupations.add(row['O*NET-SOC Code']);
  }
  for (const ex of examples.values()) ex.forms = onetNameForms(ex.name, ex.hot, english);

  // O*NET lists some products twice ("Epic Systems", "Epic Systems software"): one skill per key.
  const report: DerivationReport = {
    merges: [],
    onetDuplicates: [],
    ambiguousMatches: [],
    aliasConflicts: [],
    ambiguousAliases: [],
    droppedAliases: [],
    counts: {},
    occupationCounts: {},
    links: [],
    lemmaConflicts: [],
    keptIrregular: [],
  };
  const groups = new Map<string, OnetExample[]>();
  for (const ex of examples.values()) pushMulti(groups, nameKey(stripSoftware(ex.name, ex.hot)), ex);
  const groupList = [...groups.values()].map((members) =>
    members.sort(
      (a, b) =>
        Number(b.hot) - Number(a.hot) ||
        b.rows - a.rows ||
        a.name.length - b.name.length ||
        byText(a.name, b.name),
    ),
  );
  groupList.sort((a, b) => byText(a[0]?.name ?? '', b[0]?.name ?? ''));

  const curatedMerges = new Map(CURATED_MERGES);
  const escoByName = new Map(escoDrafts.map((d) => [d.name, d.id]));
  const exampleToId = new Map<string, string>();
  const slugOwner = new Map<string, string>();
  for (const members of groupList) {
    const head = members[0];
    if (!head) continue;
    for (const other of members.slice(1)) report.onetDuplicates.push([other.name, head.name]);

    // Match with ESCO: the names first, then the shorter forms; preferred labels before alternative ones.
    const strong: { key: string; form: string; exact: boolean }[] = [];
    const weak: { key: string; form: string; exact: boolean }[] = [];
    const vendorless = new Set(members.flatMap((m) => m.forms.vendorless));
    const keyed = (form: string) => ({ key: nameKey(form), form, exact: vendorless.has(form) });
    for (const m of members) strong.push(keyed(m.name));
    for (const m of members) strong.push(...m.forms.aliases.map(keyed));
    for (const m of members) weak.push(...m.forms.ambiguous.map(keyed));
    let target: { id: string; via: Merge['via']; key: string } | undefined;
    let ambiguous: { key: string; ids: string[] } | undefined;
    for (const m of members) {
      const label = curatedMerges.get(m.name);
      if (!label) continue;
      const id = escoByName.get(label);
      if (!id) throw new Error(`curated merge target ${JSON.stringify(label)} is not an ESCO skill`);
      target = { id, via: 'curated', key: m.name };
      curatedMerges.delete(m.name);
    }
    for (const { key, form, exact } of target ? [] : [...strong, ...weak]) {
      // An all-capitals ESCO label is an acronym or a name spelled so on purpose: ESCO's "SPARK" (the
      // Ada-based language) is not O*NET's "Apache Spark". The O*NET form must be spelled the same.
      const ids = (preferredIndex.get(key) ?? []).filter((id) => {
        const core = labelCore(drafts.get(id)?.name ?? '');
        return !(exact || /^[A-Z0-9]{2,}$/.test(core)) || labelCore(form) === core;
      });
      if (ids.length === 0) continue;
      if (ids.length === 1 && ids[0]) target = { id: ids[0], via: 'preferred', key };
      else ambiguous = { key, ids };
      break;
    }
    if (!target && !ambiguous) {
      for (const { key, exact } of strong) {
        if (exact) continue;
        // Only named things ("Jenkins (tools for ...)", "Filemaker (database management systems)")
        // whose preferred label shares a word with the label: ESCO lists example products under generic
        // concepts ("Prezi" under "use presentation software", "Blackboard Learning System" under
        // "learning management systems", "Mocha" under "JavaScript"), which are not the same skill.
        const ids = (alternativeIndex.get(key) ?? []).filter((id) => {
          const d = drafts.get(id);
          if (d?.type !== 'knowledge' || !isNamed(d.name)) return false;
          const words = new Set(contentWords(nameKey(d.name)));
          return contentWords(key).some((w) => words.has(w));
        });
        if (ids.length === 0) continue;
        if (ids.length === 1 && ids[0]) target = { id: ids[0], via: 'alternative', key };
        else ambiguous = { key, ids };
        break;
      }
    }
    if (ambiguous) {
      report.ambiguousMatches.push({
        onet: head.name,
        key: ambiguous.key,
        esco: ambiguous.ids.map((id) => drafts.get(id)?.name ?? id),
      });
    }

    let draft: Draft;
    if (target) {
      const escoDraft = drafts.get(target.id);
      if (!escoDraft) throw new Error(`unknown ESCO id ${target.id}`);
      draft = escoDraft;
      // A named thing ("Python (computer programming)", "SQL") becomes a technology; a concept that
      // O*NET also lists as a software category ("customer relationship management" ~ "Customer
      // relationship management CRM software") keeps ESCO's type.
      if (isNamed(draft.name)) draft.type = 'technology';
      for (const m of members) {
        report.merges.push({
          onet: m.name,
          esco: draft.name,
          escoId: draft.id,
          via: target.via,
          key: target.key,
        });
      }
    } else {
      const slug = slugify(head.name);
      if (!slug) throw new Error(`O*NET example ${JSON.stringify(head.name)} has an empty slug`);
      const owner = slugOwner.get(slug);
      if (owner) throw new Error(`O*NET examples ${owner} and ${head.name} share the slug ${slug}`);
      slugOwner.set(slug, head.name);
      draft = {
        id: `onet:${slug}`,
        name: head.name,
        type: 'technology',
        sources: new Set(),
        hot: false,
        inDemand: false,
        onetNames: [],
        derived: [],
        curated: [],
        escoLabels: [],
        onetRows: 0,
        commodities: new Set(),
        occupations: new Set(),
        related: new Map(),
      };
      drafts.set(draft.id, draft);
    }
    draft.sources.add('onet');
    for (const m of members) {
      exampleToId.set(m.name, draft.id);
      if (m.name !== draft.name) draft.onetNames.push(m.name);
      draft.derived.push(...m.forms.aliases, ...m.forms.ambiguous);
      draft.hot ||= m.hot;
      draft.inDemand ||= m.inDemand;
      draft.onetRows += m.rows;
      for (const c of m.commodities) draft.commodities.add(c);
      for (const o of m.occupations) draft.occupations.add(o);
      for (const a of m.forms.ambiguous) report.ambiguousAliases.push([a, m.name]);
      for (const a of m.forms.dropped) report.droppedAliases.push([a, m.name]);
    }
  }

  if (curatedMerges.size > 0) {
    throw new Error(`curated merges of unknown O*NET examples: ${[...curatedMerges.keys()].join(', ')}`);
  }

  // Derived aliases are guesses: one claimed by several skills goes to the most used one, and none may
  // be another skill's name.
  const nameOwner = new Map<string, string>();
  for (const d of drafts.values()) nameOwner.set(d.name.toLowerCase(), d.id);
  const claims = new Map<string, Draft[]>();
  for (const d of drafts.values()) {
    for (const alias of new Set(d.derived.map((a) => a.toLowerCase()))) pushMulti(claims, alias, d);
  }
  for (const [alias, claimants] of [...claims].sort((a, b) => byText(a[0], b[0]))) {
    const namedBy = nameOwner.get(alias);
    const sorted = [...claimants].sort(
      (a, b) => b.onetRows - a.onetRows || Number(b.hot) - Number(a.hot) || byText(a.id, b.id),
    );
    const keep = namedBy ? undefined : sorted[0];
    const losers = sorted.filter((d) => d !== keep && d.id !== namedBy);
    if (losers.length === 0) continue;
    for (const d of losers) d.derived = d.derived.filter((a) => a.toLowerCase() !== alias);
    report.aliasConflicts.push([
      alias,
      keep?.name ?? `(name of ${drafts.get(namedBy ?? '')?.name})`,
      losers.map((d) => d.name),
    ]);
  }

  // Curated aliases, by the name a source gives the skill.
  const byName = new Map<string, Draft>();
  for (const d of drafts.values()) byName.set(d.name, d);
  for (const [name, id] of exampleToId) if (!byName.has(name)) byName.set(name, drafts.get(id) as Draft);
  for (const [name, aliases] of CURATED_ALIASES) {
    const d = byName.get(name);
    if (!d) throw new Error(`curated alias target ${JSON.stringify(name)} is not in the ontology`);
    d.curated.push(...aliases);
  }

  // Related: ESCO skill-skill relations (both ways) and direct broader skills (both ways).
  for (const rel of inputs.escoSkillRelations) {
    const from = uriToId.get(rel.originalSkillUri ?? '');
    const to = uriToId.get(rel.relatedSkillUri ?? '');
    if (!from || !to) continue;
    const p = rel.relationType === 'essential' ? RELATED_PRIORITY.essential : RELATED_PRIORITY.optional;
    addRelated(drafts.get(from), to, p);
    addRelated(drafts.get(to), from, RELATED_PRIORITY.reverse);
  }
  for (const rel of inputs.escoBroader) {
    // Skill groups are not skills in the ontology; only skill -> broader skill counts.
    const narrow = uriToId.get(rel.conceptUri ?? '');
    const broad = uriToId.get(rel.broaderUri ?? '');
    if (!narrow || !broad) continue;
    addRelated(drafts.get(narrow), broad, RELATED_PRIORITY.broader);
    addRelated(drafts.get(broad), narrow, RELATED_PRIORITY.narrower);
  }
  // O*NET: the hot technologies sharing a commodity code (e.g. "Object or component oriented development
  // software"), at most MAX_COMMODITY_PEERS: those listed by the most of the same occupations (React ->
  // JavaScript, TypeScript, Node.js rather than the alphabetically first), ties by name.
  const hotByCommodity = new Map<string, Draft[]>();
  for (const d of drafts.values()) {
    if (!d.hot) continue;
    for (const c of d.commodities) pushMulti(hotByCommodity, c, d);
  }
  for (const d of drafts.values()) {
    if (d.commodities.size === 0) continue;
    const peers = new Map<string, { peer: Draft; shared: number }>();
    for (const c of d.commodities) {
      for (const p of hotByCommodity.get(c) ?? []) {
        if (p === d || peers.has(p.id)) continue;
        let shared = 0;
        for (const o of p.occupations) if (d.occupations.has(o)) shared++;
        peers.set(p.id, { peer: p, shared });
      }
    }
    const chosen = [...peers.values()]
      .filter((p) => p.shared > 0)
      .sort((a, b) => b.shared - a.shared || byText(a.peer.name, b.peer.name) || byText(a.peer.id, b.peer.id))
      .slice(0, MAX_COMMODITY_PEERS);
    for (const { peer } of chosen) addRelated(d, peer.id, RELATED_PRIORITY.commodity);
  }

  const skills: OntologySkill[] = [...drafts.values()]
    .sort((a, b) => byText(a.id, b.id))
    .map((d) => ({
      id: d.id,
      name: d.name,
      type: d.type,
      altLabels: distinctLabels(d.name, [...d.onetNames, ...d.derived, ...d.curated, ...d.escoLabels]),
      sources: (['esco', 'onet'] as const).filter((s) => d.sources.has(s)),
      hot: d.hot,
      inDemand: d.inDemand,
      related: [...d.related]
        .filter(([id]) => drafts.has(id) && id !== d.id)
        .sort((a, b) => a[1] - b[1] || byText(a[0], b[0]))
        .slice(0, MAX_RELATED)
        .map(([id]) => id)
        .sort(byText),
    }));

  // Occupations: ESCO's, with their skill profiles, and O*NET's, with the technologies O*NET lists.
  const escoOccupations = deriveEscoOccupations(inputs, uriToId, report);
  const onetOccupations = deriveOnetOccupations(inputs, drafts, report);

  // Lemmas for the words of every skill label and occupation title.
  const vocabulary: string[] = [];
  for (const s of skills) vocabulary.push(s.name, ...s.altLabels);
  for (const o of escoOccupations) vocabulary.push(o.title, ...o.altTitles);
  for (const o of onetOccupations) vocabulary.push(o.title, ...o.altTitles);
  const lemmaTable = deriveLemmas(vocabulary);
  report.lemmaConflicts = lemmaTable.conflicts;
  report.keptIrregular = lemmaTable.keptIrregular;
  for (const [k, n] of Object.entries(lemmaTable.counts)) report.occupationCounts[`lemmas.${k}`] = n;
  report.occupationCounts.lemmaEntries = lemmaTable.lemmas.size;

  const occupations = linkOccupations(escoOccupations, onetOccupations, lemmaTable.lemmas, report);

  const lines = skills.map((s) => JSON.stringify(s));
  const occupationLines = occupations.map((o) => JSON.stringify(o));
  const onetLines = onetOccupations.map((o) => JSON.stringify(o));
  const lemmaLines = wrapEntries(
    [...lemmaTable.lemmas].map(([form, lemma]) => `${JSON.stringify(form)}:${JSON.stringify(lemma)}`),
    LEMMAS_LINE_WIDTH,
  );
  const hash = createHash('sha256');
  for (const [name, section] of [
    ['skills', lines],
    ['occupations', occupationLines],
    ['onetOccupations', onetLines],
    ['lemmas', lemmaLines],
  ] as const) {
    hash.update(`${name}\n${section.join('\n')}\n`);
  }
  const version = hash.digest('hex').slice(0, 12);
  const text =
    `{"version":${JSON.stringify(version)},"attribution":${JSON.stringify(ATTRIBUTION)},"skills":[\n${lines.join(',\n')}\n],` +
    `"occupations":[\n${occupationLines.join(',\n')}\n],` +
    `"onetOccupations":[\n${onetLines.join(',\n')}\n],` +
    `"lemmas":{\n${lemmaLines.join(',\n')}\n}}\n`;

  const countBy = (f: (s: OntologySkill) => string) => {
    for (const s of skills) report.counts[f(s)] = (report.counts[f(s)] ?? 0) + 1;
  };
  report.counts.total = skills.length;
  countBy((s) => `type:${s.type}`);
  countBy((s) => `sources:${s.sources.join('+')}`);
  report.counts.escoSkillsRead = escoDrafts.length;
  report.counts.onetExamples = examples.size;
  return {
    ontology: {
      version,
      attribution: [...ATTRIBUTION],
      skills,
      occupations,
      onetOccupations,
      lemmas: Object.fromEntries(lemmaTable.lemmas),
    },
    text,
    report,
  };
}

// ---------------------------------------------------------------------------------------------------
// Occupations

const ESCO_OCCUPATION_URI = /\/occupation\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Sorted, without repeats. */
function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(byText);
}

/**
 * Every ESCO occupation with its titles, ISCO group and skill profile (`onet` filled in later by
 * linkOccupations). Relations to skills the ontology lacks are dropped; a skill ESCO lists as both
 * essential and optional for an occupation is kept as essential.
 */
function deriveEscoOccupations(
  inputs: Inputs,
  skillUriToId: ReadonlyMap<string, string>,
  report: DerivationReport,
): OntologyOccupation[] {
  const byUri = new Map<
    string,
    { occupation: OntologyOccupation; essential: string[]; optional: string[] }
  >();
  for (const rec of inputs.escoOccupations) {
    const uri = rec.conceptUri ?? '';
    const m = ESCO_OCCUPATION_URI.exec(uri);
    if (!m) throw new Error(`not an ESCO occupation URI: ${uri}`);
    const title = cleanLabel(rec.preferredLabel ?? '');
    if (!title) throw new Error(`${uri} has no preferred label`);
    const isco = rec.iscoGroup ?? '';
    if (!/^[0-9]{4}$/.test(isco)) throw new Error(`${uri} has the ISCO group ${JSON.stringify(isco)}`);
    if (byUri.has(uri)) throw new Error(`ESCO occupation ${uri} is listed twice`);
    byUri.set(uri, {
      occupation: {
        id: `esco:${m[1]}`,
        title,
        altTitles: distinctLabels(title, splitLabels(rec.altLabels), Number.POSITIVE_INFINITY),
        isco,
        essential: [],
        optional: [],
        onet: [],
      },
      essential: [],
      optional: [],
    });
  }
  const counts = report.occupationCounts;
  counts.relationsRead = 0;
  counts.relationsUnknownSkill = 0;
  // ESCO v1.1.1 relates one occupation that occupations_en.csv lacks (a9e54177-..., narrower than
  // "radiographer"): its relations are counted and left out.
  counts.relationsUnknownOccupation = 0;
  for (const rel of inputs.escoOccupationSkills) {
    counts.relationsRead++;
    const entry = byUri.get(rel.occupationUri ?? '');
    if (!entry) {
      counts.relationsUnknownOccupation++;
      continue;
    }
    const skill = skillUriToId.get(rel.skillUri ?? '');
    if (!skill) {
      counts.relationsUnknownSkill++;
      continue;
    }
    if (rel.relationType === 'essential') entry.essential.push(skill);
    else if (rel.relationType === 'optional') entry.optional.push(skill);
    else throw new Error(`unknown occupation-skill relation type ${JSON.stringify(rel.relationType)}`);
  }
  counts.relationsKept = 0;
  counts.relationsBothEssentialAndOptional = 0;
  const occupations: OntologyOccupation[] = [];
  for (const { occupation, essential, optional } of byUri.values()) {
    occupation.essential = sortedUnique(essential);
    const isEssential = new Set(occupation.essential);
    const uniqueOptional = sortedUnique(optional);
    occupation.optional = uniqueOptional.filter((id) => !isEssential.has(id));
    counts.relationsBothEssentialAndOptional += uniqueOptional.length - occupation.optional.length;
    counts.relationsKept += occupation.essential.length + occupation.optional.length;
    occupations.push(occupation);
  }
  counts.occupations = occupations.length;
  counts.occupationsWithoutSkills = occupations.filter(
    (o) => o.essential.length + o.optional.length === 0,
  ).length;
  return occupations.sort((a, b) => byText(a.id, b.id));
}

/** Every O*NET occupation with its titles and the ontology skills of its Technology Skills rows. */
function deriveOnetOccupations(
  inputs: Inputs,
  drafts: ReadonlyMap<string, Draft>,
  report: DerivationReport,
): OnetOccupation[] {
  const alternates = new Map<string, string[]>();
  for (const row of inputs.onetAlternateTitles) {
    const code = row['O*NET-SOC Code'] ?? '';
    for (const title of [row['Alternate Title'], row['Short Title']]) {
      if (title && title !== 'n/a') pushMulti(alternates, code, title);
    }
  }
  // The drafts carry the O*NET codes of their examples' rows (merged ESCO skills included).
  const technologies = new Map<string, string[]>();
  for (const d of drafts.values()) for (const code of d.occupations) pushMulti(technologies, code, d.id);

  const occupations: OnetOccupation[] = [];
  const codes = new Set<string>();
  for (const row of inputs.onetOccupations) {
    const code = row['O*NET-SOC Code'] ?? '';
    if (!/^[0-9]{2}-[0-9]{4}\.[0-9]{2}$/.test(code))
      throw new Error(`bad O*NET-SOC code ${JSON.stringify(code)}`);
    if (codes.has(code)) throw new Error(`O*NET occupation ${code} is listed twice`);
    codes.add(code);
    const title = cleanLabel(row.Title ?? '');
    if (!title) throw new Error(`O*NET occupation ${code} has no title`);
    occupations.push({
      code,
      title,
      altTitles: distinctLabels(title, alternates.get(code) ?? [], MAX_ONET_TITLE_LENGTH),
      technologies: sortedUnique(technologies.get(code) ?? []),
    });
  }
  const counts = report.occupationCounts;
  counts.onetOccupations = occupations.length;
  counts.onetOccupationsWithTechnologies = occupations.filter((o) => o.technologies.length > 0).length;
  counts.onetTechnologyLinks = occupations.reduce((n, o) => n + o.technologies.length, 0);
  counts.onetCodesOnlyInTechnologySkills = [...technologies.keys()].filter((c) => !codes.has(c)).length;
  counts.onetCodesOnlyInAlternateTitles = [...alternates.keys()].filter((c) => !codes.has(c)).length;
  return occupations.sort((a, b) => byText(a.code, b.code));
}

/**
 * Links each ESCO occupation to the O*NET occupations one of whose titles (title or alternate titles)
 * is one of its titles, by titleKey: at most MAX_ONET_LINKS, those sharing the most titles first, ties
 * by code.
 */
function linkOccupations(
  occupations: OntologyOccupation[],
  onetOccupations: OnetOccupation[],
  lemmas: ReadonlyMap<string, string>,
  report: DerivationReport,
): OntologyOccupation[] {
  const byKey = new Map<string, string[]>();
  for (const o of onetOccupations) {
    for (const key of new Set([o.title, ...o.altTitles].map((t) => titleKey(t, lemmas)))) {
      pushMulti(byKey, key, o.code);
    }
  }
  const counts = report.occupationCounts;
  counts.occupationsLinked = 0;
  counts.links = 0;
  counts.linksCapped = 0;
  for (const occupation of occupations) {
    const shared = new Map<string, string[]>();
    const keys = new Set([occupation.title, ...occupation.altTitles].map((t) => titleKey(t, lemmas)));
    for (const key of [...keys].sort(byText)) {
      for (const code of byKey.get(key) ?? []) pushMulti(shared, code, key);
    }
    const ranked = [...shared].sort((a, b) => b[1].length - a[1].length || byText(a[0], b[0]));
    if (ranked.length > MAX_ONET_LINKS) counts.linksCapped++;
    occupation.onet = ranked.slice(0, MAX_ONET_LINKS).map(([code]) => code);
    if (occupation.onet.length > 0) counts.occupationsLinked++;
    counts.links += occupation.onet.length;
    for (const [code, titles] of ranked.slice(0, MAX_ONET_LINKS)) {
      report.links.push([occupation.title, code, titles]);
    }
  }
  return occupations;
}

/** Entries joined with commas into lines of at most `width` characters (an entry longer stays whole). */
function wrapEntries(entries: string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const entry of entries) {
    if (line && line.length + 1 + entry.length + 1 > width) {
      lines.push(line);
      line = '';
    }
    line = line ? `${line},${entry}` : entry;
  }
  if (line) lines.push(line);
  return lines;
}

function emptyForms(): OnetNameForms {
  return { aliases: [], ambiguous: [], dropped: [], vendorless: [] };
}

// ---------------------------------------------------------------------------------------------------
// CLI

function main() {
  const started = performance.now();
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  // Arguments are relative to the working directory, the defaults to the project root.
  const dataDir = process.argv[2] ? path.resolve(process.argv[2]) : path.resolve(root, '../shared/data');
  const outFile = process.argv[3]
    ? path.resolve(process.argv[3])
    : path.resolve(root, 'data/skills-ontology.json');
  const verbose = process.env.ONTOLOGY_REPORT === '1';

  const { text, report, ontology } = deriveOntology(readInputs(dataDir));
  JSON.parse(text);
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, text);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);

  const size = statSync(outFile).size;
  const gz = gzipSync(text, { level: 9 }).length;
  const mib = (n: number) => `${n} bytes (${(n / 1024 / 1024).toFixed(2)} MiB)`;
  console.log(
    `${path.relative(process.cwd(), outFile)}: version ${ontology.version}, ${mib(size)}, gzip ${mib(gz)}, ${seconds} s`,
  );
  console.log(JSON.stringify(report.counts));
  console.log(JSON.stringify(report.occupationCounts));
  const via = (v: Merge['via']) => report.merges.filter((m) => m.via === v).length;
  console.log(
    `merged ${report.merges.length} O*NET examples into ${new Set(report.merges.map((m) => m.escoId)).size} ESCO skills ` +
      `(${via('preferred')} by preferred label, ${via('alternative')} by alternative label, ${via('curated')} curated); ` +
      `${report.onetDuplicates.length} O*NET duplicates folded; ${report.ambiguousMatches.length} ambiguous matches left apart; ` +
      `${report.aliasConflicts.length} derived-alias conflicts settled`,
  );
  if (verbose) {
    for (const m of report.merges) console.log(`merge ${m.via}: ${m.onet} -> ${m.esco} [${m.key}]`);
    for (const [a, b] of report.onetDuplicates) console.log(`onet-dup: ${a} -> ${b}`);
    for (const m of report.ambiguousMatches)
      console.log(`ambiguous: ${m.onet} [${m.key}] ${m.esco.join(' | ')}`);
    for (const [a, keep, from] of report.aliasConflicts)
      console.log(`conflict: ${a} kept on ${keep}, taken from ${from.join(' | ')}`);
    for (const [a, from] of report.ambiguousAliases) console.log(`ambiguous-alias: ${a} <- ${from}`);
    for (const [a, from] of report.droppedAliases) console.log(`dropped-alias: ${a} <- ${from}`);
    for (const [title, code, keys] of report.links)
      console.log(`link: ${title} -> ${code} [${keys.join(' | ')}]`);
    for (const [form, noun, verb, chosen] of report.lemmaConflicts)
      console.log(`lemma-conflict: ${form} noun ${noun}, verb ${verb} -> ${chosen}`);
    for (const [form, ignored] of report.keptIrregular) console.log(`lemma-kept: ${form} (not ${ignored})`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) main();
