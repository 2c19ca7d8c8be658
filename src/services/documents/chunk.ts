/**
 * Splits a resume's normalised text into chunks for storage and retrieval.
 * - A heading line starts a new section; the heading itself is not part of any chunk's content
 *   (it is the chunk's `section`). Text before the first heading (name, contact lines) has
 *   section `null`.
 * - Headings: the known resume headings below (any case, optional trailing ':', "&" or "and"), also
 *   "Skills: Python, Go" where the rest of the line becomes content; and short ALL-CAPS lines
 *   (letters only, at least 4 letters, at most 4 words, not the first line of the document, which
 *   is usually the candidate's name), named in Title Case.
 * - Within a section: paragraphs, then lines, then sentences, then words are kept whole when they
 *   fit; no chunk exceeds `maxChars`; consecutive chunks of a section repeat the end of the previous
 *   chunk (at most `overlapChars`, starting at a word boundary). No empty chunks; deterministic.
 */
export interface ResumeChunk {
  index: number;
  section: string | null;
  content: string;
}

export interface ChunkOptions {
  /** Default 1000. */
  maxChars?: number;
  /** Default 150; must be less than half of maxChars. */
  overlapChars?: number;
}

export function chunkText(text: string, options: ChunkOptions = {}): ResumeChunk[] {
  const maxChars = options.maxChars ?? 1000;
  const overlapChars = options.overlapChars ?? 150;
  if (!(maxChars >= 20) || !(overlapChars >= 0) || overlapChars * 2 >= maxChars) {
    throw new RangeError('chunkText: maxChars must be >= 20 and overlapChars in [0, maxChars / 2)');
  }
  const chunks: ResumeChunk[] = [];
  for (const section of splitSections(text)) {
    for (const content of chunkSection(section.body, maxChars, overlapChars)) {
      chunks.push({ index: chunks.length, section: section.name, content });
    }
  }
  return chunks;
}

const HEADINGS: Record<string, string> = {};
function heading(name: string, ...aliases: string[]): void {
  for (const alias of [name, ...aliases]) HEADINGS[alias.toLowerCase()] = name;
}
heading(
  'Experience',
  'work experience',
  'professional experience',
  'employment history',
  'employment',
  'work history',
  'career history',
  'relevant experience',
  'experience and employment',
);
heading('Education', 'education and training', 'academic background', 'academic history', 'qualifications');
heading(
  'Skills',
  'technical skills',
  'core skills',
  'key skills',
  'core competencies',
  'competencies',
  'expertise',
);
heading('Projects', 'personal projects', 'selected projects', 'side projects', 'key projects');
heading(
  'Certifications',
  'certificates',
  'licenses and certifications',
  'certifications and licenses',
  'licenses',
);
heading(
  'Summary',
  'professional summary',
  'profile',
  'professional profile',
  'about me',
  'about',
  'career summary',
);
heading('Objective', 'career objective', 'objectives');
heading('Languages', 'language skills');
heading('Publications', 'selected publications', 'papers');
heading(
  'Awards',
  'honors',
  'honours',
  'awards and honors',
  'awards and honours',
  'achievements',
  'accomplishments',
);
heading(
  'Volunteer',
  'volunteering',
  'volunteer experience',
  'volunteer work',
  'volunteering experience',
  'community involvement',
);
heading('Interests', 'hobbies', 'hobbies and interests', 'interests and hobbies');
heading('References', 'referees');
heading('Courses', 'training', 'relevant coursework', 'coursework', 'professional development');
heading('Contact', 'contact information', 'contact details');

interface Section {
  name: string | null;
  body: string;
}

function splitSections(text: string): Section[] {
  const sections: Section[] = [];
  let current: Section = { name: null, body: '' };
  let firstLine = true;
  for (const line of text.split('\n')) {
    const found = matchHeading(line, firstLine);
    if (line.trim()) firstLine = false;
    if (found) {
      sections.push(current);
      current = { name: found.name, body: found.rest };
    } else {
      current.body += current.body ? `\n${line}` : line;
    }
  }
  sections.push(current);
  return sections.filter((s) => s.body.trim());
}

