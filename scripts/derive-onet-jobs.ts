/**
 * Derives data/onet-jobs.json (the compact occupation file the demo job generator needs) from the raw
 * O*NET 29.2 text files.
 *
 *   npx tsx scripts/derive-onet-jobs.ts [onet-dir] [output-file]
 *
 * Defaults: ../shared/data/onet and data/onet-jobs.json, relative to the project root. The output is
 * deterministic: occupations sorted by code, one per line, lists in a fixed order.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Arguments are relative to the working directory, the defaults to the project root.
const onetDir = process.argv[2] ? path.resolve(process.argv[2]) : path.resolve(root, '../shared/data/onet');
const outFile = process.argv[3] ? path.resolve(process.argv[3]) : path.resolve(root, 'data/onet-jobs.json');

const ATTRIBUTION =
  'This product includes information from the O*NET 29.2 Database by the U.S. Department of Labor, ' +
  'Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license. ' +
  'O*NET® is a trademark of USDOL/ETA.';

const MAX_ALTERNATES = 8;
const MAX_TASKS = 8;
const MAX_TECHNOLOGIES = 12;
const MIN_TASKS = 4;
const MIN_TECHNOLOGIES = 4;

/** Rows of a tab-separated O*NET file, keyed by its header names. */
function readTsv(file: string): Record<string, string>[] {
  const text = readFileSync(path.join(onetDir, file), 'utf8');
  const lines = text.split(/\r?\n/).filter((line) => line.length > 0);
  const header = (lines.shift() ?? '').split('\t');
  const rows: Record<string, string>[] = [];
  for (const line of lines) {
    const cells = line.split('\t');
    const row: Record<string, string> = {};
    header.forEach((name, i) => {
      row[name] = (cells[i] ?? '').trim();
    });
    rows.push(row);
  }
  return rows;
}

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list) list.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The O*NET title as a posting title: "Software Developers" -> "Software Developer". Null for the
 * list-like titles ("Farmworkers and Laborers, Crop, Nursery, and Greenhouse") that no posting uses.
 */
function postingTitle(title: string): string | null {
  if (/[,()/]| and | or /.test(title)) return null;
  // "First-Line Supervisors of Retail Sales Workers" -> "Retail Sales Supervisor".
  const supervised = /^First-Line Supervisors of (.+)$/.exec(title);
  if (supervised) return `${singular(supervised[1] ?? '').replace(/ Worker$/, '')} Supervisor`;
  if (/ (of|for|in|to) /.test(title)) return null;
  return singular(title);
}

/** Makes the last word singular: "Actuaries" -> "Actuary", "Coaches" -> "Coach". */
function singular(phrase: string): string {
  const words = phrase.split(' ');
  const last = words.at(-1) ?? '';
  let single = last;
  if (/men$/.test(last)) single = `${last.slice(0, -3)}man`;
  else if (/[^aeiou]ies$/.test(last)) single = `${last.slice(0, -3)}y`;
  else if (/(ch|sh|x|ss|z)es$/.test(last)) single = last.slice(0, -2);
  else if (/[^su]s$/.test(last)) single = last.slice(0, -1);
  words[words.length - 1] = single;
  return words.join(' ');
}

/** Source codes of alternate titles that read like current job-board titles (04 and 06 are older lists). */
const modernSources: Record<string, number> = { '10': 3, '02': 2, '09': 2, '03': 1, '01': 1, '08': 1 };
const seniorityWords = /^(Senior|Sr|Junior|Jr|Lead|Entry Level)\b/i;

