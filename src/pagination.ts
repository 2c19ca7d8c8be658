import { z } from '@hono/zod-openapi';

/** The one pagination of the API: `page` from 1, `limit` 1..100 (default 10), and the seed's block. */
export const pageQuery = {
  page: z.coerce.number().int().min(1).max(1_000_000).default(1).openapi({ example: 1 }),
  limit: z.coerce.number().int().min(1).max(100).default(10).openapi({ example: 10 }),
};

export const PaginationSchema = z
  .object({
    total: z.number().int(),
    current_page: z.number().int(),
    total_pages: z.number().int(),
    has_next: z.boolean(),
    has_prev: z.boolean(),
  })
  .openapi('Pagination');

export type Pagination = z.infer<typeof PaginationSchema>;

/** A page past the end is valid: an empty list with the real totals. */
export function paginationBlock(total: number, page: number, limit: number): Pagination {
  const totalPages = Math.ceil(total / limit);
  return {
    total,
    current_page: page,
    total_pages: totalPages,
    has_next: page < totalPages,
    has_prev: page > 1,
  };
}

export const offsetOf = (page: number, limit: number) => (page - 1) * limit;

/**
 * A keyset position in a newest-first list: the last row of a page. The next page starts after
 * it without reading the rows before it, however deep (`offset` reads and skips them all), and a
 * posting added meanwhile does not shift the pages.
 */
export interface ListPosition {
  createdAt: Date;
  id: number;
}

/** Opaque to clients: base64url of `<created_at ms>.<id>`. */
export function encodeCursor(position: ListPosition): string {
  const base64 = btoa(`${position.createdAt.getTime()}.${position.id}`)
    .replaceAll('+', '-')
    .replaceAll('/', '_');
  // '=' only ever pads the end of base64.
  const padding = base64.indexOf('=');
  return padding === -1 ? base64 : base64.slice(0, padding);
}

/** The position a cursor names, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): ListPosition | undefined {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) return undefined;
  let text: string;
  try {
    text = atob(cursor.replaceAll('-', '+').replaceAll('_', '/'));
  } catch {
    return undefined;
  }
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(text);
  if (!match) return undefined;
  const ms = Number(match[1]);
  const id = Number(match[2]);
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(id) || id < 1) return undefined;
  return { createdAt: new Date(ms), id };
}

export const cursorQuery = {
  cursor: z
    .string()
    .max(64)
    .optional()
    .refine((value) => value === undefined || decodeCursor(value) !== undefined, 'not a cursor from this API')
    .openapi({
      description:
        'Continue a newest-first list after the page whose `next_cursor` this is (instead of `page`)',
    }),
};
