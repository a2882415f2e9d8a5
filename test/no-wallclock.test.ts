import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Determinism guard: simulation code draws every random number from a named stream and never
 * reads the wall clock. Only src/cli and src/runner (progress bars, job timings) may.
 */
const ROOT = join(import.meta.dirname, '..');
const ALLOWED_DIRS = ['src/cli/', 'src/runner/'];
const FORBIDDEN = /\bMath\.random\s*\(|\bDate\.now\s*\(/g;

/** Replaces comments with spaces (strings are kept), so prose like "never Math.random()" passes. */
function stripComments(code: string): string {
  let out = '';
  let i = 0;
  while (i < code.length) {
    const c = code[i] as string;
    const next = code[i + 1];
    if (c === '/' && next === '/') {
      while (i < code.length && code[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      i = end < 0 ? code.length : end + 2;
      out += ' ';
    } else if (c === "'" || c === '"' || c === '`') {
      // Copy a string literal verbatim (a `//` inside it is not a comment).
      let j = i + 1;
      while (j < code.length && code[j] !== c) j += code[j] === '\\' ? 2 : 1;
      out += code.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|js|mts|cts)$/.test(e.name) ? [p] : [];
  });
}

function offences(code: string): string[] {
  return [...stripComments(code).matchAll(FORBIDDEN)].map((m) => m[0]);
}

describe('no wall clock or Math.random in simulation code', () => {
  it('finds calls in code but not in comments (the checker itself works)', () => {
    expect(offences('const x = Math.random();')).toEqual(['Math.random(']);
    expect(offences("const u = 'http://a'; const t = Date.now();")).toEqual(['Date.now(']);
    expect(offences('// never Math.random()\n/** nor Date.now() */ const y = 1;')).toEqual([]);
  });

  it('no file under src/ (except src/cli and src/runner) calls Math.random() or Date.now()', () => {
    const files = sourceFiles(join(ROOT, 'src'));
    expect(files.length).toBeGreaterThan(5);
    const found: string[] = [];
    for (const f of files) {
      const rel = relative(ROOT, f).split(sep).join('/');
      if (ALLOWED_DIRS.some((d) => rel.startsWith(d))) continue;
      for (const o of offences(readFileSync(f, 'utf8'))) found.push(`${rel}: ${o}`);
    }
    expect(found).toEqual([]);
  });
});
