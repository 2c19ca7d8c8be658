import { describe, expect, it } from 'vitest';
import { api, expectError, expectJson, where } from './helpers';

/** The contact profile: GET/PUT and the validation errors. One user, tests in order. */
describe(`contact profile on ${where}`, () => {
  const put = (json: unknown) => api('/api/profile', { method: 'PUT', as: 'profile', json });
  const get = async () =>
    expectJson<Record<string, unknown>>(await api('/api/profile', { as: 'profile' }), 200);

  it('GET answers every field as null before anything is set', async () => {
    expect(await get()).toEqual({
      full_name: null,
      email: null,
      phone: null,
      location: null,
      headline: null,
      summary: null,
      linkedin_url: null,
      github_url: null,
      website_url: null,
      updated_at: null,
    });
  });

  it('PUT sets some fields and returns the whole profile; GET reads it back', async () => {
    const body = await expectJson<Record<string, unknown>>(
      await put({
        full_name: 'Pat Profile',
        phone: '+351 912 345 678',
        headline: 'Nurse',
        linkedin_url: 'https://www.linkedin.com/in/pat',
      }),
      200,
    );
    expect(body).toMatchObject({
      full_name: 'Pat Profile',
      phone: '+351 912 345 678',
      headline: 'Nurse',
      linkedin_url: 'https://www.linkedin.com/in/pat',
      email: null,
      location: null,
    });
    expect(typeof body.updated_at).toBe('string');
    expect(await get()).toEqual(body);
  });

  it('PUT keeps omitted fields and clears fields sent as null', async () => {
    const body = await expectJson(await put({ headline: null, location: 'Lisbon' }), 200);
    expect(body).toMatchObject({
      full_name: 'Pat Profile',
      phone: '+351 912 345 678',
      headline: null,
      location: 'Lisbon',
    });
  });

  it.each([
    ['a non-http URL', { website_url: 'javascript:alert(1)' }, 'website_url'],
    ['an unknown field', { favourite_colour: 'blue' }, 'favourite_colour'],
    ['updated_at', { updated_at: '2020-01-01T00:00:00Z' }, 'updated_at'],
    ['a bad email', { email: 'nope' }, 'email'],
  ])('PUT answers 400 validation_error for %s and stores nothing', async (_name, bad, field) => {
    const error = await expectError(await put({ full_name: 'Changed', ...bad }), 400, 'validation_error');
    expect(Object.keys(error.details ?? {})).toContain(field);
    expect(await get()).toMatchObject({ full_name: 'Pat Profile' });
  });

  it('PUT answers 400 validation_error for malformed JSON', async () => {
    await expectError(await put('{"full_name": '), 400, 'validation_error');
  });

  it('needs a token', async () => {
    await expectError(await api('/api/profile'), 401, 'missing_or_invalid_authorization');
    await expectError(
      await api('/api/profile', { method: 'PUT', json: { full_name: 'x' } }),
      401,
      'missing_or_invalid_authorization',
    );
  });
});
