import { describe, expect, it } from 'vitest';
import { findFilePart, MultipartError, multipartBoundary, readAll } from '../src/multipart';

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
