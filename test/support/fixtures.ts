/**
 * Generators of resume files for tests (document services and the upload route). Everything is
 * built in memory at test time: no binary fixtures in the repository.
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { Document, Packer, PageBreak, Paragraph, Tab, Table, TableCell, TableRow, TextRun } from 'docx';
import { zipSync } from 'fflate';
import { PDFDocument, StandardFonts } from 'pdf-lib';

export const sampleResumeText = `CLAIRE DUBOIS-MARTÍN
Lyon, France · claire.dubois@example.com · +33 6 12 34 56 78

Summary
Senior backend engineer with 8 years of experience building résumé-parsing pipelines, payment
systems and developer tooling. Comfortable leading small teams and owning services end to end.

Work Experience
Senior Software Engineer — Façade Analytics, Lyon (2020–present)
• Designed a multi-tenant ingestion service in TypeScript and Go handling 40k documents per hour.
• Cut p95 latency of the search API from 900 ms to 120 ms with PostgreSQL indexing and caching.
• Mentored four engineers; introduced code review guidelines and on-call runbooks.

Software Engineer — Société Générale des Données, Paris (2016–2020)
• Built ETL jobs in Python and Apache Spark; migrated batch workloads to Kubernetes.
• Maintained a full-time on-call rotation for the core ledger service.

Education
M.Sc. Computer Science — Université Claude Bernard Lyon 1 (2016)
B.Sc. Mathematics — Universidad de Sevilla, exchange year in Zürich (2014)

Skills: TypeScript, Node.js, Go, Python, PostgreSQL, Redis, Docker, Kubernetes, AWS, Terraform

Languages
French (native), Spanish (fluent), English (fluent), German (intermediate)

CERTIFICATIONS
AWS Certified Solutions Architect – Associate (2021)
Certified Kubernetes Application Developer (2022)
`;

/** A PDF with one page per string; lines wrap at the page width (Helvetica, WinAnsi characters only). */
export async function makePdf(pages: string[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const size = 11;
  for (const text of pages) {
    const page = doc.addPage([595, 842]);
    const width = page.getWidth() - 100;
    let y = page.getHeight() - 60;
    for (const line of wrap(text, (s) => font.widthOfTextAtSize(s, size), width)) {
      if (y < 50) break; // the page is full: tests keep page texts short enough
      if (line) page.drawText(line, { x: 50, y, size, font });
      y -= size * 1.4;
    }
  }
  return doc.save();
}

function wrap(text: string, widthOf: (s: string) => number, max: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      const candidate = line ? `${line} ${word}` : word;
      if (line && widthOf(candidate) > max) {
        lines.push(line);
        line = word;
      } else line = candidate;
    }
    lines.push(line);
  }
  return lines;
}

/** A scanned-looking PDF: one page with an embedded image and no text at all. */
export async function makeImageOnlyPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const png = await doc.embedPng(makeGreyPng(200, 100));
  page.drawImage(png, { x: 50, y: 600, width: 400, height: 200 });
  return doc.save();
}

/** A minimal greyscale PNG with a gradient (so it is not a blank square). */
function makeGreyPng(width: number, height: number): Uint8Array {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = (x * 255) / width;
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale, deflate, no filter, no interlace
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', header),
      chunk('IDAT', zlib.deflateSync(raw)),
      chunk('IEND', Buffer.alloc(0)),
    ]),
  );
}

/**
 * A PDF encrypted with the standard security handler (RC4, revision 2) whose user password is not
 * empty, so readers ask for one. pdf-lib cannot encrypt: it is written by hand, with a correct xref.
 */
export function makeEncryptedPdf(): Uint8Array {
  const hex = (seed: number) =>
    Array.from({ length: 32 }, (_, i) => ((i * 37 + seed * 11) & 0xff).toString(16).padStart(2, '0')).join(
      '',
    );
  const stream = 'BT /F1 12 Tf 72 720 Td (secret) Tj ET'; // never decrypted: the password check fails first
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    `<< /Filter /Standard /V 1 /R 2 /O <${hex(1)}> /U <${hex(2)}> /P -44 >>`,
  ];
  let pdf = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(pdf.length);
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = pdf.length;
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) pdf += `${String(offset).padStart(10, '0')} 00000 n \n`;
  const id = hex(3).slice(0, 32);
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 5 0 R /ID [<${id}> <${id}>] >>\n`;
  pdf += `startxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(pdf);
}

export interface DocxSpec {
  /** One paragraph each; '\t' becomes a tab, '\n' a line break, and the string '\f' a page break. */
  paragraphs: string[];
  /** A table appended after the paragraphs, one string per cell. */
  table?: string[][];
}

export const defaultDocxSpec: DocxSpec = {
  paragraphs: [
    'Jean-Luc Pérez',
    'Experience',
    'Acme Corp\tSenior Developer\t2019–2024',
    'Built the billing service.\nLed a team of 5 engineers & 2 designers.',
    '\f',
    'Education',
    'École Polytechnique, M.Sc. <Computer Science>',
  ],
  table: [
    ['Skill', 'Level'],
    ['TypeScript', 'Expert'],
  ],
};

