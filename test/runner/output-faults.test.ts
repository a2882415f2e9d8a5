/**
 * Fault tests of the output set (child processes of the built CLI, toy model): kill -9 at every
 * point of the final write and at random moments, a full disk, two runs into one folder, and
 * Ctrl-C then --resume. After each, the folder holds exactly one complete set.
 * Needs `npm run build` (npm test does it).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { recoverOutput } from '../../src/output/output-set.js';
import { packageRoot } from '../../src/output/run-info.js';
import { tempDir } from './helpers.js';

const root = packageRoot();
const BIN = path.join(root, 'bin', 'lbsim.js');
const TOY = pathToFileURL(path.join(root, 'dist', 'src', 'runner', 'toy-model.js')).href;
/** Fault points of one scenario's final write: 6 tables, run.json, the two renames. */
const FAULT_POINTS = 9;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function start(args: string[], env: Record<string, string> = {}): [ChildProcess, Promise<Exit>] {
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return [child, exited];
}

function run(args: string[], env: Record<string, string> = {}): Promise<Exit> {
  return start(args, env)[1];
}

function scenarioFile(dir: string, duration: string, replications = 1): string {
  const f = path.join(dir, `toy-${duration}-${replications}.yaml`);
  fs.writeFileSync(
    f,
    [
      'name: toy',
      `duration: ${duration}`,
      'warmup: 1s',
      `replications: ${replications}`,
      'workload: {arrivals: {process: poisson, rate: 200}}',
      'balancers: [iptables, ipvs-rr]',
      '',
    ].join('\n'),
  );
  return f;
}

/** The CSVs of a set (run.json's timing differs between runs; its presence is checked). */
function csvs(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    if (f.endsWith('.csv')) out[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  }
  expect(fs.existsSync(path.join(dir, 'run.json'))).toBe(true);
  expect(Object.keys(out)).toHaveLength(7); // six tables + disruptions.csv (issue 14)
  return out;
}

function copyDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true });
}

