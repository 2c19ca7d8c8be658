/** Tokens: how text and labels are split into words and normalised alike (see ../extract.ts). */

export interface Token {
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
export const TOKEN =
  /(?<![\p{L}\p{N}])\.(?=\p{L})[\p{L}\p{N}]+(?:[.'’&][\p{L}\p{N}]+)*|[\p{L}\p{N}]+(?:[.'’&][\p{L}\p{N}]+)*(?:\+\+|\+|#)?/gu;
const HARD_GAP = /[\n\t;:|·•!?"“”]|\.\s/;
const SOFT_GAP = /[,()[\]{}]|\s[-–—]\s|[–—]/;

export function tokenize(text: string): Token[] {
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
export function normToken(raw: string): string {
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
export function foldWord(t: string): string {
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

export function labelTokens(label: string): string[] {
  return tokenize(label).map((t) => t.norm);
}
