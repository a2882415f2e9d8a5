import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The docs name files of this repository; when a file moves, its old path must not linger in
 * them. Two checks: every repository path (`src/...`, `test/...`, `bench/...`, ...) named in
 * README.md or docs/*.md exists, and every file name written in backticks relative to a folder
 * (`path/connections.ts`, `kinds.ts`) is the end of some file's path under src/, test/ or bench/.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const docFiles = [
  'README.md',
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Top-level folders of the repository whose paths the docs may name (not dist/ or results/). */
const TOP = [
  'src',
  'test',
  'bench',
  'scenarios',
  'docs',
  '.ci',
  'bin',
  'deploy',
  'notebooks',
  'examples',
];
/** A repository path: a top folder not preceded by a path character (so `dist/src/x.js` and
 * `tower/src/lib.rs` are not taken), ending on a name character or a slash (not on `.`). */
const REPO_PATH = new RegExp(
  `(?<![\\w/.-])(?:${TOP.map((t) => t.replace('.', '\\.')).join('|')})/(?:[\\w./-]*[\\w/])?`,
  'g',
);
/** A source file name in backticks, possibly below a folder: `hops.ts`, `path/hops.ts`. */
const RELATIVE_SOURCE = /`((?:[\w-]+\/)*[\w.-]+\.ts)`/g;

interface Mention {
  readonly doc: string;
  readonly line: number;
  readonly path: string;
}

function mentions(pattern: RegExp, group: number): Mention[] {
  const out: Mention[] = [];
  for (const doc of docFiles) {
    const lines = fs.readFileSync(path.join(root, doc), 'utf8').split('\n');
    lines.forEach((text, i) => {
      for (const m of text.matchAll(pattern)) {
        out.push({ doc, line: i + 1, path: m[group] as string });
      }
    });
  }
  return out;
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const p = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  for (const top of ['src', 'test', 'bench']) walk(top);
  return out;
}

const show = (m: Mention) => `${m.doc}:${m.line}: ${m.path}`;

describe('file paths named in the docs', () => {
  it('every repository path (src/..., test/..., bench/...) exists', () => {
    const all = mentions(REPO_PATH, 0);
    // The extraction must see the docs' many paths, or this test checks nothing.
    expect(all.length).toBeGreaterThan(100);
    expect(all.map((m) => m.path)).toContain('src/scenario/build.ts');
    const missing = all.filter((m) => !fs.existsSync(path.join(root, m.path)));
    expect(missing.map(show)).toEqual([]);
  });

  it('every source file named relative to its folder is the end of some file path', () => {
    const files = sourceFiles();
    const all = mentions(RELATIVE_SOURCE, 1).filter(
      (m) => !['dist', 'node_modules', ...TOP].some((t) => m.path.startsWith(`${t}/`)),
    );
    expect(all.length).toBeGreaterThan(50);
    const missing = all.filter((m) => !files.some((f) => f === m.path || f.endsWith(`/${m.path}`)));
    expect(missing.map(show)).toEqual([]);
  });

  it('the extraction rejects what it should (a moved file would be reported)', () => {
    const text = 'see `src/no/such-file.ts`, dist/src/index.d.ts and tower/src/lib.rs.';
    expect([...text.matchAll(REPO_PATH)].map((m) => m[0])).toEqual(['src/no/such-file.ts']);
    expect(fs.existsSync(path.join(root, 'src/no/such-file.ts'))).toBe(false);
    const relative = 'the rooms `path/hops.ts` and `kinds.ts`, not `src/x` or `a.md`';
    expect([...relative.matchAll(RELATIVE_SOURCE)].map((m) => m[1])).toEqual([
      'path/hops.ts',
      'kinds.ts',
    ]);
  });
});
