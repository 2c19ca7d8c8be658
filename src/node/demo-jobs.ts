/**
 * Realistic demo and benchmark job postings generated from O*NET occupations (titles, alternate
 * titles, descriptions, task statements, technologies; see data/NOTICE.md), spread over fictional
 * companies, real cities and the contract's job types.
 *
 * Used on Node only (the development server's seeding, `npm run jobs:demo`, bench and scripts), not by
 * the Worker; the module itself stays free of Node APIs (no fs, process, Buffer or node: imports): the
 * caller loads the data (data/onet-jobs.json, see ./onet-data.ts) and passes it in. Deterministic:
 * the same data, seed, index and `now` always give the same posting, and posting `i` does not depend
 * on how many are generated.
 */
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
// Embedded lists: companies, cities, wording

type Sector =
  | 'tech'
  | 'health'
  | 'finance'
  | 'retail'
  | 'industry'
  | 'logistics'
  | 'construction'
  | 'hospitality'
  | 'education'
  | 'energy'
  | 'media'
  | 'consulting'
  | 'public'
  | 'agri'
  | 'legal'
  | 'realestate'
  | 'services';

/** Fictional companies by sector. */
const COMPANIES: Record<Sector, string[]> = {
  tech: [
    'Northwind Labs',
    'Bluefin Software',
    'Quanta Loop',
    'Brightpath Digital',
    'Cobalt Harbor Systems',
    'Lumen Grid',
    'Stackwise',
    'Pixel & Pine',
    'Orbital Forge',
    'Tidewater Analytics',
    'Nimbus Crate',
    'Fernwood Data',
    'Helix Cloudworks',
    'Arcadia Robotics',
    'Sparrow Security',
    'Vantage Point AI',
    'Kitefin Apps',
    'Redwood Compute',
    'Copperleaf Networks',
    'Quillon Systems',
    'Beacon Street Software',
    'Waypoint Mobility',
    'Greyline Cyber',
    'Marigold Health Tech',
    'Driftwood Games',
  ],
  health: [
    'Harborview Health Partners',
    'Saint Aldric Medical Center',
    'Evergreen Family Clinics',
    'Meridian Care Group',
    'Blue Heron Hospital',
    'Clearwater Dental Group',
    'Lakeside Rehabilitation',
    'Northstar Pediatrics',
    'Willowbrook Senior Living',
    'Summit Physiotherapy',
    'Crescent Pharmacy',
    'Oakridge Diagnostics',
    'Riverbend Veterinary Clinic',
    'Sunrise Home Care',
    'Alder Biotherapeutics',
  ],
  finance: [
    'Granite Peak Capital',
    'Ledgerline Bank',
    'Fairhaven Insurance',
    'Silverbirch Asset Management',
    'Keystone Mutual',
    'Coinwell Payments',
    'Tallgrass Credit Union',
    'Halcyon Wealth Partners',
    'Ironbridge Financial',
    'Prism Actuarial Group',
    'Mosaic Lending',
    'Harbor & Vale Accountants',
  ],
  retail: [
    'Maple & Main Outfitters',
    'Urban Pantry Markets',
    'Brightside Home Goods',
    'Lark & Linen',
    'Trailhead Sports',
    'Corner Crate Grocers',
    'Velvet Fox Boutique',
    'Pinecone Books',
    'Hearth & Home Furniture',
    'Nova Electronics Retail',
    'Greenleaf Garden Centers',
    'Daybreak Pharmacy Stores',
  ],
  industry: [
    'Atlas Precision Manufacturing',
    'Ridgeway Metalworks',
    'Kestrel Aerospace',
    'Bayside Plastics',
    'Ironclad Fabrication',
    'Vireo Electronics',
    'Northgate Automotive Components',
    'Sterling Glassworks',
    'Cascade Paper Mills',
    'Tern Industrial Machines',
    'Quarry Hill Cement',
    'Boreal Textiles',
    'Fulcrum Robotics Manufacturing',
    'Amberline Chemicals',
  ],
  logistics: [
    'Swiftlane Logistics',
    'Bayline Freight',
    'Crossroads Distribution',
    'Northbound Couriers',
    'Meridian Shipping Co.',
    'Redline Transit',
    'Cargoline Europe',
    'Blue Ridge Trucking',
    'Skyport Air Cargo',
    'Last Mile Collective',
  ],
  construction: [
    'Cedar & Stone Builders',
    'Brickyard Construction Group',
    'Highline Civil Engineering',
    'Oakbeam Carpentry',
    'Foundry Street Developments',
    'Clearspan Roofing',
    'Bluewater Plumbing & Heating',
    'Summit Electrical Contractors',
    'Terrace Landscaping',
    'Granite State Paving',
  ],
  hospitality: [
    'The Copper Kettle',
    'Saffron Table Restaurants',
    'Harborlight Hotels',
    'Blue Door Bistro',
    'Juniper Coffee Roasters',
    'Lantern Inn & Suites',
    'Sundial Resorts',
    'Fig Tree Catering',
    'Nightjar Bar Group',
    'Riverside Event Halls',
    'Morning Glory Bakery',
    'Alpine Lodge Collection',
  ],
  education: [
    'Westbrook Academy',
    'Brightminds Learning Centers',
    'Northfield University',
    'Lakeshore Community College',
    'Open Page Tutoring',
    'Horizon Language School',
    'Evergreen School District',
    'Little Acorns Early Learning',
  ],
  energy: [
    'Solstice Renewables',
    'Windward Energy',
    'Gridline Utilities',
    'Tideflow Power',
    'Basalt Geothermal',
    'Brightwater Utilities',
    'Helios Solar Installations',
    'Northern Lights Power Co-op',
  ],
  media: [
    'Paper Lantern Media',
    'Signal & Noise Studios',
    'Brightframe Films',
    'Inkwell Publishing',
    'Sound Harbor Records',
    'Mapleleaf Broadcasting',
    'Looking Glass Creative',
    'Studio Verde',
  ],
  consulting: [
    'Clearview Consulting',
    'Fathom Partners',
    'Keel & Compass Advisory',
    'Greenfield Strategy Group',
    'Parabola Research',
    'Latitude HR Solutions',
    'Cornerstone Talent',
    'Wexford Management Consulting',
  ],
  public: [
    'City of Rivermouth',
    'Open Doors Foundation',
    'Clean Rivers Trust',
    'Community Food Network',
    'Lakeshore Regional Transit',
    'Hopewell Youth Services',
    'Green Belt Conservancy',
    'Eastvale Public Health',
  ],
  agri: [
    'Golden Acre Farms',
    'Hillside Orchards',
    'Prairie Gold Grain Co.',
    'Seaside Fisheries',
    'Sunfield Dairy',
    'Timberland Forestry',
  ],
  legal: ['Ashford & Lowe LLP', 'Marlow Grant Legal', 'Pemberton Hayes Solicitors', 'Castell & Reed Law'],
  realestate: [
    'Urban Nest Property Management',
    'Keyhaven Realty',
    'Lakeview Property Partners',
    'Brick & Beam Realty',
  ],
  services: [
    'Sparkle Facilities Services',
    'Sentinel Security Services',
    'Brightclean Janitorial',
    'Glow Salon & Spa',
    'Fit Republic Gyms',
    'Happy Paws Pet Care',
    'Cityline Auto Repair',
  ],
};

