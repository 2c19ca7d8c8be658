import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerMatching } from '../../src/node/skills-matching';
import { loadOntology } from '../../src/node/skills-ontology';
import { inThreadMatching } from '../../src/services/skills/matching';
import { sampleResumeText } from '../support/fixtures';

describe('createWorkerMatching (the skills thread)', () => {
  let worker: Awaited<ReturnType<typeof createWorkerMatching>>;
  const local = inThreadMatching(() => loadOntology());
  beforeAll(async () => {
    worker = await createWorkerMatching();
  });
  afterAll(() => worker.close());

  it('finds exactly what matching in this thread finds, for a resume and for jobs', async () => {
    expect(await worker.analyseResume(sampleResumeText)).toEqual(await local.analyseResume(sampleResumeText));
    const jobs = [
      { title: 'Senior Go Developer', description: 'Go, PostgreSQL and Kubernetes on AWS.' },
      { title: 'Registered Nurse - ICU', description: 'Administer medication; patient care.' },
    ];
    const found = await worker.analyseJobs(jobs);
    expect(found).toEqual(await local.analyseJobs(jobs));
    expect(found[0]?.skills.map((s) => s.name)).toContain('Go');
  });

  it('resolves a label or alias to its skill, and an unknown one to undefined', async () => {
    expect((await worker.resolve('JS'))?.name).toBe('JavaScript');
    expect(await worker.resolve('not a skill at all')).toBeUndefined();
  });
});
