import { describe, expect, it } from 'vitest';
import { parseCsvText, splitCsvRecord } from '../src/csv';

describe('parseCsvText', () => {
  it('parses quoted CSV fields with commas, quotes and line breaks', () => {
    const csv = '\ufeffa,b,c\r\n1,"x, ""y""\nz",\r\n"",2,3\n';
    expect(parseCsvText(csv)).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, "y"\nz', ''],
      ['', '2', '3'],
    ]);
  });

  it('skips blank lines, reads a last record without a line break, and keeps other CRs as data', () => {
    expect(parseCsvText('a,b\n\n\r\nc,d')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(parseCsvText('a\rb\n"x\r\ny"\r\n')).toEqual([['a\rb'], ['x\r\ny']]);
    expect(parseCsvText('')).toEqual([]);
  });

  it('reads a quote inside an unquoted field as text, as the importer does', () => {
    expect(parseCsvText('title,company\n5\'10" tall,B\n')).toEqual([
      ['title', 'company'],
      ['5\'10" tall', 'B'],
    ]);
  });

  it('throws on a malformed record, naming the line it starts on', () => {
    expect(() => parseCsvText('a,"b\n')).toThrow('CSV line 1: an unterminated quote in field 2');
    expect(() => parseCsvText('a,"b"c\n')).toThrow('CSV line 1: text after the closing quote of field 2');
    expect(() => parseCsvText('x\n"y\nz"\na,"b"c\n')).toThrow(/^CSV line 4: text after the closing quote/);
  });
});

describe('splitCsvRecord', () => {
  it('splits one record, or says what is wrong with it', () => {
    expect(splitCsvRecord('a,"b, ""c""",')).toEqual(['a', 'b, "c"', '']);
    expect(splitCsvRecord('')).toEqual(['']);
    expect(splitCsvRecord('a,"b')).toBe('an unterminated quote in field 2');
    expect(splitCsvRecord('"a"b')).toBe('text after the closing quote of field 1');
  });
});
