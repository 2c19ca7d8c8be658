import { AppError, stalledBody, validationError } from '../../errors';
import {
  DelimiterScanner,
  findFilePart,
  MultipartError,
  type MultipartFile,
  multipartBoundary,
} from '../../multipart';
import { maxResumeBytes } from '../../services/resumes/pipeline';
import { declaredTooLarge, idleLimit, limitBytes, readAll } from '../../streams';

/** Reading an upload's body: HTTP's part of an upload (media type, size, pace, multipart). */

export const busyUploads = () =>
  new AppError('rate_limited', 'The server is busy reading other uploads; try again shortly', {
    headers: { 'Retry-After': '5' },
  });

/** The client went away while its upload waited: nobody reads this, but it is not a server fault. */
export const cancelledUpload = () =>
  validationError({ body: ['the client closed the request'] }, 'The upload was cancelled');

/** Uploads up to this size (declared by Content-Length) skip the memory budget: they cost little. */
export const ungatedUploadBytes = 1024 * 1024;

/** Room for the multipart envelope around a file of the maximum size. */
export const maxUploadBody = maxResumeBytes + 64 * 1024;

const fileTooLarge = () => new AppError('file_too_large', 'A resume is limited to 10 MiB');

/**
 * Reads the resume_file part of a multipart body, with the size limit enforced while it streams
 * in, a body that stalls answered 408, and the file's bytes held once (see src/multipart.ts).
 */
export async function readUpload(request: Request, idleTimeoutMs: number): Promise<MultipartFile> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data/i.test(contentType) || !request.body) {
    throw new AppError('file_required', 'Send multipart/form-data with the file in a part named resume_file');
  }
  const boundary = multipartBoundary(contentType);
  if (!boundary) {
    throw validationError({ body: ['has no multipart boundary'] }, 'The upload could not be read');
  }
  const contentLength = request.headers.get('content-length') ?? undefined;
  if (declaredTooLarge(contentLength, maxUploadBody)) throw fileTooLarge();
  const sizeHint =
    contentLength !== undefined && /^\d+$/.test(contentLength) ? Number(contentLength) : undefined;
  const stream = limitBytes(
    idleLimit(request.body, idleTimeoutMs, stalledBody(idleTimeoutMs)),
    maxUploadBody,
    fileTooLarge,
  );
  let file: MultipartFile | undefined;
  try {
    // The delimiters are found while the body arrives, a chunk at a time.
    const scanner = new DelimiterScanner(boundary);
    const body = await readAll(stream, sizeHint, (chunk, offset) => scanner.feed(chunk, offset));
    file = findFilePart(body, boundary, 'resume_file', scanner.delimiters);
  } catch (err) {
    if (err instanceof MultipartError) {
      throw validationError(
        { body: [`is not valid multipart/form-data: ${err.message}`] },
        'The upload could not be read',
      );
    }
    throw err;
  }
  if (!file) throw new AppError('file_required', 'Send the file in a multipart part named resume_file');
  return file;
}
