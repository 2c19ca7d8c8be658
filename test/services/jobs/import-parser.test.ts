import { describe, expect, it } from 'vitest';
import {
  coerceCsvRecord,
  DEFAULT_MAX_RECORD_BYTES,
  type ImportFormat,
  ImportFormatError,
  type ImportItem,
  type ImportParseOptions,
  importFormatOf,
  parseImport,
} from '../../../src/services/jobs/import-parser';
import { JobInputSchema } from '../../../src/services/jobs/job-input';

const encoder = new TextEncoder();

function bytesOf(body: string | Uint8Array): Uint8Array {
  return typeof body === 'string' ? encoder.encode(body) : body;
}

/** The body as a stream of `chunkSize`-byte chunks: small sizes split characters, escapes and CRLFs. */
function streamOf(body: string | Uint8Array, chunkSize = 64 * 1024): ReadableStream<Uint8Array> {
  const bytes = bytesOf(body);
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

async function parseAll(
  body: string | Uint8Array,
  format: ImportFormat,
  chunkSize?: number,
  options?: ImportParseOptions,
): Promise<ImportItem[]> {
  const items: ImportItem[] = [];
  for await (const item of parseImport(streamOf(body, chunkSize), format, options)) items.push(item);
  return items;
}

async function formatErrorOf(body: string, format: ImportFormat): Promise<unknown> {
  return parseAll(body, format).then(
    () => undefined,
    (err: unknown) => err,
  );
}

const awkwardChunkSizes = [1, 3, 7];

// Multi-byte characters (ü: 2 bytes, ã: 2, 🚀: 4), JSON escapes and every delimiter inside strings.
const zurich = {
  title: 'Data Engineer',
  company: 'Grüezi AG',
  location: 'Zürich',
  job_type: 'full-time',
  description: 'Pipelines, "quoted" words, brackets ] } [ { and a \\ backslash\nover two lines',
  salary_min: 90000,
  remote: true,
};
const saoPaulo = {
  title: 'Desenvolvedor 🚀',
  company: 'Café Ltda',
  location: 'São Paulo',
  job_type: 'contract',
  description: 'Tudo "bem", ok]',
  extra: { nested: [1, { deep: '],}' }], empty: {} },
};

describe('importFormatOf', () => {
  it.each([
    ['application/json', 'json'],
    ['application/x-ndjson', 'ndjson'],
    ['application/ndjson', 'ndjson'],
    ['application/jsonl', 'ndjson'],
    ['text/csv', 'csv'],
  ])('reads %s as %s', (contentType, format) => {
    expect(importFormatOf(contentType)).toBe(format);
  });

  it('ignores case, spaces and a UTF-8 charset parameter', () => {
    expect(importFormatOf(' Text/CSV ; charset="UTF-8"')).toBe('csv');
    expect(importFormatOf('application/json;charset=utf-8')).toBe('json');
  });

  it('names no format for other media types or none', () => {
    for (const contentType of [
      undefined,
      '',
      'text/plain',
      'application/xml',
      'multipart/form-data',
      'constructor',
    ]) {
      expect(importFormatOf(contentType)).toBeUndefined();
    }
  });

  it('names no format when the charset is not UTF-8', () => {
    expect(importFormatOf('text/csv; charset=iso-8859-1')).toBeUndefined();
  });
});

describe('parseImport: JSON array', () => {
  const body = `\uFEFF[\n  ${JSON.stringify(zurich)} ,\r\n\t${JSON.stringify(saoPaulo)}\n]\n`;

  it('yields each object with its 1-based index in the array as the row', async () => {
    expect(await parseAll(body, 'json')).toEqual([
      { row: 1, record: zurich },
      { row: 2, record: saoPaulo },
    ]);
  });

  it.each(awkwardChunkSizes)(
    'finds the same records when the body arrives %i bytes at a time',
    async (size) => {
      expect(await parseAll(body, 'json', size)).toEqual(await parseAll(body, 'json'));
    },
  );

  it('decodes \\u escapes split across chunks', async () => {
    const items = await parseAll('[{"city":"S\\u00e3o Paulo","q":"\\"]"}]', 'json', 1);
    expect(items).toEqual([{ row: 1, record: { city: 'São Paulo', q: '"]' } }]);
  });

  it('yields nothing for an empty array', async () => {
    expect(await parseAll(' [ \n ] ', 'json')).toEqual([]);
  });

  it('fails an element that is not an object alone and goes on', async () => {
    const items = await parseAll('[{"a":1}, [1,2], "text", null, 42, {"b":2}]', 'json', 3);
    expect(items).toEqual([
      { row: 1, record: { a: 1 } },
      { row: 2, error: 'not a JSON object but an array' },
      { row: 3, error: 'not a JSON object but a string' },
      { row: 4, error: 'not a JSON object but null' },
      { row: 5, error: 'not a JSON object but a number' },
      { row: 6, record: { b: 2 } },
    ]);
  });

  it('fails a malformed element alone when its end can still be found', async () => {
    const items = await parseAll('[{"a":1,}, {"b":[1}], {"c":1}}, {"d":4}]', 'json', 7);
    expect(items.map((item) => ('error' in item ? `${item.row}: error` : `${item.row}: ok`))).toEqual([
      '1: error',
      '2: error',
      '3: error',
      '4: ok',
    ]);
    expect(items[0]).toMatchObject({ error: expect.stringMatching(/^invalid JSON: /) });
  });

  it('reports a stray comma as a row without a value', async () => {
    expect(await parseAll('[{"a":1},,{"b":2}]', 'json')).toEqual([
      { row: 1, record: { a: 1 } },
      { row: 2, error: 'no value: a stray comma' },
      { row: 3, record: { b: 2 } },
    ]);
  });

  it('fails an element with invalid UTF-8 alone', async () => {
    const bytes = new Uint8Array([...encoder.encode('[{"a":"'), 0xff, ...encoder.encode('"},{"b":2}]')]);
    expect(await parseAll(bytes, 'json', 1)).toEqual([
      { row: 1, error: 'not valid UTF-8' },
      { row: 2, record: { b: 2 } },
    ]);
  });

  it('refuses a JSON object body with ImportFormatError', async () => {
    const error = await formatErrorOf(JSON.stringify(zurich), 'json');
    expect(error).toBeInstanceOf(ImportFormatError);
    expect(error).toMatchObject({ message: expect.stringContaining('a JSON object') });
  });

  it('refuses an empty body with ImportFormatError', async () => {
    expect(await formatErrorOf(' \n', 'json')).toBeInstanceOf(ImportFormatError);
  });

  it('refuses an array that is never closed, after yielding the rows before', async () => {
    const seen: ImportItem[] = [];
    const run = async () => {
      for await (const item of parseImport(streamOf('[{"a":1},{"b":"cut'), 'json')) seen.push(item);
    };
    await expect(run()).rejects.toThrow(
      /not closed: the body ends inside row 2 \(in an unterminated string\)/,
    );
    expect(seen).toEqual([{ row: 1, record: { a: 1 } }]);
  });

  it('refuses content after the closing bracket', async () => {
    expect(await formatErrorOf('[{"a":1}] {"b":2}', 'json')).toBeInstanceOf(ImportFormatError);
  });
});

describe('parseImport: NDJSON', () => {
  const body = `${JSON.stringify(zurich)}\r\n\r\n  \n${JSON.stringify(saoPaulo)}\n`;

  it('yields one record per line, numbered by line with blank lines counted', async () => {
    expect(await parseAll(body, 'ndjson')).toEqual([
      { row: 1, record: zurich },
      { row: 4, record: saoPaulo },
    ]);
  });

  it.each(awkwardChunkSizes)(
    'finds the same records when the body arrives %i bytes at a time',
    async (size) => {
      expect(await parseAll(`\uFEFF${body}`, 'ndjson', size)).toEqual(await parseAll(body, 'ndjson'));
    },
  );

  it('reads a last line without a newline', async () => {
    expect(await parseAll('{"a":1}\n{"b":2}', 'ndjson')).toEqual([
      { row: 1, record: { a: 1 } },
      { row: 2, record: { b: 2 } },
    ]);
  });

  it('fails a line that is not JSON or not an object alone', async () => {
    const items = await parseAll('{"a":1}\n{oops}\n[1]\n{"b":2}\n', 'ndjson', 3);
    expect(items).toEqual([
      { row: 1, record: { a: 1 } },
      { row: 2, error: expect.stringMatching(/^invalid JSON: /) },
      { row: 3, error: 'not a JSON object but an array' },
      { row: 4, record: { b: 2 } },
    ]);
  });
});

describe('parseImport: CSV', () => {
  it('maps header names case-insensitively, `type` to job_type, and numbers data rows from 1', async () => {
    const items = await parseAll(
      ' Title ,COMPANY,Location,Type,Description\nDev,Acme,Zürich,full-time,Build\n',
      'csv',
    );
    expect(items).toEqual([
      {
        row: 1,
        record: {
          title: 'Dev',
          company: 'Acme',
          location: 'Zürich',
          job_type: 'full-time',
          description: 'Build',
        },
      },
    ]);
  });

  it('accepts spaced or hyphenated field names', async () => {
    const items = await parseAll('Job Type,salary-min,External ID\ncontract,100,x-1\n', 'csv');
    expect(items).toEqual([
      { row: 1, record: { job_type: 'contract', salary_min: 100, external_id: 'x-1' } },
    ]);
  });

  it('keeps an id column as an unknown field for the schema to report', async () => {
    expect(await parseAll('id,title\n7,Dev\n', 'csv')).toEqual([
      { row: 1, record: { id: '7', title: 'Dev' } },
    ]);
  });

  it('reads quoted commas, doubled quotes and embedded LF and CRLF newlines', async () => {
    const csv = 'title,description\r\n"Dev, Senior","Say ""hi""\nthen\r\nbye"\r\n"""Quoted""",""\r\n';
    expect(await parseAll(csv, 'csv')).toEqual([
      { row: 1, record: { title: 'Dev, Senior', description: 'Say "hi"\nthen\r\nbye' } },
      { row: 2, record: { title: '"Quoted"' } },
    ]);
  });

  it.each(awkwardChunkSizes)('finds the same rows with a BOM and CRLFs, %i bytes at a time', async (size) => {
    const csv = '\uFEFFtitle,location,description\r\n"São Paulo, SP",Zürich,"a ""b""\r\nc"\r\nx,y,z\r\n';
    expect(await parseAll(csv, 'csv', size)).toEqual([
      { row: 1, record: { title: 'São Paulo, SP', location: 'Zürich', description: 'a "b"\r\nc' } },
      { row: 2, record: { title: 'x', location: 'y', description: 'z' } },
    ]);
  });

  it('reads the same rows with or without a trailing newline', async () => {
    expect(await parseAll('title\nA\nB', 'csv')).toEqual(await parseAll('title\nA\nB\n', 'csv'));
  });

  it('skips blank rows but counts them', async () => {
    expect(await parseAll('title\nA\n\r\n\nB\n', 'csv')).toEqual([
      { row: 1, record: { title: 'A' } },
      { row: 4, record: { title: 'B' } },
    ]);
  });

  it('fails a row with a different field count alone', async () => {
    expect(await parseAll('title,company\nA,B\nC\nD,E,F\nG,H\n', 'csv', 3)).toEqual([
      { row: 1, record: { title: 'A', company: 'B' } },
      { row: 2, error: 'has 1 fields but the header has 2' },
      { row: 3, error: 'has 3 fields but the header has 2' },
      { row: 4, record: { title: 'G', company: 'H' } },
    ]);
  });

  it('fails a row with text after a closing quote alone', async () => {
    expect(await parseAll('title,company\n"A"x,B\nC,D\n', 'csv')).toEqual([
      { row: 1, error: 'text after the closing quote of field 1' },
      { row: 2, record: { title: 'C', company: 'D' } },
    ]);
  });

  it('treats a quote inside an unquoted field as text', async () => {
    expect(await parseAll('title,company\n5\'10" tall,B\n', 'csv')).toEqual([
      { row: 1, record: { title: '5\'10" tall', company: 'B' } },
    ]);
  });

  it('fails a row whose quote is never closed, after the rows before it', async () => {
    expect(await parseAll('title,company\nA,B\nC,"unclosed\nD,E\n', 'csv', 7)).toEqual([
      { row: 1, record: { title: 'A', company: 'B' } },
      { row: 2, error: 'unterminated quoted field: the quote runs to the end of the body' },
    ]);
  });

  it('converts cells for the job schema: empties omitted, salaries and remote typed', async () => {
    const csv = 'title,company,salary_min,salary_max,remote,url\nDev,,"85,000",90000.00,Yes,\n';
    expect(await parseAll(csv, 'csv')).toEqual([
      { row: 1, record: { title: 'Dev', salary_min: 85000, salary_max: 90000, remote: true } },
    ]);
  });

  it('yields rows the job schema accepts', async () => {
    const csv =
      'title,company,location,job_type,description,external_id,source,url,salary_min,salary_max,currency,remote\n' +
      'Dev,Acme,Zürich,full-time,Build things,ext-1,board,https://example.com/1,"85,000",95000,chf,no\n';
    const [item] = await parseAll(csv, 'csv');
    expect(item && 'record' in item && JobInputSchema.safeParse(item.record).success).toBe(true);
  });

  it('refuses an empty header row with ImportFormatError', async () => {
    expect(await formatErrorOf('\nDev,Acme\n', 'csv')).toBeInstanceOf(ImportFormatError);
  });

  it('refuses an empty body with ImportFormatError', async () => {
    expect(await formatErrorOf('', 'csv')).toBeInstanceOf(ImportFormatError);
  });

  it('refuses a header that names a field twice', async () => {
    const error = await formatErrorOf('type,Job_Type\nx,y\n', 'csv');
    expect(error).toBeInstanceOf(ImportFormatError);
    expect(error).toMatchObject({ message: 'The CSV header names job_type twice (columns 1 and 2)' });
  });

  it('refuses a header with an unnamed column', async () => {
    expect(await formatErrorOf('title,,company\na,b,c\n', 'csv')).toBeInstanceOf(ImportFormatError);
  });
});

describe('coerceCsvRecord', () => {
  it('omits empty and blank cells', () => {
    expect(coerceCsvRecord({ title: 'Dev', company: '', location: '  ' })).toEqual({ title: 'Dev' });
  });

  it.each(['85000', '85,000', '85000.00', ' 85,000.0 '])('reads salary %j as the integer 85000', (text) => {
    expect(coerceCsvRecord({ salary_min: text, salary_max: text })).toEqual({
      salary_min: 85000,
      salary_max: 85000,
    });
  });

  it.each(['85k', '$85,000', '85000.5', '8,50,000', '1e5'])(
    'keeps salary %j as text for the schema to report',
    (text) => {
      expect(coerceCsvRecord({ salary_min: text })).toEqual({ salary_min: text });
    },
  );

  it.each([
    ['true', true],
    ['YES', true],
    ['1', true],
    ['False', false],
    ['no', false],
    ['0', false],
  ])('reads remote %j as %s', (text, value) => {
    expect(coerceCsvRecord({ remote: text })).toEqual({ remote: value });
  });

  it('keeps an unknown remote value as text', () => {
    expect(coerceCsvRecord({ remote: 'hybrid' })).toEqual({ remote: 'hybrid' });
  });

  it('keeps a __proto__ column as a plain data field', () => {
    const record = coerceCsvRecord(Object.fromEntries([['__proto__', 'x']]));
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['__proto__']);
  });
});

