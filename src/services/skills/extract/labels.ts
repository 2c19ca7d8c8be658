/**
 * Derived labels: the shorter or noun forms under which people write an ontology label ("Microsoft
 * Windows Server" -> "Windows Server", "administer medication" -> "medication administration"), and
 * how a one-word ESCO alternative label may be used.
 */
import { EMPTY_VERBS, NOMINALISED, RARE_WORD_SKILLS } from './rules';
import { foldWord, labelTokens, normToken } from './tokens';

/**
 * How a one-word, lower-case ESCO alternative label is used: as is when it spells the one-word name
 * differently ("troubleshooting"/"troubleshoot"); in skills lists only when the word is rare in ESCO
 * ("phlebotomy", "upsell"); not at all when it is common ("press" for journalism, "guide" for
 * advise others).
 */
export function proseAliasUse(
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
export function productForms(label: string, wordSkills: Map<string, number>): string[] {
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
export function verbPhraseForms(labels: string[]): string[] {
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
export function nominalise(label: string, verbs?: Set<string>): string | undefined {
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
