/** Unmatched phrases: skills-list entries and short bullet items with no accepted label, for the vector lookup. */
import type { Candidate } from './evidence';
import { countWords, type LineInfo, overlapIndex } from './lines';
import type { UnmatchedPhrase } from './types';

const FLUENCY_ONLY =
  /^(?:native|fluent|bilingual|conversational|basic|intermediate|advanced|professional|working|proficient|beginner|elementary|[abc][12])$/i;

export function unmatched(
  text: string,
  lines: LineInfo[],
  accepted: Candidate[],
  blocked: Array<[number, number]>,
  maxWords: number,
): UnmatchedPhrase[] {
  const out: UnmatchedPhrase[] = [];
  const seen = new Set<string>();
  const isAccepted = overlapIndex(accepted.map((c) => [c.start, c.end] as const));
  const isBlocked = overlapIndex(blocked);
  const covered = (s: number, e: number) => isAccepted(s, e) || isBlocked(s, e);
  const push = (s: number, e: number) => {
    const raw = text.slice(s, e);
    const phrase = raw.replace(/^[\s"'“‘*&+-]+|(?<![\s"'”’.:*&+-])[\s"'”’.:*&+-]+$/g, '');
    if (!phrase || !/\p{L}{2}/u.test(phrase) || FLUENCY_ONLY.test(phrase)) return;
    const words = countWords(phrase);
    if (words === 0 || words > maxWords) return;
    if (/^(?:and|or|etc|e\.g|i\.e)$/i.test(phrase)) return;
    const start = s + raw.indexOf(phrase);
    const key = phrase.toLowerCase();
    if (covered(start, start + phrase.length) || seen.has(key)) return;
    seen.add(key);
    out.push({ text: phrase, start, end: start + phrase.length });
  };
  for (const line of lines) {
    if (line.heading || line.name || line.segments.length === 0) continue;
    if (line.skills && (line.listLike || line.bullet || line.segments.length === 1)) {
      for (const seg of line.segments) push(seg.start, seg.end);
    } else if (line.bullet && line.segments.length <= 3) {
      const s = line.contentStart;
      const e = line.segments[line.segments.length - 1]!.end;
      if (countWords(text.slice(s, e)) <= maxWords) push(s, e);
    }
  }
  return out.sort((a, b) => a.start - b.start);
}
