import { beforeAll, describe, expect, inject, it } from 'vitest';
import { api, base64ToBytes, expectError, expectJson, fileForm, services, where } from './helpers';

/**
 * Resumes on radosgw: upload (TXT and PDF; 415, 413, 400, 422), list, get with text and skills,
 * download through the presigned URL (fetched from workerd and compared byte for byte), default,
 * delete; another user's resume is not found.
 */

interface UploadBody {
  resume_id: string;
  message: string;
  chunks_created: number;
  text_length: number;
  s3_key: string;
  bucket: string;
  skills: unknown[];
}
interface ResumeBody {
  id: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  text_length: number;
  chunks_created: number;
  is_default: boolean;
  created_at: string;
}
interface DetailBody extends ResumeBody {
  text: string;
  skills: { id: string; name: string; score: number; evidence: string }[];
  occupations: { id: string; title: string; score: number }[];
}

const encoder = new TextEncoder();
const softwareResume = `Ren Resume
ren@example.com | Lisbon, Portugal

Summary
Backend engineer with six years of experience.

Skills
Python, JavaScript, React, SQL, Docker, Kubernetes

Experience
Software Engineer, Acme Corp, 2019 - 2024
- Built REST APIs in Python backed by PostgreSQL.
- Deployed services with Docker and Kubernetes.
`;
const txtBytes = encoder.encode(softwareResume);
const pdfBytes = base64ToBytes(inject('fixtures').pdfBase64);

const upload = (form: FormData | BodyInit, as: 'resumes' | 'resumesOther' = 'resumes', headers = {}) =>
  api('/api/resume/upload', { method: 'POST', as, body: form, headers });
const list = async (as: 'resumes' | 'resumesOther' = 'resumes') =>
  (await expectJson<{ resumes: ResumeBody[] }>(await api('/api/resumes', { as }), 200)).resumes;

