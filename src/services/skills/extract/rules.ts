/**
 * The rule tables of skill extraction: which labels need evidence and what kind, which never match,
 * the words that make a context technical or a language a skill, the section names, the verb
 * phrases indexed as nouns, and the scores (see ../extract.ts for how they are used).
 */
import { normToken } from './tokens';

/**
 * What a weak label needs before it counts:
 * - `tech`: technical context: a Skills-like section or inline label ("Tools: ..."), a list that
 *   names another technology, or a trigger word from `TECH_TRIGGERS` within three words;
 * - `proper`: capitalised, and either not the first word of its sentence, item or line (in a line
 *   that is not all capitals) or in technical context;
 * - `list`: inside a skills list (a Skills-like section or label, or a comma/bullet list line);
 * - `language`: under a Languages heading or label, next to `LANGUAGE_EVIDENCE`, or in a list with
 *   another language.
 */
export type Need = 'tech' | 'proper' | 'list' | 'language';

export interface AmbiguousRule {
  labels: string[];
  need: Need;
  /** Vetoes the match when the text right after it matches (e.g. "Excel at"). */
  after?: RegExp;
  /** Vetoes the match when the text right before it matches. */
  before?: RegExp;
}

/** Labels that are ordinary words (or letters) at least as often as they are skills. */
export const AMBIGUOUS: AmbiguousRule[] = [
  // One-letter languages: "C", "R", "D", but also "grade C", "vitamin D", "Plan B", and units:
  // "±0.5 °C", "40 F", "C-section".
  {
    labels: ['c', 'r', 'd', 'j', 'k', 'q', 'b', 'e', 'f', 'g', 's', 't', 'v', 'x'],
    need: 'tech',
    before:
      /(?:[°º]|\d)\s*$|\b(?:vitamin|grade|plan|type|class|level|hepatitis|size|category|section|zone|block|unit|part|phase|tier|group|blood|hep)\s*$/i,
    after: /^-(?:section|suite|level|class|grade)\b/i,
  },
  // Go (the language) vs "go live", "go-to-market", "Go/No-Go".
  {
    labels: ['go'],
    need: 'proper',
    after: /^(?:\s*-\s*|\s+)(?:live|to|through|ahead|back|for)\b|^\s*\//i,
    before: /no-?\s*$/i,
  },
  // Microsoft Office products named by one ordinary word: "excel at", "access to", "in a word".
  { labels: ['excel'], need: 'proper', after: /^\s+(?:at|in|as|with|under|when)\b/i },
  {
    labels: ['word', 'access', 'project', 'outlook', 'teams', 'office', 'publisher', 'paint', 'forms'],
    need: 'proper',
  },
  // Tools named by everyday words, where capitals are not enough: "Spring 2016", "Sous Chef",
  // "Shell" the company, "QuickLube Express", "Make sure", "Salt Lake City".
  {
    labels: ['spring', 'chef', 'puppet', 'express', 'less', 'shell', 'make', 'salt', 'ant', 'spark', 'hive'],
    need: 'tech',
    after: /^\s+(?:19|20)\d\d\b|^\s+(?:semester|term|break|de|lake)\b/i,
  },
  {
    labels: ['pig', 'storm', 'flask', 'helm', 'vault', 'consul', 'nomad', 'packer', 'square', 'toast'],
    need: 'tech',
  },
  {
    labels: ['mercury', 'clear', 'first', 'field', 'track', 'tank', 'travis', 'profile', 'claim'],
    need: 'tech',
  },
  // Programming languages and products that are also words or names: capitals are usually enough.
  {
    labels: ['swift', 'rust', 'ruby', 'dart', 'julia', 'scala', 'elm', 'crystal', 'pascal', 'basic'],
    need: 'proper',
  },
  { labels: ['logo', 'scheme', 'slack', 'zoom', 'box', 'sketch', 'canvas', 'epic', 'unity'], need: 'proper' },
  {
    labels: ['oracle', 'sage', 'stripe', 'jenkins', 'react', 'angular', 'ember', 'backbone', 'meteor'],
    need: 'proper',
  },
  {
    labels: ['analyze', 'route', 'dig', 'excavator', 'forth', 'prince', 'magic', 'jet', 'iris', 'reduce'],
    need: 'proper',
  },
];

