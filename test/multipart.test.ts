import { describe, expect, it } from 'vitest';
import { DelimiterScanner, findFilePart, MultipartError, multipartBoundary } from '../src/multipart';
import { readAll } from '../src/streams';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function streamOf(...chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

/** A multipart body exactly as undici's FormData encoder writes it. */
async function encoded(form: FormData): Promise<{ body: Uint8Array; boundary: string }> {
  const response = new Response(form);
  const boundary = multipartBoundary(response.headers.get('content-type') ?? '');
  if (!boundary) throw new Error('no boundary');
  return { body: new Uint8Array(await response.arrayBuffer()), boundary };
}

describe('multipartBoundary', () => {
  it('reads a plain and a quoted boundary', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc123')).toBe('abc123');
    expect(multipartBoundary('Multipart/Form-Data; charset=utf-8; boundary="a b:c"')).toBe('a b:c');
  });

  it('is undefined for other media types or no boundary', () => {
    expect(multipartBoundary('multipart/form-data')).toBeUndefined();
    expect(multipartBoundary('multipart/mixed; boundary=x')).toBeUndefined();
    expect(multipartBoundary('application/json')).toBeUndefined();
  });
});

describe('readAll', () => {
  const parts = [encoder.encode('hello '), encoder.encode('multipart '), encoder.encode('world')];
  const whole = 'hello multipart world';

  it('joins chunks without a size hint', async () => {
    expect(decoder.decode(await readAll(streamOf(...parts)))).toBe(whole);
  });

  it('fills the buffer when the hint is right', async () => {
    expect(decoder.decode(await readAll(streamOf(...parts), whole.length))).toBe(whole);
  });

  it('returns only what came when the hint was too big', async () => {
    expect(decoder.decode(await readAll(streamOf(...parts), 1000))).toBe(whole);
  });

  it('keeps every byte when the hint was too small', async () => {
    expect(decoder.decode(await readAll(streamOf(...parts), 8))).toBe(whole);
  });

  it('reads an empty body', async () => {
    expect((await readAll(streamOf())).byteLength).toBe(0);
  });
});

describe('findFilePart', () => {
  it('finds the named file among other fields, bytes intact', async () => {
    // Binary content with CRLF, dashes and a near-boundary inside must survive.
    const content = new Uint8Array([0, 13, 10, 45, 45, 13, 10, 45, 45, 255, 1, 2, 3]);
    const form = new FormData();
    form.append('note', 'before');
    form.append('resume_file', new File([content], 'cv.pdf'));
    form.append('after', 'x');
    const { body, boundary } = await encoded(form);
    const file = findFilePart(body, boundary, 'resume_file');
    expect(file?.filename).toBe('cv.pdf');
    expect([...(file?.bytes ?? [])]).toEqual([...content]);
  });

  it('decodes UTF-8 names and the %22 escapes browsers write for quotes', async () => {
    const form = new FormData();
    form.append('resume_file', new File(['x'], 'Zoë "CV".txt'));
    const { body, boundary } = await encoded(form);
    expect(findFilePart(body, boundary, 'resume_file')?.filename).toBe('Zoë "CV".txt');
  });

  it('reads an RFC 5987 filename* parameter', () => {
    const body = encoder.encode(
      '--b\r\nContent-Disposition: form-data; name="resume_file"; filename="x.txt"; ' +
        "filename*=UTF-8''Curr%C3%ADculo.txt\r\n\r\nhi\r\n--b--\r\n",
    );
    expect(findFilePart(body, 'b', 'resume_file')?.filename).toBe('Currículo.txt');
  });

  it('skips a preamble and gives an empty file as zero bytes', () => {
    const body = encoder.encode(
      'preamble\r\n--b\r\nContent-Disposition: form-data; name="resume_file"; filename="e.txt"\r\n\r\n\r\n--b--',
    );
    const file = findFilePart(body, 'b', 'resume_file');
    expect(file?.filename).toBe('e.txt');
    expect(file?.bytes.byteLength).toBe(0);
  });

  it('is undefined when the field is missing or is not a file', async () => {
    const form = new FormData();
    form.append('resume_file', 'just text');
    form.append('other', new File(['x'], 'a.txt'));
    const { body, boundary } = await encoded(form);
    expect(findFilePart(body, boundary, 'resume_file')).toBeUndefined();
  });

  it.each([
    ['no delimiter at all', 'just some bytes'],
    ['headers never end', '--b\r\nContent-Disposition: form-data; name="resume_file"'],
    ['a part never closed', '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nvalue without end'],
  ])('throws MultipartError for %s', (_name, text) => {
    expect(() => findFilePart(encoder.encode(text), 'b', 'resume_file')).toThrow(MultipartError);
  });
});

describe('DelimiterScanner', () => {
  /** Feeds the body in pieces of `size` bytes, as a socket would deliver it. */
  function scan(body: Uint8Array, boundary: string, size: number): number[] {
    const scanner = new DelimiterScanner(boundary);
    for (let at = 0; at < body.byteLength; at += size) scanner.feed(body.subarray(at, at + size), at);
    return scanner.delimiters;
  }

  it.each([1, 2, 3, 7, 64, 100_000])(
    'finds the same delimiters whatever the chunk size (%i bytes)',
    (size) => {
      const body = encoder.encode('--b\r\nx\r\n--b\r\n\r\n--bb\r\n--b--\r\n');
      // "--b" at 0, after each CRLF that precedes "--b"; "--bb" starts with "--b" too (a prefix match).
      expect(scan(body, 'b', size)).toEqual([0, 8, 15, 21]);
    },
  );

  it('finds a delimiter after a preamble but not one in the middle of a line', () => {
    const body = encoder.encode('preamble --b\r\n--b\r\nx');
    expect(scan(body, 'b', 5)).toEqual([14]);
  });

  it('refuses a body with more than 1,000 parts', () => {
    const body = encoder.encode('\r\n--b'.repeat(1_001));
    expect(() => scan(body, 'b', 4096)).toThrow('too many parts');
  });

  // A generous bound, not a benchmark (bench/stall.ts measures): the old byte-by-byte search took
  // about 8 s on this body; the automaton takes tens of milliseconds.
  it('scans 10 MiB of dashes against a 70-character boundary of dashes in linear time', () => {
    const boundary = `${'-'.repeat(69)}x`;
    const body = new Uint8Array(10 * 1024 * 1024).fill(0x2d);
    const started = performance.now();
    expect(scan(body, boundary, 64 * 1024)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('gives findFilePart what it finds: the file of a streamed body', async () => {
    const form = new FormData();
    form.append('resume_file', new File(['Ana Lima\r\n--not a delimiter'], 'cv.txt'));
    const { body, boundary } = await encoded(form);
    const file = findFilePart(body, boundary, 'resume_file', scan(body, boundary, 3));
    expect(decoder.decode(file?.bytes)).toBe('Ana Lima\r\n--not a delimiter');
  });
});
