import { describe, expect, it } from 'vitest';
import { evaluateExtraction, prf } from '../../../scripts/lib/evaluate';
import { createSkillMatcher, extractFromJob, type SkillMatcher } from '../../../src/services/skills/extract';
import type { Ontology, OntologySkill, SkillType } from '../../../src/services/skills/ontology';

// ---------------------------------------------------------------------------------------------
// A small ontology shaped like the real one (ESCO skills and knowledge, O*NET technologies).

function skill(id: string, name: string, type: SkillType, altLabels: string[] = []): OntologySkill {
  return {
    id,
    name,
    type,
    altLabels,
    sources: [id.startsWith('esco:') ? 'esco' : 'onet'],
    hot: false,
    inDemand: false,
    related: [],
  };
}

const small: Ontology = {
  version: 'test',
  attribution: ['test'],
  occupations: [],
  onetOccupations: [],
  lemmas: {},
  skills: [
    skill('esco:java', 'Java (computer programming)', 'knowledge', ['Java']),
    skill('esco:javascript', 'JavaScript', 'knowledge', ['JS']),
    skill('onet:python', 'Python', 'technology'),
    skill('esco:cpp', 'C++', 'knowledge'),
    skill('esco:csharp', 'C#', 'knowledge'),
    skill('onet:c', 'C', 'technology'),
    skill('esco:r', 'R', 'knowledge'),
    skill('onet:go', 'Go', 'technology', ['Golang']),
    skill('onet:dotnet', 'Microsoft .NET Framework', 'technology', ['.NET']),
    skill('onet:node-js', 'Node.js', 'technology', ['Node', 'NodeJS']),
    skill('onet:ci', 'Continuous integration software', 'technology', ['CI/CD', 'continuous integration']),
    skill('onet:ab-testing', 'A/B testing software', 'technology', ['A/B testing']),
    skill('onet:excel', 'Microsoft Excel', 'technology', ['Excel']),
    skill('onet:word', 'Microsoft Word', 'technology', ['Word']),
    skill('onet:access', 'Microsoft Access', 'technology', ['Access']),
    skill('onet:swift', 'Swift', 'technology'),
    skill('onet:spring', 'Spring Framework', 'technology', ['Spring']),
    skill('onet:spring-boot', 'Spring Boot', 'technology'),
    skill('onet:chef', 'Chef', 'technology'),
    skill('onet:puppet', 'Puppet', 'technology'),
    skill('onet:express', 'Express.js', 'technology', ['Express']),
    skill('onet:shell', 'Shell script', 'technology', ['Shell']),
    skill('onet:make', 'GNU Make', 'technology', ['Make']),
    skill('onet:kubernetes', 'Kubernetes', 'technology', ['k8s']),
    skill('onet:docker', 'Docker', 'technology'),
    skill('onet:mongodb', 'MongoDB', 'technology'),
    skill('esco:english', 'English', 'knowledge'),
    skill('esco:understand-english', 'understand spoken English', 'skill'),
    skill('esco:spanish', 'Spanish', 'knowledge'),
    skill('esco:understand-spanish', 'understand spoken Spanish', 'skill'),
    skill('esco:medication', 'administer prescribed medication', 'skill', ['administer medication']),
    skill('esco:wound-care', 'carry out wound care', 'skill', ['apply wound care techniques']),
    skill('esco:forklift', 'operate forklift', 'skill', ['drive a forklift']),
    skill('esco:journalism', 'journalism', 'knowledge', ['press', 'news reporting']),
    skill('esco:press-releases', 'write press releases', 'skill'),
    skill('esco:project-management', 'project management', 'knowledge'),
    skill('esco:customer-service', 'customer service', 'skill', ['client service']),
    skill('esco:statistics', 'statistics', 'knowledge'),
  ],
};

const ids = (matcher: SkillMatcher, text: string) => matcher.match(text).skills.map((s) => s.id);