const SECTOR_PHRASES: Record<Sector, string[]> = {
  tech: ['a software company', 'a fast-growing technology company', 'a product-led SaaS business'],
  health: ['a healthcare provider', 'a patient-focused care organization', 'a regional health network'],
  finance: ['a financial services firm', 'an independent financial institution', 'a fintech company'],
  retail: ['a retail brand', 'a growing retailer', 'a neighborhood retail chain'],
  industry: ['a manufacturer', 'an industrial manufacturing company', 'a precision engineering company'],
  logistics: ['a logistics company', 'a freight and distribution company'],
  construction: ['a construction company', 'a building contractor'],
  hospitality: ['a hospitality group', 'a restaurant and events company'],
  education: ['an education provider', 'a learning community'],
  energy: ['an energy company', 'a renewable energy company'],
  media: ['a media company', 'a creative studio'],
  consulting: ['a consulting firm', 'an advisory firm'],
  public: ['a public service organization', 'a nonprofit organization'],
  agri: ['a food and agriculture business', 'a family-owned producer'],
  legal: ['a law firm', 'a legal practice'],
  realestate: ['a real estate company', 'a property management company'],
  services: ['a services company', 'a local services business'],
};

type Region = 'us' | 'uk' | 'eu' | 'europe' | 'world';
const REGION_CURRENCY: Record<Region, string> = {
  us: 'USD',
  uk: 'GBP',
  eu: 'EUR',
  europe: 'USD',
  world: 'USD',
};
const REGION_WEIGHT: Record<Region, number> = { us: 3, uk: 2, eu: 2, europe: 1, world: 1 };