/** A real .docx made by the `docx` package (what Word would read). */
export async function makeDocx(spec: DocxSpec = defaultDocxSpec): Promise<Uint8Array> {
  const children: Array<Paragraph | Table> = spec.paragraphs.map(docxParagraph);
  if (spec.table) {
    children.push(
      new Table({
        rows: spec.table.map(
          (cells) =>
            new TableRow({
              children: cells.map((text) => new TableCell({ children: [new Paragraph(text)] })),
            }),
        ),
      }),
    );
  }
  const doc = new Document({ sections: [{ children }] });
  return new Uint8Array(await Packer.toBuffer(doc));
}

function docxParagraph(text: string): Paragraph {
  if (text === '\f') return new Paragraph({ children: [new PageBreak()] });
  const runs = text.split('\n').map(
    (line, i) =>
      new TextRun({
        break: i > 0 ? 1 : undefined,
        children: line.split('\t').flatMap((part, j) => (j > 0 ? [new Tab(), part] : [part])),
      }),
  );
  return new Paragraph({ children: runs });
}

export interface ZipBombOptions {
  /** What word/document.xml inflates to. Default 256 MiB. */
  inflatedBytes?: number;
  /**
   * What the headers say about document.xml's uncompressed size: 'lie' (default) claims 2 KiB,
   * 'honest' tells the truth, 'absent' writes zeros and a data descriptor (streaming-zip style),
   * so only counting inflated bytes can stop it.
   */
  headerSizes?: 'lie' | 'honest' | 'absent';
}

/**
 * A .docx-looking zip whose word/document.xml inflates to `inflatedBytes` from a few hundred KB.
 * The content is generated and deflated in 1 MiB pieces, so building it never holds it in memory.
 */
export async function makeDocxZipBomb(options: ZipBombOptions = {}): Promise<Uint8Array> {
  const total = options.inflatedBytes ?? 256 * 1024 * 1024;
  const sizes = options.headerSizes ?? 'lie';
  const part = await bombPart(total);
  const types = Buffer.from(
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
  );
  return buildZip([
    { name: '[Content_Types].xml', method: 0, data: types, crc: zlib.crc32(types), size: types.length },
    {
      name: 'word/document.xml',
      method: 8,
      data: part.data,
      crc: part.crc,
      size: sizes === 'honest' ? total : 2048,
      dataDescriptor: sizes === 'absent',
    },
  ]);
}

/** Deflating 256 MiB takes about a second: each size is made once per test file. */
const bombParts = new Map<number, Promise<{ data: Buffer; crc: number }>>();

function bombPart(total: number): Promise<{ data: Buffer; crc: number }> {
  let part = bombParts.get(total);
  if (!part) {
    part = deflateGenerated(total);
    bombParts.set(total, part);
  }
  return part;
}

async function deflateGenerated(total: number): Promise<{ data: Buffer; crc: number }> {
  const head = '<?xml version="1.0" encoding="UTF-8"?><w:document><w:body>';
  const unit = '<w:p><w:r><w:t>bomb</w:t></w:r></w:p>';
  const piece = Buffer.from(unit.repeat(Math.ceil((1024 * 1024) / unit.length)));
  let crc = 0;
  async function* content(): AsyncGenerator<Buffer> {
    const first = Buffer.from(head).subarray(0, total);
    let written = first.length;
    crc = zlib.crc32(first, crc);
    yield first;
    while (written < total) {
      const next = piece.subarray(0, Math.min(piece.length, total - written));
      crc = zlib.crc32(next, crc);
      written += next.length;
      yield next;
    }
  }
  const compressed: Buffer[] = [];
  for await (const out of Readable.from(content()).pipe(zlib.createDeflateRaw({ level: 9 }))) {
    compressed.push(out as Buffer);
  }
  return { data: Buffer.concat(compressed), crc };
}

interface ZipEntry {
  name: string;
  method: 0 | 8;
  data: Buffer;
  crc: number;
  /** The uncompressed size written in the headers (true or not). */
  size: number;
  /** Zero sizes and CRC in the local header, the real ones in a data descriptor after the data. */
  dataDescriptor?: boolean;
}

/** A zip written field by field, so tests control what the headers say. */
function buildZip(entries: ZipEntry[]): Uint8Array {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const flags = e.dataDescriptor ? 0x08 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(e.method, 8);
    if (!e.dataDescriptor) {
      local.writeUInt32LE(e.crc >>> 0, 14);
      local.writeUInt32LE(e.data.length, 18);
      local.writeUInt32LE(e.size, 22);
    }
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, e.data);
    let descriptorLength = 0;
    if (e.dataDescriptor) {
      const descriptor = Buffer.alloc(16);
      descriptor.writeUInt32LE(0x08074b50, 0);
      descriptor.writeUInt32LE(e.crc >>> 0, 4);
      descriptor.writeUInt32LE(e.data.length, 8);
      descriptor.writeUInt32LE(e.size, 12);
      locals.push(descriptor);
      descriptorLength = descriptor.length;
    }
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + e.data.length + descriptorLength;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directory, end]));
}

/** A zip with ordinary Office-like entries but no word/document.xml (an .xlsx, say). */
export function makeZipWithoutDocument(): Uint8Array {
  return zipSync({
    '[Content_Types].xml': new TextEncoder().encode('<Types/>'),
    'xl/workbook.xml': new TextEncoder().encode('<workbook/>'),
  });
}

/** `text` as UTF-16 with a byte-order mark, little-endian by default. */
export function utf16Bom(text: string, endian: 'le' | 'be' = 'le'): Uint8Array {
  const le = Buffer.from(`\ufeff${text}`, 'utf16le');
  if (endian === 'be') le.swap16();
  return new Uint8Array(le);
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
