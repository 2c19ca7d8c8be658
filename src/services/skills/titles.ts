/**
 * Job titles against a resume. Skills alone rank jobs by what a person can do; the titles a
 * resume names ("Registered Nurse", "Journeyman Electrician") say what they are, and separate
 * occupations that share skills (a nurse and a medical assistant; an electrician and an alarm
 * installer).
 */

/** Words that grade a title rather than name the work. */
const GRADE_WORDS = new Set([
  'senior',
  'sr',
  'junior',
  'jr',
  'lead',
  'principal',
  'staff',
  'chief',
  'head',
  'associate',
  'intern',
  'internship',
  'trainee',
  'entry',
  'level',
  'i',
  'ii',
  'iii',
  'iv',
  'of',
  'and',
  'the',
  'for',
  'in',
  'a',
  'to',
]);

/** Lower-case words with a light plural fold ("nurses" -> "nurse"), accents and punctuation dropped. */
export function titleWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}+#]+/u)
    .filter((w) => w.length > 0)
    .map((w) => (w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
}

const DATE_RANGE = /\b(19|20)\d\d\b|\bpresent\b/i;
const CONTACT = /@|https?:|www\.|\(\d{3}\)|\d{3}[-.\s]\d{3}[-.\s]\d{4}/;
/** Lines that are not role titles: section headings, degrees and schools, "City, ST". */
const NOT_A_TITLE = [
  /^(professional\s+)?(summary|profile|about(\s+me)?|objective|experience|education|skills)$/i,
  /^(b\.?\s?[sa]\.?|bfa|m\.?\s?[sa]\.?|m\.?ed\.?|mba|ph\.?d\.?|bachelor|master|associate\s+(degree|in|of)|diploma|high school|certificate)\b/i,
  /\b(university|college|apprenticeship program|diploma|degree|certificate|certification|license|licence)\b/i,
  /^[A-Z][a-z]+(\s[A-Z][a-z]+)*,\s[A-Z]{2}\b/,
];
const isBullet = (line: string) => /^[-•*·]/.test(line);
/** A line made only of these is a section heading ("Work Experience", "Education & Certifications"). */
const HEADING_WORDS = new Set([
  'work',
  'teaching',
  'professional',
  'relevant',
  'employment',
  'experience',
  'history',
  'education',
  'training',
  'certifications',
  'certification',
  'licenses',
  'license',
  'and',
]);

/**
 * The role titles a resume names: short lines near the top (its headline) and the title part of
 * dated experience lines ("Sous Chef, Trattoria Lupa, Chicago (2020 - present)"). At most 6.
 */
export function resumeTitleLines(text: string): string[] {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const found: string[] = [];
  const add = (line: string) => {
    if (NOT_A_TITLE.some((re) => re.test(line.trim()))) return;
    const words = titleWords(line);
    if (words.every((w) => HEADING_WORDS.has(w))) return;
    if (words.length === 0 || words.length > 8) return;
    const title = line.replace(/\s+/g, ' ').trim();
    if (!found.some((f) => f.toLowerCase() === title.toLowerCase())) found.push(title);
  };
  // The headline: short lines right under the name, before the first section.
  for (const line of lines.slice(1, 4)) {
    if (CONTACT.test(line) || /^[A-Z\s&]+$/.test(line)) continue;
    add(line);
  }
  const rolePart = (line: string) => line.split(/(?<!\s)\s+[-–—|]\s+|,|\(|\|/)[0] ?? '';
  for (const [i, line] of lines.entries()) {
    if (found.length >= 6) break;
    if (!DATE_RANGE.test(line) || isBullet(line) || CONTACT.test(line)) continue;
    // "Role, Employer (dates)" on one line, or the role on the line above "Employer | dates".
    const role = rolePart(line);
    if (!DATE_RANGE.test(role)) add(role);
    const above = lines[i - 1];
    if (above && !isBullet(above) && !DATE_RANGE.test(above) && !/^[A-Z\s&]+$/.test(above))
      add(rolePart(above));
  }
  return found.slice(0, 6);
}

/** The share of a job title's words (grades left out) that the resume's words contain, 0..1. */
export function titleCoverage(resumeWords: ReadonlySet<string>, jobTitle: string): number {
  const words = titleWords(jobTitle).filter((w) => !GRADE_WORDS.has(w));
  if (words.length === 0) return 0;
  return words.filter((w) => resumeWords.has(w)).length / words.length;
}