describe('createSkillMatcher (small ontology)', () => {
  const matcher = createSkillMatcher(small);

  it('takes the longest label at each position and never a label inside a word', () => {
    const text = 'Built the UI in JavaScript, the API in Java with Spring Boot.';
    const found = matcher.match(text).skills;
    expect(found.map((s) => s.id)).toEqual(['esco:javascript', 'esco:java', 'onet:spring-boot']);
    expect(found.map((s) => s.span.text)).toEqual(['JavaScript', 'Java', 'Spring Boot']);
  });

  it('returns one result per skill: the highest score and the first span', () => {
    const text = 'Wrote Python scripts and Python services.\n\nSKILLS\nPython, Docker';
    const python = matcher.match(text).skills.filter((s) => s.id === 'onet:python');
    expect(python).toHaveLength(1);
    expect(python[0]!.span.start).toBe(text.indexOf('Python'));
    expect(python[0]!.score).toBe(1);
    expect(python[0]!.method).toBe('label');
  });

  it('gives spans that point at the matched text, and scores by label kind', () => {
    const text =
      'Summary: devops engineer.\n- Ran k8s clusters and Docker; Administer medications on nights.';
    const found = matcher.match(text).skills;
    for (const s of found) expect(text.slice(s.span.start, s.span.end)).toBe(s.span.text);
    const byId = new Map(found.map((s) => [s.id, s]));
    expect(byId.get('onet:kubernetes')).toMatchObject({ method: 'alias', score: 0.9, span: { text: 'k8s' } });
    expect(byId.get('onet:docker')).toMatchObject({ method: 'label', score: 1 });
    expect(byId.get('esco:medication')?.span.text).toBe('Administer medications');
  });

  it('keeps C++, C#, .NET, Node.js, CI/CD and A/B testing whole', () => {
    const text = 'Skills: C++, C#, .NET, Node.js, CI/CD, A/B testing';
    expect(ids(matcher, text)).toEqual([
      'esco:cpp',
      'esco:csharp',
      'onet:dotnet',
      'onet:node-js',
      'onet:ci',
      'onet:ab-testing',
    ]);
    expect(ids(matcher, 'Set up CI / CD and ran A-B testing')).toEqual(['onet:ci', 'onet:ab-testing']);
  });

  it('matches inflected and nominalised forms of ESCO verb phrases', () => {
    expect(ids(matcher, '- Medication administration and wound care for 6 patients')).toEqual([
      'esco:medication',
      'esco:wound-care',
    ]);
    expect(ids(matcher, '- Operated forklifts on the night shift')).toEqual(['esco:forklift']);
    expect(ids(matcher, '- Forklift operation (sit-down and stand-up)')).toEqual(['esco:forklift']);
  });

  it('derives noun forms without vague modifiers or particles, and reaches an object past a modifier', () => {
    const trades = createSkillMatcher({
      version: 'test',
      attribution: ['test'],
      occupations: [],
      onetOccupations: [],
      lemmas: {},
      skills: [
        skill('esco:blueprints', 'read standard blueprints', 'skill'),
        skill('esco:drains', 'clear out drains', 'skill'),
        skill('esco:cranes', 'operate cranes', 'skill'),
        skill('esco:systems', 'perform repairs', 'skill', ['repair systems']),
        // "operate", "clean" and "repair" begin enough skill names to count as verbs.
        ...['boilers', 'drills', 'lathes', 'pumps'].map((o) =>
          skill(`esco:operate-${o}`, `operate ${o}`, 'skill'),
        ),
        ...['gutters', 'tanks', 'vents', 'windows', 'filters'].map((o) =>
          skill(`esco:clean-${o}`, `clean ${o}`, 'skill'),
        ),
        ...['roofs', 'pipes', 'boilers', 'fences', 'floors'].map((o) =>
          skill(`esco:repair-${o}`, `repair ${o}`, 'skill'),
        ),
      ],
    });
    const found = (text: string) => trades.match(text, { kind: 'job' }).skills.map((s) => s.id);
    expect(found('Skills: blueprint reading, gutter cleaning')).toEqual([
      'esco:blueprints',
      'esco:clean-gutters',
    ]);
    expect(found('- Read blueprints; clear drains')).toEqual(['esco:blueprints', 'esco:drains']);
    expect(found('- Operate overhead cranes and forklifts')).toEqual(['esco:cranes']);
    // Only a skill's own name is reached past a modifier, never an alternative label.
    expect(found('- Repair brake systems')).toEqual([]);
  });

  describe('short and ordinary-word labels need context', () => {
    const cases: Array<[string, string, string[], string[]]> = [
      // [label, skill id, sentences where it counts, sentences where it does not]
      [
        'Go',
        'onet:go',
        ['- Built the ledger service in Go with Docker', 'Languages: Go, Python', 'Senior Go developer'],
        ['- We go to market in May', 'Go-live support for 3 clinics', 'Ready to go the extra mile'],
      ],
      [
        'R',
        'esco:r',
        [
          'Languages: Python, R, SQL',
          '- Statistical models in the R language',
          'R, Python, Docker, Kubernetes',
        ],
        ['Section R of the form', 'Plan B and plan R', 'Won the R&D award'],
      ],
      [
        'C',
        'onet:c',
        ['Embedded firmware in the C programming language', 'Skills: C, Python'],
        ['Grade C in chemistry', 'Vitamin C supplements', 'Managed the C-suite calendar'],
      ],
      [
        'Excel',
        'onet:excel',
        ['- Built the forecast in Excel and Python', 'Tools: Excel, Word, Access'],
        ['- I excel at negotiation', 'Excel at closing deals', 'Students who excel in math'],
      ],
      [
        'Word',
        'onet:word',
        ['- Wrote proposals in Word and Excel'],
        ['In a word, reliable', 'Word of mouth referrals grew 20%', 'a word processor'],
      ],
      [
        'Access',
        'onet:access',
        ['- Kept the stock list in Access'],
        ['Access to patient records was audited', 'Gave staff access to the system'],
      ],
      [
        'Chef',
        'onet:chef',
        ['Configuration management: Chef, Puppet, Docker', '- Automated servers with Chef and Kubernetes'],
        ['Sous Chef at Trattoria Lupa', '- Worked with the executive chef on menus', 'Chef de partie, 2016'],
      ],
      [
        'Spring',
        'onet:spring',
        ['Frameworks: Spring, Express', 'Java, Spring, Docker, Kubernetes'],
        ['Spring 2016 semester', '- Planted the spring garden', 'Student teacher, Spring 2016'],
      ],
      [
        'Swift',
        'onet:swift',
        ['- Built the iOS app in Swift', 'Mobile: Swift, Python'],
        ['- A swift response to incidents', 'Swift responses to every ticket'],
      ],
      [
        'Express',
        'onet:express',
        ['Node.js, Express, MongoDB', '- REST APIs on Express and Node.js'],
        ['Lube Technician | QuickLube Express | Detroit', '- Express delivery of parts'],
      ],
      [
        'Shell',
        'onet:shell',
        ['- Shell scripting for backups', 'Scripting: Shell, Python'],
        ['Shell Oil Company, Houston'],
      ],
      ['Make', 'onet:make', ['Build tools: Make, Docker'], ['- Make sure every order ships on time']],
    ];
    for (const [label, id, positives, negatives] of cases) {
      it(`${label}: counts in technical context, not as a word`, () => {
        for (const text of positives) expect(ids(matcher, text), text).toContain(id);
        for (const text of negatives) expect(ids(matcher, text), text).not.toContain(id);
      });
    }

    it('human languages count under a Languages heading or next to fluency words', () => {
      for (const text of [
        'Languages: English (native), Spanish (fluent)',
        'LANGUAGES\nSpanish, English',
        '- Bilingual: English and Spanish',
        'Fluent in Spanish',
      ]) {
        expect(ids(matcher, text), text).toContain('esco:spanish');
      }
      for (const text of ['B.A. in Spanish literature', '- Taught English language learners']) {
        expect(ids(matcher, text), text).toEqual([]);
      }
    });
  });

  it.each([
    ['I have no experience with Kubernetes yet.', 'onet:kubernetes'],
    ['No hands-on Kubernetes experience.', 'onet:kubernetes'],
    ['Have never used MongoDB in production.', 'onet:mongodb'],
    ['Not familiar with Docker or Kubernetes.', 'onet:kubernetes'],
    ['Reporting done without Excel macros.', 'onet:excel'],
  ])('does not read a denied skill: "%s"', (text, id) => {
    expect(ids(matcher, `Dana Lee\nSummary\n${text}`)).not.toContain(id);
  });

  it.each([
    'Skills: HACCP, temperature logs held to ±0.5 °C, Python',
    'Skills: walk-in cooler at 4 C, Python',
    'Skills: vitamin C and iron supplements, Python',
    'Skills: grade C certificate, Python',
  ])('reads no language from a unit, a vitamin or a grade: "%s"', (text) => {
    expect(ids(matcher, `Dana Lee\n${text}`)).toEqual(['onet:python']);
  });

  it('reads no language from a place: "Latin America", "Spanish Harlem"', () => {
    expect(
      ids(
        matcher,
        'Dana Lee\nSummary\nFluent in English; led sales across Spanish Harlem and Latin America.',
      ),
    ).toEqual(['esco:english']);
  });

  it('reaches a denied tool further into its clause: "I have not written native Android code in Kotlin or Java"', () => {
    const found = ids(
      matcher,
      'Dana Lee\nSummary\nI have not written production services in Go or MongoDB yet.',
    );
    expect(found).not.toContain('onet:go');
    expect(found).not.toContain('onet:mongodb');
  });

  it('reads no subject from a proper name in prose: "Statistics Canada", "Journalism Award"', () => {
    expect(
      ids(matcher, 'Dana Lee\nSummary\nWorked with Statistics Canada and won the Journalism Award.'),
    ).toEqual([]);
    expect(ids(matcher, 'Dana Lee\nSkills: Statistics, Journalism')).toEqual([
      'esco:statistics',
      'esco:journalism',
    ]);
  });

  it('a denial reaches its own clause only', () => {
    const found = ids(
      matcher,
      'Dana Lee\nSummary\nNo Kubernetes yet, but Docker and MongoDB every day. Python since 2015.',
    );
    expect(found).toEqual(expect.arrayContaining(['onet:docker', 'onet:mongodb', 'onet:python']));
    expect(found).not.toContain('onet:kubernetes');
    expect(ids(matcher, 'Dana Lee\nSummary\nNot only Docker but also Kubernetes.')).toEqual([
      'onet:docker',
      'onet:kubernetes',
    ]);
    expect(ids(matcher, 'Dana Lee\nSummary\nRanked No. 1 for Docker and MongoDB adoption.')).toEqual([
      'onet:docker',
      'onet:mongodb',
    ]);
  });

  it('never matches inside e-mail addresses or URLs', () => {
    const text =
      'Jane Doe\npython.dev@example.com | github.com/jane/java-tools | https://go.dev/kubernetes | www.docker-fans.org';
    expect(ids(matcher, text)).toEqual([]);
    expect(ids(matcher, 'Contact: jane@example.com\nSkills: Python')).toEqual(['onet:python']);
  });

  // Generous bounds, not benchmarks (bench/stall.ts measures): before the patterns were made
  // linear, the first two took 10-28 s and the third several seconds at the 100,000-character cap.
  it.each([
    ['"a.a.a…"', 'a.'.repeat(50_000)],
    ['". . . ." then a word', `Skills: Python\n${'. '.repeat(49_990)}done`],
    ['thousands of e-mail addresses', 'ana@example.com Python, '.repeat(4_000)],
    ['one 100,000-character word', 'x'.repeat(100_000)],
    ['runs of separators', `Skills: ${' ,'.repeat(25_000)} Python ${' ;'.repeat(24_990)}`],
  ])('matches a 100,000-character text of %s in linear time', (_name, text) => {
    const started = performance.now();
    matcher.match(text);
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('skips the name line of a resume but not the title of a job', () => {
    expect(ids(matcher, 'Ruby Chef Python\nLondon\n\nSkills: Docker')).toEqual(['onet:docker']);
    const job = extractFromJob(matcher, {
      title: 'Senior Go Developer',
      description: 'We use Go and Kubernetes.',
    });
    const go = job.skills.find((s) => s.id === 'onet:go')!;
    expect(job.text.slice(go.span.start, go.span.end)).toBe('Go');
    expect(go.span.end).toBeLessThanOrEqual('Senior Go Developer'.length);
    const k8s = job.skills.find((s) => s.id === 'onet:kubernetes')!;
    expect(go.score).toBeGreaterThan(k8s.score - 0.2);
    expect(go.score).toBeLessThanOrEqual(1);
  });

  it('uses one-word ESCO alternative labels that are broader words only where they are listed (or not at all)', () => {
    expect(ids(matcher, '- Write press releases for each launch')).toEqual(['esco:press-releases']);
    expect(ids(matcher, '- Met the press at the trade show')).toEqual([]);
    expect(matcher.resolve('press', { derived: false })?.id).toBe('esco:journalism');
    expect(matcher.resolve('Java')?.id).toBe('esco:java');
    expect(matcher.resolve('medication administration')?.id).toBe('esco:medication');
    expect(matcher.resolve('medication administration', { derived: false })).toBeUndefined();
  });

  it('lists unmatched entries of skills lists and short bullets for the vector step', () => {
    const text = [
      'Jane Doe',
      'SUMMARY',
      'Engineer who ships. Loves Python and long walks in the hills near the office.',
      'SKILLS',
      'Python, basket weaving, Docker, team leadership',
      '- Stakeholder communication',
      '- Kubernetes',
      'EXPERIENCE',
      '- Ran the night shift warehouse team',
      '- Built a ledger service that handles four thousand requests per second at p99 under 40 ms',
    ].join('\n');
    const { skills, unmatchedPhrases } = matcher.match(text);
    expect(skills.map((s) => s.id)).toEqual(['onet:python', 'onet:docker', 'onet:kubernetes']);
    expect(unmatchedPhrases.map((p) => p.text)).toEqual([
      'basket weaving',
      'team leadership',
      'Stakeholder communication',
      'Ran the night shift warehouse team',
    ]);
    for (const p of unmatchedPhrases) expect(text.slice(p.start, p.end)).toBe(p.text);
  });
});

describe('evaluateExtraction', () => {
  it('computes micro and per-document precision, recall and F1 by id', () => {
    const result = evaluateExtraction({ a: ['x', 'y', 'z'], b: [] }, { a: ['x', 'y', 'w'], b: ['v'] });
    expect(result.micro).toMatchObject({ truePositives: 2, falsePositives: 1, falseNegatives: 2 });
    expect(result.micro.precision).toBeCloseTo(2 / 3);
    expect(result.micro.recall).toBeCloseTo(2 / 4);
    expect(result.documents[0]).toMatchObject({
      document: 'a',
      falsePositiveIds: ['z'],
      falseNegativeIds: ['w'],
    });
    expect(result.documents[1]).toMatchObject({ document: 'b', precision: 1, recall: 0, f1: 0 });
    expect(prf(0, 0, 0)).toMatchObject({ precision: 1, recall: 1, f1: 1 });
  });
});
