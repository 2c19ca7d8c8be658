import { z } from '@hono/zod-openapi';

/**
 * Input rules shared by more than one resource, each written once, with the OpenAPI keywords that
 * say exactly what they take (the document is built from these same schemas).
 */

/**
 * Text with at least one non-space character, trimmed, at most `max` long ("   " is `message`).
 * The document says so with the pattern `\S`: the trim and the length check are what enforce it.
 */
export const nonBlankText = (max: number, message = 'is required') =>
  z.string().trim().min(1, message).max(max).openapi({ pattern: '\\S' });

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
      // The codes themselves, so that a client (or a generator) knows `WYB` is not one.
      ...(currencies.length > 0 ? { enum: [...currencies] } : {}),
      description: 'An ISO 4217 currency code (EUR, USD, GBP, …), in any case; stored in upper case',
    })
    .nullable()
    .optional();