describe('parseImport: the per-row size cap', () => {
  const big = 'x'.repeat(DEFAULT_MAX_RECORD_BYTES);

  it.each([
    ['json', `[{"a":1},{"description":"${big}"},{"b":2}]`],
    ['ndjson', `{"a":1}\n{"description":"${big}"}\n{"b":2}\n`],
    ['csv', `a,b\n1,\n2,"${big}\n,"\n,2\n`],
  ] as const)('fails a %s row over the cap alone and goes on after it', async (format, body) => {
    const items = await parseAll(body, format, 4096);
    expect(items).toHaveLength(3);
    expect(items[1]).toEqual({ row: 2, error: `row too large: over ${DEFAULT_MAX_RECORD_BYTES} bytes` });
    expect(items[2]).toHaveProperty('record');
  });

  it('honours a smaller cap, skipping to the end of a quoted multi-line CSV row', async () => {
    const csv = 'title,description\nA,short\nB,"long, long\nlong, long\nlong"\nC,short\n';
    expect(await parseAll(csv, 'csv', 7, { maxRecordBytes: 20 })).toEqual([
      { row: 1, record: { title: 'A', description: 'short' } },
      { row: 2, error: 'row too large: over 20 bytes' },
      { row: 3, record: { title: 'C', description: 'short' } },
    ]);
  });

  it('admits the largest row the schema accepts: 20,000 characters escaped as \\uXXXX', async () => {
    const description = 'é'.repeat(20_000);
    const line = JSON.stringify({ description }).replaceAll('é', '\\u00e9');
    expect(await parseAll(`[${line}]`, 'json')).toEqual([{ row: 1, record: { description } }]);
  });
});

