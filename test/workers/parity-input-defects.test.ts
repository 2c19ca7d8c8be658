import { describe, expect, it } from 'vitest';
import { api, expectError, expectJson, where } from './helpers';

/** Ids in other notations, JavaScript's object-machinery keys and NUL characters, inside workerd. */
describe(`input defects on ${where}`, () => {
  it.each(['0x10', '1e1', '%2016', '016', '-1'])('GET /api/jobs/%s is a 400 naming the id', async (id) => {
    const body = await expectError(await api(`/api/jobs/${id}`, { as: 'defects' }), 400, 'validation_error');
    expect(Object.keys(body.details ?? {})).toEqual(['id']);
  });

  it('resume and conversation ids must be UUIDs', async () => {
    await expectError(await api('/api/resumes/not-a-uuid', { as: 'defects' }), 400, 'validation_error');
    await expectError(await api('/api/conversations/42', { as: 'defects' }), 400, 'validation_error');
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'PUT /api/profile with %s is an unknown field',
    async (key) => {
      const body = await expectError(
        await api('/api/profile', {
          method: 'PUT',
          as: 'defects',
          json: `{"headline":"x","${key}":{"a":1}}`,
        }),
        400,
        'validation_error',
      );
      expect(body.details?.[key]).toEqual(['is not a known field']);
    },
  );

  it('a NUL character is a 400 naming the field, and nothing is stored', async () => {
    const body = await expectError(
      await api('/api/profile', { method: 'PUT', as: 'defects', json: { full_name: 'Ana\u0000Lima' } }),
      400,
      'validation_error',
    );
    expect(body.details?.full_name).toEqual(['must not contain NUL (\\u0000) characters']);
    await expectError(await api('/api/jobs?q=we%00lder', { as: 'defects' }), 400, 'validation_error');
    const profile = await expectJson<{ full_name: string | null }>(
      await api('/api/profile', { as: 'defects' }),
      200,
    );
    expect(profile.full_name).toBeNull();
  });
});