function matchHeading(line: string, firstLine: boolean): { name: string; rest: string } | undefined {
  const trimmed = line.trim().replace(/^#+\s*/, '');
  if (!trimmed) return undefined;
  // "Skills: Python, Go": a label of 2 to 40 characters before the first colon.
  const colonAt = trimmed.indexOf(':');
  const colon =
    colonAt >= 2 && colonAt <= 40 ? [trimmed.slice(0, colonAt), trimmed.slice(colonAt + 1)] : undefined;
  const label = (colon ? colon[0]! : trimmed).trim();
  const known =
    HEADINGS[
      label
        .toLowerCase()
        .replace(/(?<!\s)\s*&\s*/g, ' and ')
        .replace(/\s+/g, ' ')
    ];
  if (known) return { name: known, rest: colon ? colon[1]!.trim() : '' };
  if (!firstLine && !colon && trimmed.length <= 40 && isAllCapsHeading(trimmed))
    return { name: titleCase(trimmed), rest: '' };
  return undefined;
}

function isAllCapsHeading(line: string): boolean {
  if (!/^[\p{Lu}][\p{Lu}\s&'/-]*$/u.test(line)) return false;
  const letters = line.replace(/[^\p{L}]/gu, '').length;
  return letters >= 4 && line.split(/\s+/).length <= 4;
}

function titleCase(line: string): string {
  return line
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/(^|[\s/-])(\p{L})/gu, (_, sep: string, c: string) => sep + c.toUpperCase());
}

/** A piece of a section that is kept whole, with the separator that preceded it in the text. */
interface Piece {
  sep: string;
  text: string;
}

function chunkSection(body: string, maxChars: number, overlapChars: number): string[] {
  // Room for the overlap and the longest separator ('\n\n'), so that overlap + piece always fits.
  const pieces = splitPieces(body.trim(), maxChars - overlapChars - 2);
  const chunks: string[] = [];
  let current = '';
  let hasOwnText = false; // false while `current` holds only the overlap copied from the previous chunk
  for (const piece of pieces) {
    if (hasOwnText && current.length + piece.sep.length + piece.text.length > maxChars) {
      chunks.push(current);
      current = tail(current, overlapChars);
      hasOwnText = false;
    }
    current = current ? current + piece.sep + piece.text : piece.text;
    hasOwnText = true;
  }
  if (hasOwnText) chunks.push(current);
  return chunks;
}

/** Paragraphs, split further (lines, sentences, words, characters) only where one is longer than max. */
function splitPieces(body: string, max: number): Piece[] {
  const levels: Array<{ sep: string; split: RegExp }> = [
    { sep: '\n\n', split: /\n{2,}/ },
    { sep: '\n', split: /\n/ },
    { sep: ' ', split: /(?<=[.!?;])\s+/ },
    { sep: ' ', split: /\s+/ },
  ];
  const pieces: Piece[] = [];
  const visit = (text: string, level: number, sep: string): void => {
    const trimmed = text.trim();
    if (!trimmed) return;
    const rule = levels[level];
    if (trimmed.length <= max) pieces.push({ sep, text: trimmed });
    else if (!rule) hardCut(trimmed, max, sep, pieces);
    else {
      trimmed.split(rule.split).forEach((part, i) => {
        visit(part, level + 1, i === 0 ? sep : rule.sep);
      });
    }
  };
  visit(body, 0, '\n\n');
  return pieces;
}

/** A "word" longer than a chunk (a long URL, a base64 blob): cut it where it must be cut. */
function hardCut(text: string, max: number, sep: string, pieces: Piece[]): void {
  for (let at = 0; at < text.length; at += max) {
    pieces.push({ sep: at === 0 ? sep : '', text: text.slice(at, at + max) });
  }
}

/** The end of a chunk, at most `max` characters, starting at a word; '' when no word fits. */
function tail(text: string, max: number): string {
  if (max === 0) return '';
  if (text.length <= max) return text;
  const window = text.slice(text.length - max);
  // A window that starts exactly at a word (a blank just before it) needs no cut.
  if (/\s/.test(text[text.length - max - 1] ?? '')) return window.trim();
  const boundary = window.search(/\s/);
  return boundary < 0 ? '' : window.slice(boundary).trim();
}
