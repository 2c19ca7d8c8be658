/**
 * Turns text from any extractor into one predictable shape, so chunking, skill matching and the
 * stored `text` do not depend on which program wrote the file:
 * - Unicode NFC, typographic ligatures (ﬁ, ﬂ…) spelled out, exotic spaces become plain spaces;
 * - line ends are LF; a form feed (page break) becomes a blank line;
 * - soft hyphens, zero-width characters and other control characters are removed;
 * - words hyphenated at a line end are joined ("develop-\nment" -> "development") when the next
 *   line starts with a lower-case letter; hyphens inside a line ("full-time") are kept;
 * - bullets at the start of a line (•, ◦, ▪, ●, ‣, ■, ➢, Symbol-font bullets, "–"/"—"/"*" followed by
 *   a space) become "- ";
 * - a run of spaces becomes one space; a run of blanks that contains a tab becomes ONE tab (kept on
 *   purpose: it is the column separator of DOCX tables and tab-aligned "Company<tab>2019-2021" lines);
 * - lines are trimmed, there is at most one blank line in a row, and the whole text is trimmed.
 */
export function normaliseText(raw: string): string {
  let text = raw.normalize('NFC');
  text = text.replace(LIGATURES, (l) => LIGATURE_TEXT[l] ?? l);
  text = text.replace(/\r\n?|[\u2028\u2029\v]/g, '\n').replace(/\f/g, '\n\n');
  text = text.replace(INVISIBLE, '').replace(EXOTIC_SPACES, ' ');
  text = text.replace(CONTROLS, '');
  text = collapseBlanks(text);
  text = trimLines(text);
  text = joinHyphenatedWords(text);
  text = text.replace(LONE_BULLET, '- ');
  text = text.split('\n').map(normaliseBullet).join('\n');
  return text.replace(/\n{3,}/g, '\n\n').trim();
}

const LIGATURE_TEXT: Record<string, string> = {
  ﬀ: 'ff',
  ﬁ: 'fi',
  ﬂ: 'fl',
  ﬃ: 'ffi',
  ﬄ: 'ffl',
  ﬅ: 'st',
  ﬆ: 'st',
};
const LIGATURES = /[\ufb00-\ufb06]/g;
/** Soft hyphen, zero-width space/joiners, word joiner, BOM: invisible, and they split words for matching. */
const INVISIBLE = /[\u00ad\u200b-\u200d\u2060\ufeff]/g;
const EXOTIC_SPACES = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g;
/** Control characters other than tab and newline (CR and FF were already turned into newlines). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function collapseBlanks(text: string): string {
  return text.replace(/[ \t]{2,}|\t/g, (run) => (run.includes('\t') ? '\t' : ' '));
}

function trimLines(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .join('\n');
}

/**
 * "develop-\nment" -> "development". Only a letter, a hyphen at the very end of the line and a
 * lower-case letter on the next one: "2019-\n2021", "C-\nSuite" or a dash before a bullet stay apart.
 */
function joinHyphenatedWords(text: string): string {
  return text.replace(/(\p{L})-\n(?=\p{Ll})/gu, '$1');
}

/** Bullet glyphs, including the private-use ones Word's Symbol/Wingdings bullets become in PDFs. */
const BULLET = /^(?:[•◦▪▫●○‣∙·■□➢➤►▸▶✓✔❖◆◇\uf0a7\uf0b7\uf0d8\uf076\uf0fc]\s*|[–—*-]\s+)(?=\S)/u;
/** PDF extractors often put the bullet glyph alone on its line, the item text on the next one. */
const LONE_BULLET = /^[•◦▪▫●○‣∙·■□➢➤►▸▶✓✔❖◆◇\uf0a7\uf0b7\uf0d8\uf076\uf0fc]\n+(?=\S)/gmu;

function normaliseBullet(line: string): string {
  return line.replace(BULLET, '- ');
}
