import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  didYouMean,
  duration,
  fraction,
  integer,
  intOrPercent,
  number,
  oneOf,
} from '../../src/fields/fields.js';
import {
  formatDuration,
  parseDuration,
  parseIntOrPercent,
  scaleIntOrPercent,
} from '../../src/fields/units.js';

describe('parseDuration', () => {
  it.each([
    ['250ms', 0.25],
    ['5s', 5],
    ['10m', 600],
    ['1h', 3600],
    ['1m30s', 90],
    ['1h2m3s', 3723],
    ['1.5s', 1.5],
    ['100us', 1e-4],
    ['0.2ms', 0.0002],
    ['2', 2],
    ['1e-3', 0.001],
    [' 3s ', 3],
  ] as const)('%s -> %s s', (text, seconds) => {
    // Exact decimal arithmetic except for products like 0.2 * 1e-3: 1e-15 relative.
    expect(parseDuration(text)).toBeCloseTo(seconds, 12);
  });

  it('takes numbers as seconds', () => {
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(12.5)).toBe(12.5);
  });

  it.each(['', 's', '5', 'ms5', '5 s', '5sec', '1m 30s', 'abc', '5x', '--5s', '1.2.3s'])(
    'rejects %j (except plain numbers)',
    (text) => {
      if (text === '5') expect(parseDuration(text)).toBe(5);
      else expect(parseDuration(text)).toBeUndefined();
    },
  );

  it('rejects non-finite and non-string input', () => {
    expect(parseDuration(Number.NaN)).toBeUndefined();
    expect(parseDuration(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(parseDuration(null)).toBeUndefined();
    expect(parseDuration({ s: 1 })).toBeUndefined();
  });

  it('formats compactly', () => {
    expect(formatDuration(0.25)).toBe('250ms');
    expect(formatDuration(90)).toBe('90s');
    expect(formatDuration(600)).toBe('10m');
    expect(formatDuration(7200)).toBe('2h');
  });
});

describe('int or percent', () => {
  it('parses and scales as Kubernetes: surge rounds up, unavailable down', () => {
    const p = parseIntOrPercent('25%');
    expect(p).toEqual({ kind: 'percent', value: 25 });
    // 25% of 10 = 2.5: maxSurge -> 3, maxUnavailable -> 2.
    expect(scaleIntOrPercent(p!, 10, true)).toBe(3);
    expect(scaleIntOrPercent(p!, 10, false)).toBe(2);
    expect(parseIntOrPercent(2)).toEqual({ kind: 'int', value: 2 });
    expect(parseIntOrPercent('x%')).toBeUndefined();
    expect(parseIntOrPercent(-1)).toBeUndefined();
  });
});

function messages(schema: z.ZodType, v: unknown): string[] {
  const r = schema.safeParse(v);
  return r.success ? [] : r.error.issues.map((i) => i.message);
}

describe('field types', () => {
  it('duration(): seconds out, expected/got message in', () => {
    expect(duration().parse('1m30s')).toBe(90);
    expect(messages(duration({ positive: true }), '0s')).toEqual([
      'expected a duration (seconds, or a string such as `250ms`, `5s`, `10m`) > 0, got `0s`',
    ]);
  });

  it('integer() and number() name bounds and value', () => {
    expect(messages(integer({ min: 1 }), 0)).toEqual(['expected an integer >= 1, got `0`']);
    expect(messages(integer({ min: 1 }), 1.5)).toEqual(['expected an integer >= 1, got `1.5`']);
    expect(messages(integer(), '3')).toEqual(['expected an integer, got `3`']);
    expect(messages(number({ positive: true }), -2)).toEqual(['expected a number > 0, got `-2`']);
    expect(number({ min: 0, max: 1 }).parse(0.5)).toBe(0.5);
  });

  it('fraction() takes numbers and percentages', () => {
    expect(fraction().parse('99%')).toBeCloseTo(0.99, 15);
    expect(messages(fraction(), 1.5)).toHaveLength(1);
  });

  it('intOrPercent() keeps the form', () => {
    expect(intOrPercent().parse('25%')).toEqual({ kind: 'percent', value: 25 });
  });

  it('oneOf() suggests the closest value', () => {
    expect(messages(oneOf(['sequential', 'random', 'lifo', 'never'] as const), 'lifoo')).toEqual([
      'expected one of `sequential`, `random`, `lifo`, `never`, got `lifoo` (did you mean `lifo`?)',
    ]);
  });

  it('didYouMean() only suggests close words', () => {
    expect(didYouMean('replica', ['replicas', 'pod'])).toBe('replicas');
    expect(didYouMean('Replicas', ['replicas'])).toBe('replicas');
    expect(didYouMean('zzz', ['replicas', 'pod'])).toBeUndefined();
  });
});
