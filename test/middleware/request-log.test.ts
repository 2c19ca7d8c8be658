import { describe, expect, it } from 'vitest';
import { setOnResponse } from '../../src/middleware/request-log';

describe('setting a header on a finished response', () => {
  it('sets it in place when the headers are mutable', () => {
    const res = Response.json({ ok: true });
    const fallback: string[] = [];
    setOnResponse(res, 'X-Response-Time', '1.0ms', (name) => void fallback.push(name));
    expect(res.headers.get('x-response-time')).toBe('1.0ms');
    expect(fallback).toEqual([]);
  });

  it('goes the slow way for a response whose headers are immutable (passed through from fetch)', () => {
    const res = Response.error();
    const fallback: [string, string][] = [];
    setOnResponse(res, 'X-Response-Time', '1.0ms', (name, value) => void fallback.push([name, value]));
    expect(fallback).toEqual([['X-Response-Time', '1.0ms']]);
  });
});
