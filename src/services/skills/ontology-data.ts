import type { Ontology, OntologySkill } from './ontology';

/**
 * Reading the skills ontology (data/skills-ontology.json) without any runtime API, so Node and Workers
 * share it. The file has 20k+ skills and is read once per process: the checks are plain loops (no
 * schema library per record) and take a few milliseconds.
 */

const SKILL_TYPES: ReadonlySet<unknown> = new Set(['knowledge', 'skill', 'technology']);
const SKILL_SOURCES: ReadonlySet<unknown> = new Set(['esco', 'onet']);
const SKILL_ID = /^(esco|onet):[a-z0-9][a-z0-9-]*$/;

function fail(where: string, problem: string): never {
  throw new Error(`Invalid skills ontology: ${where} ${problem}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

/**
 * Checks that `json` (the parsed file) is an ontology and returns it typed. Throws an Error naming the
 * first bad record (`skills[12] (esco:...)`) and what is wrong with it. Besides each record's shape it
 * checks what consumers rely on: ids are unique and every `related` id is another skill in the file.
 */
export function parseOntology(json: unknown): Ontology {
  if (!isRecord(json)) fail('the top level', 'must be an object');
  if (typeof json.version !== 'string' || json.version === '')
    fail('"version"', 'must be a non-empty string');
  if (!isStringArray(json.attribution) || json.attribution.length === 0) {
    fail('"attribution"', 'must be a non-empty array of strings');
  }
  const skills = json.skills;
  if (!Array.isArray(skills) || skills.length === 0) fail('"skills"', 'must be a non-empty array');

  const ids = new Set<string>();
  for (let i = 0; i < skills.length; i++) {
    const item: unknown = skills[i];
    if (!isRecord(item)) fail(`skills[${i}]`, 'must be an object');
    const { id } = item;
    if (typeof id !== 'string' || !SKILL_ID.test(id))
      fail(`skills[${i}].id`, 'must be "esco:<uuid>" or "onet:<slug>"');
    const at = `skills[${i}] (${id})`;
    if (ids.has(id)) fail(at, 'repeats an earlier id');
    ids.add(id);
    if (typeof item.name !== 'string' || item.name.trim() === '')
      fail(at, '.name must be a non-empty string');
    if (!SKILL_TYPES.has(item.type)) fail(at, '.type must be "knowledge", "skill" or "technology"');
    if (!isStringArray(item.altLabels)) fail(at, '.altLabels must be an array of strings');
    const { sources } = item;
    if (!Array.isArray(sources) || sources.length === 0 || !sources.every((s) => SKILL_SOURCES.has(s))) {
      fail(at, '.sources must be a non-empty array of "esco" / "onet"');
    }
    if (typeof item.hot !== 'boolean') fail(at, '.hot must be a boolean');
    if (typeof item.inDemand !== 'boolean') fail(at, '.inDemand must be a boolean');
    if (!isStringArray(item.related)) fail(at, '.related must be an array of ids');
  }
  // A second pass: a related id may point forward in the file.
  for (let i = 0; i < skills.length; i++) {
    const skill = skills[i] as OntologySkill;
    for (const rel of skill.related) {
      if (rel === skill.id) fail(`skills[${i}] (${skill.id})`, '.related lists the skill itself');
      if (!ids.has(rel))
        fail(`skills[${i}] (${skill.id})`, `.related has ${rel}, which is not in the ontology`);
    }
  }
  return json as unknown as Ontology;
}

export interface OntologyIndex {
  byId: Map<string, OntologySkill>;
}

/** Lookups over an ontology; build once and keep it with the ontology. */
export function ontologyIndex(ontology: Ontology): OntologyIndex {
  return { byId: new Map(ontology.skills.map((s) => [s.id, s])) };
}