/**
 * Cities: [location, region, pay factor (local currency per US dollar of a US-average salary), a
 * local language an employer might ask for].
 */
const CITIES: [string, Region, number, string?][] = [
  ['New York, NY', 'us', 1.25],
  ['San Francisco, CA', 'us', 1.35],
  ['San Jose, CA', 'us', 1.35],
  ['Seattle, WA', 'us', 1.25],
  ['Austin, TX', 'us', 1.05],
  ['Boston, MA', 'us', 1.2],
  ['Chicago, IL', 'us', 1.05],
  ['Los Angeles, CA', 'us', 1.15],
  ['San Diego, CA', 'us', 1.1],
  ['Sacramento, CA', 'us', 1.05],
  ['Denver, CO', 'us', 1.05],
  ['Atlanta, GA', 'us', 1],
  ['Miami, FL', 'us', 1],
  ['Tampa, FL', 'us', 0.93],
  ['Orlando, FL', 'us', 0.92],
  ['Dallas, TX', 'us', 1],
  ['Houston, TX', 'us', 1],
  ['Phoenix, AZ', 'us', 0.95],
  ['Minneapolis, MN', 'us', 1],
  ['Portland, OR', 'us', 1.05],
  ['Washington, DC', 'us', 1.2],
  ['Baltimore, MD', 'us', 1],
  ['Philadelphia, PA', 'us', 1.05],
  ['Pittsburgh, PA', 'us', 0.95],
  ['Raleigh, NC', 'us', 0.98],
  ['Charlotte, NC', 'us', 0.97],
  ['Nashville, TN', 'us', 0.95],
  ['Salt Lake City, UT', 'us', 0.95],
  ['Columbus, OH', 'us', 0.92],
  ['Cincinnati, OH', 'us', 0.9],
  ['Detroit, MI', 'us', 0.92],
  ['Indianapolis, IN', 'us', 0.9],
  ['Kansas City, MO', 'us', 0.9],
  ['St. Louis, MO', 'us', 0.9],
  ['Madison, WI', 'us', 0.92],
  ['Boise, ID', 'us', 0.9],
  ['Albuquerque, NM', 'us', 0.88],
  ['New Orleans, LA', 'us', 0.9],
  ['Las Vegas, NV', 'us', 0.95],
  ['Honolulu, HI', 'us', 1.05],
  ['London, United Kingdom', 'uk', 0.62],
  ['Manchester, United Kingdom', 'uk', 0.5],
  ['Edinburgh, United Kingdom', 'uk', 0.5],
  ['Bristol, United Kingdom', 'uk', 0.52],
  ['Birmingham, United Kingdom', 'uk', 0.48],
  ['Leeds, United Kingdom', 'uk', 0.48],
  ['Glasgow, United Kingdom', 'uk', 0.47],
  ['Cambridge, United Kingdom', 'uk', 0.55],
  ['Belfast, United Kingdom', 'uk', 0.45],
  ['Cardiff, United Kingdom', 'uk', 0.46],
  ['Berlin, Germany', 'eu', 0.68, 'German'],
  ['Munich, Germany', 'eu', 0.75, 'German'],
  ['Hamburg, Germany', 'eu', 0.7, 'German'],
  ['Frankfurt, Germany', 'eu', 0.75, 'German'],
  ['Cologne, Germany', 'eu', 0.68, 'German'],
  ['Stuttgart, Germany', 'eu', 0.72, 'German'],
  ['Amsterdam, Netherlands', 'eu', 0.7, 'Dutch'],
  ['Rotterdam, Netherlands', 'eu', 0.65, 'Dutch'],
  ['Eindhoven, Netherlands', 'eu', 0.65, 'Dutch'],
  ['Paris, France', 'eu', 0.65, 'French'],
  ['Lyon, France', 'eu', 0.55, 'French'],
  ['Toulouse, France', 'eu', 0.55, 'French'],
  ['Madrid, Spain', 'eu', 0.48, 'Spanish'],
  ['Barcelona, Spain', 'eu', 0.5, 'Spanish'],
  ['Valencia, Spain', 'eu', 0.42, 'Spanish'],
  ['Lisbon, Portugal', 'eu', 0.4, 'Portuguese'],
  ['Porto, Portugal', 'eu', 0.36, 'Portuguese'],
  ['Dublin, Ireland', 'eu', 0.75],
  ['Cork, Ireland', 'eu', 0.65],
  ['Milan, Italy', 'eu', 0.5, 'Italian'],
  ['Rome, Italy', 'eu', 0.45, 'Italian'],
  ['Vienna, Austria', 'eu', 0.65, 'German'],
  ['Brussels, Belgium', 'eu', 0.65, 'French'],
  ['Antwerp, Belgium', 'eu', 0.62, 'Dutch'],
  ['Helsinki, Finland', 'eu', 0.6, 'Finnish'],
  ['Tallinn, Estonia', 'eu', 0.45],
  ['Vilnius, Lithuania', 'eu', 0.38],
  ['Riga, Latvia', 'eu', 0.36],
  ['Athens, Greece', 'eu', 0.32, 'Greek'],
  ['Luxembourg, Luxembourg', 'eu', 0.8, 'French'],
  ['Ljubljana, Slovenia', 'eu', 0.4],
  ['Bratislava, Slovakia', 'eu', 0.35],
  ['Zürich, Switzerland', 'europe', 1.2, 'German'],
  ['Geneva, Switzerland', 'europe', 1.15, 'French'],
  ['Stockholm, Sweden', 'europe', 0.7],
  ['Copenhagen, Denmark', 'europe', 0.8],
  ['Oslo, Norway', 'europe', 0.8],
  ['Warsaw, Poland', 'europe', 0.4, 'Polish'],
  ['Kraków, Poland', 'europe', 0.36, 'Polish'],
  ['Prague, Czech Republic', 'europe', 0.4],
  ['Budapest, Hungary', 'europe', 0.33],
  ['Bucharest, Romania', 'europe', 0.32],
  ['Toronto, Canada', 'world', 0.8],
  ['Vancouver, Canada', 'world', 0.8],
  ['Montréal, Canada', 'world', 0.72, 'French'],
  ['Mexico City, Mexico', 'world', 0.3, 'Spanish'],
  ['São Paulo, Brazil', 'world', 0.3, 'Portuguese'],
  ['Rio de Janeiro, Brazil', 'world', 0.27, 'Portuguese'],
  ['Buenos Aires, Argentina', 'world', 0.22, 'Spanish'],
  ['Santiago, Chile', 'world', 0.3, 'Spanish'],
  ['Bogotá, Colombia', 'world', 0.22, 'Spanish'],
  ['Lima, Peru', 'world', 0.2, 'Spanish'],
  ['Sydney, Australia', 'world', 0.8],
  ['Melbourne, Australia', 'world', 0.75],
  ['Auckland, New Zealand', 'world', 0.65],
  ['Singapore, Singapore', 'world', 0.8],
  ['Tokyo, Japan', 'world', 0.6, 'Japanese'],
  ['Osaka, Japan', 'world', 0.52, 'Japanese'],
  ['Seoul, South Korea', 'world', 0.55, 'Korean'],
  ['Hong Kong, China', 'world', 0.75],
  ['Taipei, Taiwan', 'world', 0.45],
  ['Bangalore, India', 'world', 0.18],
  ['Mumbai, India', 'world', 0.17],
  ['Hyderabad, India', 'world', 0.16],
  ['Pune, India', 'world', 0.15],
  ['Dubai, United Arab Emirates', 'world', 0.75],
  ['Tel Aviv, Israel', 'world', 0.8],
  ['Istanbul, Türkiye', 'world', 0.25],
  ['Cape Town, South Africa', 'world', 0.3],
  ['Johannesburg, South Africa', 'world', 0.3],
  ['Nairobi, Kenya', 'world', 0.15],
  ['Lagos, Nigeria', 'world', 0.12],
  ['Kuala Lumpur, Malaysia', 'world', 0.25],
  ['Manila, Philippines', 'world', 0.15],
  ['Ho Chi Minh City, Vietnam', 'world', 0.15],
  ['Bangkok, Thailand', 'world', 0.2],
];

