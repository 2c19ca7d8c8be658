import type { Embedder } from './embedder';
import type { Ontology, OntologySkill } from './ontology';
import type { VectorMetadata, VectorStore } from './vector-store';

/**
 * Embeds the skills ontology into a Chroma collection, one record per skill (id = skill id).
 *
 * Idempotent and resumable: every record carries the ontology version it was embedded from; a
 * batch whose records all exist with the current version is skipped without embedding, so a
 * second run writes nothing and an interrupted run continues where it stopped. Records of an older
 * ontology version are re-embedded; records of skills that are no longer in the ontology are
 * removed at the end. The collection metadata gets `ontology_version` when seeding completes.
 */

export const DEFAULT_SKILLS_COLLECTION = 'skills_ontology';

export interface SeedProgress {
  /** Skills looked at so far (written or skipped). */
  done: number;
  total: number;
  added: number;
  skipped: number;
}

export interface SeedOptions {
  ontology: Ontology;
  store: VectorStore;
  collectionName?: string;
  /** Skills embedded and written per step (default 500; Chroma batches are capped at 1000 by the store). */
  batchSize?: number;
  /** Delete the collection first (needed after changing the embedder). */
  reset?: boolean;
  onProgress?: (progress: SeedProgress) => void;
  /** Milliseconds, for `seconds` in the result (default `performance.now`). */
  clock?: () => number;
}

export interface SeedResult {
  total: number;
  /** Records written: new skills and skills embedded from an older ontology version. */
  added: number;
  /** Skills already stored for this ontology version. */
  skipped: number;
  /** Records of skills no longer in the ontology, deleted. */
  removed: number;
  seconds: number;
}

/**
 * The preferred label's share of a skill's vector; the alternative labels share the rest, however
 * many there are. A query that spells the name scores highest, one that spells an alias still
 * lands near, and a skill with 30 aliases is not drowned out by them.
 */
const NAME_WEIGHT = 0.6;
const ALT_WEIGHT = 0.4;

/** The stored document: the name, then the alternative labels ("Kubernetes; k8s; kube"). */
export function skillDocument(skill: OntologySkill): string {
  return [skill.name, ...skill.altLabels].join('; ');
}

export function skillMetadata(skill: OntologySkill, ontologyVersion: string): VectorMetadata {
  return {
    name: skill.name,
    type: skill.type,
    sources: skill.sources.join(','),
    hot: skill.hot,
    ontology_version: ontologyVersion,
  };
}

/**
 * One vector per skill: `NAME_WEIGHT * e(name) + ALT_WEIGHT * unit(sum of e(alt label))`, unit
 * length. Every label is embedded on its own (one `embed` call for the whole list).
 */
export async function embedSkills(embedder: Embedder, skills: OntologySkill[]): Promise<number[][]> {
  const texts: string[] = [];
  const spans: { name: number; alts: number; altCount: number }[] = [];
  for (const skill of skills) {
    const seen = new Set([skill.name.trim().toLowerCase()]);
    const alts = skill.altLabels.filter((label) => {
      const key = label.trim().toLowerCase();
      if (!key || seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    spans.push({ name: texts.length, alts: texts.length + 1, altCount: alts.length });
    texts.push(skill.name, ...alts);
  }
  const vectors = await embedder.embed(texts);
  return spans.map(({ name, alts, altCount }) => {
    const nameVector = vectors[name]!;
    if (altCount === 0) return unit([...nameVector]);
    const altSum = new Array<number>(nameVector.length).fill(0);
    for (let i = alts; i < alts + altCount; i++) {
      const v = vectors[i]!;
      for (let d = 0; d < v.length; d++) altSum[d]! += v[d]!;
    }
    const altUnit = unit(altSum);
    return unit(nameVector.map((x, d) => NAME_WEIGHT * x + ALT_WEIGHT * altUnit[d]!));
  });
}

function unit(vector: number[]): number[] {
  let norm = 0;
  for (const x of vector) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm === 0) return vector;
  for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
  return vector;
}

export async function seedOntology(options: SeedOptions): Promise<SeedResult> {
  const { ontology, store, onProgress } = options;
  const clock = options.clock ?? (() => performance.now());
  const started = clock();
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 500));
  const version = ontology.version;
  const skills = ontology.skills;
  const total = skills.length;

  const ids = new Set<string>();
  for (const skill of skills) {
    if (ids.has(skill.id)) throw new Error(`The ontology lists skill id ${skill.id} twice`);
    ids.add(skill.id);
  }

  const collection = store.collection(options.collectionName ?? DEFAULT_SKILLS_COLLECTION);
  await collection.ensure({ reset: options.reset ?? false });
  const before = await collection.metadata();
  if (before.ontology_version !== version || before.seed_status !== 'complete') {
    await collection.setMetadata({ seed_status: 'in_progress', seeding_ontology_version: version });
  }

  let added = 0;
  let skipped = 0;
  for (let start = 0; start < total; start += batchSize) {
    const batch = skills.slice(start, start + batchSize);
    const stored = await collection.get(batch.map((s) => s.id));
    const current = new Set(stored.filter((r) => r.metadata.ontology_version === version).map((r) => r.id));
    const todo = batch.filter((s) => !current.has(s.id));
    if (todo.length > 0) {
      const vectors = await embedSkills(store.embedder, todo);
      await collection.upsertVectors(
        todo.map((skill, i) => ({
          id: skill.id,
          vector: vectors[i]!,
          document: skillDocument(skill),
          metadata: skillMetadata(skill, version),
        })),
      );
    }
    added += todo.length;
    skipped += batch.length - todo.length;
    onProgress?.({ done: start + batch.length, total, added, skipped });
  }

  // Skills dropped from the ontology (their records still carry an older version).
  let removed = 0;
  for (;;) {
    const stale = await collection.findIds({ ontology_version: { $ne: version } }, 1000);
    if (stale.length === 0) break;
    await collection.delete(stale);
    removed += stale.length;
  }

  const unchanged = added === 0 && removed === 0 && before.seed_status === 'complete';
  if (!unchanged || before.ontology_version !== version) {
    await collection.setMetadata({
      ontology_version: version,
      seeding_ontology_version: version,
      seed_status: 'complete',
      skills: total,
    });
  }
  return { total, added, skipped, removed, seconds: (clock() - started) / 1000 };
}
