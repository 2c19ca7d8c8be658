import { describe, expect, it } from 'vitest';
import type { JobSkill } from '../../../src/db/skills';
import { cosine } from '../../../src/services/skills/embedder';
import {
  createSkillBagEmbedder,
  RELATED_CREDIT,
  scoreMatch,
  skillBagDocument,
} from '../../../src/services/skills/match';

// ---------------------------------------------------------------------------------------------
// Helpers

const job = (id: string, weight = 1): JobSkill => ({
  skillId: id,
  name: `Skill ${id}`,
  type: 'skill',
  weight,
});
const has = (...ids: string[]) => ids.map((id) => ({ skillId: id, name: `Skill ${id}` }));
const noRelations = (): readonly string[] => [];
/** A relation table, read one way only (as the ontology lists it): `relations({ a: ['b'] })('a')` is `['b']`. */
const relations =
  (table: Record<string, string[]>) =>
  (id: string): readonly string[] =>
    table[id] ?? [];

/** mulberry32: a small seeded PRNG, so the random cases are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const norm = (v: readonly number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

// ---------------------------------------------------------------------------------------------
// scoreMatch

describe('scoreMatch', () => {
  it('scores 100 when the resume shows every job skill and more', () => {
    const result = scoreMatch(
      [job('a', 1), job('b', 0.5), job('c', 0.8)],
      has('x', 'c', 'a', 'y', 'b'),
      noRelations,
    );
    expect(result.score).toBe(100);
    expect(result.missing).toEqual([]);
    expect(result.matched.map((m) => [m.id, m.match])).toEqual([
      ['a', 'exact'],
      ['b', 'exact'],
      ['c', 'exact'],
    ]);
  });

  it('scores 0 when the resume shows none of the job skills nor a related one', () => {
    const result = scoreMatch([job('a'), job('b')], has('x', 'y'), relations({ a: ['z'], x: ['w'] }));
    expect(result).toMatchObject({ score: 0, matched: [], resumeCoverage: 0 });
    expect(result.missing).toEqual([
      { id: 'a', name: 'Skill a', type: 'skill' },
      { id: 'b', name: 'Skill b', type: 'skill' },
    ]);
  });

  it('scores a job without skills 0, with empty lists', () => {
    expect(scoreMatch([], has('a', 'b'), noRelations)).toEqual({
      score: 0,
      resumeCoverage: 0,
      matched: [],
      missing: [],
    });
  });

  it('gives half credit for a related skill, but the job skill stays missing, with the related one as closest', () => {
    const result = scoreMatch([job('a')], has('b'), relations({ a: ['b'] }));
    expect(RELATED_CREDIT).toBe(0.5);
    expect(result.score).toBe(50);
    expect(result.matched).toEqual([]);
    expect(result.missing).toEqual([
      { id: 'a', name: 'Skill a', type: 'skill', closest: { id: 'b', name: 'Skill b' } },
    ]);
  });

  it('gives the same half credit when the relation is listed the other way (on the resume skill)', () => {
    const result = scoreMatch([job('a')], has('b'), relations({ b: ['a'] }));
    expect(result.score).toBe(50);
    expect(result.missing).toEqual([
      { id: 'a', name: 'Skill a', type: 'skill', closest: { id: 'b', name: 'Skill b' } },
    ]);
  });

  it('never reports Kubernetes as matched for a resume with Docker: it is missing, closest Docker', () => {
    const result = scoreMatch(
      [job('python'), job('kubernetes')],
      has('python', 'sql', 'docker'),
      relations({ kubernetes: ['docker'] }),
    );
    expect(result.matched.map((s) => s.id)).toEqual(['python']);
    expect(result.missing).toEqual([
      {
        id: 'kubernetes',
        name: 'Skill kubernetes',
        type: 'skill',
        closest: { id: 'docker', name: 'Skill docker' },
      },
    ]);
    expect(result.score).toBe(75);
  });

  it('prefers an exact match to a related one', () => {
    const result = scoreMatch([job('a')], has('b', 'a'), relations({ a: ['b'] }));
    expect(result.score).toBe(100);
    expect(result.matched).toEqual([{ id: 'a', name: 'Skill a', type: 'skill', match: 'exact' }]);
  });

  it('weighs the skills: a heavy missing skill costs more than a light one', () => {
    const skills = [job('heavy', 1), job('light', 0.2), job('other', 0.5)];
    const withoutHeavy = scoreMatch(skills, has('light', 'other'), noRelations).score;
    const withoutLight = scoreMatch(skills, has('heavy', 'other'), noRelations).score;
    expect(withoutHeavy).toBe(Math.round((100 * 0.7) / 1.7));
    expect(withoutLight).toBe(Math.round((100 * 1.5) / 1.7));
    expect(withoutHeavy).toBeLessThan(withoutLight);
  });

  it('never scores lower when a skill is added to the resume (2,000 seeded random cases)', () => {
    const random = prng(20240611);
    const universe = Array.from({ length: 24 }, (_, i) => `s${i}`);
    const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
    const subset = (p: number) => universe.filter(() => random() < p);
    let raised = 0;
    for (let n = 0; n < 2000; n++) {
      const table: Record<string, string[]> = {};
      for (const id of universe) table[id] = subset(0.08).filter((other) => other !== id);
      const related = relations(table);
      const jobSkills = subset(0.3).map((id) => job(id, Math.round(random() * 1000) / 1000));
      const resume = subset(0.25);
      const added = pick(universe);
      const before = scoreMatch(jobSkills, has(...resume), related);
      const after = scoreMatch(jobSkills, has(...resume, added), related);
      expect(
        after.score,
        `case ${n}: job ${JSON.stringify(jobSkills)}, resume ${resume}, added ${added}`,
      ).toBeGreaterThanOrEqual(before.score);
      if (after.score > before.score) raised++;
    }
    // The cases are not all trivial: adding a skill often does raise the score.
    expect(raised).toBeGreaterThan(200);
  });
});

// ---------------------------------------------------------------------------------------------
// The skill-bag embedder (recommendation candidates)

describe('createSkillBagEmbedder', () => {
  const embedder = createSkillBagEmbedder();
  const bag = (...ids: string[]) =>
    skillBagDocument(ids.map((id, i) => ({ skillId: id, weight: 1 - i * 0.1 })));
  const software = bag('onet:python', 'onet:react', 'onet:docker', 'onet:kubernetes', 'onet:git');
  const nursing = bag('esco:wound-care', 'esco:vital-signs', 'esco:medication', 'esco:patient-records');

  it('makes unit-length vectors of its dimension', async () => {
    const vectors = await embedder.embed([software, nursing, bag('onet:linux')]);
    for (const v of vectors) {
      expect(v).toHaveLength(embedder.dimension);
      expect(norm(v)).toBeCloseTo(1, 10);
    }
  });

  it('gives identical bags cosine 1, whatever the order of their lines', async () => {
    const lines = software.split('\n');
    const [a, b] = await embedder.embed([software, [...lines].reverse().join('\n')]);
    expect(cosine(a!, b!)).toBeCloseTo(1, 10);
  });

  it('puts disjoint bags near 0', async () => {
    const [a, b] = await embedder.embed([software, nursing]);
    expect(Math.abs(cosine(a!, b!))).toBeLessThan(0.1);

    // And on average over many random disjoint bags of ten skills.
    const random = prng(7);
    const randomBag = (prefix: string) =>
      skillBagDocument(
        Array.from({ length: 10 }, (_, i) => ({
          skillId: `${prefix}:${i}-${Math.floor(random() * 1e9)}`,
          weight: 0.5 + random() / 2,
        })),
      );
    let sum = 0;
    for (let n = 0; n < 200; n++) {
      const [x, y] = await embedder.embed([randomBag('esco'), randomBag('onet')]);
      sum += Math.abs(cosine(x!, y!));
    }
    expect(sum / 200).toBeLessThan(0.1);
  });

  it('ranks a bag sharing more skills nearer', async () => {
    const [resume, close, far] = await embedder.embed([
      software,
      bag('onet:python', 'onet:react', 'onet:docker', 'esco:wound-care'),
      bag('onet:python', 'esco:vital-signs', 'esco:medication', 'esco:wound-care'),
    ]);
    expect(cosine(resume!, close!)).toBeGreaterThan(cosine(resume!, far!));
  });

  it('is deterministic: the same vectors from another instance, run after run', async () => {
    const first = await embedder.embed([software, nursing]);
    const again = await createSkillBagEmbedder().embed([software, nursing]);
    expect(again).toEqual(first);
    expect(createSkillBagEmbedder().name).toBe(embedder.name);
  });
});
