import {
  createSkillMatcher,
  type JobText,
  type SkillMatcher,
  type SkillMatcherOptions,
  type SkillMatchResult,
} from './extract';
import { createLemmatizer } from './lemmas';
import { createOccupationIndex, type DetectedOccupation, type OccupationIndex } from './occupations';
import type { ExtractedSkill, Ontology, OntologySkill } from './ontology';
import { clausesOf, type LabelSet, labelSets, labelWordWeights, relaxedMatches } from './relaxed';
import { resumeTitleLines } from './titles';

/** What a resume or a job posting is about: its skills (each with its evidence) and occupations. */
export interface TextAnalysis extends SkillMatchResult {
  occupations: DetectedOccupation[];
}

/** Added to a skill named in a job's title, which is the strongest statement of what the job is. */
const TITLE_BONUS = 0.1;
/** Occupations whose skills are tried in other words: the best ones, if they are this sure. */
const RELAXED_OCCUPATIONS = 1;
const RELAXED_MIN_SCORE = 0.25;
/** Occupations (besides the likeliest) whose named tools count without technical context. */
const GATING_MIN_SCORE = 0.3;

/** Named tools and programming languages: the skills a place, a book or a blender can look like. */
function isNamedTool(skill: OntologySkill): boolean {
  return skill.sources.includes('onet') || / \(computer programming\)$/.test(skill.name);
}

/**
 * Skill extraction that reads the work, not just the words:
 * 1. labels and aliases are matched exactly everywhere (./extract.ts), denials left out;
 * 2. the occupations are detected from the role titles and those skills (./occupations.ts);
 * 3. a named tool outside the occupations' profiles counts only in technical context ("Kafka on
 *    the Shore" in a teacher's reading list, "blender" in a kitchen, "ADA accommodations");
 * 4. inside the occupations' own skills, clauses are matched in other words (./relaxed.ts).
 * Every skill keeps the text span it was read from.
 */
export function createSkillAnalyser(ontology: Ontology, options: SkillMatcherOptions = {}) {
  const matcher: SkillMatcher = createSkillMatcher(ontology, options);
  const lemma = createLemmatizer(ontology.lemmas);
  const occupations: OccupationIndex = createOccupationIndex(ontology, lemma);
  const words = labelWordWeights(ontology.skills, lemma);
  const skillById = new Map(ontology.skills.map((s) => [s.id, s]));
  const labelSetsOf = new Map<string, LabelSet[]>();

  /** An occupation's skills as weighed label sets, built on first use. */
  const profileLabelSets = (occupationId: string): LabelSet[] => {
    let sets = labelSetsOf.get(occupationId);
    if (!sets) {
      const profile = occupations.profile(occupationId);
      const skills = profile
        ? [...profile.essential]
            .map((id) => skillById.get(id))
            .filter((s): s is OntologySkill => s !== undefined)
        : [];
      sets = labelSets(skills, lemma, words);
      labelSetsOf.set(occupationId, sets);
    }
    return sets;
  };

  function analyse(text: string, result: SkillMatchResult, titleLines: readonly string[]): TextAnalysis {
    const exactIds = new Set(result.skills.map((s) => s.id));
    const detected = occupations.detect(titleLines, exactIds);
    let skills = result.skills;
    if (detected.length > 0) {
      const allowed = new Set<string>();
      // The occupation the text is most likely about, and any other nearly as likely.
      for (const o of detected.filter((d, i) => i === 0 || d.score >= GATING_MIN_SCORE)) {
        const p = occupations.profile(o.id);
        if (!p) continue;
        for (const set of [p.essential, p.optional, p.technologies]) for (const id of set) allowed.add(id);
      }
      skills = skills.filter((s) => {
        const skill = skillById.get(s.id);
        return !skill || !isNamedTool(skill) || allowed.has(s.id) || s.technical === true;
      });
    }
    const relaxedFrom = detected.filter((o) => o.score >= RELAXED_MIN_SCORE).slice(0, RELAXED_OCCUPATIONS);
    if (relaxedFrom.length > 0) {
      const candidates = relaxedFrom.flatMap((o) => profileLabelSets(o.id));
      const found = new Set(skills.map((s) => s.id));
      const relaxed = relaxedMatches(clausesOf(text, lemma, headingLines(text)), candidates, words, found);
      skills = [...skills, ...relaxed].sort((a, b) => a.span.start - b.span.start);
    }
    return {
      skills: skills.map(withoutContext),
      unmatchedPhrases: result.unmatchedPhrases,
      occupations: detected,
    };
  }

  return {
    matcher,
    occupations,

    /** A resume: its headline and job titles say its occupations. */
    resume(text: string): TextAnalysis {
      return analyse(text, matcher.match(text, { kind: 'resume' }), resumeTitleLines(text));
    },

    /**
     * A job posting: title and description matched as one text (`${title}\n\n${description}`,
     * which the spans point into, returned as `text`). A skill named in the title gets +0.1.
     */
    job(job: JobText): TextAnalysis & { text: string } {
      const title = job.title.replace(/\s+/g, ' ').trim();
      const text = `${title}\n\n${job.description}`;
      const result = matcher.match(text, { kind: 'job' });
      for (const s of result.skills) {
        if (s.span.end <= title.length)
          s.score = Math.min(1, Math.round((s.score + TITLE_BONUS) * 1000) / 1000);
      }
      return { ...analyse(text, result, [title]), text };
    },

    resolve: (label: string) => matcher.resolve(label),
  };
}

export type SkillAnalyser = ReturnType<typeof createSkillAnalyser>;

/** The matcher's context flag is for the analysis only. */
function withoutContext(skill: ExtractedSkill): ExtractedSkill {
  if (skill.technical === undefined) return skill;
  const { technical: _technical, ...rest } = skill;
  return rest;
}

/** Section headings: "Work Experience", "SKILLS", "Education & Certifications:". */
const HEADING =
  /^(?:[\p{L} &/]{0,30}\b(?:experience|education|skills|summary|profile|objective|certifications?|licen[cs]es|languages|projects|references|interests|hobbies|awards|training|competencies|employment|history|qualifications)\b[\p{L} &/]{0,30}:?|[\p{Lu}\s&/]{3,40})$/u;

/** Lines that are headings, the name line or contact details: not statements of work. */
function headingLines(text: string): Set<number> {
  const skip = new Set<number>();
  let first = true;
  text.split('\n').forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed) return;
    if (first || HEADING.test(trimmed) || /@|https?:|www\./.test(trimmed)) skip.add(i);
    first = false;
  });
  return skip;
}
