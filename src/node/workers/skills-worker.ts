import { workerData } from 'piscina';
import { createSkillMatcher, type SkillMatcher } from '../../services/skills/extract';
import { type MatchingTask, runMatchingTask } from '../../services/skills/matching';
import { loadOntology } from '../skills-ontology';

/** Built once per thread, on the first task (a warm-up task at start). */
let matcher: Promise<SkillMatcher> | undefined;

/** Skill matching on the skills thread (src/node/skills-matching.ts). */
export default async function matchTask(task: MatchingTask): Promise<unknown> {
  // The file's path comes from the main thread: this module runs bundled, from another folder.
  const { ontologyFile } = workerData as { ontologyFile: string };
  matcher ??= loadOntology(ontologyFile).then(createSkillMatcher);
  return runMatchingTask(await matcher, task);
}
