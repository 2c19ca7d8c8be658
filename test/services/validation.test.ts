import { z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { currencyCodeInput, httpUrlInput } from '../../src/services/validation';
import { createTestApp } from './../support/app';
import { startAuth0StandIn } from '../support/auth0-standin';
import { createTestDatabase } from '../support/databases';

describe('shared input rules', () => {
  const currency = z.object({ currency: currencyCodeInput() });
  const url = z.object({ url: httpUrlInput() });

  it('takes ISO 4217 codes in any case and stores them in upper case', () => {
    expect(currency.parse({ currency: 'eur' })).toEqual({ currency: 'EUR' });
    expect(currency.parse({ currency: ' GBP ' })).toEqual({ currency: 'GBP' });
    expect(currency.parse({ currency: null })).toEqual({ currency: null });
  });

  it('refuses three letters that are no currency', () => {
    expect(currency.safeParse({ currency: 'wyB' }).success).toBe(false);
    expect(currency.safeParse({ currency: 'EURO' }).success).toBe(false);
  });

  it('takes http(s) URLs only', () => {
    expect(url.safeParse({ url: 'https://example.com/a' }).success).toBe(true);
    expect(url.safeParse({ url: 'ftp://example.com/a' }).success).toBe(false);
    expect(url.safeParse({ url: 'javascript:alert(1)' }).success).toBe(false);
  });
});

describe('what the OpenAPI document says of them', () => {
  it('publishes format, pattern and length for URLs, a pattern for currencies, and the chat models', async () => {
    const auth0 = await startAuth0StandIn();
    const db = await createTestDatabase('libsql');
    try {
      const app = createTestApp({ database: db.database, auth0 });
      const doc = (await (await app.request('/openapi.json')).json()) as {
        components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>> }> };
      };
      const { schemas } = doc.components;
      const uri = { format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', maxLength: 2048 };
      expect(schemas.ContactProfileUpdate?.properties.website_url).toMatchObject(uri);
      expect(schemas.JobInput?.properties.url).toMatchObject(uri);
      expect(schemas.JobInput?.properties.currency).toMatchObject({ pattern: '^[A-Za-z]{3}$' });
      // Chat models: the configured ones (DEEPSEEK_MODELS), as an enum.
      expect(schemas.ChatRequest?.properties.model).toMatchObject({
        enum: ['deepseek-chat', 'deepseek-reasoner'],
      });
    } finally {
      await db.dispose();
      await auth0.close();
    }
  });
});
