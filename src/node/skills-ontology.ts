import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ontology } from '../services/skills/ontology';
import { parseOntology } from '../services/skills/ontology-data';

/** The ontology the project ships (see data/NOTICE.md); built by scripts/derive-skills-ontology.ts. */
export const DEFAULT_ONTOLOGY_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../data/skills-ontology.json',
);

/**
 * Reads and validates a skills ontology file (a path relative to the working directory, or the shipped
 * one). Caches nothing: the caller keeps the result for as long as it needs it.
 */
export async function loadOntology(file: string = DEFAULT_ONTOLOGY_FILE): Promise<Ontology> {
  const resolved = path.resolve(file);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(resolved, 'utf8'));
  } catch (err) {
    throw new Error(`Cannot read the skills ontology ${resolved}: ${(err as Error).message}`, { cause: err });
  }
  try {
    return parseOntology(json);
  } catch (err) {
    throw new Error(`${resolved}: ${(err as Error).message}`, { cause: err });
  }
}
