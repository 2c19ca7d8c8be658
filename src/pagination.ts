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