describe(`resumes on ${where} with radosgw`, () => {
  let txt: UploadBody;
  let pdf: UploadBody;

  beforeAll(async () => {
    txt = await expectJson<UploadBody>(await upload(fileForm('Ren Resume.txt', txtBytes)), 201);
    pdf = await expectJson<UploadBody>(await upload(fileForm('ren-cv.pdf', pdfBytes)), 201);
  });

  it('uploads a TXT and a PDF: 201, stored under a key the server made, in the configured bucket', () => {
    for (const [body, ext] of [
      [txt, 'txt'],
      [pdf, 'pdf'],
    ] as const) {
      expect(body).toMatchObject({ bucket: services.s3.bucket, message: expect.any(String) });
      expect(body.s3_key).toMatch(new RegExp(`^resumes/\\d+/${body.resume_id}\\.${ext}$`));
      expect(body.chunks_created).toBeGreaterThan(0);
      expect(body.text_length).toBeGreaterThan(20);
    }
  });

  it('lists them newest first; the first upload is the default', async () => {
    const resumes = await list();
    expect(resumes.map((r) => [r.id, r.filename, r.is_default])).toEqual([
      [pdf.resume_id, 'ren-cv.pdf', false],
      [txt.resume_id, 'Ren Resume.txt', true],
    ]);
    expect(resumes[1]).toMatchObject({ size_bytes: txtBytes.byteLength, text_length: txt.text_length });
    expect(resumes[0]).toMatchObject({ size_bytes: pdfBytes.byteLength, content_type: 'application/pdf' });
  });

  it('GET /api/resumes/:id answers the text and the skills read from it', async () => {
    const detail = await expectJson<DetailBody>(
      await api(`/api/resumes/${txt.resume_id}`, { as: 'resumes' }),
      200,
    );
    expect(detail.text).toContain('Built REST APIs in Python');
    expect(detail.skills.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'Python (computer programming)',
        'JavaScript',
        'React',
        'SQL',
        'Docker',
        'Kubernetes',
      ]),
    );
    for (const skill of detail.skills) {
      expect(Object.keys(skill).sort()).toEqual(['evidence', 'id', 'name', 'score']);
      expect(softwareResume).toContain(skill.evidence);
    }
    // Occupations read from the headline and role titles, with the skills.
    expect(detail.occupations.length).toBeGreaterThan(0);
    expect(detail.occupations[0]?.title).toMatch(/developer|engineer/);
    // The upload answered with the same skills.
    expect(txt.skills).toEqual(detail.skills);

    const fromPdf = await expectJson<DetailBody>(
      await api(`/api/resumes/${pdf.resume_id}`, { as: 'resumes' }),
      200,
    );
    expect(fromPdf.text).toContain('Senior Python developer at Acme');
    expect(fromPdf.skills.map((s) => s.name)).toEqual(expect.arrayContaining(['Docker', 'Kubernetes']));
  });

  it('downloads through a presigned radosgw URL (at most 15 minutes) with the same bytes', async () => {
    for (const [body, bytes] of [
      [pdf, pdfBytes],
      [txt, txtBytes],
    ] as const) {
      const res = await api(`/api/resumes/${body.resume_id}/download`, { as: 'resumes' });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get('Location') ?? '');
      expect(location.origin).toBe(services.s3.endpoint);
      expect(Number(location.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
      const file = await fetch(location);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-disposition')).toContain('attachment');
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes);
    }
  });

  it('PATCH makes another resume the default (exactly one); only {is_default: true} is accepted', async () => {
    const patched = await expectJson<ResumeBody>(
      await api(`/api/resumes/${pdf.resume_id}`, {
        method: 'PATCH',
        as: 'resumes',
        json: { is_default: true },
      }),
      200,
    );
    expect(patched).toMatchObject({ id: pdf.resume_id, is_default: true });
    expect((await list()).filter((r) => r.is_default).map((r) => r.id)).toEqual([pdf.resume_id]);
    await expectError(
      await api(`/api/resumes/${pdf.resume_id}`, {
        method: 'PATCH',
        as: 'resumes',
        json: { is_default: false },
      }),
      400,
      'validation_error',
    );
  });

  it('answers another user’s resume as not found on every route', async () => {
    for (const [method, path] of [
      ['GET', `/api/resumes/${txt.resume_id}`],
      ['GET', `/api/resumes/${txt.resume_id}/download`],
      ['PATCH', `/api/resumes/${txt.resume_id}`],
      ['DELETE', `/api/resumes/${txt.resume_id}`],
    ] as const) {
      const res = await api(path, {
        method,
        as: 'resumesOther',
        ...(method === 'PATCH' ? { json: { is_default: true } } : {}),
      });
      await expectError(res, 404, 'not_found');
    }
    expect(await list('resumesOther')).toEqual([]);
  });

  describe('bad uploads store nothing', () => {
    it.each([
      [
        'an .exe renamed to .pdf',
        'setup.pdf',
        new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]),
        415,
        'unsupported_file_type',
      ],
      [
        'a .png',
        'me.png',
        new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        415,
        'unsupported_file_type',
      ],
      ['PDF bytes named .txt', 'cv.txt', pdfBytes, 415, 'unsupported_file_type'],
      ['an empty file', 'empty.pdf', new Uint8Array(), 422, 'unreadable_document'],
      ['a corrupt PDF', 'bad.pdf', encoder.encode('%PDF-1.7\n garbage garbage'), 422, 'unreadable_document'],
    ])('refuses %s', async (_name, filename, bytes, status, code) => {
      await expectError(
        await upload(fileForm(filename, bytes as Uint8Array<ArrayBuffer>), 'resumesOther'),
        status,
        code,
      );
      expect(await list('resumesOther')).toEqual([]);
    });

    it('400 file_required without a resume_file part, or for a JSON body', async () => {
      await expectError(
        await upload(fileForm('cv.txt', txtBytes, 'other_part'), 'resumesOther'),
        400,
        'file_required',
      );
      await expectError(
        await api('/api/resume/upload', { method: 'POST', as: 'resumesOther', json: {} }),
        400,
        'file_required',
      );
    });

    it('413 file_too_large for a declared Content-Length over 10 MiB', async () => {
      const boundary = 'parityboundary';
      const res = await api('/api/resume/upload', {
        method: 'POST',
        as: 'resumesOther',
        headers: {
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': String(11 * 1024 * 1024),
        },
        body: new Uint8Array(11 * 1024 * 1024),
      });
      await expectError(res, 413, 'file_too_large');
    });

    it('413 file_too_large for a body over 10 MiB streamed without Content-Length, without reading it all', async () => {
      const boundary = 'parityboundary';
      const total = 48 * 1024 * 1024;
      const head = encoder.encode(
        `--${boundary}\r\nContent-Disposition: form-data; name="resume_file"; filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n`,
      );
      const chunk = encoder.encode('a'.repeat(64 * 1024));
      let sent = 0;
      let answered = false;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(head);
        },
        pull(controller) {
          if (sent >= total || answered) {
            controller.enqueue(encoder.encode(`\r\n--${boundary}--\r\n`));
            controller.close();
            return;
          }
          sent += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      const res = await api('/api/resume/upload', {
        method: 'POST',
        as: 'resumesOther',
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
        body,
      });
      answered = true;
      await expectError(res, 413, 'file_too_large');
      // Refused while it streamed: the limit, then at most 16 MiB drained (so that the connection
      // stays usable), not the whole body.
      expect(sent).toBeLessThan(30 * 1024 * 1024);
      expect(await list('resumesOther')).toEqual([]);
    });
  });

  it('DELETE removes the resume and its object: 204, then 404, and the presigned URL finds nothing', async () => {
    const res = await api(`/api/resumes/${txt.resume_id}/download`, { as: 'resumes' });
    const presigned = res.headers.get('Location') ?? '';
    expect((await api(`/api/resumes/${txt.resume_id}`, { method: 'DELETE', as: 'resumes' })).status).toBe(
      204,
    );
    await expectError(await api(`/api/resumes/${txt.resume_id}`, { as: 'resumes' }), 404, 'not_found');
    await expectError(
      await api(`/api/resumes/${txt.resume_id}`, { method: 'DELETE', as: 'resumes' }),
      404,
      'not_found',
    );
    const gone = await fetch(presigned);
    expect(gone.status).toBe(404);
    await gone.arrayBuffer();
    expect((await list()).map((r) => r.id)).toEqual([pdf.resume_id]);
  });

  it('needs a token', async () => {
    await expectError(await api('/api/resumes'), 401, 'missing_or_invalid_authorization');
    await expectError(
      await api('/api/resume/upload', { method: 'POST', body: fileForm('cv.txt', txtBytes) }),
      401,
      'missing_or_invalid_authorization',
    );
  });
});
