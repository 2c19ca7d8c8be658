/**
 * Realistic demo and benchmark job postings generated from O*NET occupations (titles, alternate
 * titles, descriptions, task statements, technologies; see data/NOTICE.md), spread over fictional
 * companies, real cities and the contract's job types. The word lists and tables (companies, cities,
 * pay and remote shares by occupation group, wording) are data/demo-jobs/words.json.
 *
 * Used on Node only (the development server's seeding, `npm run jobs:demo`, bench and scripts), not by
 * the Worker; the module itself stays free of Node APIs (no fs, process, Buffer or node: imports): the
 * caller loads the data (data/onet-jobs.json, see ./onet-data.ts) and passes it in. Deterministic:
 * the same data, seed, index and `now` always give the same posting, and posting `i` does not depend
 * on how many are generated.
 */
import wordsJson from '../../data/demo-jobs/words.json' with { type: 'json' };
import type { JobType } from '../services/jobs/job-input';

export interface OnetOccupation {
  /** O*NET-SOC code, e.g. "15-1252.00". */
  code: string;
  /** The O*NET title, e.g. "Software Developers". */
  title: string;
  /** The title in posting form ("Software Developer"); null when the O*NET title is a list. */
  posting_title: string | null;
  alternate_titles: string[];
  description: string;
  tasks: string[];
  /** Named tools and technologies, hot and in-demand ones first. */
  technologies: string[];
}

export interface OnetJobData {
  source: string;
  attribution: string;
  occupations: OnetOccupation[];
}

export interface DemoJob {
  title: string;
  company: string;
  location: string;
  job_type: JobType;
  description: string;
  external_id: string;
  source: string;
  url: string;
  salary_min: number | null;
  salary_max: number | null;
  currency: string | null;
  remote: boolean;
  created_at: Date;
}

export interface DemoJobOptions {
  /** Default 1. A non-negative integer; part of every `external_id`. */
  seed?: number;
  /** `created_at` falls within the 60 days before it. Default: the current time. */
  now?: Date;
  /** Default 'demo'. */
  source?: string;
  /** Index of the first posting (for generating a large set in chunks). Default 0. */
  offset?: number;
}

// ---------------------------------------------------------------------------------------------------
// Validation of the data file

