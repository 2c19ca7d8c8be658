import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/clock';
import { createApplicationStore } from '../../../src/db/applications';
import { createJobStore } from '../../../src/db/jobs';
import { createResumeStore } from '../../../src/db/resumes';
import type { JobSkill } from '../../../src/db/skills';
import { createSkillStore } from '../../../src/db/skills';
import { createUserStore } from '../../../src/db/users';
import { silentLogger } from '../../../src/logger';
import { createApplicationService } from '../../../src/services/applications/service';
import { matchSnapshot } from '../../../src/services/applications/snapshot';
import type { SkillsService } from '../../../src/services/skills/skills';
import { createTestDatabase, type TestDatabase } from '../../support/databases';

const python: JobSkill = { skillId: 'py', name: 'Python', type: 'skill', weight: 1 };
const docker: JobSkill = { skillId: 'docker', name: 'Docker', type: 'technology', weight: 1 };
const kubernetes: JobSkill = { skillId: 'k8s', name: 'Kubernetes', type: 'technology', weight: 2 };
const noRelated = (): readonly string[] => [];

describe('matchSnapshot', () => {
  it('is what scoreMatch finds: score, matched and missing skills (with the closest related one)', () => {
    const related = (id: string) => (id === 'k8s' ? ['docker'] : []);
    expect(
      matchSnapshot(
        [python, kubernetes],
        [
          { skillId: 'py', name: 'Python' },
          { skillId: 'docker', name: 'Docker' },
        ],
        related,
      ),
    ).toEqual({
      // Python 1 + half of Kubernetes' 2, of 3.
      score: 67,
      matched_skills: [{ id: 'py', name: 'Python', type: 'skill', match: 'exact' }],
      missing_skills: [
        { id: 'k8s', name: 'Kubernetes', type: 'technology', closest: { id: 'docker', name: 'Docker' } },
      ],
    });
  });

  it.each([
    ['no resume', [python], undefined],
    ['a resume without skills', [python], []],
    ['a posting without skills', [], [{ skillId: 'py', name: 'Python' }]],
  ])('is null with %s', (_name, jobSkills, resumeSkills) => {
    expect(matchSnapshot(jobSkills, resumeSkills, noRelated)).toBeNull();
  });
});

describe('the snapshot of an outside posting', () => {
  let db: TestDatabase;
  let userId: number;

  beforeAll(async () => {
    db = await createTestDatabase('libsql');
    userId = (
      await createUserStore(db.database).createIfAbsent(
        { auth0Sub: 'auth0|snapshot', email: null, name: null, picture: null },
        new Date(),
      )
    ).id;
    await createResumeStore(db.database).create(
      {
        id: crypto.randomUUID(),
        userId,
        filename: 'cv.txt',
        contentType: 'text/plain',
        sizeBytes: 10,
        bucket: 'local',
        storageKey: 'resumes/snapshot/cv.txt',
        text: 'Python',
        chunks: [{ index: 0, section: null, content: 'Python' }],
        skills: [
          { skillId: 'py', name: 'Python', type: 'skill', score: 1, method: 'label', evidence: 'Python' },
        ],
        skillsStatus: 'complete',
      },
      new Date(),
    );
  });
  afterAll(async () => {
    await db.dispose();
  });

  function service(skills: Pick<SkillsService, 'extractFromJobs' | 'relatedOf'>) {
    return createApplicationService({
      store: createApplicationStore(db.database),
      jobs: createJobStore(db.database),
      resumes: createResumeStore(db.database),
      skillStore: createSkillStore(db.database),
      skills,
      clock: systemClock,
      logger: silentLogger,
    });
  }
  const posting = {
    title: 'Data Engineer',
    company: 'Numbers & Co',
    url: 'https://example.com/job',
    location: null,
    description: 'Python and Docker pipelines.',
  };

  it('reads the skills of its description with the skills service', async () => {
    const read: { title: string; description: string }[] = [];
    const application = await service({
      async extractFromJobs(jobs) {
        read.push(...jobs);
        return jobs.map(() => ({ skills: [python, docker], status: 'complete' as const, occupations: [] }));
      },
      relatedOf: async () => noRelated,
    }).create(userId, { posting, status: 'saved' });
    expect(read).toEqual([{ title: 'Data Engineer', description: 'Python and Docker pipelines.' }]);
    expect(application.match).toMatchObject({ score: 50, missing_skills: [{ name: 'Docker' }] });
  });

  it('keeps the application without a snapshot when reading the skills fails', async () => {
    const application = await service({
      extractFromJobs: async () => {
        throw new Error('ontology unavailable');
      },
      relatedOf: async () => noRelated,
    }).create(userId, { posting, status: 'applied' });
    expect(application).toMatchObject({ title: 'Data Engineer', status: 'applied', match: null });
  });
});
