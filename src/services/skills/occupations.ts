import { contentLemmas, type Lemmatizer } from './lemmas';
import type { Ontology, OntologyOccupation } from './ontology';

/** An occupation a resume or a job posting is about, with how sure the detection is (0..1). */
export interface DetectedOccupation {
  id: string;
  title: string;
  score: number;
}

/** The skills an occupation asks for: ESCO's essential and optional ones, and O*NET's technologies. */
export interface OccupationProfile {
  essential: ReadonlySet<string>;
  optional: ReadonlySet<string>;
  technologies: ReadonlySet<string>;
}

interface Title {
  /** The title's content lemmas, distinct. */
  words: string[];
  /** Occupation id -> how much this title says it (ESCO title, ESCO alternative, O*NET: see the weights). */
  occupations: Map<string, number>;
  /** A one-word title that is no occupation's ESCO title ("technician", "apprentice", "lead"). */
  generic: boolean;
  /** Known from O*NET's titles only. */
  fromOnet: boolean;
}

/** Titles read from the text at most; more would let a long career history outvote its headline. */
const MAX_TITLE_LINES = 6;
/** Occupations reported. */
const MAX_OCCUPATIONS = 3;
/** An occupation below this share of the best one's score is not reported. */
const MIN_SHARE_OF_BEST = 0.2;
/** What a bare head word ("Engineer") gives each occupation it ends the title of. */
const HEAD_WORD_VALUE = 0.1;
/** The weighed share of a title's words a line must hold for the title to count. */
const TITLE_MIN_COVERAGE = 0.7;
/** What title evidence counts against skill evidence. */
const SKILL_WEIGHT = 1.5;
/**
 * What a title says of an occupation: its ESCO title 1, one of ESCO's alternative labels less
 * (they include loose ones: "data analyst" is also a call centre analyst's), an O*NET title of a
 * linked O*NET occupation less still (the link is by title, and O*NET groups several jobs).
 */
const ALT_TITLE_WEIGHT = 0.4;
const ONET_TITLE_WEIGHT = 0.3;

/**
 * Detects the occupations of a resume (its headline and job titles) or a job posting (its title),
 * and knows each occupation's skill profile. Titles are matched as lemma sequences, the longest at
 * each position ("nurse practitioner" before "nurse"); a title that names several occupations
 * ("engineer") splits its weight among them, and the skills already found in the text settle
 * between them (and stand alone when no line names an occupation).
 */
