import { z } from '@hono/zod-openapi';
import type { Resume } from '../../db/resumes';
import type { ResumeSkill } from '../../db/skills';
import { uuidIdParam } from '../../openapi';
import { OccupationSchema } from '../skills';

/** The shapes of /api/resumes and /api/resume/upload, and the mapping of stored rows to them. */

export const ResumeSchema = z
  .object({
    id: z.string(),
    filename: z.string(),
    content_type: z.string(),
    size_bytes: z.number().int(),
    text_length: z.number().int(),
    chunks_created: z.number().int(),
    is_default: z.boolean(),
    created_at: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Resume');

export const SkillSchema = z.object({
  id: z.string(),
  name: z.string(),
  score: z.number(),
  evidence: z.string().openapi({ description: 'the text the skill was read from (at most 200 characters)' }),
});

export const ResumeDetailSchema = ResumeSchema.extend({
  text: z.string(),
  skills: z.array(SkillSchema),
  occupations: z.array(OccupationSchema),
}).openapi('ResumeDetail');

export const UploadResultSchema = z
  .object({
    resume_id: z.string(),
    message: z.string(),
    chunks_created: z.number().int(),
    text_length: z.number().int(),
    s3_key: z.string(),
    bucket: z.string(),
    skills: z.array(SkillSchema),
    occupations: z.array(OccupationSchema),
  })
  .openapi('ResumeUpload');

export const ResumeIdParams = z.object({ id: uuidIdParam('id') });

export const toResume = (r: Resume): z.infer<typeof ResumeSchema> => ({
  id: r.id,
  filename: r.filename,
  content_type: r.contentType,
  size_bytes: r.sizeBytes,
  text_length: r.textLength,
  chunks_created: r.chunksCreated,
  is_default: r.isDefault,
  created_at: r.createdAt.toISOString(),
});

export const toSkill = (s: ResumeSkill): z.infer<typeof SkillSchema> => ({
  id: s.skillId,
  name: s.name,
  score: s.score,
  evidence: s.evidence,
});
