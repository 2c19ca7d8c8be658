import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { issueDetails } from '../src/openapi';

describe('validation details', () => {
  it('say a field is required or of the wrong type in the API’s own words (requests and import rows alike)', () => {
    const schema = z.object({
      title: z.string(),
      count: z.number(),
      remote: z.boolean(),
      tags: z.array(z.string()),
    });
    const parsed = schema.safeParse({ count: 'x', remote: 'yes', tags: {} });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect({ ...issueDetails(parsed.error) }).toEqual({
      title: ['is required'],
      count: ['must be a number'],
      remote: ['must be true or false'],
      tags: ['must be a list'],
    });
  });

  it('keep the messages the schemas give', () => {
    const parsed = z
      .object({ kind: z.enum(['a', 'b'], { error: 'must be a or b' }) })
      .safeParse({ kind: 'c' });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect({ ...issueDetails(parsed.error) }).toEqual({ kind: ['must be a or b'] });
  });
});
