/** The label dictionary's trie: its entries and nodes, and which entry wins for a label. */
import type { AmbiguousRule, Need } from './rules';

export type Kind = 'name' | 'alias' | 'derived';
const KIND_RANK: Record<Kind, number> = { name: 0, alias: 1, derived: 2 };

export interface Entry {
  skill: number;
  kind: Kind;
  /** The label as the ontology spells it (case matters for the proper-noun and acronym rules). */
  display: string;
  /** Tie-break among skills sharing a label: lower wins. */
  rank: number;
  /** The label's words as written (lower case), to tell apart labels that fold alike. */
  spelling: string;
  need?: Need;
  rule?: AmbiguousRule;
  /** Acronym: the text must be in capitals too. */
  caps?: boolean;
  /** A human language (gets the `language` rule). */
  language?: boolean;
  /** Never matched in text; resolves only (`resolve(label, { derived: false })`). */
  unmatched?: boolean;
}

export interface TrieNode {
  next?: Map<string, TrieNode>;
  /** The best matchable entry for these words. */
  entry?: Entry;
  /** The best entry among the ontology's own labels, matchable or not (for `resolve`). */
  own?: Entry;
  /**
   * When labels spelled differently fold to the same words ("Canva" and "Canvas"), the best entry
   * per spelling: the text's own spelling decides.
   */
  spellings?: Map<string, Entry>;
  ownSpellings?: Map<string, Entry>;
}

/** Puts `entry` on `node` (as its best entry and as the best for its spelling). */
export function place(node: TrieNode, entry: Entry, field: 'entry' | 'own'): void {
  const mapField = field === 'entry' ? 'spellings' : 'ownSpellings';
  const current = node[field];
  let map = node[mapField];
  if (!map && current && current.spelling !== entry.spelling) {
    map = new Map([[current.spelling, current]]);
    node[mapField] = map;
  }
  if (map && better(entry, map.get(entry.spelling))) map.set(entry.spelling, entry);
  if (better(entry, current)) node[field] = entry;
}

/** The entry for the words as spelled in the text. */
export function entryFor(node: TrieNode, field: 'entry' | 'own', spelling: () => string): Entry | undefined {
  const map = field === 'entry' ? node.spellings : node.ownSpellings;
  return map?.get(spelling()) ?? node[field];
}

/** Lower-case words as written, unfolded: "canvas" vs "canva". */
export function spellingOf(raws: string[]): string {
  return raws.join(' ').toLowerCase();
}

function better(a: Entry, b: Entry | undefined): boolean {
  if (!b) return true;
  if (KIND_RANK[a.kind] !== KIND_RANK[b.kind]) return KIND_RANK[a.kind] < KIND_RANK[b.kind];
  return a.rank < b.rank;
}
