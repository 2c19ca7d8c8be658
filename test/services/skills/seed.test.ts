import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createHashingEmbedder, type Embedder } from '../../../src/services/skills/embedder';
import type { Ontology, OntologySkill, SkillType } from '../../../src/services/skills/ontology';
import {
  embedSkills,
  type SeedProgress,
  seedOntology,
  skillDocument,
} from '../../../src/services/skills/seed';
import { createVectorStore } from '../../../src/services/skills/vector-store';

/** The run's Chroma, started once by test/support/global-setup.ts. */
const chromaUrl = inject('chroma');
const uniqueName = (label: string) => `t-seed-${label}-${randomUUID().slice(0, 8)}`;

/** [name, type, alt labels, hot] */
const rows: [string, SkillType, string[], boolean][] = [
  ['JavaScript', 'technology', ['JS', 'ECMAScript'], true],
  ['TypeScript', 'technology', ['TS'], true],
  ['Java', 'technology', ['Java SE', 'Java programming'], true],
  ['Node.js', 'technology', ['NodeJS', 'Node'], true],
  ['Python', 'technology', ['Python programming'], true],
  ['Kubernetes', 'technology', ['k8s', 'kube'], true],
  ['Docker', 'technology', ['Docker containers'], true],
  ['PostgreSQL', 'technology', ['Postgres', 'psql'], true],
  ['MySQL', 'technology', [], true],
  ['Microsoft SQL Server', 'technology', ['MSSQL', 'SQL Server'], true],
  ['React', 'technology', ['React.js', 'ReactJS'], true],
  ['Angular', 'technology', ['AngularJS'], false],
  ['Amazon Web Services', 'technology', ['AWS'], true],
  ['Microsoft Azure', 'technology', ['Azure'], true],
  ['Git', 'technology', ['version control with Git'], true],
  ['Jenkins', 'technology', [], false],
  ['Terraform', 'technology', [], true],
  ['Ansible', 'technology', [], false],
  ['Linux', 'technology', ['GNU/Linux'], true],
  ['Microsoft Excel', 'technology', ['Excel', 'spreadsheets'], true],
  ['Salesforce', 'technology', ['Salesforce CRM'], true],
  ['SAP', 'technology', ['SAP ERP'], true],
  ['Tableau', 'technology', [], true],
  ['Kotlin', 'technology', [], false],
  ['Kibana', 'technology', [], false],
  ['Go', 'technology', ['Golang'], true],
  ['C++', 'technology', ['CPP'], true],
  ['C#', 'technology', ['C sharp'], true],
  ['Ruby on Rails', 'technology', ['Rails', 'RoR'], false],
  ['GraphQL', 'technology', [], false],
  ['manage projects', 'skill', ['project management', 'coordinate projects', 'run projects'], false],
  ['machine learning', 'knowledge', ['ML', 'statistical learning'], false],
  ['use spreadsheets software', 'skill', ['work with spreadsheets'], false],
  ['provide customer service', 'skill', ['customer service', 'customer care', 'client service'], false],
  ['weld metal', 'skill', ['welding', 'arc welding'], false],
  ['negotiate contracts', 'skill', ['contract negotiation'], false],
  ['write technical documentation', 'skill', ['technical writing', 'documentation writing'], false],
  ['perform data analysis', 'skill', ['data analysis', 'analyse data', 'data analytics'], false],
  ['network security', 'knowledge', ['cyber security', 'information security'], false],
  ['accounting', 'knowledge', ['bookkeeping', 'financial accounting'], false],
  ['lead a team', 'skill', ['team leadership', 'manage teams', 'supervise staff'], false],
  ['cook meals', 'skill', ['cooking', 'prepare food'], false],
  ['drive vehicles', 'skill', ['driving'], false],
  ['speak Spanish', 'skill', ['Spanish', 'español'], false],
  ['résumé writing', 'skill', ['CV writing'], false],
  ['scrum', 'knowledge', ['Scrum methodology', 'agile scrum'], false],
  ['agile project management', 'knowledge', ['agile'], false],
  ['database design', 'knowledge', ['data modelling', 'schema design'], false],
  ['user experience design', 'knowledge', ['UX design', 'UX'], false],
  ['search engine optimisation', 'skill', ['SEO'], false],
];