describe('parseImport: streaming', () => {
  const rowCount = 20_000;
  const job = (i: number) => ({
    title: `Engineer ${i}`,
    company: 'Acme Zürich',
    location: 'São Paulo',
    job_type: 'full-time',
    description: `Row ${i}, with "quotes", commas and brackets ] }`,
    external_id: `ext-${i}`,
    salary_min: 50000 + i,
  });
  const rows = Array.from({ length: rowCount }, (_, i) => job(i + 1));
  const csvCell = (value: string | number) => `"${String(value).replaceAll('"', '""')}"`;
  const bodies: Record<ImportFormat, string> = {
    json: `[${rows.map((row) => JSON.stringify(row)).join(',\n')}]`,
    ndjson: rows.map((row) => JSON.stringify(row)).join('\n'),
    csv: [
      Object.keys(job(0)).join(','),
      ...rows.map((row) => Object.values(row).map(csvCell).join(',')),
    ].join('\r\n'),
  };

  it.each(['json', 'ndjson', 'csv'] as const)(
    `streams ${rowCount} generated %s rows through`,
    async (format) => {
      let count = 0;
      let last: ImportItem | undefined;
      for await (const item of parseImport(streamOf(bodies[format], 16 * 1024), format)) {
        count++;
        last = item;
      }
      expect(count).toBe(rowCount);
      expect(last).toEqual({ row: rowCount, record: job(rowCount) });
    },
  );

  it('yields a row as soon as it is complete, before the body ends', async () => {
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('[{"a":1},'));
      },
      // Never sends more: the test would hang if the parser waited for the end.
      cancel() {
        cancelled = true;
      },
    });
    const items = parseImport(body, 'json');
    expect(await items.next()).toEqual({ done: false, value: { row: 1, record: { a: 1 } } });
    await items.return(undefined);
    expect(cancelled).toBe(true);
  });

  it('passes on an error of the body stream', async () => {
    const failure = new Error('payload too large');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(encoder.encode('{"a":1}\n'));
        controller.error(failure);
      },
    });
    const run = async () => {
      for await (const _item of parseImport(body, 'ndjson'));
    };
    await expect(run()).rejects.toBe(failure);
  });

  it('reads an async iterable of chunks as well as a stream', async () => {
    async function* chunks() {
      yield encoder.encode('title\nA');
      yield encoder.encode('\nB\n');
    }
    const items: ImportItem[] = [];
    for await (const item of parseImport(chunks(), 'csv')) items.push(item);
    expect(items).toEqual([
      { row: 1, record: { title: 'A' } },
      { row: 2, record: { title: 'B' } },
    ]);
  });
});
