import { describe, expect, it } from 'vitest';
import { normaliseText } from '../../../src/services/documents/normalise';

describe('normaliseText', () => {
  it('composes to NFC and spells out ligatures', () => {
    expect(normaliseText('Re\u0301sume\u0301 ﬁnance')).toBe('Résumé finance');
  });

  it('turns CRLF and CR into LF and form feeds into a blank line', () => {
    expect(normaliseText('a\r\nb\rc\fd')).toBe('a\nb\nc\n\nd');
  });

  it('removes soft hyphens, zero-width characters and control characters', () => {
    expect(normaliseText('de\u00advel\u200bop\u200dment\ufeff \x07ok')).toBe('development ok');
  });

  it('joins words hyphenated at a line end but keeps real hyphens', () => {
    expect(normaliseText('software develop-\nment and full-time work')).toBe(
      'software development and full-time work',
    );
    expect(normaliseText('develop-  \n   ment')).toBe('development');
    expect(normaliseText('2019-\n2021')).toBe('2019-\n2021');
    expect(normaliseText('C-\nSuite')).toBe('C-\nSuite');
  });

  it('turns bullets at the start of a line into "- "', () => {
    const input = [
      '• one',
      '◦two',
      '▪ three',
      '● four',
      '‣ five',
      '– six',
      '— seven',
      '* eight',
      '\uf0b7 nine',
    ];
    expect(normaliseText(input.join('\n')).split('\n')).toEqual([
      '- one',
      '- two',
      '- three',
      '- four',
      '- five',
      '- six',
      '- seven',
      '- eight',
      '- nine',
    ]);
    expect(normaliseText('•\nLone bullet')).toBe('- Lone bullet');
    expect(normaliseText('2019 – 2021 and *emphasis*')).toBe('2019 – 2021 and *emphasis*');
  });

  it('collapses blanks: spaces to one space, runs with a tab to one tab', () => {
    expect(normaliseText('a    b\u00a0\u00a0c')).toBe('a b c');
    expect(normaliseText('Acme\t\t 2019')).toBe('Acme\t2019');
  });

  it('trims lines, keeps at most one blank line and trims the text', () => {
    expect(normaliseText('\n\n  a  \n\n\n\n   b\n \n\t\n c \n\n')).toBe('a\n\nb\n\nc');
  });

  it('is idempotent', () => {
    const once = normaliseText('• Développe-\nment\r\n\r\n\r\n  Full-time\t\tjob ');
    expect(normaliseText(once)).toBe(once);
  });
});