function ontology(version = 'test-1', from = rows): Ontology {
  const skills: OntologySkill[] = from.map(([name, type, altLabels, hot]) => ({
    id: `test:${name.toLowerCase().replace(/[^a-z0-9+#]+/g, '-')}`,
    name,
    type,
    altLabels,
    sources: type === 'technology' ? ['onet'] : ['esco'],
    hot,
    inDemand: hot,
    related: [],
  }));
  return { version, attribution: ['test'], skills, occupations: [], onetOccupations: [], lemmas: {} };
}

/** The hashing embedder, counting the texts it embeds and optionally failing on a given call. */
function countingEmbedder(failOnCall?: number) {
  const inner = createHashingEmbedder();
  const stats = { calls: 0, texts: 0 };
  const embedder: Embedder = {
    name: inner.name,
    dimension: inner.dimension,
    async embed(texts) {
      stats.calls++;
      if (stats.calls === failOnCall) throw new Error('simulated crash');
      stats.texts += texts.length;
      return inner.embed(texts);
    },
  };
  return { embedder, stats };
}

describe('seeding the ontology into Chroma', () => {
  const onto = ontology();
  const total = onto.skills.length;

  it('is idempotent: a second run embeds and adds nothing', async () => {
    const collectionName = uniqueName('twice');
    const { embedder, stats } = countingEmbedder();
    const store = createVectorStore({ url: chromaUrl, embedder });
    const progress: SeedProgress[] = [];

    const first = await seedOntology({
      ontology: onto,
      store,
      collectionName,
      batchSize: 20,
      onProgress: (p) => progress.push(p),
    });
    expect(first).toMatchObject({ total, added: total, skipped: 0, removed: 0 });
    expect(first.seconds).toBeGreaterThan(0);
    expect(progress.map((p) => p.done)).toEqual([20, 40, total]);
    const collection = store.collection(collectionName);
    expect(await collection.count()).toBe(total);
    expect(await collection.metadata()).toMatchObject({
      embedder: 'hashing-ngram-v1-384',
      dimension: 384,
      ontology_version: 'test-1',
      seed_status: 'complete',
    });
    const [k8s] = await collection.get(['test:kubernetes']);
    expect(k8s).toEqual({
      id: 'test:kubernetes',
      document: 'Kubernetes; k8s; kube',
      metadata: {
        name: 'Kubernetes',
        type: 'technology',
        sources: 'onet',
        hot: true,
        ontology_version: 'test-1',
      },
    });

    const embedded = stats.texts;
    const second = await seedOntology({ ontology: onto, store, collectionName, batchSize: 20 });
    expect(second).toMatchObject({ total, added: 0, skipped: total, removed: 0 });
    expect(stats.texts).toBe(embedded);
    expect(await collection.count()).toBe(total);
  });

  it('resumes an interrupted run where it stopped', async () => {
    const collectionName = uniqueName('resume');
    const crashing = countingEmbedder(3);
    const crashingStore = createVectorStore({ url: chromaUrl, embedder: crashing.embedder });
    await expect(
      seedOntology({ ontology: onto, store: crashingStore, collectionName, batchSize: 10 }),
    ).rejects.toThrow(/simulated crash/);
    const collection = crashingStore.collection(collectionName);
    expect(await collection.count()).toBe(20);
    expect(await collection.metadata()).toMatchObject({ seed_status: 'in_progress' });
    expect((await collection.metadata()).ontology_version).toBeUndefined();

    const { embedder, stats } = countingEmbedder();
    const store = createVectorStore({ url: chromaUrl, embedder });
    const resumed = await seedOntology({ ontology: onto, store, collectionName, batchSize: 10 });
    expect(resumed).toMatchObject({ total, added: total - 20, skipped: 20 });
    // Only the missing skills were embedded (each is its name plus its alternative labels).
    const missing = onto.skills.slice(20);
    expect(stats.texts).toBe(missing.reduce((n, s) => n + 1 + s.altLabels.length, 0));
    expect(await collection.count()).toBe(total);
    expect(await collection.metadata()).toMatchObject({
      ontology_version: 'test-1',
      seed_status: 'complete',
    });
  });

  it('re-embeds for a new ontology version and drops skills that left it', async () => {
    const collectionName = uniqueName('version');
    const store = createVectorStore({ url: chromaUrl, embedder: createHashingEmbedder() });
    await seedOntology({ ontology: onto, store, collectionName });

    const next = ontology('test-2', [...rows.slice(1), ['Rust', 'technology', ['Rust programming'], true]]);
    const result = await seedOntology({ ontology: next, store, collectionName });
    expect(result).toMatchObject({ total, added: total, skipped: 0, removed: 1 });
    const collection = store.collection(collectionName);
    expect(await collection.count()).toBe(total);
    expect(await collection.getExistingIds(['test:javascript', 'test:rust'])).toEqual(new Set(['test:rust']));
    expect((await collection.metadata()).ontology_version).toBe('test-2');

    // --reset starts over.
    const reset = await seedOntology({ ontology: next, store, collectionName, reset: true });
    expect(reset).toMatchObject({ added: total, skipped: 0 });
  });

  describe('search through the store', () => {
    const store = createVectorStore({ url: chromaUrl, embedder: createHashingEmbedder() });
    const collectionName = uniqueName('search');
    const top = async (query: string, k = 3) => {
      const [matches] = await store.collection(collectionName).query([query], { k });
      return matches!.map((m) => m.metadata.name);
    };

    it('finds skills by spacing variants, typos and alternative labels', async () => {
      await seedOntology({ ontology: onto, store, collectionName });
      expect((await top('JavaScript', 1))[0]).toBe('JavaScript');
      expect((await top('java script'))[0]).toBe('JavaScript');
      expect((await top('kubernets'))[0]).toBe('Kubernetes');
      expect(await top('javascirpt')).toContain('JavaScript');
      expect(await top('k8s')).toContain('Kubernetes');
      expect(await top('postgres')).toContain('PostgreSQL');
      expect(await top('project management')).toContain('manage projects');
      expect(await top('customer care')).toContain('provide customer service');
      expect(await top('resume writing')).toContain('résumé writing');
      // "JS" is two letters: only the alias "JS" links it to JavaScript (Node.js shares the word).
      expect(await top('JS')).toContain('JavaScript');
    });

    it('filters by metadata', async () => {
      const [matches] = await store
        .collection(collectionName)
        .query(['java script'], { k: 5, where: { type: 'skill' } });
      expect(matches!.every((m) => m.metadata.type === 'skill')).toBe(true);
    });
  });

  it('weights the name above the alternative labels', async () => {
    const embedder = createHashingEmbedder();
    const skill = onto.skills.find((s) => s.name === 'manage projects')!;
    const [vector] = await embedSkills(embedder, [skill]);
    const [name, alt] = await embedder.embed(['manage projects', 'coordinate projects']);
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    expect(dot(vector!, name!)).toBeGreaterThan(dot(vector!, alt!));
    expect(skillDocument(skill)).toBe(
      'manage projects; project management; coordinate projects; run projects',
    );
  });

  it('refuses an ontology that lists an id twice', async () => {
    const store = createVectorStore({ url: chromaUrl, embedder: createHashingEmbedder() });
    const twice = ontology();
    twice.skills.push({ ...twice.skills[0]! });
    await expect(seedOntology({ ontology: twice, store, collectionName: uniqueName('dup') })).rejects.toThrow(
      /lists skill id test:javascript twice/,
    );
  });
});
