/**
 * The match snapshot an application keeps (column `match_snapshot`, JSON on both dialects): what
 * `GET /api/jobs/{id}/match` would have answered for the posting and resume when it was taken.
 * Kept apart from the two schema files so both type the column the same way.
 */
export interface ApplicationMatch {
  score: number;
  matched_skills: { id: string; name: string; type: string; match: 'exact' }[];
  missing_skills: { id: string; name: string; type: string; closest?: { id: string; name: string } }[];
}
