/** Hostile but well-formed inputs shared by tests (bench/stall.ts builds its own at full size). */
import { PDFDocument, StandardFonts } from 'pdf-lib';

const dense = new Map<number, Promise<Uint8Array>>();

/**
 * A PDF of `pages` pages (50: the reader's page cap) of tiny text runs, about 100 ms of pdf.js work
 * a page, well formed. Built once per size and test file; each call gets its own copy.
 */
export async function densePdf(pages = 50): Promise<Uint8Array> {
  // A copy each time: a reader may take the buffer it is given (to another thread).
  const cached = dense.get(pages);
  if (cached) return (await cached).slice();
  const made = (async () => {
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    for (let p = 0; p < pages; p++) {
      const page = doc.addPage([595, 842]);
      for (let i = 0; i < 2_600; i++) {
        page.drawText('ab', { x: 20 + (i % 50) * 11, y: 20 + Math.floor(i / 50) * 15, size: 4, font });
      }
    }
    return doc.save({ useObjectStreams: false });
  })();
  dense.set(pages, made);
  return (await made).slice();
}