/** Remote variants: [location, currency, pay factor, weight, where one may work from]. */
const REMOTE: [string, string, number, number, string][] = [
  ['Remote (US)', 'USD', 1, 5, 'anywhere in the US'],
  ['Remote', 'USD', 0.85, 3, 'anywhere'],
  ['Remote (Worldwide)', 'USD', 0.6, 2, 'anywhere in the world'],
  ['Remote (Americas)', 'USD', 0.7, 1, 'anywhere in the Americas'],
  ['Remote (Canada)', 'USD', 0.8, 1, 'anywhere in Canada'],
  ['Remote (UK)', 'GBP', 0.55, 2, 'anywhere in the UK'],
  ['Remote (EU)', 'EUR', 0.6, 2, 'anywhere in the EU'],
  ['Remote (Europe)', 'EUR', 0.55, 2, 'anywhere in Europe'],
];

/** Job types with their share of postings. */
const JOB_TYPES: [JobType, number][] = [
  ['full-time', 0.72],
  ['contract', 0.12],
  ['part-time', 0.09],
  ['internship', 0.04],
  ['temporary', 0.03],
];

interface GroupProfile {
  /** Share of postings (relative). */
  share: number;
  /** A US-average annual salary in USD. */
  salary: number;
  /** Chance a posting is remote. */
  remote: number;
  sectors: Sector[];
  education: string;
  /** Whether "Junior" titles make sense (internships: INTERN_GROUPS). */
  entry: boolean;
}