function fail(path: string, expected: string): never {
  throw new Error(`Not an O*NET jobs data file (data/onet-jobs.json): ${path} must be ${expected}`);
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** Checks the shape of parsed data/onet-jobs.json and returns it typed; throws a clear error otherwise. */
export function onetJobDataFromJson(json: unknown): OnetJobData {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('the top level', 'an object');
  const root = json as Record<string, unknown>;
  if (typeof root.source !== 'string') fail('"source"', 'a string');
  if (typeof root.attribution !== 'string') fail('"attribution"', 'a string');
  const occupations = root.occupations;
  if (!Array.isArray(occupations) || occupations.length === 0) fail('"occupations"', 'a non-empty array');
  occupations.forEach((item: unknown, i) => {
    const at = `occupations[${i}]`;
    if (typeof item !== 'object' || item === null) fail(at, 'an object');
    const occ = item as Record<string, unknown>;
    for (const key of ['code', 'title', 'description'] as const) {
      if (typeof occ[key] !== 'string' || occ[key] === '') fail(`${at}.${key}`, 'a non-empty string');
    }
    if (occ.posting_title != null && typeof occ.posting_title !== 'string') {
      fail(`${at}.posting_title`, 'a string or null');
    }
    for (const key of ['alternate_titles', 'tasks', 'technologies'] as const) {
      if (!isStringArray(occ[key])) fail(`${at}.${key}`, 'an array of strings');
    }
    if ((occ.tasks as string[]).length === 0) fail(`${at}.tasks`, 'non-empty');
    if (occ.posting_title == null && (occ.alternate_titles as string[]).length === 0) {
      fail(at, 'a posting_title or alternate_titles');
    }
  });
  return json as OnetJobData;
}

// ---------------------------------------------------------------------------------------------------
// Randomness

type Rng = () => number;

/** mulberry32: a tiny, fast, well-mixed 32-bit PRNG. */
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit hash of (seed, index) so posting `index` has its own stream. */
function mix(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.floor(seed / 4294967296);
  h = Math.imul(h ^ (h >>> 13) ^ index, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ Math.imul(index, 0x27d4eb2f), 0x165667b1);
  return (h ^ (h >>> 15)) >>> 0;
}

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

/** Cumulative weights for `weighted`. */
function cumulative(weights: readonly number[]): number[] {
  let sum = 0;
  return weights.map((w) => {
    sum += w;
    return sum;
  });
}

/** Index into a cumulative weight table (binary search). */
function weighted(rng: Rng, cum: readonly number[]): number {
  const target = rng() * (cum[cum.length - 1] ?? 0);
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cum[mid] ?? 0) > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** `k` distinct items of `items[0..limit)`, in their original order (selection sampling, no sort). */
function sample<T>(rng: Rng, items: readonly T[], k: number, limit = items.length): T[] {
  const n = Math.min(limit, items.length);
  let needed = Math.min(k, n);
  const out: T[] = [];
  for (let i = 0; i < n && needed > 0; i++) {
    if (rng() * (n - i) < needed) {
      out.push(items[i] as T);
      needed--;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Word lists and tables: data/demo-jobs/words.json

type Sector = keyof typeof wordsJson.companies;
type Region = keyof typeof wordsJson.regions;

interface GroupProfile {
  /** Share of postings (relative). */
  share: number;
  /** A US-average annual salary in USD. */
  salary: number;
  /** Chance a posting is remote. */
  remote: number;
  sectors: Sector[];
  education: string;
  /** Whether "Junior" titles make sense (internships: `internGroups`). */
  entry: boolean;
}

/** The shape of data/demo-jobs/words.json. */
interface DemoWords {
  /** Fictional companies by sector. */
  companies: Record<Sector, string[]>;
  /** How an intro may describe a company of each sector ("a software company"). */
  sectorPhrases: Record<Sector, string[]>;
  /** Each region's currency, and its weight when a city is drawn. */
  regions: Record<Region, { currency: string; weight: number }>;
  /**
   * Cities: the region, the pay factor (local currency per US dollar of a US-average salary) and a
   * local language an employer might ask for.
   */
  cities: Array<{ location: string; region: Region; pay: number; language?: string }>;
  /** Remote variants: the currency, pay factor, weight and where one may work from. */
  remote: Array<{ location: string; currency: string; pay: number; weight: number; area: string }>;
  /** Job types with their share of postings. */
  jobTypes: Array<{ type: JobType; share: number }>;
  /** Profiles by SOC major group (the first two digits of the O*NET-SOC code). */
  groups: Record<string, GroupProfile>;
  /** The profile of a group `groups` does not list. */
  defaultGroup: GroupProfile;
  /** Remote chances of SOC minor groups that differ from their major group (on-site work). */
  remoteOverrides: Record<string, number>;
  /**
   * Words in an O*NET title (matched anywhere, case-sensitive: "Nurs" is "Nurse", "Nursing") that say
   * which kind of employer posts it, before the group's defaults.
   */
  sectorHints: Array<{ words: string[]; sectors: Sector[] }>;
  /** SOC groups (code prefixes) whose occupations take interns: office, technical and creative work. */
  internGroups: string[];
  /** Title words that move pay away from the group average (the first that matches counts). */
  payWords: Array<{ words: string[]; factor: number }>;
  /** Whole title words that already carry a level (no seniority prefix, no internship). */
  leveledWords: string[];
  softSkills: string[];
  benefits: string[];
  closings: string[];
}

const words = wordsJson as DemoWords;

const SECTOR_PHRASES = words.sectorPhrases;
const CITIES = words.cities;
const REMOTE = words.remote;
const JOB_TYPES = words.jobTypes;
const GROUPS = words.groups;
const DEFAULT_GROUP = words.defaultGroup;
const REMOTE_OVERRIDES = words.remoteOverrides;
const LEVELED_WORDS = new Set(words.leveledWords);
const SOFT_SKILLS = words.softSkills;
const BENEFITS = words.benefits;
const CLOSINGS = words.closings;

/** Whether `text` contains one of `list` anywhere ("Nurs" is in "Nursing Assistants"). */
function containsAny(text: string, list: readonly string[]): boolean {
  return list.some((w) => text.includes(w));
}

/** Whether a title already carries a level: one of its words (runs of A-Z, a-z, 0-9, _) is leveled. */
function leveled(title: string): boolean {
  return title.split(/\W+/).some((w) => LEVELED_WORDS.has(w));
}

// ---------------------------------------------------------------------------------------------------
// Preparation (once per data object)

interface City {
  location: string;
  /** The part before the comma: "Lisbon". */
  name: string;
  currency: string;
  pay: number;
  language?: string;
}

interface Company {
  name: string;
  sector: Sector;
  offices: City[];
}

interface Prepared {
  occupation: OnetOccupation;
  profile: GroupProfile;
  titles: string[];
  /** Titles without a level, for Junior/Senior prefixes and internships. */
  plainTitles: string[];
  salary: number;
  /** Chance a posting is remote. */
  remote: number;
  /** Companies likely to post this occupation. */
  companies: Company[];
}

interface Model {
  occupations: Prepared[];
  cumOccupations: number[];
  /** Occupations that take interns, with their weights. */
  internOccupations: Prepared[];
  cumInternOccupations: number[];
  companies: Company[];
}

const models = new WeakMap<OnetJobData, Model>();

const cities: City[] = CITIES.map(({ location, region, pay, language }) => ({
  location,
  name: location.slice(0, location.indexOf(',')),
  currency: words.regions[region].currency,
  pay,
  language,
}));
const cumCities = cumulative(CITIES.map(({ region }) => words.regions[region].weight));
const cumRemote = cumulative(REMOTE.map(({ weight }) => weight));
const cumJobTypes = cumulative(JOB_TYPES.map(({ share }) => share));

/** Offices are fixed per company (not per seed), so a company keeps its cities across runs. */
function buildCompanies(): Company[] {
  const rng = mulberry32(0xc0ffee);
  const local: Sector[] = ['public', 'services', 'hospitality', 'education', 'agri', 'legal', 'construction'];
  const list: Company[] = [];
  for (const [sector, names] of Object.entries(words.companies) as [Sector, string[]][]) {
    for (const name of names) {
      const officeCount = local.includes(sector) ? 1 + Math.floor(rng() * 3) : 2 + Math.floor(rng() * 6);
      const offices: City[] = [];
      for (let i = 0; i < officeCount * 3 && offices.length < officeCount; i++) {
        const city = cities[weighted(rng, cumCities)] as City;
        if (!offices.includes(city)) offices.push(city);
      }
      list.push({ name, sector, offices });
    }
  }
  return list;
}
const allCompanies = buildCompanies();

function prepare(data: OnetJobData): Model {
  const cached = models.get(data);
  if (cached) return cached;
  const byGroup = new Map<string, number>();
  for (const occ of data.occupations) {
    const group = occ.code.slice(0, 2);
    byGroup.set(group, (byGroup.get(group) ?? 0) + 1);
  }
  const occupations: Prepared[] = [];
  const weights: number[] = [];
  const internOccupations: Prepared[] = [];
  const internWeights: number[] = [];
  for (const occ of data.occupations) {
    const group = occ.code.slice(0, 2);
    const profile = GROUPS[group] ?? DEFAULT_GROUP;
    const titles = [...(occ.posting_title ? [occ.posting_title] : []), ...occ.alternate_titles];
    const plainTitles = titles.filter((t) => !leveled(t));
    let salary = profile.salary;
    for (const { words: payWords, factor } of words.payWords) {
      if (containsAny(occ.title, payWords)) {
        salary *= factor;
        break;
      }
    }
    // A stable per-occupation nudge so occupations of one group differ.
    salary *= 0.9 + (hashString(occ.code) % 1000) / 5000;
    // Title hints first ("Medical and Health Services Managers" -> health); a sector listed twice weighs twice.
    const hinted = words.sectorHints
      .filter((hint) => containsAny(occ.title, hint.words))
      .flatMap((hint) => hint.sectors);
    const sectors = hinted.length > 0 ? hinted : profile.sectors;
    const companies = sectors.flatMap((sector) => allCompanies.filter((c) => c.sector === sector));
    const minor = occ.code.slice(0, 4);
    const remote = REMOTE_OVERRIDES[minor] ?? profile.remote;
    const prepared: Prepared = { occupation: occ, profile, titles, plainTitles, salary, remote, companies };
    const weight = profile.share / (byGroup.get(group) ?? 1);
    occupations.push(prepared);
    weights.push(weight);
    const interns = words.internGroups.some((prefix) => occ.code.startsWith(prefix));
    if (interns && plainTitles.length > 0) {
      internOccupations.push(prepared);
      internWeights.push(weight);
    }
  }
  const model: Model = {
    occupations,
    cumOccupations: cumulative(weights),
    internOccupations: internOccupations.length > 0 ? internOccupations : occupations,
    cumInternOccupations: internOccupations.length > 0 ? cumulative(internWeights) : cumulative(weights),
    companies: allCompanies,
  };
  models.set(data, model);
  return model;
}

// ---------------------------------------------------------------------------------------------------
// Text helpers

function article(title: string): string {
  const acronym = /^[A-Z]{2,}\b/.exec(title);
  if (acronym) return /^[AEFHILMNORSX]/.test(title) ? 'an' : 'a';
  return /^[aeiou]/i.test(title) && !/^(uni|use|usu|eu|one)/i.test(title) ? 'an' : 'a';
}

const withArticle = (title: string) => `${article(title)} ${title}`;

function joinList(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function money(n: number): string {
  const digits = String(n);
  let out = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ',';
    out += digits[i];
  }
  return out;
}

function slugify(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a plain ASCII check
  const ascii = /^[\x00-\x7f]*$/.test(text) ? text : text.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  return ascii
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|(?<!-)-+$/g, '');
}

// ---------------------------------------------------------------------------------------------------
// Generation

type Level = 'intern' | 'junior' | 'mid' | 'senior' | 'lead';

const LEVEL_PAY: Record<Level, number> = { intern: 0.4, junior: 0.75, mid: 1, senior: 1.3, lead: 1.45 };
/** Part-time pay is given as the full-time equivalent (paid pro rata), as job boards usually do. */
const TYPE_PAY: Record<JobType, number> = {
  'full-time': 1,
  'part-time': 1,
  contract: 1.15,
  temporary: 0.85,
  internship: 1,
};

function chooseTitle(
  rng: Rng,
  prep: Prepared,
  jobType: JobType,
): { title: string; base: string; level: Level } {
  if (jobType === 'internship') {
    const base = pick(rng, prep.plainTitles.length > 0 ? prep.plainTitles : prep.titles);
    const r = rng();
    const title =
      r < 0.75 ? `${base} Intern` : r < 0.9 ? `${base} Internship` : `Junior ${base} (Internship)`;
    return { title, base, level: 'intern' };
  }
  const posting = prep.occupation.posting_title;
  const alternates = prep.occupation.alternate_titles;
  let base: string;
  if (posting && (alternates.length === 0 || rng() < 0.4)) base = posting;
  else base = alternates[Math.floor(rng() ** 1.4 * alternates.length)] ?? posting ?? prep.occupation.title;
  if (leveled(base) || jobType === 'temporary') return { title: base, base, level: 'mid' };
  const r = rng();
  if (r < 0.07 && prep.profile.entry) return { title: `Junior ${base}`, base, level: 'junior' };
  if (r < 0.22) return { title: `Senior ${base}`, base, level: 'senior' };
  if (r < 0.27) return { title: `Lead ${base}`, base, level: 'lead' };
  return { title: base, base, level: 'mid' };
}

function experienceLine(rng: Rng, level: Level, base: string): string {
  switch (level) {
    case 'intern':
      return pick(rng, [
        'You are studying toward a degree in a related field, or graduated within the last year.',
        'Enrolled in (or recently finished) a relevant degree or vocational program.',
      ]);
    case 'junior':
      return pick(rng, [
        'Up to two years of relevant experience; we will help you grow.',
        'Some first experience from internships, projects or a previous role.',
      ]);
    case 'senior':
      return `${5 + Math.floor(rng() * 3)}+ years of experience as ${withArticle(base)} or in a similar role.`;
    case 'lead':
      return `${7 + Math.floor(rng() * 3)}+ years of experience, including leading or mentoring a team.`;
    default:
      return rng() < 0.5
        ? `${1 + Math.floor(rng() * 3)}+ years of experience as ${withArticle(base)} or in a similar role.`
        : 'Proven experience in a similar role.';
  }
}

function jobTypeLine(rng: Rng, jobType: JobType): string | null {
  switch (jobType) {
    case 'part-time':
      return `This is a part-time position of about ${pick(rng, [16, 20, 24, 30])} hours per week.`;
    case 'contract':
      return `This is a ${pick(rng, [3, 6, 9, 12])}-month contract with the possibility of extension.`;
    case 'temporary':
      return `This is a temporary position covering ${pick(rng, ['two', 'three', 'four', 'six'])} months.`;
    case 'internship':
      return `The internship runs for ${pick(rng, [10, 12, 16, 24])} weeks, with a dedicated mentor and a real project of your own.`;
    default:
      return rng() < 0.3 ? 'This is a full-time, permanent position.' : null;
  }
}

interface Posting {
  title: string;
  base: string;
  level: Level;
  jobType: JobType;
  company: Company;
  city: City | null;
  remote: { label: string; area: string } | null;
  salary: { min: number; max: number; currency: string } | null;
}

function describe(rng: Rng, prep: Prepared, p: Posting): string {
  const occ = prep.occupation;
  const out: string[] = [];
  const sectorPhrase = pick(rng, SECTOR_PHRASES[p.company.sector]);
  const where = p.city ? `in ${p.city.name}` : 'to work remotely';
  const a = withArticle(p.title);

  // Intro.
  switch (Math.floor(rng() * 5)) {
    case 0:
      out.push(`${p.company.name} is hiring ${a} ${where}.`);
      break;
    case 1:
      out.push(`${p.company.name}, ${sectorPhrase}, is looking for ${a} to join the team ${where}.`);
      break;
    case 2:
      out.push(
        `Join ${p.company.name} as ${a}. We are ${sectorPhrase}${p.city ? ` with a team in ${p.city.name}` : ' working remote-first'}.`,
      );
      break;
    case 3:
      out.push(
        `We are ${p.company.name}, ${sectorPhrase}. We are looking for ${a} ${where} who enjoys doing careful, useful work.`,
      );
      break;
    default:
      out.push(
        `Looking for your next role as ${withArticle(p.base)}? ${p.company.name} has an opening ${where}.`,
      );
  }

  // The role.
  out.push('');
  const description = occ.description;
  if (rng() < 0.35 && /^[A-Z][a-z]/.test(description)) {
    out.push(`In this role you will ${description.charAt(0).toLowerCase()}${description.slice(1)}`);
  } else {
    out.push(`${pick(rng, ['About the role:', 'The role:', 'The position:'])} ${description}`);
  }

  // Tasks.
  out.push(
    '',
    pick(rng, [
      'What you will do:',
      'What you will do:',
      "What you'll do:",
      'Responsibilities:',
      'Your responsibilities:',
    ]),
  );
  const tasks = sample(rng, occ.tasks, 4 + Math.floor(rng() * 3));
  for (const task of tasks) out.push(`- ${task}`);

  // Technologies: mostly from the front of the list (hot and in-demand first).
  const techs = sample(rng, occ.technologies, 3 + Math.floor(rng() * 4), 8);
  if (techs.length > 0) {
    out.push('');
    if (rng() < 0.6) {
      out.push(
        pick(rng, [
          'Tools and technologies:',
          'Tools and technologies:',
          'Tools you will use:',
          'You will work with:',
        ]),
      );
      for (const tech of techs) out.push(`- ${tech}`);
    } else {
      out.push(`Tools and technologies: you will work with ${joinList(techs)}.`);
    }
  }

  // Requirements.
  out.push('', pick(rng, ['Requirements:', 'What we are looking for:', 'About you:', 'You bring:']));
  out.push(`- ${experienceLine(rng, p.level, p.base)}`);
  out.push(`- ${prep.profile.education}`);
  const [first, second] = techs;
  if (first) {
    out.push(
      second && rng() < 0.6
        ? `- Hands-on experience with ${first} and ${second}.`
        : `- Working knowledge of ${first}, or similar tools.`,
    );
  }
  out.push(`- ${pick(rng, SOFT_SKILLS)}`);
  if (rng() < 0.4)
    out.push(
      `- ${pick(
        rng,
        SOFT_SKILLS.filter((s) => s !== out[out.length - 1]?.slice(2)),
      )}`,
    );
  if (p.city?.language && rng() < 0.5) out.push(`- Fluent English; ${p.city.language} is a plus.`);

  // Terms.
  const terms: string[] = [];
  const typeLine = jobTypeLine(rng, p.jobType);
  if (typeLine) terms.push(typeLine);
  if (p.remote) {
    terms.push(`This role is fully remote: you can work from ${p.remote.area}.`);
  } else if (p.city && prep.remote > 0 && rng() < 0.35) {
    terms.push(`We work hybrid: two to three days a week in our ${p.city.name} office.`);
  }
  if (p.salary) {
    const per = p.jobType === 'part-time' ? ' per year (full-time equivalent, paid pro rata)' : ' per year';
    terms.push(`Salary: ${money(p.salary.min)}-${money(p.salary.max)} ${p.salary.currency}${per}.`);
  }
  terms.push(pick(rng, BENEFITS));
  out.push('', terms.join(' '));
  out.push('', pick(rng, CLOSINGS));
  return out.join('\n');
}

function salaryFor(
  rng: Rng,
  prep: Prepared,
  level: Level,
  jobType: JobType,
  currency: string,
  pay: number,
): { min: number; max: number; currency: string } | null {
  if (rng() < 0.25) return null;
  const mid = prep.salary * pay * LEVEL_PAY[level] * TYPE_PAY[jobType] * (0.9 + rng() * 0.2);
  const step = mid >= 20_000 ? 1000 : 500;
  const min = Math.round((mid * 0.88) / step) * step;
  const max = Math.max(min, Math.round((mid * (1.1 + rng() * 0.2)) / step) * step);
  return { min, max, currency };
}

const DAY_MS = 86_400_000;
const SPREAD_MS = 60 * DAY_MS;

/**
 * `count` postings for `seed` (default 1), indexes `offset` .. `offset + count - 1`. Each posting has
 * its own random stream, so posting `i` is the same whatever the count, and generating in chunks with
 * `offset` gives the same postings as generating all at once.
 */
export function generateDemoJobs(data: OnetJobData, count: number, options: DemoJobOptions = {}): DemoJob[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError('seed must be a non-negative integer');
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new RangeError('offset must be a non-negative integer');
  const source = options.source ?? 'demo';
  const now = (options.now ?? new Date()).getTime();
  const model = prepare(data);
  const jobs: DemoJob[] = new Array(count);

  for (let i = 0; i < count; i++) {
    const index = offset + i;
    const rng = mulberry32(mix(seed, index));
    const jobType = (JOB_TYPES[weighted(rng, cumJobTypes)] as (typeof JOB_TYPES)[number]).type;
    const prep =
      jobType === 'internship'
        ? (model.internOccupations[weighted(rng, model.cumInternOccupations)] as Prepared)
        : (model.occupations[weighted(rng, model.cumOccupations)] as Prepared);
    const { title, base, level } = chooseTitle(rng, prep, jobType);
    const company = pick(rng, prep.companies.length > 0 ? prep.companies : model.companies);

    let city: City | null = null;
    let remote: Posting['remote'] = null;
    let currency: string;
    let pay: number;
    if (jobType !== 'internship' && rng() < prep.remote) {
      const variant = REMOTE[weighted(rng, cumRemote)] as (typeof REMOTE)[number];
      remote = { label: variant.location, area: variant.area };
      currency = variant.currency;
      pay = variant.pay;
    } else {
      city = rng() < 0.6 ? pick(rng, company.offices) : (cities[weighted(rng, cumCities)] as City);
      currency = city.currency;
      pay = city.pay;
    }
    const salary = salaryFor(rng, prep, level, jobType, currency, pay);
    const posting: Posting = { title, base, level, jobType, company, city, remote, salary };
    const description = describe(rng, prep, posting);
    const createdAt = new Date(Math.floor((now - rng() * SPREAD_MS) / 1000) * 1000);

    jobs[i] = {
      title,
      company: company.name,
      location: remote?.label ?? (city as City).location,
      job_type: jobType,
      description,
      external_id: `demo-${seed}-${index}`,
      source,
      url: `https://jobs.example.com/${slugify(`${title} ${company.name}`)}-${index}`,
      salary_min: salary?.min ?? null,
      salary_max: salary?.max ?? null,
      currency: salary?.currency ?? null,
      remote: remote !== null,
      created_at: createdAt,
    };
  }
  return jobs;
}