/** A clean, short alternate title or null: no odd punctuation, no bare acronyms, no seniority prefix. */
function cleanAlternate(raw: string, shortTitle: string): string | null {
  let title = raw.replace(/\s+\([^()]*\)$/, '').trim();
  if (title.includes('(') && shortTitle && shortTitle !== 'n/a') title = shortTitle.trim();
  if (!/^[A-Z][A-Za-z0-9 '&+#-]*$/.test(title)) return null;
  if (!/[a-z]/.test(title) || /\b[A-Z]{4,}\b/.test(title)) return null;
  if (seniorityWords.test(title) || /\b(Except|Trainee|Helper|Apprentice)\b/.test(title)) return null;
  const words = title.split(' ').length;
  if (words > 4 || title.length > 40) return null;
  return title;
}

function alternatesFor(
  rows: Record<string, string>[],
  officialTitle: string,
  posting: string | null,
): string[] {
  const taken = new Set([officialTitle.toLowerCase(), (posting ?? '').toLowerCase()]);
  const scored: { title: string; score: number }[] = [];
  for (const row of rows) {
    const title = cleanAlternate(row['Alternate Title'] ?? '', row['Short Title'] ?? '');
    if (!title) continue;
    const key = title.toLowerCase();
    if (taken.has(key)) continue;
    taken.add(key);
    const sources = (row['Source(s)'] ?? '').split(',').map((s) => s.trim());
    const modern = sources.reduce((sum, s) => sum + (modernSources[s] ?? 0), 0);
    const words = title.split(' ').length;
    const score = modern * 2 + sources.length - Math.abs(words - 2) - title.length / 20;
    scored.push({ title, score });
  }
  scored.sort((a, b) => b.score - a.score || byText(a.title, b.title));
  return scored.slice(0, MAX_ALTERNATES).map((s) => s.title);
}

function tasksFor(rows: Record<string, string>[]): string[] {
  const ordered = [...rows].sort((a, b) => Number(a['Task ID']) - Number(b['Task ID']));
  const usable = ordered.filter((row) => {
    const task = row.Task ?? '';
    return task.length >= 20 && task.length <= 220;
  });
  const core = usable.filter((row) => row['Task Type'] !== 'Supplemental');
  const supplemental = usable.filter((row) => row['Task Type'] === 'Supplemental');
  const picked = [...core, ...supplemental].slice(0, MAX_TASKS);
  return picked.map((row) => (row.Task ?? '').replace(/\s+/g, ' '));
}

/** Names O*NET gives categories rather than products ("Web browser software", "Operating system software"). */
const genericName = /^[A-Z][a-z]+( [a-z]+)+$/;
/** Examples listed for so many occupations (Excel, Word, Outlook ...) that more than two add nothing. */
const UBIQUITOUS = 300;
/** Examples listed for many occupations (Windows, SharePoint, AutoCAD ...): after an occupation's own tools. */
const COMMON = 150;
const MAX_UBIQUITOUS = 2;

/** Letters an acronym is made of: each word's capitals ("JavaScript" -> JS) or its first letter. */
function initials(words: string[]): string {
  return words
    .filter((w) => !/^(and|of|for|the|to|in)$/.test(w))
    .map((w) => (/[a-z][A-Z]/.test(w) ? w.replace(/[^A-Z]/g, '') : w.charAt(0).toUpperCase()))
    .join('');
}

/**
 * The name a posting would use: "Ansible software" -> "Ansible", "Structured query language SQL" -> "SQL",
 * "Amazon Web Services AWS software" -> "Amazon Web Services (AWS)". Category names stay as they are.
 */
function technologyName(example: string, hot: boolean): string {
  let name = example.trim();
  if (genericName.test(name) && !(hot && /^[A-Z][a-z]+ software$/.test(name))) return name;
  name = name.replace(/ software$/, '');
  const words = name.split(' ');
  const last = words.at(-1) ?? '';
  const rest = words.slice(0, -1);
  if (rest.length >= 2 && /^[A-Z]{2,6}$/.test(last)) {
    // "Extensible markup language XML": a described acronym; "Address Management System AMS": a name.
    if (/^[A-Z][a-z-]*$/.test(rest[0] ?? '') && rest.slice(1).every((w) => /^[a-z-]+$/.test(w))) name = last;
    else if (initials(rest) === last) name = `${rest.join(' ')} (${last})`;
  }
  return name;
}

function technologiesFor(rows: Record<string, string>[], popularity: Map<string, number>): string[] {
  const tier = (row: Record<string, string>) =>
    (row['In Demand'] === 'Y' ? 2 : 0) + (row['Hot Technology'] === 'Y' ? 1 : 0);
  const uses = (row: Record<string, string>) => popularity.get(row.Example ?? '') ?? 0;
  const common = (row: Record<string, string>) => (uses(row) >= COMMON ? 1 : 0);
  // In-demand, then hot, then the rest; within a tier the occupation's own tools before the office
  // tools every occupation lists, and widely used tools before obscure ones.
  const sorted = [...rows].sort(
    (a, b) =>
      tier(b) - tier(a) ||
      common(a) - common(b) ||
      uses(b) - uses(a) ||
      byText(a.Example ?? '', b.Example ?? ''),
  );
  const named: string[] = [];
  const deferred: string[] = [];
  const generic: string[] = [];
  const seen = new Set<string>();
  let ubiquitous = 0;
  for (const row of sorted) {
    const name = technologyName(row.Example ?? '', row['Hot Technology'] === 'Y');
    if (!name || seen.has(name.toLowerCase())) continue;
    seen.add(name.toLowerCase());
    if (genericName.test(name)) generic.push(name);
    else if (uses(row) >= UBIQUITOUS && ubiquitous++ >= MAX_UBIQUITOUS) deferred.push(name);
    else named.push(name);
  }
  return [...named, ...deferred, ...generic].slice(0, MAX_TECHNOLOGIES);
}

interface Occupation {
  code: string;
  title: string;
  posting_title: string | null;
  alternate_titles: string[];
  description: string;
  tasks: string[];
  technologies: string[];
}

function main() {
  const occupations = readTsv('Occupation_Data.txt');
  const tasks = groupBy(readTsv('Task_Statements.txt'), (r) => r['O*NET-SOC Code'] ?? '');
  const techRows = readTsv('Technology_Skills.txt');
  const technologies = groupBy(techRows, (r) => r['O*NET-SOC Code'] ?? '');
  const alternates = groupBy(readTsv('Alternate_Titles.txt'), (r) => r['O*NET-SOC Code'] ?? '');
  const popularity = new Map<string, number>();
  for (const row of techRows) popularity.set(row.Example ?? '', (popularity.get(row.Example ?? '') ?? 0) + 1);

  const kept: Occupation[] = [];
  const skipped = { military: 0, allOther: 0, thin: 0, untitled: 0 };
  for (const occ of occupations) {
    const code = occ['O*NET-SOC Code'] ?? '';
    const title = occ.Title ?? '';
    if (code.startsWith('55-')) {
      skipped.military++;
      continue;
    }
    if (/\bAll Other\b/.test(title)) {
      skipped.allOther++;
      continue;
    }
    const taskList = tasksFor(tasks.get(code) ?? []);
    const techList = technologiesFor(technologies.get(code) ?? [], popularity);
    if (taskList.length < MIN_TASKS || techList.length < MIN_TECHNOLOGIES) {
      skipped.thin++;
      continue;
    }
    const posting = postingTitle(title);
    const alternateTitles = alternatesFor(alternates.get(code) ?? [], title, posting);
    if (!posting && alternateTitles.length === 0) {
      skipped.untitled++;
      continue;
    }
    kept.push({
      code,
      title,
      posting_title: posting,
      alternate_titles: alternateTitles,
      description: (occ.Description ?? '').replace(/\s+/g, ' '),
      tasks: taskList,
      technologies: techList,
    });
  }
  kept.sort((a, b) => byText(a.code, b.code));

  // One occupation per line: valid JSON that diffs well.
  const head = { source: 'O*NET 29.2 Database', attribution: ATTRIBUTION };
  const lines = kept.map((occ) => JSON.stringify(occ));
  const body = `${JSON.stringify(head).slice(0, -1)},"occupations":[\n${lines.join(',\n')}\n]}\n`;
  JSON.parse(body);
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, body);
  const size = statSync(outFile).size;
  console.log(
    `${path.relative(root, outFile)}: ${kept.length} occupations, ${(size / 1024 / 1024).toFixed(2)} MB ` +
      `(skipped ${skipped.military} military, ${skipped.allOther} "All Other", ${skipped.thin} thin, ${skipped.untitled} untitled)`,
  );
}

main();
