/**
 * Words as their lemmas ("drains" -> "drain", "trained" -> "train"), by lookup in the table the
 * ontology ships (derived with wink-lemmatizer when the ontology is built): the same on Node and
 * Workers, and no lexicon in the bundle. Words the table does not list are their own lemma.
 */

/** Function words that say nothing about a skill or a job title. */
const FUNCTION_WORDS = new Set(
  (
    'a an and any are as at be by for from has have in into is it its of on or our out over per than ' +
    'that the their them then this those to up via was were what which while who with within without ' +
    'all also other others such etc e g i ie eg s t'
  ).split(' '),
);

export type Lemmatizer = (word: string) => string;

export function createLemmatizer(table: Readonly<Record<string, string>>): Lemmatizer {
  return (word) => table[word] ?? word;
}

/** Lower case, accents folded, apostrophes dropped: the form the lemma table is keyed by. */
export function foldCase(text: string): string {
  let t = text.toLowerCase();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: testing for non-ASCII, not control characters.
  if (/[^\u0000-\u007f]/.test(t)) t = t.normalize('NFKD').replace(/\p{M}+/gu, '');
  return t.replace(/['’]s\b/g, '').replace(/['’]/g, '');
}

/** The words of a text, folded, in order (letters and digits; "c++" and "c#" keep their signs). */
export function words(text: string): string[] {
  return foldCase(text).match(/[\p{L}\p{N}]+(?:\+\+|#)?/gu) ?? [];
}

/** The content words of a text as lemmas, in order (function words left out). */
export function contentLemmas(text: string, lemma: Lemmatizer): string[] {
  const out: string[] = [];
  for (const w of words(text)) {
    if (FUNCTION_WORDS.has(w)) continue;
    out.push(lemma(w));
  }
  return out;
}