const degree = "A bachelor's degree in a relevant field, or equivalent practical experience.";
const trade =
  'A relevant trade qualification or completed apprenticeship, or equivalent hands-on experience.';
const onTheJob = 'No formal degree required: we provide thorough on-the-job training.';

/** Profiles by SOC major group (the first two digits of the O*NET-SOC code). */
const GROUPS: Record<string, GroupProfile> = {
  '11': {
    share: 7,
    salary: 125_000,
    remote: 0.1,
    sectors: ['tech', 'finance', 'industry', 'retail', 'health', 'consulting', 'logistics', 'energy'],
    education: degree,
    entry: false,
  },
  '13': {
    share: 9,
    salary: 82_000,
    remote: 0.15,
    sectors: ['finance', 'consulting', 'tech', 'retail', 'industry', 'public'],
    education: degree,
    entry: true,
  },
  '15': {
    share: 12,
    salary: 112_000,
    remote: 0.35,
    sectors: ['tech', 'tech', 'finance', 'consulting', 'media', 'health'],
    education: degree,
    entry: true,
  },
  '17': {
    share: 5,
    salary: 95_000,
    remote: 0.06,
    sectors: ['industry', 'energy', 'construction', 'tech', 'consulting'],
    education: degree,
    entry: true,
  },
  '19': {
    share: 2.5,
    salary: 80_000,
    remote: 0.05,
    sectors: ['health', 'energy', 'agri', 'public', 'education', 'industry'],
    education: "A degree in a relevant science; a master's degree or PhD is a plus.",
    entry: true,
  },
  '21': {
    share: 2.5,
    salary: 55_000,
    remote: 0.05,
    sectors: ['public', 'health', 'education'],
    education: 'A degree in social work, psychology, counseling or a related field.',
    entry: true,
  },
  '23': {
    share: 1.5,
    salary: 95_000,
    remote: 0.08,
    sectors: ['legal', 'legal', 'finance', 'public'],
    education:
      'The legal qualifications the role requires (law degree, bar admission or paralegal certificate).',
    entry: true,
  },
  '25': {
    share: 5,
    salary: 60_000,
    remote: 0.04,
    sectors: ['education'],
    education: 'A relevant teaching qualification or degree in the subject.',
    entry: true,
  },
  '27': {
    share: 3,
    salary: 65_000,
    remote: 0.15,
    sectors: ['media', 'tech', 'retail', 'hospitality'],
    education: 'A portfolio that shows your work; a degree in a related field is welcome but not required.',
    entry: true,
  },
  '29': {
    share: 10,
    salary: 88_000,
    remote: 0.02,
    sectors: ['health'],
    education: 'A current license or registration for your profession.',
    entry: true,
  },
  '31': {
    share: 4,
    salary: 38_000,
    remote: 0,
    sectors: ['health'],
    education: 'A relevant certificate, or the willingness to earn one in your first months.',
    entry: false,
  },
  '33': {
    share: 1.5,
    salary: 55_000,
    remote: 0,
    sectors: ['public', 'services'],
    education: 'A clean background check and the certifications the role requires.',
    entry: false,
  },
  '35': {
    share: 6,
    salary: 33_000,
    remote: 0,
    sectors: ['hospitality'],
    education: onTheJob,
    entry: false,
  },
  '37': {
    share: 2,
    salary: 36_000,
    remote: 0,
    sectors: ['services', 'hospitality', 'health', 'construction'],
    education: onTheJob,
    entry: false,
  },
  '39': {
    share: 2.5,
    salary: 35_000,
    remote: 0,
    sectors: ['services', 'services', 'hospitality'],
    education: 'A friendly, reliable attitude; any certificates the role requires can be earned with us.',
    entry: false,
  },
  '41': {
    share: 8,
    salary: 55_000,
    remote: 0.1,
    sectors: ['retail', 'retail', 'tech', 'finance', 'industry'],
    education: 'A high school diploma or equivalent; a degree is a plus for account-facing roles.',
    entry: true,
  },
  '43': {
    share: 9,
    salary: 44_000,
    remote: 0.08,
    sectors: ['finance', 'health', 'public', 'logistics', 'retail', 'legal', 'education'],
    education: 'A high school diploma or equivalent.',
    entry: true,
  },
  '45': {
    share: 0.5,
    salary: 36_000,
    remote: 0,
    sectors: ['agri'],
    education: onTheJob,
    entry: false,
  },
  '47': {
    share: 3,
    salary: 55_000,
    remote: 0,
    sectors: ['construction', 'energy'],
    education: trade,
    entry: false,
  },
  '49': {
    share: 4,
    salary: 55_000,
    remote: 0,
    sectors: ['industry', 'logistics', 'energy', 'construction', 'services'],
    education: trade,
    entry: false,
  },
  '51': {
    share: 4,
    salary: 45_000,
    remote: 0,
    sectors: ['industry', 'industry', 'agri', 'energy'],
    education: trade,
    entry: false,
  },
  '53': {
    share: 5,
    salary: 46_000,
    remote: 0,
    sectors: ['logistics', 'logistics', 'retail', 'hospitality', 'public'],
    education: 'The licenses or certifications the role requires, or the willingness to obtain them.',
    entry: false,
  },
};

