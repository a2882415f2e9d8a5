import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, ScenarioError } from '../../src/scenario/errors.js';
import { LIMITS } from '../../src/scenario/limits.js';
import { loadScenarioText, validateScenarioFiles } from '../../src/scenario/load.js';

const BASE = 'workload: {arrivals: {process: poisson, rate: 1}}\n';

/** Every problem line of loading `text` as file `f.yaml` (or '' when it loads). */
function problems(text: string, file = 'f.yaml', set: string[] = [], maxMs = 10_000): string {
  const started = Date.now();
  try {
    loadScenarioText(text, { file, overrides: { set } });
    return '';
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as ScenarioError).format();
  } finally {
    // A hang check (these inputs took minutes or never ended), loose for a loaded machine.
    expect(Date.now() - started).toBeLessThan(maxMs);
  }
}

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-limits-'));
}

describe('the loader never crashes or hangs (issue reproducers)', () => {
  it('nesting thousands deep, block or flow, is an error naming the limit', () => {
    const block = `${BASE}x:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}1\n`;
    expect(problems(block)).toMatch(/^f\.yaml: /);
    const flow = `${BASE}x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    expect(problems(flow)).toMatch(new RegExp(`f\\.yaml: .*nested at most ${LIMITS.depth} deep`));
    const json = `{"a": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(problems(json, 'f.json')).toBe(
      'f.json: expected mappings and lists nested at most 64 deep (the limit), got 100001 levels of brackets',
    );
    // Quoted brackets and comments do not count.
    expect(problems(`${BASE}description: "${'['.repeat(100)}" # ${'{'.repeat(100)}\n`)).toBe('');
  });

  it('aliases: a file with 1,001 is fine; an exponential expansion and an undefined alias are errors', () => {
    const many = `${BASE}a: &v 1\nx: [${Array.from({ length: 1001 }, () => '*v').join(', ')}]\n`;
    // Only the unknown keys are wrong: the aliases themselves are accepted.
    expect(problems(many)).not.toMatch(/alias/);
    expect(problems(many)).toMatch(/^f\.yaml: a: unknown key/);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
      'f: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]',
      '',
    ].join('\n');
    expect(problems(bomb)).toMatch(
      /f\.yaml: expected at most 10000 alias expansions \(the limit\)/,
    );
    expect(problems(`${BASE}x: *nowhere\n`)).toMatch(
      /^f\.yaml: expected valid YAML, got: .*alias/i,
    );
  });

  it('__proto__, constructor and prototype are refused in files, --set and sweep paths', () => {
    expect(problems(`${BASE}sweep: {__proto__.x: [1, 2]}\n`)).toMatch(
      /f\.yaml: sweep\.__proto__\.x: .*`__proto__` \(refused/,
    );
    expect(problems(`${BASE}"__proto__": {x: 1}\n`)).toMatch(/f\.yaml: __proto__: .*refused/);
    expect(problems('{"__proto__": {"x": 1}, "constructor": 1}', 'f.json')).toMatch(/constructor/);
    expect(problems(BASE, 'f.yaml', ['workload.prototype.x=1'])).toMatch(/prototype.*refused/);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('special files are refused before reading: a device, a FIFO, a folder; a multi-file validate reports every file', () => {
    const dir = tmp();
    const good = path.join(dir, 'good.yaml');
    fs.writeFileSync(good, BASE);
    const files = ['/dev/zero', dir, good];
    const fifo = path.join(dir, 'fifo.yaml');
    if (spawnSync('mkfifo', [fifo]).status === 0) files.push(fifo);
    const utf16 = path.join(dir, 'utf16.yaml');
    fs.writeFileSync(
      utf16,
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(BASE, 'utf16le')]),
    );
    files.push(utf16);
    const started = Date.now();
    const v = validateScenarioFiles(files);
    expect(Date.now() - started).toBeLessThan(5000);
    const lines = v.problems.map((p) => formatProblem(p));
    expect(lines).toContain('/dev/zero: expected a regular file, got a device');
    expect(lines).toContain(`${dir}: expected a regular file, got a folder`);
    if (files.includes(fifo)) {
      expect(lines).toContain(`${fifo}: expected a regular file, got a FIFO (named pipe)`);
    }
    expect(lines).toContain(
      `${utf16}: expected UTF-8 text, got UTF-16 (it starts with a UTF-16 byte order mark)`,
    );
    expect(v.scenarios.has(good)).toBe(true);
  });

  it('a sweep of 10^6 points and an index of 99999999 are errors naming their limits, at once', () => {
    const values = `[${Array.from({ length: 100 }, (_, i) => i + 1).join(', ')}]`;
    const big = `${BASE}sweep:\n  workload.arrivals.rate: ${values}\n  deployment.replicas: ${values}\n  replications: ${values}\n`;
    expect(problems(big)).toMatch(
      /f\.yaml: sweep: expected at most 10000 sweep variants \(the limit; --max-sweep-points raises it\), got 1000000 \(100 x 100 x 100\)/,
    );
    expect(problems(`${BASE}sweep:\n  churn[99999999].mtbf: [1, 2]\n`)).toMatch(
      /expected list indices of at most 9999 \(the limit\), got `99999999`/,
    );
  });

  it('50,000 unknown keys: linear time (the quadratic key check took minutes); the report is capped', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `k${i}: 1`).join('\n');
    // 1.8 s on an idle core (parsing 550 KB), more on a loaded one; it used to take minutes.
    const out = problems(`${BASE}${keys}\n`, 'f.yaml', [], 60_000);
    expect(out).toBe(
      `f.yaml: expected at most ${LIMITS.mappingKeys} keys in one mapping (the limit), got 50001`,
    );
    // 900 unknown keys: every one reported with its line would be slow; the report is capped.
    const some = Array.from({ length: 900 }, (_, i) => `k${i}: 1`).join('\n');
    const lines = problems(`${BASE}${some}\n`).split('\n');
    expect(lines).toHaveLength(LIMITS.problems + 1);
    expect(lines.at(-1)).toMatch(/f\.yaml: 800 more problem\(s\) not shown/);
  });

  it('numbers: overflow to Infinity is refused, NaN and Infinity are printed as such, YAML tags count', () => {
    expect(problems(`${BASE}duration: "1e400"\n`)).toMatch(
      /f\.yaml: duration: expected a duration/,
    );
    expect(problems(`${BASE}duration: "${'9'.repeat(400)}s"\n`)).toMatch(
      /f\.yaml: duration: expected a duration/,
    );
    expect(problems(`${BASE}duration: 1e400\n`)).toMatch(
      /f\.yaml: duration: expected a finite number, got Infinity/,
    );
    expect(problems(`${BASE}duration: .nan\n`)).toMatch(/got NaN/);
    expect(problems(`${BASE}duration: !!float 1500\n`)).toBe('');
    expect(problems(`${BASE}deployment: {replicas: !!int "3"}\n`)).toBe('');
  });

  it('duplicate keys are refused in JSON as in YAML', () => {
    expect(problems('{"duration": 5, "duration": 6}', 'f.json')).toMatch(
      /f\.json: expected unique keys in each mapping, got a duplicate key \(line 1\)/,
    );
    expect(problems(`${BASE}duration: 5\nduration: 6\n`)).toMatch(/f\.yaml: .*unique/);
  });

  it('one sweep path has one spelling; seed is not swept', () => {
    const both = `${BASE}churn: [{type: crash, mtbf: 10s}]\nsweep:\n  churn.0.mtbf: [1s, 2s]\n  churn[0].mtbf: [3s]\n`;
    expect(problems(both)).toMatch(
      /sweep\.churn\[0\]\.mtbf: expected each key once, got `churn\[0\]\.mtbf` and `churn\.0\.mtbf`, two spellings of `churn\[0\]\.mtbf`/,
    );
    expect(problems(`${BASE}sweep: {seed: [1, 2]}\n`)).toMatch(
      /f\.yaml: sweep\.seed: expected a key other than `seed`: replications exist for that/,
    );
  });

  it('a 200,000-character value gives a line of bounded length', () => {
    const out = problems(`${BASE}name: "${'k'.repeat(200_000)}"\n`);
    expect(out).toBe(
      'f.yaml: name: expected a name of at most 200 characters (it names the output folder, and file names are limited to 255 bytes), got 200000 (line 2)',
    );
    const long = problems(`${BASE}description: "${'d'.repeat(20_000)}"\n`);
    expect(long).toMatch(/description: expected a description of at most 10000 characters/);
    // A value quoted in a message is cut with an ellipsis.
    const quoted = problems(`${BASE}deployment: {replicas: "${'r'.repeat(200_000)}"}\n`);
    expect(quoted).toMatch(/r…/);
    expect(quoted.length).toBeLessThan(1200);
    expect(out.length).toBeLessThan(1200);
  });

  it('values the model rejects are rejected by validation: pod CIDR, windows, SYN retries', () => {
    expect(problems(`${BASE}cluster: {nodes: 300}\n`)).toMatch(
      /f\.yaml: cluster\.nodes: expected at most 256 nodes: cluster\.podCidr 10\.244\.0\.0\/16 holds that many \/24 node ranges/,
    );
    expect(problems(`${BASE}cluster: {nodeCidrMaskSize: 8}\n`)).toMatch(
      /cluster\.nodeCidrMaskSize: expected >= the prefix of cluster\.podCidr \(10\.244\.0\.0\/16: \/16\), got 8/,
    );
    expect(problems(`${BASE}cluster: {nodeCidrMaskSize: 30}\n`)).toMatch(
      /nodeCidrMaskSize: .*<= 29/,
    );
    expect(
      problems('workload: {arrivals: {process: poisson, rate: 1}, timeouts: {synRetries: 255}}\n'),
    ).toMatch(/synRetries: .*<= 20/);
    expect(problems(`${BASE}duration: 60s\noutput: {window: 1e-9}\n`)).toMatch(
      /output\.window: expected at most 1000000 windows per run/,
    );
  });
});
