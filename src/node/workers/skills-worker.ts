import { workerData } from 'piscina';
import { createSkillAnalyser, type SkillAnalyser } from '../../services/skills/analyse';
import { type MatchingTask, runMatchingTask } from '../../services/skills/matching';
import { loadOntology } from '../skills-ontology';

/** Built once per thread, on the first task (a warm-up task at start). */
let analyser: Promise<SkillAnalyser> | undefined;

/** Skill matching on the skills thread (src/node/skills-matching.ts). */
export default async function matchTask(task: MatchingTask): Promise<unknown> {
  // The file's path comes from the main thread: this module runs bundled, from another folder.
  const { ontologyFile } = workerData as { ontologyFile: string };
  analyser ??= loadOntology(ontologyFile).then((ontology) => createSkillAnalyser(ontology));
  return runMatchingTask(await analyser, task);
}