const DEFAULT_GROUP: GroupProfile = {
  share: 1,
  salary: 55_000,
  remote: 0,
  sectors: ['services'],
  education: onTheJob,
  entry: false,
};

/** Remote chances of SOC minor groups that differ from their major group (on-site work). */
const REMOTE_OVERRIDES: Record<string, number> = {
  '11-9': 0.04,
  '17-3': 0.02,
  '27-2': 0,
  '27-4': 0.03,
  '41-1': 0,
  '41-2': 0,
  '41-9': 0.05,
  '43-5': 0,
};

/** Words in an O*NET title that say which kind of employer posts it (before the group's defaults). */
const SECTOR_HINTS: [RegExp, Sector[]][] = [
  [
    /Medical|Health|Nurs|Clinical|Patient|Pharmac|Therap|Dental|Physician|Surgeon|Veterinar|Hospital/,
    ['health'],
  ],
  [/Education|School|Teacher|Postsecondary|Librar|Instructional|Childcare/, ['education']],
  [/Food|Lodging|Restaurant|Chef|Cook|Hotel|Dining|Baker|Barista|Bartender/, ['hospitality']],
  [/Construction|Building|Carpenter|Roofer|Plumber|Mason|Paving/, ['construction']],
  [/Farm|Agricultur|Ranch|Aquaculture|Crop|Forest|Logging|Fish|Animal/, ['agri']],
  [/Spa|Fitness|Funeral|Gaming|Hairdress|Barber|Cosmetolog|Security Guard/, ['services']],
  [
    /Financ|Bank|Loan|Credit|Insurance|Tax|Actuar|Invest|Securities|Brokerage|Budget|Account|Audit/,
    ['finance'],
  ],
  [/Property|Real Estate|Apartment/, ['realestate']],
  [/Computer|Software|Web|Data|Network|Information Security|Blockchain|Video Game/, ['tech']],
  [/Energy|Solar|Wind|Power|Geothermal|Biofuel|Biomass|Hydroelectric|Nuclear|Petroleum|Utilit/, ['energy']],
  [/Transportation|Logistics|Freight|Truck|Cargo|Shipping|Courier|Delivery|Dispatch/, ['logistics']],
  [/Legal|Law|Court|Paralegal|Judge|Arbitrat/, ['legal', 'public']],
  [/Police|Fire|Correctional|Emergency|Public|Government|Social|Community/, ['public']],
  [
    /Advertising|Marketing|Public Relations|Media|Editor|Writer|Journalist|Designer|Producer|Film|Broadcast/,
    ['media'],
  ],
];

