/**
 * Every regular expression in src/ matches in linear time: no pattern can be made to backtrack
 * polynomially or exponentially by its input (ReDoS). A regex that rescans (`/[.\s]+$/` on
 * ". . . . x", an unbounded `[\w.+-]+@` on "a.a.a.a") turns one request into seconds of blocked
 * event loop for every user, so this is checked statically, for every literal in the source,
 * with recheck (https://makenowjust-labs.github.io/recheck/), rather than by timing inputs.
 *
 * Patterns built at run time cannot be checked from the source: they are listed here with the
 * reason they are safe, and the test fails when a new one appears.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseSync } from 'oxc-parser';
import { check } from 'recheck';
import { describe, expect, it } from 'vitest';
import { methodIndex } from '../src/middleware/errors';

const root = path.resolve(import.meta.dirname, '..');

interface Found {
  where: string;
  pattern: string;
  flags: string;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) yield* sourceFiles(full);
    else if (full.endsWith('.ts')) yield full;
  }
}

/** Regex literals and `new RegExp(...)` calls of every file under src/, by walking the AST. */
function collect(): { literals: Found[]; constructed: string[] } {
  const literals: Found[] = [];
  const constructed: string[] = [];
  for (const file of sourceFiles(path.join(root, 'src'))) {
    const source = readFileSync(file, 'utf8');
    const relative = path.relative(root, file);
    const lineOf = (offset: number) => source.slice(0, offset).split('\n').length;
    const { program, errors } = parseSync(file, source);
    expect(errors, relative).toEqual([]);
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const child of node) visit(child);
        return;
      }
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown> & { start: number };
      const regex = n.regex as { pattern: string; flags: string } | undefined;
      if (n.type === 'Literal' && regex) {
        literals.push({ where: `${relative}:${lineOf(n.start)}`, ...regex });
      }
      if (
        (n.type === 'NewExpression' || n.type === 'CallExpression') &&
        (n.callee as { name?: string } | undefined)?.name === 'RegExp'
      ) {
        constructed.push(relative);
      }
      for (const value of Object.values(n)) if (value && typeof value === 'object') visit(value);
    };
    visit(program);
  }
  return { literals, constructed };
}

/** Patterns built at run time, and why they cannot rescan. */
const constructedAllowed: Record<string, string> = {
  'src/middleware/errors.ts':
    "405 lookup: built from the app's own route paths, literal segments and `[^/]+` only (checked below)",
};

/**
 * Deterministic verdicts: checks run one at a time, with a fixed seed for recheck's fuzzer and its
 * limits in characters read rather than milliseconds. Its time limits (attack 1 s, incubation
 * 250 ms, seeding 100 ms) turned a linear pattern "vulnerable" on a loaded machine, and back.
 */
const deterministic = {
  randomSeed: 1,
  attackTimeout: null,
  incubationTimeout: null,
  seedingTimeout: null,
  recallTimeout: -1,
};

describe('regular expressions in src/', () => {
  const { literals, constructed } = collect();

  it('finds the source patterns (the walker works)', () => {
    expect(literals.length).toBeGreaterThan(100);
  });

  it('every literal matches in linear time (recheck: safe)', { timeout: 300_000 }, async () => {
    const unsafe: string[] = [];
    for (const { where, pattern, flags } of literals) {
      const result = await check(pattern, flags, { timeout: 120_000, ...deterministic });
      if (result.status === 'safe') continue;
      const attack = result.status === 'vulnerable' ? ` (attack: ${result.attack.pattern})` : '';
      unsafe.push(`${where} /${pattern}/${flags}: ${result.status}${attack}`);
    }
    expect(unsafe).toEqual([]);
  });

  it('patterns built at run time are only the listed ones', () => {
    expect([...new Set(constructed)].sort()).toEqual(Object.keys(constructedAllowed).sort());
  });

  it("the 405 lookup's patterns for parameterised routes are linear", async () => {
    const seen: string[] = [];
    const original = RegExp;
    // Capture what methodIndex builds, as it builds it.
    const capturing = function (this: unknown, source: string, flags?: string) {
      seen.push(source);
      return new original(source, flags);
    } as unknown as RegExpConstructor;
    globalThis.RegExp = capturing;
    try {
      methodIndex([
        { method: 'GET', path: '/api/jobs/:id' },
        { method: 'GET', path: '/api/jobs/:id/match' },
        { method: 'POST', path: '/api/resume/upload' },
      ]);
    } finally {
      globalThis.RegExp = original;
    }
    expect(seen).toHaveLength(3);
    for (const source of seen) expect((await check(source, '', deterministic)).status, source).toBe('safe');
  });
});
