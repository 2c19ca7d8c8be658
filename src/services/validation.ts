import { z } from '@hono/zod-openapi';

/**
 * Input rules shared by more than one resource, each written once, with the OpenAPI keywords that
 * say exactly what they take (the document is built from these same schemas).
 */

/** An http(s) URL of at most 2,048 characters; `null` clears the field. */
export const httpUrlInput = () =>
  z
    .string()
    .trim()
    .max(2048)
    .pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }))
    .openapi({ format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', maxLength: 2048 })
    .nullable()
    .optional();

/**
 * ISO 4217 codes as the runtime's ICU knows them (Node and workerd both ship it); without
 * `Intl.supportedValuesOf`, three letters.
 */
const currencies: readonly string[] =
  typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('currency') : [];

/** A currency code, in any case, stored in upper case (`eur` -> `EUR`); `null` clears it. */
export const currencyCodeInput = () =>
  z
    .string()
    .trim()
    .regex(/^[A-Za-z]{3}$/, 'must be a three-letter ISO 4217 code')
    .transform((v) => v.toUpperCase())
    .refine(
      (code) => currencies.length === 0 || currencies.includes(code),
      'must be an ISO 4217 currency code',
    )
    .openapi({
      pattern: '^[A-Za-z]{3}$',
      description: 'An ISO 4217 currency code (EUR, USD, GBP, …), in any case; stored in upper case',
    })
    .nullable()
    .optional();