/** SOC groups (code prefixes) whose occupations take interns: office, technical and creative work. */
const INTERN_GROUPS = /^(11-2|11-3|13-|15-|17-|19-|21-|23-|27-1|27-3|27-4|41-3|41-4)/;

/** Title words that move pay away from the group average. */
const PHYSICIAN = /Physician|Surgeon|Anesthesiolog|Psychiatrist|Dentist|Orthodontist|Radiologist|Dermatolog/;
const PAY_WORDS: [RegExp, number][] = [
  [PHYSICIAN, 2.3],
  [/Chief|Executive/, 1.5],
  [/Architect|Pharmacist|Actuar|Lawyer|Judge/, 1.3],
  [/Manager|Director/, 1.2],
  [/Engineer|Scientist/, 1.08],
  [/Assistant|Aide|Helper|Attendant|Clerk/, 0.82],
];

/** Titles that already carry a level (no seniority prefix, no internship). */
const LEVELED =
  /\b(Chief|Head|President|Vice|Director|Dean|Senior|Junior|Lead|Principal|Intern|Trainee|Apprentice|Supervisor|Superintendent|Executive|Manager|Officer|Commander|Captain|Lieutenant|Sergeant|Judge|Owner|Partner|Master)\b/;

const SOFT_SKILLS = [
  'Clear written and spoken communication.',
  'A habit of double-checking your work and owning the result.',
  'Comfort working with people from different teams and backgrounds.',
  'Good judgment under time pressure.',
  'Curiosity and a willingness to keep learning.',
  'A calm, organized way of handling several priorities at once.',
  'A friendly, customer-focused attitude.',
  'The ability to explain complex topics in simple terms.',
];