async function waitFor(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const work = tempDir('lbsim-faults-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('output set under faults (child processes; needs `npm run build`)', () => {
  const small = scenarioFile(work, '20s');
  const args = (out: string, seed: number) => [
    'run',
    small,
    '--out',
    out,
    '-j',
    '1',
    '-q',
    '--model',
    TOY,
    '--seed',
    String(seed),
  ];
  let setA: Record<string, string>;
  let setB: Record<string, string>;
  const refA = path.join(work, 'refA');
  const refB = path.join(work, 'refB');

  it('reference runs', async () => {
    const [a, b] = await Promise.all([run(args(refA, 1)), run(args(refB, 2))]);
    expect([a.code, b.code]).toEqual([0, 0]);
    setA = csvs(path.join(refA, 'toy'));
    setB = csvs(path.join(refB, 'toy'));
    expect(setA).not.toEqual(setB);
    // Nothing beside the committed set.
    expect(fs.readdirSync(refA)).toEqual(['toy']);
  }, 60_000);

  /** Crashes a run replacing set A by B at fault point k; 'old' or 'new': what is left. */
  const crashAt = async (k: number): Promise<string> => {
    const out = path.join(work, `kill-${k}`);
    copyDir(refA, out);
    const r = await run(args(out, 2), { LBSIM_FAULT_KILL_AT: String(k) });
    expect(r.signal ?? r.code).toBe(k < FAULT_POINTS ? 'SIGKILL' : 0);
    // What the next run repairs first (it holds the lock): then exactly one complete set.
    recoverOutput(path.join(out, 'toy'));
    const left = fs.readdirSync(out).filter((f) => f !== '.toy.parts' && f !== '.toy.lock');
    expect(left).toEqual(['toy']);
    const set = JSON.stringify(csvs(path.join(out, 'toy')));
    expect([JSON.stringify(setA), JSON.stringify(setB)]).toContain(set);
    return set === JSON.stringify(setA) ? 'old' : 'new';
  };

  it('kill -9 at every point of the final write leaves the old or the new set, never a mix', async () => {
    // Five crashes at a time (each into its own folder): the machine is small.
    const outcomes: string[] = [];
    for (let from = 0; from <= FAULT_POINTS; from += 5) {
      const ks = [0, 1, 2, 3, 4].map((i) => from + i).filter((k) => k <= FAULT_POINTS);
      outcomes.push(...(await Promise.all(ks.map(crashAt))));
    }
    // Before the swap the old set, after it the new one.
    expect(outcomes).toEqual([
      'old',
      'old',
      'old',
      'old',
      'old',
      'old',
      'old',
      'old',
      'new',
      'new',
    ]);
  }, 180_000);

  it('the next run repairs a crash between the two renames and reports it', async () => {
    const out = path.join(work, 'kill-between');
    copyDir(refA, out);
    const r = await run(args(out, 2), { LBSIM_FAULT_KILL_AT: '7' });
    expect(r.signal).toBe('SIGKILL');
    expect(fs.existsSync(path.join(out, 'toy'))).toBe(false);
    const next = await run(args(out, 2));
    expect(next.code).toBe(0);
    expect(next.stderr).toMatch(/removed the lock of a run that is gone \(pid \d+\)/);
    expect(next.stderr).toMatch(/restored the previous results from \.toy\.replaced-\d+/);
    expect(next.stderr).toMatch(/removed \.toy\.staging-\d+, the unfinished output/);
    expect(fs.readdirSync(out)).toEqual(['toy']);
    expect(csvs(path.join(out, 'toy'))).toEqual(setB);
  }, 60_000);

  it('kill -9 at random moments of a run leaves the old or the new set', async () => {
    // Fixed "random" delays (deterministic test), spread over start-up, jobs and the write.
    for (const delay of [300, 1200]) {
      const out = path.join(work, `random-${delay}`);
      copyDir(refA, out);
      const [child, exited] = start(args(out, 2));
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      await exited;
      recoverOutput(path.join(out, 'toy'));
      const set = JSON.stringify(csvs(path.join(out, 'toy')));
      expect([JSON.stringify(setA), JSON.stringify(setB)]).toContain(set);
    }
  }, 120_000);

  it('a second run into a folder being written is refused with exit 2; one complete set stays', async () => {
    // Long enough that the first run still holds the lock when the second process has started
    // (400 s of the toy model finished first on an idle machine).
    const long = scenarioFile(work, '4000s', 2);
    const out = path.join(work, 'concurrent');
    const longArgs = ['run', long, '--out', out, '-j', '1', '-q', '--model', TOY];
    const [, first] = start(longArgs);
    await waitFor(() => fs.existsSync(path.join(out, '.toy.lock')), 'the first run to lock');
    const second = await run(longArgs);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/toy is being written by another lbsim run \(pid \d+\)/);
    expect((await first).code).toBe(0);
    expect(fs.readdirSync(out)).toEqual(['toy']);
    const reference = csvs(path.join(out, 'toy'));
    // Started together: each either runs or is refused; the folder ends with one complete set.
    const both = await Promise.all([run(longArgs), run(longArgs)]);
    expect(both.map((r) => r.code).sort()).toSatisfy(
      (codes: number[]) => codes[0] === 0 && (codes[1] === 0 || codes[1] === 2),
    );
    expect(fs.readdirSync(out)).toEqual(['toy']);
    expect(csvs(path.join(out, 'toy'))).toEqual(reference);
  }, 120_000);

  const mountPoint = path.join(work, 'tmpfs');
  const mount = () => spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=160k', 'tmpfs', mountPoint]);
  const canMount = (() => {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
    fs.mkdirSync(mountPoint, { recursive: true });
    if (mount().status !== 0) return false;
    spawnSync('umount', [mountPoint]);
    return true;
  })();
  if (!canMount) {
    console.warn('ENOSPC test skipped: cannot mount a small tmpfs (needs Linux, root and mount)');
  }
  it.runIf(canMount)(
    'a full disk (ENOSPC on a 160 KB tmpfs) fails with exit 1 and keeps the previous set',
    async () => {
      expect(mount().status).toBe(0);
      try {
        copyDir(refA, path.join(mountPoint, 'out'));
        const big = scenarioFile(work, '600s', 2);
        const r = await run([
          'run',
          big,
          '--out',
          path.join(mountPoint, 'out'),
          '-q',
          '-j',
          '1',
          '--model',
          TOY,
        ]);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/ENOSPC|no space/i);
        expect(r.stderr).toMatch(/the previous results are untouched/);
        const left = fs.readdirSync(path.join(mountPoint, 'out'));
        expect(left.filter((f) => f !== '.toy.parts')).toEqual(['toy']);
        expect(csvs(path.join(mountPoint, 'out', 'toy'))).toEqual(setA);
      } finally {
        spawnSync('umount', [mountPoint]);
      }
    },
    60_000,
  );
});

describe('Ctrl-C then --resume (child processes; needs `npm run build`)', () => {
  const file = scenarioFile(work, '60s', 3);
  const args = (out: string) => ['run', file, '--out', out, '-j', '1', '-q', '--model', TOY];
  let reference: Record<string, string>;

  it('reference run', async () => {
    const out = path.join(work, 'resume-ref');
    expect((await run(args(out))).code).toBe(0);
    reference = csvs(path.join(out, 'toy'));
  }, 60_000);

  for (const k of [0, 2, 4]) {
    it(`SIGINT after ${k} finished job(s), then the printed --resume command: the same bytes`, async () => {
      const out = path.join(work, `resume-${k}`);
      const parts = path.join(out, '.toy.parts');
      const [child, exited] = start(args(out));
      const done = () =>
        fs.existsSync(parts) &&
        fs.readdirSync(parts).filter((f) => f.endsWith('.done.json')).length;
      await waitFor(() => done() !== false && (done() as number) >= k, `${k} finished jobs`);
      child.kill('SIGINT');
      const r = await exited;
      expect(r.signal).toBe('SIGINT');
      expect(fs.existsSync(path.join(out, 'toy'))).toBe(false);
      const m = /to finish, run:\n {2}lbsim (.*)\n/.exec(r.stderr);
      expect(m).not.toBeNull();
      const kept = Number(/(\d+) finished job\(s\) kept/.exec(r.stderr)?.[1]);
      expect(kept).toBeGreaterThanOrEqual(k);
      const resumed = await run((m?.[1] ?? '').split(' '));
      expect(resumed.code).toBe(0);
      if (kept > 0) expect(resumed.stderr).toMatch(new RegExp(`resumed: ${kept} finished job`));
      expect(csvs(path.join(out, 'toy'))).toEqual(reference);
      expect(fs.readdirSync(out)).toEqual(['toy']);
    }, 90_000);
  }
});
