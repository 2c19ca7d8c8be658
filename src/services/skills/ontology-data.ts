import type { Ontology, OntologySkill } from './ontology';

/**
 * Reading the skills ontology (data/skills-ontology.json) without any runtime API, so Node and Workers
 * share it. The file has 20k+ skills, 3k occupations with 120k skill references and a lemma table of
 * 20k+ entries, and is read once per process: the checks are plain loops (no schema library per
 * record) and take a few milliseconds.
 */

const SKILL_TYPES: ReadonlySet<unknown> = new Set(['knowledge', 'skill', 'technology']);
const SKILL_SOURCES: ReadonlySet<unknown> = new Set(['esco', 'onet']);
const SKILL_ID = /^(esco|onet):[a-z0-9][a-z0-9-]*$/;
const OCCUPATION_ID = /^esco:[a-z0-9][a-z0-9-]*$/;
const ONET_CODE = /^[0-9]{2}-[0-9]{4}\.[0-9]{2}$/;
const ISCO_GROUP = /^[0-9]{4}$/;

function fail(where: string, problem: string): never {
  throw new Error(`Invalid skills ontology: ${where} ${problem}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isSourceList(values: unknown[]): boolean {
  for (let k = 0; k < values.length; k++) if (!SKILL_SOURCES.has(values[k])) return false;
  return true;
}

function isStringArray(value: unknown): value is string[] {
  if (!Array.isArray(value)) return false;
  for (const item of value) if (typeof item !== 'string') return false;
  return true;
}

/**
 * How an error names a record: `skills[12] (esco:...)`. Built only when a check fails: allocating it
 * for each of the 25k records would make the parse trigger garbage collections, which are slow right
 * after JSON.parse has filled the young generation.
 */
function recordName(list: string, i: number, key: unknown): string {
  return `${list}[${i}] (${String(key)})`;
}

/** Checks that `record[field]` is an array of ids of skills in `ids`. */
function checkSkillIds(
  list: string,
  i: number,
  record: Record<string, unknown>,
  key: string,
  field: string,
  ids: ReadonlySet<string>,
) {
  const value = record[field];
  if (!Array.isArray(value)) fail(recordName(list, i, key), `.${field} must be an array of skill ids`);
  for (let k = 0; k < value.length; k++) {
    const id: unknown = value[k];
    if (typeof id !== 'string') fail(recordName(list, i, key), `.${field} must be an array of skill ids`);
    if (!ids.has(id)) fail(recordName(list, i, key), `.${field} has ${id}, which is not in the ontology`);
  }
}

/**
 * Checks that `json` (the parsed file) is an ontology and returns it typed. Throws an Error naming the
 * first bad record (`skills[12] (esco:...)`, `occupations[3] (esco:...)`) and what is wrong with it.
 * Besides each record's shape it checks what consumers rely on: ids and codes are unique, every
 * `related`, `essential`, `optional` and `technologies` id is a skill in the file, every `onet` code an
 * O*NET occupation in the file, and `lemmas` maps strings to strings (it is given a null prototype, so
 * `lemmas[word]` is a safe lookup for any word).
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
    if (ids.has(id)) fail(recordName('skills', i, id), 'repeats an earlier id');
    ids.add(id);
    if (typeof item.name !== 'string' || item.name.trim() === '')
      fail(recordName('skills', i, id), '.name must be a non-empty string');
    if (!SKILL_TYPES.has(item.type))
      fail(recordName('skills', i, id), '.type must be "knowledge", "skill" or "technology"');
    if (!isStringArray(item.altLabels))
      fail(recordName('skills', i, id), '.altLabels must be an array of strings');
    const { sources } = item;
    if (!Array.isArray(sources) || sources.length === 0 || !isSourceList(sources)) {
      fail(recordName('skills', i, id), '.sources must be a non-empty array of "esco" / "onet"');
    }
    if (typeof item.hot !== 'boolean') fail(recordName('skills', i, id), '.hot must be a boolean');
    if (typeof item.inDemand !== 'boolean') fail(recordName('skills', i, id), '.inDemand must be a boolean');
    if (!isStringArray(item.related)) fail(recordName('skills', i, id), '.related must be an array of ids');
  }
  // A second pass: a related id may point forward in the file.
  for (let i = 0; i < skills.length; i++) {
    const skill = skills[i] as OntologySkill;
    for (const rel of skill.related) {
      if (rel === skill.id) fail(recordName('skills', i, skill.id), '.related lists the skill itself');
      if (!ids.has(rel))
        fail(recordName('skills', i, skill.id), `.related has ${rel}, which is not in the ontology`);
    }
  }

  const onetOccupations = json.onetOccupations;
  if (!Array.isArray(onetOccupations)) fail('"onetOccupations"', 'must be an array');
  const codes = new Set<string>();
  for (let i = 0; i < onetOccupations.length; i++) {
    const item: unknown = onetOccupations[i];
    if (!isRecord(item)) fail(`onetOccupations[${i}]`, 'must be an object');
    const { code } = item;
    if (typeof code !== 'string' || !ONET_CODE.test(code))
      fail(`onetOccupations[${i}].code`, 'must be an O*NET-SOC code ("47-2152.00")');
    if (codes.has(code)) fail(recordName('onetOccupations', i, code), 'repeats an earlier code');
    codes.add(code);
    if (typeof item.title !== 'string' || item.title.trim() === '')
      fail(recordName('onetOccupations', i, code), '.title must be a non-empty string');
    if (!isStringArray(item.altTitles))
      fail(recordName('onetOccupations', i, code), '.altTitles must be an array of strings');
    checkSkillIds('onetOccupations', i, item, code, 'technologies', ids);
  }

  const occupations = json.occupations;
  if (!Array.isArray(occupations)) fail('"occupations"', 'must be an array');
  const occupationIds = new Set<string>();
  for (let i = 0; i < occupations.length; i++) {
    const item: unknown = occupations[i];
    if (!isRecord(item)) fail(`occupations[${i}]`, 'must be an object');
    const { id } = item;
    if (typeof id !== 'string' || !OCCUPATION_ID.test(id))
      fail(`occupations[${i}].id`, 'must be "esco:<uuid>"');
    if (occupationIds.has(id)) fail(recordName('occupations', i, id), 'repeats an earlier id');
    occupationIds.add(id);
    if (typeof item.title !== 'string' || item.title.trim() === '')
      fail(recordName('occupations', i, id), '.title must be a non-empty string');
    if (!isStringArray(item.altTitles))
      fail(recordName('occupations', i, id), '.altTitles must be an array of strings');
    if (typeof item.isco !== 'string' || !ISCO_GROUP.test(item.isco))
      fail(recordName('occupations', i, id), '.isco must be an ISCO-08 unit group (4 digits)');
    checkSkillIds('occupations', i, item, id, 'essential', ids);
    checkSkillIds('occupations', i, item, id, 'optional', ids);
    const { onet } = item;
    if (!isStringArray(onet))
      fail(recordName('occupations', i, id), '.onet must be an array of O*NET-SOC codes');
    for (const c of onet) {
      if (!codes.has(c))
        fail(recordName('occupations', i, id), `.onet has ${c}, which is not in "onetOccupations"`);
    }
  }

  const { lemmas } = json;
  if (!isRecord(lemmas)) fail('"lemmas"', 'must be an object');
  // Without a prototype, so that a lookup `lemmas[word]` of "constructor" or "toString" finds nothing.
  Object.setPrototypeOf(lemmas, null);
  const forms = Object.keys(lemmas);
  for (let i = 0; i < forms.length; i++) {
    const form = forms[i] as string;
    if (typeof lemmas[form] !== 'string') fail(`lemmas[${JSON.stringify(form)}]`, 'must be a string');
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