/**
 * Labels never matched in text (they still resolve): ESCO skills named by one generic verb, which
 * every resume uses in passing ("plans", "planning").
 */
export const STOP_LABELS = ['plan', 'planning', 'sing', 'swim', 'improvise'];

/** Words that make a nearby weak label technical ("Go programming", "the R language"). */
export const TECH_TRIGGERS = new Set(
  [
    'programming',
    'language',
    'framework',
    'library',
    'developer',
    'development',
    'engineer',
    'code',
    'coding',
    'script',
    'scripting',
    'stack',
    'sdk',
    'api',
    'backend',
    'frontend',
    'server',
    'microservice',
    'database',
    'compiler',
    'runtime',
    'module',
    'package',
    'software',
    'devops',
  ].map((w) => normToken(w)),
);

/** A human language counts only next to one of these words (or under a Languages heading/label). */
export const LANGUAGE_EVIDENCE =
  /\b(?:fluen(?:t|cy)|native|bilingual|trilingual|multilingual|conversational|proficien\w*|mother[- ]tongue|speak\w*|spoken|written|intermediate|advanced|beginner|elementary|working knowledge|business level|[abc][12])\b/i;

/** Section or inline-label names under which a line is a list of skills. */
export const SKILLS_SECTION =
  /\b(?:skills?|competenc\w*|expertise|tools?|technolog\w*|proficienc\w*|software|stack|frameworks?|librar\w*|platforms?|databases?|data|cloud|infrastructure|devops|ci\/cd|programming|languages?|methodolog\w*|practices|containers?|monitoring|scripting|operating systems?|networking|equipment|strengths|specialt\w*|areas of)\b/i;
export const LANGUAGES_SECTION = /^(?:languages?|language skills|spoken languages)$/i;
/** Sections whose knowledge areas are degree subjects or coursework, not skills. */
export const EDUCATION_SECTION = /^(?:education|courses)$/i;
/** A dated line: "2019 - Present", "June 2017 - February 2021", "(2014 – 2016)". */
export const DATED_LINE = /\b(?:19|20)\d\d\s*(?:-|–|—|to)\s*(?:(?:19|20)\d\d|present|current|now)\b/i;

/** ESCO verb phrases indexed also as nouns: "administer medication" -> "medication administration". */
export const NOMINALISED: Record<string, string> = {
  administer: 'administration',
  operate: 'operation',
  manage: 'management',
  install: 'installation',
  maintain: 'maintenance',
  repair: 'repair',
  develop: 'development',
  design: 'design',
  plan: 'planning',
  monitor: 'monitoring',
  inspect: 'inspection',
  test: 'testing',
  clean: 'cleaning',
  prepare: 'preparation',
  negotiate: 'negotiation',
  calculate: 'calculation',
  assess: 'assessment',
  analyse: 'analysis',
  analyze: 'analysis',
  train: 'training',
  coordinate: 'coordination',
  supervise: 'supervision',
  troubleshoot: 'troubleshooting',
  weld: 'welding',
  solder: 'soldering',
  braze: 'brazing',
  fabricate: 'fabrication',
  handle: 'handling',
  read: 'reading',
  interpret: 'interpretation',
  teach: 'teaching',
  forecast: 'forecasting',
  schedule: 'scheduling',
  process: 'processing',
  evaluate: 'evaluation',
  implement: 'implementation',
  control: 'control',
  write: 'writing',
  create: 'creation',
};
/** Verbs that add nothing: "carry out wound care" is "wound care". */
export const EMPTY_VERBS = [
  'perform',
  'carry out',
  'conduct',
  'undertake',
  'execute',
  'apply',
  'use',
  'utilise',
  'utilize',
  'practise',
  'practice',
  'provide',
  'ensure',
  'comply with',
];

/** A word begins at least this many ESCO skill names to count as a verb (for verb-object matches). */
export const VERB_MIN_SKILLS = 5;

/** One-word lower-case ESCO alternative labels rarer than this (skills using the word) count in lists. */
export const RARE_WORD_SKILLS = 12;

export const SCORE = { name: 1, alias: 0.9, derived: 0.8, loose: 0.85, evidenced: 0.85, skillsSection: 0.05 };
