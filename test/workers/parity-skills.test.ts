import { describe, expect, it } from 'vitest';
import { api, expectError, expectJson, where } from './helpers';

/**
 * Skill search against the project's Chroma (its `skills_ontology` collection, seeded by global
 * setup with a subset of the ontology). Match and recommended are in parity-jobs.test.ts, the one
 * file that creates jobs.
 */

interface SearchBody {
  skills: { id: string; name: string; type: string; score: number }[];
}

describe(`skill search on ${where} with Chroma`, () => {
  it.each([
    ['python', 'Python (computer programming)'],
    ['kubernetes', 'Kubernetes'],
    ['javascript', 'JavaScript'],
    ['react', 'React'],
    ['docker', 'Docker'],
    ['sql', 'SQL'],
  ])('GET /api/skills/search?q=%s answers %s first', async (q, name) => {
    const body = await expectJson<SearchBody>(
      await api(`/api/skills/search?q=${q}&limit=5`, { as: 'skills' }),
      200,
    );
    expect(body.skills.length).toBeGreaterThan(0);
    expect(body.skills.length).toBeLessThanOrEqual(5);
    expect(body.skills[0]).toMatchObject({ name, type: 'technology' });
    for (const hit of body.skills) {
      expect(Object.keys(hit).sort()).toEqual(['id', 'name', 'score', 'type']);
      expect(hit.id).toMatch(/^(esco|onet):/);
    }
    const scores = body.skills.map((s) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('answers 10 hits by default', async () => {
    const body = await expectJson<SearchBody>(
      await api('/api/skills/search?q=programming', { as: 'skills' }),
      200,
    );
    expect(body.skills).toHaveLength(10);
  });

  it.each([
    ['no q', ''],
    ['an empty q', 'q=%20'],
    ['limit 0', 'q=python&limit=0'],
    ['limit 51', 'q=python&limit=51'],
    ['a q over 200 characters', `q=${'a'.repeat(201)}`],
  ])('400 validation_error for %s', async (_name, query) => {
    await expectError(await api(`/api/skills/search?${query}`, { as: 'skills' }), 400, 'validation_error');
  });

  it('needs a token', async () => {
    await expectError(await api('/api/skills/search?q=python'), 401, 'missing_or_invalid_authorization');
  });
});
