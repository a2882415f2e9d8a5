/**
 * Every shipped scenario (scenarios/*.yaml) validates through the CLI, is named after its file,
 * states what it shows in a comment block at the top (question, setup, results of a run with the
 * command that produced them) and has a page in docs/SCENARIOS.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { packageRoot } from '../../src/output/run-info.js';

const root = packageRoot();
const dir = path.join(root, 'scenarios');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const docs = fs.readFileSync(path.join(root, 'docs', 'SCENARIOS.md'), 'utf8');

async function validate(file: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'lbsim', 'validate', file], {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

describe('shipped scenarios', () => {
  it('are the seven of issue 6, the two of issue 11 and the example', () => {
    expect(files).toEqual(
      [
        'bad-release.yaml',
        'one-slow-pod.yaml',
        'crash-loop.yaml',
        'example.yaml',
        'keepalive-imbalance.yaml',
        'large-cluster-sync.yaml',
        'node-failure.yaml',
        'rolling-update.yaml',
        'seed-article.yaml',
        'sweep-load.yaml',
      ].sort(),
    );
  });

  it.each(files)('%s validates and is named after its file', async (f) => {
    const file = path.join(dir, f);
    const r = await validate(file);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: ok \(/);
    const name = f.slice(0, -'.yaml'.length);
    expect((parse(fs.readFileSync(file, 'utf8')) as { name?: string }).name).toBe(name);
  });

  it.each(files.filter((f) => f !== 'example.yaml'))(
    '%s says what it shows, with numbers from a run, and has a page in docs/SCENARIOS.md',
    (f) => {
      const name = f.slice(0, -'.yaml'.length);
      const lines = fs.readFileSync(path.join(dir, f), 'utf8').split('\n');
      const header: string[] = [];
      for (const l of lines) {
        if (!l.startsWith('#')) break;
        header.push(l);
      }
      const text = header.join('\n');
      expect(header.length).toBeGreaterThanOrEqual(10);
      expect(header[0]).toMatch(new RegExp(`^# ${name}: `));
      for (const part of ['Question:', 'Setup:', 'Results (']) expect(text).toContain(part);
      expect(text).toContain(`npx lbsim run scenarios/${f}`);
      // Numbers from a run: at least a few decimals in the results part.
      const results = text.slice(text.indexOf('Results ('));
      expect((results.match(/\d+\.\d+/g) ?? []).length).toBeGreaterThanOrEqual(5);
      expect(docs).toContain(`## ${name}`);
      expect(docs).toContain(`scenarios/${f}`);
    },
  );
});
