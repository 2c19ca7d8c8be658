import type { ApplicationMatch } from '../../db/schema/application-match';

/**
 * The applications export: CSV as RFC 4180 writes it (fields with a comma, a double quote, CR or LF
 * are quoted, quotes doubled, lines end with CRLF, a header row first), with spreadsheet formula
 * injection guarded: a cell that starts with `=`, `+`, `-` or `@` (or a tab or CR, which some
 * spreadsheets skip before reading a formula) gets a single quote in front, so a notes field or a
 * job title an outside page supplied opens as text, not as a formula.
 */

const formulaStart = /^[=+\-@\t\r]/;
const needsQuotes = /[",\r\n]/;

export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (formulaStart.test(text)) text = `'${text}`;
  return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvLine = (cells: readonly (string | number | null | undefined)[]) =>
  `${cells.map(csvCell).join(',')}\r\n`;

/** What one row is made of: the application as the API shows it. */
export interface CsvApplication {
  id: string;
  status: string;
  title: string;
  company: string;
  location: string | null;
  url: string | null;
  jobId: number | null;
  resumeId: string | null;
  match: ApplicationMatch | null;
  notes: string | null;
  appliedAt: Date | null;
  nextActionAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const csvColumns = [
  'id',
  'status',
  'title',
  'company',
  'location',
  'url',
  'job_id',
  'resume_id',
  'match_score',
  'matched_skills',
  'missing_skills',
  'applied_at',
  'next_action_at',
  'notes',
  'created_at',
  'updated_at',
] as const;

const iso = (date: Date | null) => (date ? date.toISOString() : null);
/** Skill names in one cell, `; ` apart (a skill name has commas more often than semicolons). */
const names = (skills: readonly { name: string }[] | undefined) => skills?.map((s) => s.name).join('; ');

export const csvHeader = () => csvLine(csvColumns);

export function csvRow(application: CsvApplication): string {
  const { match } = application;
  return csvLine([
    application.id,
    application.status,
    application.title,
    application.company,
    application.location,
    application.url,
    application.jobId,
    application.resumeId,
    match?.score,
    names(match?.matched_skills),
    names(match?.missing_skills),
    iso(application.appliedAt),
    iso(application.nextActionAt),
    application.notes,
    iso(application.createdAt),
    iso(application.updatedAt),
  ]);
}
