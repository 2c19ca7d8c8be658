import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, csvHeader, csvLine, csvRow } from '../../../src/services/applications/csv';

/** An RFC 4180 reader for one record (the test's own, to check the writer against). */
function parseRecord(text: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) throw new Error('unterminated quoted field');
        cell += text.slice(i, quote);
        i = quote + 1;
        if (text[i] === '"') {
          cell += '"';
          i++;
        } else break;
      }
    } else {
      const end = text.slice(i).search(/,|\r\n/);
      cell = end === -1 ? text.slice(i) : text.slice(i, i + end);
      if (cell.includes('"') || cell.includes('\n') || cell.includes('\r'))
        throw new Error(`unquoted field with a quote or line break: ${JSON.stringify(cell)}`);
      i += cell.length;
    }
    cells.push(cell);
    if (text.startsWith('\r\n', i)) {
      if (i + 2 !== text.length) throw new Error('text after the end of the record');
      return cells;
    }
    if (text[i] !== ',') throw new Error(`expected a comma at ${i}`);
    i++;
  }
}

describe('csvCell', () => {
  it.each([
    [null, ''],
    [undefined, ''],
    ['plain', 'plain'],
    [42, '42'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['carriage\rreturn', '"carriage\rreturn"'],
  ])('writes %j as %j', (value, written) => {
    expect(csvCell(value)).toBe(written);
  });

  it.each([
    ['=1+1', "'=1+1"],
    ['+44 20 7946 0958', "'+44 20 7946 0958"],
    ['-2', "'-2"],
    ['@SUM(A1:A2)', "'@SUM(A1:A2)"],
    ['\tleading tab', "'\tleading tab"],
    ['\rleading CR', `"'\rleading CR"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
  ])('defuses a cell that a spreadsheet would read as a formula: %j', (value, written) => {
    expect(csvCell(value)).toBe(written);
  });

  it('leaves a formula character that is not first alone', () => {
    expect(csvCell('a=b+c-d@e')).toBe('a=b+c-d@e');
  });
});

describe('csvLine', () => {
  it('reads back as the cells written, a formula start behind a quote', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 6 }), (cells) => {
        const read = parseRecord(csvLine(cells));
        expect(read).toEqual(cells.map((cell) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell)));
      }),
      { seed: 4180, numRuns: 500 },
    );
  });
});

describe('csvRow', () => {
  it('writes every column of the header, in order, skills by name', () => {
    const row = csvRow({
      id: '0b5f6a4e-2a53-4f7e-9c1d-8f3e2b1a4c5d',
      status: 'applied',
      title: 'Backend Engineer',
      company: 'Blue Fin Labs',
      location: null,
      url: 'https://example.com/job',
      jobId: 7,
      resumeId: null,
      match: {
        score: 50,
        matched_skills: [{ id: 'a', name: 'Python', type: 'skill', match: 'exact' }],
        missing_skills: [
          { id: 'b', name: 'Kubernetes', type: 'technology' },
          { id: 'c', name: 'Go', type: 'skill' },
        ],
      },
      notes: null,
      appliedAt: new Date('2026-01-02T03:04:05Z'),
      nextActionAt: null,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      updatedAt: new Date('2026-01-02T03:04:05Z'),
    });
    const header = parseRecord(csvHeader());
    const cells = parseRecord(row);
    expect(Object.fromEntries(header.map((name, i) => [name, cells[i]]))).toEqual({
      id: '0b5f6a4e-2a53-4f7e-9c1d-8f3e2b1a4c5d',
      status: 'applied',
      title: 'Backend Engineer',
      company: 'Blue Fin Labs',
      location: '',
      url: 'https://example.com/job',
      job_id: '7',
      resume_id: '',
      match_score: '50',
      matched_skills: 'Python',
      missing_skills: 'Kubernetes; Go',
      applied_at: '2026-01-02T03:04:05.000Z',
      next_action_at: '',
      notes: '',
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-02T03:04:05.000Z',
    });
  });
});
