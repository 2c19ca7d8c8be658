import { describe, expect, it } from 'vitest';
import { chunkText } from '../../../src/services/documents/chunk';
import { normaliseText } from '../../../src/services/documents/normalise';
import { sampleResumeText } from '../../support/fixtures';

const resume = normaliseText(sampleResumeText);

function longSection(paragraphs: number): string {
  const sentence = 'Delivered a measurable improvement to the platform used by thousands of customers.';
  return Array.from({ length: paragraphs }, (_, p) =>
    Array.from({ length: 4 }, (_, s) => `${sentence.replace('a measurable', `change ${p}.${s} as a`)}`).join(
      ' ',
    ),
  ).join('\n\n');
}

describe('chunkText', () => {
  it('names sections from known headings, ALL-CAPS lines and inline "Skills:" headings', () => {
    const chunks = chunkText(resume);
    expect(chunks.map((c) => c.section)).toEqual([
      null,
      'Summary',
      'Experience',
      'Education',
      'Skills',
      'Languages',
      'Certifications',
    ]);
    expect(chunks[0]!.content).toContain('CLAIRE DUBOIS-MARTÍN'); // the ALL-CAPS name is not a heading
    expect(chunks[4]!.content).toBe(
      'TypeScript, Node.js, Go, Python, PostgreSQL, Redis, Docker, Kubernetes, AWS, Terraform',
    );
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(
      chunks.every((c) => !/^(Summary|Work Experience|Education|Languages|CERTIFICATIONS)$/m.test(c.content)),
    ).toBe(true);
  });

  it('recognises heading variants', () => {
    const text = [
      'Intro line',
      'PROFESSIONAL EXPERIENCE',
      'a',
      'Technical Skills:',
      'b',
      '## Awards & Honors',
      'c',
      'Volunteer Work',
      'd',
      'LEADERSHIP & ACTIVITIES',
      'e',
      'employment history',
      'f',
    ].join('\n');
    expect(chunkText(text).map((c) => [c.section, c.content])).toEqual([
      [null, 'Intro line'],
      ['Experience', 'a'],
      ['Skills', 'b'],
      ['Awards', 'c'],
      ['Volunteer', 'd'],
      ['Leadership & Activities', 'e'],
      ['Experience', 'f'],
    ]);
  });

  it('does not take short upper-case tokens, sentences or contact lines for headings', () => {
    const text = 'Name\nAWS\nPARIS, FRANCE\nSkills are important to me.\nEXPERIENCE 2020';
    expect(chunkText(text)).toEqual([{ index: 0, section: null, content: text }]);
  });

  it('never exceeds maxChars and overlaps consecutive chunks of a section at a word boundary', () => {
    const text = `Experience\n${longSection(12)}\nEducation\nM.Sc.`;
    for (const [maxChars, overlapChars] of [
      [1000, 150],
      [400, 80],
      [200, 0],
    ] as const) {
      const chunks = chunkText(text, { maxChars, overlapChars });
      expect(chunks.every((c) => c.content.length <= maxChars && c.content.trim() === c.content)).toBe(true);
      const experience = chunks.filter((c) => c.section === 'Experience');
      expect(experience.length).toBeGreaterThan(2);
      for (let i = 1; i < experience.length; i++) {
        const previous = experience[i - 1]!.content;
        const current = experience[i]!.content;
        if (overlapChars === 0) continue;
        // The new chunk starts with the tail of the previous one, cut at a word boundary.
        const overlap = longestTailPrefix(previous, current);
        expect(overlap.length).toBeGreaterThan(0);
        expect(overlap.length).toBeLessThanOrEqual(overlapChars);
        expect(previous.at(-overlap.length - 1)).toMatch(/\s/);
      }
      expect(chunks.at(-1)).toMatchObject({ section: 'Education', content: 'M.Sc.' });
    }
  });

  it('keeps every word of the text, in order', () => {
    const text = `Experience\n${longSection(6)}`;
    const chunks = chunkText(text, { maxChars: 300, overlapChars: 50 });
    const words = text.split(/\s+/).slice(1);
    const seen = new Set(chunks.flatMap((c) => c.content.split(/\s+/)));
    expect(words.every((w) => seen.has(w))).toBe(true);
  });

  it('splits a paragraph without punctuation at words, and a giant word by force', () => {
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const blob = 'x'.repeat(2500);
    const chunks = chunkText(`Projects\n${words}\n\n${blob}`, { maxChars: 500, overlapChars: 50 });
    expect(chunks.every((c) => c.content.length <= 500 && c.content.length > 0)).toBe(true);
    expect(chunks.map((c) => c.content).join('')).toContain('x'.repeat(400));
  });

  it('is deterministic and drops empty sections', () => {
    const text = `${resume}\nProjects\n\nPublications\n   \n`;
    expect(chunkText(text)).toEqual(chunkText(text));
    expect(chunkText(text).some((c) => c.section === 'Projects' || c.section === 'Publications')).toBe(false);
    expect(chunkText('')).toEqual([]);
  });

  it('rejects nonsensical options', () => {
    expect(() => chunkText('a', { maxChars: 100, overlapChars: 60 })).toThrow(RangeError);
    expect(() => chunkText('a', { maxChars: 0 })).toThrow(RangeError);
  });
});

/** The longest end of `previous` that `current` starts with. */
function longestTailPrefix(previous: string, current: string): string {
  for (let length = Math.min(previous.length, current.length); length > 0; length--) {
    const tail = previous.slice(previous.length - length);
    if (current.startsWith(tail) && /\S/.test(tail[0] ?? '')) return tail;
  }
  return '';
}
