import { describe, expect, it } from 'vitest';
import { resumeTitleLines, titleCoverage, titleWords } from '../../../src/services/skills/titles';

describe('resumeTitleLines', () => {
  it('reads the headline and the role of "Role, Employer (dates)" lines', () => {
    const text = [
      'JOSE RAMIREZ',
      'Licensed Journeyman Electrician',
      'San Antonio, TX | (210) 555-0107 | jose@example.com',
      '',
      'EXPERIENCE',
      'Journeyman Electrician - Alamo Electrical Contractors, San Antonio, TX (2017 - present)',
      '- Installed lighting in 2019 for a hospital wing',
      'Apprentice Electrician, Bexar Electric (2013 - 2017)',
    ].join('\n');
    expect(resumeTitleLines(text)).toEqual([
      'Licensed Journeyman Electrician',
      'Journeyman Electrician',
      'Apprentice Electrician',
    ]);
  });

  it('takes the role from the line above an "Employer | dates" line, and skips headings, degrees and places', () => {
    const text = [
      'Angela Brooks',
      'Columbus, OH',
      'Summary',
      'Work Experience',
      'Staff Nurse, Intensive Care Unit',
      'Riverside University Hospital, Columbus, OH | 2018 - Present',
      'Education',
      'Bachelor of Science in Nursing, Ohio State University, 2015',
    ].join('\n');
    expect(resumeTitleLines(text)).toEqual(['Staff Nurse']);
  });

  it('finds nothing in a text without short headline lines or dated roles', () => {
    const text =
      'Dana Lee\ndana@example.com\nI like building things that people use every single day at work.';
    expect(resumeTitleLines(text)).toEqual([]);
  });
});

describe('titleCoverage', () => {
  const roles = new Set(titleWords('Staff Nurse Registered Nurse'));

  it('is 1 when the resume names every word of the title, grades aside', () => {
    expect(titleCoverage(roles, 'Senior Registered Nurse')).toBe(1);
    expect(titleCoverage(roles, 'Registered Nurses')).toBe(1);
  });

  it('is the share of the title words named, 0 for none', () => {
    expect(titleCoverage(roles, 'Nurse Practitioner')).toBe(0.5);
    expect(titleCoverage(roles, 'Welder')).toBe(0);
    expect(titleCoverage(roles, 'Senior')).toBe(0);
  });
});
