/**
 * Document structure: sections (reusing chunk.ts's heading rules), lines, list segments, and the
 * spans (e-mail addresses, URLs) no skill is taken from.
 */
import { chunkText } from '../../documents/chunk';
import { DATED_LINE, LANGUAGES_SECTION, SKILLS_SECTION } from './rules';

export interface LineInfo {
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

export function analyseLines(text: string, kind: 'resume' | 'job'): LineInfo[] {
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

export function countWords(s: string): number {
  return s.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/**
 * E-mail addresses and URLs (with or without scheme): no skill is taken from inside them. Each
 * alternative starts only where its run of characters starts (a lookbehind) and its parts have
 * bounded lengths (RFC 5321 local part and DNS label), so the scan is linear in the text.
 */
const EMAIL_OR_URL =
  /(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}|\b(?:https?:\/\/|www\.)[^\s,;)]+|(?<![a-z0-9.-])[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63}){0,8}\.(?:com|org|net|io|dev|ai|co|edu|gov|me|app|us|uk|info|biz)\b(?:\/[^\s,;)]*)?/g;

export function blockedSpans(text: string): Array<[number, number]> {
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

export function lineFinder(lines: LineInfo[]): (offset: number) => LineInfo {
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
