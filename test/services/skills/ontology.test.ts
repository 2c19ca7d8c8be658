import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  englishVocabulary,
  nameKey,
  onetNameForms,
  parseCsv,
  slugify,
} from '../../../scripts/derive-skills-ontology';
import { DEFAULT_ONTOLOGY_FILE, loadOntology } from '../../../src/node/skills-ontology';
import type { Ontology, OntologySkill } from '../../../src/services/skills/ontology';
import { ontologyIndex, parseOntology } from '../../../src/services/skills/ontology-data';

describe('data/skills-ontology.json', () => {
  let ontology: Ontology;
  /** Lowercased name or alternative label -> the skills carrying it. */
  const byLabel = new Map<string, OntologySkill[]>();
  const find = (label: string) => byLabel.get(label.toLowerCase()) ?? [];

  beforeAll(async () => {
    ontology = await loadOntology();
    for (const s of ontology.skills) {
      for (const label of [s.name, ...s.altLabels]) {
        const key = label.toLowerCase();
        byLabel.set(key, [...(byLabel.get(key) ?? []), s]);
      }
    }
  });

  it('parses quickly and carries both attributions', () => {
    const json: unknown = JSON.parse(readFileSync(DEFAULT_ONTOLOGY_FILE, 'utf8'));
    const started = performance.now();
    parseOntology(json);
    expect(performance.now() - started).toBeLessThan(100);
    expect(ontology.skills.length).toBeGreaterThan(20_000);
    expect(ontology.version).toMatch(/^[0-9a-f]{12}$/);
    expect(ontology.attribution.join('\n')).toContain('ESCO classification of the European Commission');
    expect(ontology.attribution.join('\n')).toContain('O*NET 29.2 Database');
  });

  it('has unique ids in order, related ids that exist, and no self-relations', () => {
    const { byId } = ontologyIndex(ontology);
    expect(byId.size).toBe(ontology.skills.length);
    const ids = ontology.skills.map((s) => s.id);
    expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // Collected rather than asserted one by one: 20k+ skills.
    const problems: string[] = [];
    for (const s of ontology.skills) {
      if (s.related.length > 12) problems.push(`${s.id}: ${s.related.length} related`);
      if (s.related.includes(s.id)) problems.push(`${s.id}: related to itself`);
      for (const rel of s.related) if (!byId.has(rel)) problems.push(`${s.id}: unknown related ${rel}`);
      const labels = [s.name, ...s.altLabels].map((l) => l.toLowerCase());
      if (new Set(labels).size !== labels.length) problems.push(`${s.id}: repeated labels`);
    }
    expect(problems).toEqual([]);
  });

  it('merges O*NET "Python" into ESCO "Python (computer programming)"', () => {
    const [python, ...others] = find('Python');
    expect(others).toEqual([]);
    expect(python).toMatchObject({
      name: 'Python (computer programming)',
      type: 'technology',
      sources: ['esco', 'onet'],
      hot: true,
      inDemand: true,
    });
    expect(python?.id).toMatch(/^esco:[0-9a-f-]{36}$/);
  });

  it('finds the skills resumes mention by name or alias', () => {
    for (const label of [
      'JavaScript',
      'JS',
      'TypeScript',
      'React',
      'ReactJS',
      'Kubernetes',
      'k8s',
      'SQL',
      'PostgreSQL',
      'Postgres',
      'Excel',
      'Figma',
      'AutoCAD',
      'AWS',
      'Docker',
      'Git',
      'C#',
      'C++',
      'Golang',
      'Node',
      'Node.js',
      'Vue.js',
      '.NET',
      'GCP',
      'Google Cloud',
      'Amazon Web Services',
      'Azure',
      'CI/CD',
      'ML',
      'machine learning',
      'NLP',
      'NoSQL',
      'PowerPoint',
      'Salesforce',
      'SAP',
      'Photoshop',
      'Adobe Illustrator',
      'InDesign',
      'Tableau',
      'Power BI',
      'GitHub',
      'Terraform',
      'Jenkins',
      'CPR',
      'EHR',
      'EMR',
      'Epic',
      'phlebotomy',
      'wound care',
      'medication administration',
    ]) {
      expect(find(label).length, label).toBeGreaterThan(0);
    }
    // C, C# and C++ are three skills.
    expect(new Set([...find('C'), ...find('C#'), ...find('C++')].map((s) => s.id)).size).toBe(3);
    // Nursing care as ESCO words it ("implement nursing care", "plan nursing care", ...).
    const nursing = ontology.skills.filter((s) => /nursing care/.test(s.name) && s.type === 'skill');
    expect(nursing.length).toBeGreaterThan(5);
    expect(find('implement nursing care')).toHaveLength(1);
  });

  it('keeps vendor-less aliases that name the product and drops ordinary words', () => {
    expect(find('Excel').map((s) => s.name)).toContain('Microsoft Excel');
    expect(find('Spark').map((s) => s.name)).toContain('Apache Spark');
    expect(find('JIRA').map((s) => s.name)).toEqual(['Atlassian JIRA']);
    expect(find('Docs')).toEqual([]);
    // ESCO's "database" (the knowledge), not "Oracle Database" or "Teradata Database" by a bare word.
    expect(find('Database').map((s) => s.name)).toEqual(['database']);
  });
});

