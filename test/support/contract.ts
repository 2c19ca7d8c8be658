import type { hc, InferResponseType } from 'hono/client';
import type { AppType } from '../../src/app';

/**
 * The answers of the API as its route definitions type them (`AppType`, what `hc<AppType>` gives
 * clients): tests read bodies through these, not through interfaces of their own, so a field the
 * contract drops or renames fails the type check (`npm test` runs tsc over test/).
 */
type Api = ReturnType<typeof hc<AppType>>['api'];

export type ErrorBody = InferResponseType<Api['jobs'][':id']['$get'], 404>;
export type JobBody = InferResponseType<Api['jobs'][':id']['$get'], 200>;
export type JobListBody = InferResponseType<Api['jobs']['$get'], 200>;
export type MatchBody = InferResponseType<Api['jobs'][':id']['match']['$get'], 200>;
export type RecommendedBody = InferResponseType<Api['jobs']['recommended']['$get'], 200>;
export type ImportSummaryBody = InferResponseType<Api['jobs']['import']['$post'], 200>;
export type SkillSearchBody = InferResponseType<Api['skills']['search']['$get'], 200>;
export type UploadBody = InferResponseType<Api['resume']['upload']['$post'], 201>;
export type ResumeBody = InferResponseType<Api['resumes'][':id']['$get'], 200>;
export type ConversationBody = InferResponseType<Api['conversations'][':id']['$get'], 200>;
export type ApplicationBody = InferResponseType<Api['applications']['$post'], 201>;
export type ApplicationDetailBody = InferResponseType<Api['applications'][':id']['$get'], 200>;
export type ApplicationListBody = InferResponseType<Api['applications']['$get'], 200>;