const BENEFITS = [
  'We offer a competitive salary, flexible hours and a yearly learning budget.',
  'Benefits include health insurance, paid time off and a retirement plan.',
  'You get a supportive team, regular feedback and room to grow.',
  'We offer paid parental leave, a wellbeing allowance and generous holidays.',
  'Expect a friendly team, modern equipment and clear paths to progression.',
  'We cover training and certification costs and support internal moves.',
];

const CLOSINGS = [
  'Apply with your CV and a few lines on why the role interests you.',
  'We welcome applications from people of all backgrounds and experiences.',
  'Send us your application; we reply to every candidate within two weeks.',
  'Not sure you tick every box? Apply anyway: we hire for potential.',
  "Interested? We'd love to hear from you.",
];

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

const cities: City[] = CITIES.map(([location, region, pay, language]) => ({
  location,
  name: location.slice(0, location.indexOf(',')),
  currency: REGION_CURRENCY[region],
  pay,
  language,
}));
const cumCities = cumulative(CITIES.map(([, region]) => REGION_WEIGHT[region]));
const cumRemote = cumulative(REMOTE.map(([, , , weight]) => weight));
const cumJobTypes = cumulative(JOB_TYPES.map(([, share]) => share));

/** Offices are fixed per company (not per seed), so a company keeps its cities across runs. */
function buildCompanies(): Company[] {
  const rng = mulberry32(0xc0ffee);
  const local: Sector[] = ['public', 'services', 'hospitality', 'education', 'agri', 'legal', 'construction'];
  const list: Company[] = [];
  for (const [sector, names] of Object.entries(COMPANIES) as [Sector, string[]][]) {
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
    const plainTitles = titles.filter((t) => !LEVELED.test(t));
    let salary = profile.salary;
    for (const [pattern, factor] of PAY_WORDS) {
      if (pattern.test(occ.title)) {
        salary *= factor;
        break;
      }
    }
    // A stable per-occupation nudge so occupations of one group differ.
    salary *= 0.9 + (hashString(occ.code) % 1000) / 5000;
    // Title hints first ("Medical and Health Services Managers" -> health); a sector listed twice weighs twice.
    const hinted = SECTOR_HINTS.filter(([pattern]) => pattern.test(occ.title)).flatMap(
      ([, sectors]) => sectors,
    );
    const sectors = hinted.length > 0 ? hinted : profile.sectors;
    const companies = sectors.flatMap((sector) => allCompanies.filter((c) => c.sector === sector));
    const minor = occ.code.slice(0, 4);
    const remote = REMOTE_OVERRIDES[minor] ?? profile.remote;
    const prepared: Prepared = { occupation: occ, profile, titles, plainTitles, salary, remote, companies };
    const weight = profile.share / (byGroup.get(group) ?? 1);
    occupations.push(prepared);
    weights.push(weight);
    const interns = INTERN_GROUPS.test(occ.code);
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
  if (LEVELED.test(base) || jobType === 'temporary') return { title: base, base, level: 'mid' };
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
    const jobType = (JOB_TYPES[weighted(rng, cumJobTypes)] as [JobType, number])[0];
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
      const [label, cur, factor, , area] = REMOTE[weighted(rng, cumRemote)] as (typeof REMOTE)[number];
      remote = { label, area };
      currency = cur;
      pay = factor;
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