describe('parseOntology', () => {
  const skill = (id: string, extra: Partial<OntologySkill> = {}): OntologySkill => ({
    id,
    name: id,
    type: 'technology',
    altLabels: [],
    sources: ['onet'],
    hot: false,
    inDemand: false,
    related: [],
    ...extra,
  });
  const ontology = (skills: unknown[]) => ({ version: 'v1', attribution: ['x'], skills });

  it('accepts a well-formed ontology', () => {
    const parsed = parseOntology(ontology([skill('onet:a', { related: ['onet:b'] }), skill('onet:b')]));
    expect(parsed.skills.map((s) => s.id)).toEqual(['onet:a', 'onet:b']);
  });

  it('names the first bad record', () => {
    const bad = { ...skill('onet:b'), type: 'tool' };
    expect(() => parseOntology(ontology([skill('onet:a'), bad]))).toThrow(
      /skills\[1\] \(onet:b\) \.type must be/,
    );
    expect(() => parseOntology(ontology([skill('onet:a'), { ...skill('onet:b'), hot: 'yes' }]))).toThrow(
      /skills\[1\] \(onet:b\) \.hot/,
    );
    expect(() => parseOntology(ontology([skill('onet:a'), skill('onet:a')]))).toThrow(/skills\[1\].*repeats/);
    expect(() => parseOntology(ontology([skill('onet:a', { related: ['onet:zz'] })]))).toThrow(
      /skills\[0\] \(onet:a\) \.related has onet:zz/,
    );
    expect(() => parseOntology(ontology([skill('onet:a', { related: ['onet:a'] })]))).toThrow(/itself/);
    expect(() => parseOntology(ontology([{ ...skill('x'), id: 'Bad Id' }]))).toThrow(/skills\[0\]\.id/);
    expect(() => parseOntology({ version: 'v1', skills: [] })).toThrow(/"attribution"/);
  });
});

describe('derive-skills-ontology', () => {
  it('parses quoted CSV fields with commas, quotes and line breaks', () => {
    const csv = '\ufeffa,b,c\r\n1,"x, ""y""\nz",\r\n"",2,3\n';
    expect(parseCsv(csv)).toEqual([
      ['a', 'b', 'c'],
      ['1', 'x, "y"\nz', ''],
      ['', '2', '3'],
    ]);
    expect(() => parseCsv('a,"b\n')).toThrow(/unterminated/);
    expect(() => parseCsv('a,"b"c\n')).toThrow(/after a quoted field/);
  });

  it('normalises names only in safe ways', () => {
    expect(nameKey('Python (computer programming)')).toBe(nameKey('Python'));
    expect(nameKey('Objective-C')).toBe(nameKey('Objective C'));
    expect(nameKey('unified modelling language')).toBe(nameKey('Unified modeling language'));
    expect(nameKey('Node.js')).not.toBe(nameKey('NodeJS'));
    expect(new Set(['C', 'C#', 'C++'].map(nameKey)).size).toBe(3);
    expect(['C', 'C#', 'C++', 'Node.js', 'Systèmes X'].map(slugify)).toEqual([
      'c',
      'c-sharp',
      'c-plus-plus',
      'node-js',
      'systemes-x',
    ]);
  });

  it('derives the shorter names people write', () => {
    const english = englishVocabulary([
      'you can spark joy and read the docs of the database with risk management',
    ]);
    const forms = (name: string) => onetNameForms(name, false, english);
    expect(forms('Microsoft Excel').ambiguous).toEqual(['Excel']);
    expect(forms('Atlassian JIRA').aliases).toEqual(['JIRA']);
    expect(forms('Structured query language SQL').aliases).toEqual(['Structured query language', 'SQL']);
    expect(forms('Amazon Web Services AWS software').aliases).toEqual([
      'Amazon Web Services AWS',
      'Amazon Web Services',
      'AWS',
    ]);
    expect(forms('Amazon Elastic Compute Cloud EC2').aliases).toContain('EC2');
    expect(forms('Google Docs')).toMatchObject({ aliases: [], ambiguous: [], dropped: ['Docs'] });
    expect(forms('Thomson Reuters Risk Management').dropped).toEqual(['Risk Management']);
    expect(forms('Microsoft Visual Studio').aliases).toEqual(['Visual Studio']);
    expect(forms('Bing for Power BI').aliases).toEqual([]);
    expect(forms('Accounting software').aliases).toEqual([]);
    expect(forms('Ansible software').aliases).toEqual(['Ansible']);
  });
});