export function createOccupationIndex(ontology: Ontology, lemma: Lemmatizer) {
  const byId = new Map<string, OntologyOccupation>(ontology.occupations.map((o) => [o.id, o]));
  const titles = new Map<string, Title>();
  /** Lemma -> the titles it can find (see `indexTitles`). */
  const titlesWith = new Map<string, Title[]>();
  const escoTitles = new Set(ontology.occupations.map((o) => contentLemmas(o.title, lemma).join(' ')));

  /** `onlyNew`: O*NET's titles only name what ESCO's do not (they would dilute ESCO's own). */
  const addTitle = (title: string, occupation: string, weight: number, onlyNew = false) => {
    const words = [...new Set(contentLemmas(title, lemma))].sort();
    if (words.length === 0 || words.length > 8) return;
    const key = words.join(' ');
    let entry = titles.get(key);
    if (entry && onlyNew && !entry.fromOnet) return;
    if (!entry) {
      entry = {
        words,
        occupations: new Map(),
        generic: words.length === 1 && !escoTitles.has(key),
        fromOnet: onlyNew,
      };
      titles.set(key, entry);
    }
    const prev = entry.occupations.get(occupation) ?? 0;
    if (weight > prev) entry.occupations.set(occupation, weight);
  };

  /** The last word of each ESCO title -> the occupations ("engineer" -> every "... engineer"). */
  const byHead = new Map<string, string[]>();
  for (const o of ontology.occupations) {
    const head = contentLemmas(o.title, lemma).at(-1);
    if (head) byHead.set(head, [...(byHead.get(head) ?? []), o.id]);
  }

  const onetToEsco = new Map<string, string[]>();
  for (const o of ontology.occupations) {
    addTitle(o.title, o.id, 1);
    for (const t of o.altTitles) addTitle(t, o.id, ALT_TITLE_WEIGHT);
    for (const code of o.onet) onetToEsco.set(code, [...(onetToEsco.get(code) ?? []), o.id]);
  }
  for (const o of ontology.onetOccupations) {
    const escoIds = onetToEsco.get(o.code);
    if (!escoIds) continue;
    // O*NET's own titles are lists ("Plumbers, Pipefitters, and Steamfitters"); its alternate
    // titles are the names people use ("Pipe Fitter").
    const list = o.title.includes(',') ? o.altTitles : [o.title, ...o.altTitles];
    for (const t of list) for (const id of escoIds) addTitle(t, id, ONET_TITLE_WEIGHT, true);
  }

  // Profiles, and which occupations list a skill (for detection from skills alone).
  const technologiesOf = new Map(ontology.onetOccupations.map((o) => [o.code, o.technologies]));
  const profiles = new Map<string, OccupationProfile>();
  const occupationsOfSkill = new Map<string, string[]>();
  for (const o of ontology.occupations) {
    const technologies = new Set(o.onet.flatMap((code) => technologiesOf.get(code) ?? []));
    profiles.set(o.id, { essential: new Set(o.essential), optional: new Set(o.optional), technologies });
    for (const id of new Set([...o.essential, ...o.optional, ...technologies])) {
      let list = occupationsOfSkill.get(id);
      if (!list) {
        list = [];
        occupationsOfSkill.set(id, list);
      }
      list.push(o.id);
    }
  }

  /** Title words by rarity among all titles: "hvac" says much, "technician" little. */
  const titlesUsing = new Map<string, number>();
  for (const t of titles.values()) for (const w of t.words) titlesUsing.set(w, (titlesUsing.get(w) ?? 0) + 1);
  const weightOf = (w: string) => Math.log((titles.size + 1) / ((titlesUsing.get(w) ?? 0) + 1));
  // A title is found through its rarest word (a line must hold it whole), or through either of its
  // two rarest words when it has three or more (a line may lack one): "engineer" then finds
  // "engineer" itself, not the 1,500 titles that end in it.
  for (const t of titles.values()) {
    const rarest = [...t.words].sort(
      (a, b) => (titlesUsing.get(a) ?? 0) - (titlesUsing.get(b) ?? 0) || (a < b ? -1 : 1),
    );
    for (const w of rarest.slice(0, t.words.length >= 3 ? 2 : 1)) {
      let list = titlesWith.get(w);
      if (!list) {
        list = [];
        titlesWith.set(w, list);
      }
      list.push(t);
    }
  }

  /**
   * Title evidence: occupation -> score. A title counts when the line holds its words, in any
   * order, or all but one of a title of three or more words when those carry most of its weight
   * ("HVAC Service Technician" holds "HVAC maintenance technician" but for "maintenance"); each
   * occupation takes its best title per line, and lines add up, the first ones (the headline, the
   * latest role) weighing most.
   */
  function fromTitles(lines: readonly string[]): Map<string, number> {
    const scores = new Map<string, number>();
    lines.slice(0, MAX_TITLE_LINES).forEach((line, index) => {
      const lineWeight = Math.max(0.4, 1 - 0.15 * index);
      const words = new Set(contentLemmas(line, lemma));
      const candidates = new Set<Title>();
      for (const w of words) for (const t of titlesWith.get(w) ?? []) candidates.add(t);
      const best = new Map<string, number>();
      // A title the line holds but for a word counts only for a line word that no title it holds
      // whole names ("HVAC" in "HVAC Service Technician", not "Science" in "Science Teacher").
      const covered = new Set<string>();
      for (const t of candidates)
        if (!t.generic && t.words.every((w) => words.has(w))) for (const w of t.words) covered.add(w);
      for (const title of candidates) {
        if (
          !title.words.every((w) => words.has(w)) &&
          title.words.every((w) => covered.has(w) || !words.has(w))
        )
          continue;
        let total = 0;
        let held = 0;
        let missing = 0;
        for (const w of title.words) {
          const weight = weightOf(w);
          total += weight;
          if (words.has(w)) held += weight;
          else missing++;
        }
        const coverage = total > 0 ? held / total : 0;
        // Every word, or all but one of a title of three or more that the line holds most of.
        if (missing > 1 || (missing === 1 && (title.words.length < 3 || coverage < TITLE_MIN_COVERAGE)))
          continue;
        // A generic one-word title ("technician") says little; a specific title says more per word
        // the line holds (a longer title the line holds only part of is no more specific).
        const heldWords = title.words.length - missing;
        const specificity = title.generic ? 0.25 : 1 + 0.5 * (heldWords - 1);
        const value = (coverage * coverage * specificity) / title.occupations.size;
        for (const [id, weight] of title.occupations) {
          const v = value * weight;
          if (v > (best.get(id) ?? 0)) best.set(id, v);
        }
      }
      // A bare head word ("Engineer", "Manager") names no occupation by itself: every occupation
      // whose ESCO title ends in it is a candidate, at a low weight, for the skills to settle.
      if (words.size === 1) {
        const [head] = words;
        for (const id of byHead.get(head!) ?? []) {
          if ((best.get(id) ?? 0) < HEAD_WORD_VALUE) best.set(id, HEAD_WORD_VALUE);
        }
      }
      for (const [id, v] of best) scores.set(id, (scores.get(id) ?? 0) + lineWeight * v);
    });
    return scores;
  }

  /** Skill evidence: the share of the found skills the occupation's profile lists (essential count more). */
  function skillShare(id: string, skills: ReadonlySet<string>): number {
    const profile = profiles.get(id);
    if (!profile || skills.size === 0) return 0;
    let hits = 0;
    for (const s of skills) {
      if (profile.essential.has(s)) hits += 1;
      else if (profile.optional.has(s) || profile.technologies.has(s)) hits += 0.5;
    }
    return hits / Math.max(4, skills.size);
  }

  return {
    /**
     * The likely occupations, best first (at most 3), from role titles (`lines`, most telling
     * first: a headline, then job titles newest first) and the skill ids already found.
     */
    detect(lines: readonly string[], skills: ReadonlySet<string>): DetectedOccupation[] {
      const titles = fromTitles(lines);
      const scored: [string, number][] = [];
      if (titles.size > 0) {
        for (const [id, titleScore] of titles)
          scored.push([id, titleScore * (1 + SKILL_WEIGHT * skillShare(id, skills))]);
      } else {
        // No line names an occupation: the skills alone, at half weight.
        const candidates = new Set<string>();
        for (const s of skills) for (const id of occupationsOfSkill.get(s) ?? []) candidates.add(id);
        for (const id of candidates) scored.push([id, 0.5 * skillShare(id, skills)]);
      }
      scored.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      const best = scored[0]?.[1] ?? 0;
      if (best <= 0) return [];
      const kept = scored.filter(([, s]) => s >= MIN_SHARE_OF_BEST * best).slice(0, MAX_OCCUPATIONS);
      const total = kept.reduce((sum, [, s]) => sum + s, 0);
      return kept.map(([id, s]) => ({
        id,
        title: byId.get(id)?.title ?? id,
        score: Math.round((s / total) * 1000) / 1000,
      }));
    },

    profile(id: string): OccupationProfile | undefined {
      return profiles.get(id);
    },

    get size() {
      return byId.size;
    },
  };
}

export type OccupationIndex = ReturnType<typeof createOccupationIndex>;
