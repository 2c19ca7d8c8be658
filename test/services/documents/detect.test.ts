import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors';
import { detectDocumentKind, extensionOf } from '../../../src/services/documents/detect';
import {
  makeDocx,
  makePdf,
  makeZipWithoutDocument,
  sampleResumeText,
  utf8,
  utf16Bom,
} from '../../support/fixtures';

function failure(filename: string, bytes: Uint8Array): AppError {
  try {
    detectDocumentKind(filename, bytes);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error(`${filename} was accepted`);
}

const exe = new Uint8Array([0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00, 0x04, 0x00, 0xff, 0xff]);

describe('detectDocumentKind', () => {
  it('accepts each kind when name and content agree, whatever the case of the extension', async () => {
    const pdf = await makePdf(['Hello']);
    const docx = await makeDocx();
    expect(detectDocumentKind('cv.pdf', pdf)).toBe('pdf');
    expect(detectDocumentKind('CV.PDF', pdf)).toBe('pdf');
    expect(detectDocumentKind('cv.docx', docx)).toBe('docx');
    expect(detectDocumentKind('My.Resume.DocX', docx)).toBe('docx');
    expect(detectDocumentKind('cv.txt', utf8(sampleResumeText))).toBe('txt');
    expect(detectDocumentKind('cv.TXT', utf16Bom('Zoë Ångström', 'le'))).toBe('txt');
    expect(detectDocumentKind('cv.txt', utf16Bom('Zoë Ångström', 'be'))).toBe('txt');
    expect(detectDocumentKind('C:\\fakepath\\cv.pdf', pdf)).toBe('pdf');
  });

  it('finds the PDF header anywhere in the first 1024 bytes, as readers do', async () => {
    const pdf = await makePdf(['Hello']);
    const prefixed = new Uint8Array(500 + pdf.length);
    prefixed.set(pdf, 500);
    expect(detectDocumentKind('cv.pdf', prefixed)).toBe('pdf');
    const tooFar = new Uint8Array(1100 + pdf.length);
    tooFar.set(pdf, 1100);
    expect(failure('cv.pdf', tooFar).status).toBe(415);
  });

  it('refuses a program renamed .pdf', () => {
    const err = failure('cv.pdf', exe);
    expect(err.status).toBe(415);
    expect(err.code).toBe('unsupported_file_type');
    expect(err.message).toBe('the file is named .pdf but its content is a Windows program');
  });

  it('refuses PDF bytes named .docx or .txt', async () => {
    const pdf = await makePdf(['Hello']);
    expect(failure('cv.docx', pdf).message).toBe('the file is named .docx but its content is a PDF');
    // pdf-lib writes a binary comment line; a text-only PDF would otherwise pass as UTF-8.
    const textOnlyPdf = utf8('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');
    expect(failure('cv.txt', textOnlyPdf).message).toBe('the file is named .txt but its content is a PDF');
  });

  it('refuses a zip without word/document.xml named .docx, and a DOCX named .pdf', async () => {
    expect(failure('cv.docx', makeZipWithoutDocument()).message).toBe(
      'the file is named .docx but its content is a ZIP archive, not a Word (.docx) document',
    );
    expect(failure('cv.pdf', await makeDocx()).message).toBe(
      'the file is named .pdf but its content is a Word (.docx) document',
    );
  });

  it('refuses a legacy .doc renamed .docx', () => {
    const ole = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0, 0]);
    expect(failure('cv.docx', ole).message).toContain('legacy Office file');
  });

  it('refuses binary data named .txt: invalid UTF-8, NUL bytes, many control characters', () => {
    expect(failure('cv.txt', new Uint8Array([0xc3, 0x28, 0x41, 0x42])).status).toBe(415);
    expect(failure('cv.txt', utf8('hello\0world')).status).toBe(415);
    expect(failure('cv.txt', utf8('ab\x01\x02\x03cd\x04\x05')).message).toBe(
      'the file is named .txt but its content is binary data of an unknown kind',
    );
    // A stray control character in a long text is tolerated.
    expect(detectDocumentKind('cv.txt', utf8(`${sampleResumeText}\x1a`))).toBe('txt');
  });

  it('tells a big file’s type from its first 256 KiB, whatever a multi-byte character there is cut at', () => {
    // "é" is 2 bytes: 131,073 of them put a character across the 256 KiB mark.
    const accented = utf8(`x${'é'.repeat(131_073)}`);
    expect(detectDocumentKind('cv.txt', accented)).toBe('txt');
    const binaryTail = new Uint8Array(400 * 1024).fill(0x61);
    binaryTail.set([0, 0xff, 0xfe], 300 * 1024);
    expect(detectDocumentKind('cv.txt', binaryTail)).toBe('txt'); // extraction reads it all and refuses it
    const binaryHead = new Uint8Array(400 * 1024).fill(0x61);
    binaryHead[10] = 0;
    expect(failure('cv.txt', binaryHead).status).toBe(415);
  });

  it('refuses unsupported and missing extensions', () => {
    expect(failure('cv.exe', exe).message).toBe(
      'the file is named .exe; expected a .pdf, .docx or .txt file',
    );
    expect(failure('resume', utf8('hello')).message).toBe(
      'the file has no extension; expected a .pdf, .docx or .txt file',
    );
    expect(failure('cv.pdf.exe', exe).status).toBe(415);
    expect(failure('.pdf', exe).status).toBe(415);
    expect(failure('cv.', exe).status).toBe(415);
  });

  it('says an empty file is unreadable (422), a distinct case from a wrong type', () => {
    const err = failure('cv.pdf', new Uint8Array());
    expect([err.status, err.code, err.message]).toEqual([422, 'unreadable_document', 'the file is empty']);
    expect(failure('cv.exe', new Uint8Array()).status).toBe(415);
  });

  it('reads extensions the way the rules say', () => {
    expect(extensionOf('a.b.PDF')).toBe('pdf');
    expect(extensionOf(' cv.txt ')).toBe('txt');
    expect(extensionOf('dir.pdf/cv')).toBeUndefined();
  });
});
