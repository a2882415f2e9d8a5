/**
 * Golden tests: every shipped scenario, shrunk with `--set` so it runs in a second or two, goes
 * through the CLI's code path (`main(['run', FILE, '--out', TMP, '--quiet', ...])`, the worker pool
 * and the built dist/) and its summary.csv must equal test/golden/<name>.summary.csv byte for
 * byte. Any change in the model's behaviour shows up here and has to be explained in the commit
 * that regenerates the files:
 *
 *     npm run build && UPDATE_GOLDEN=1 npx vitest run test/golden
 *
 * Also: a run is deterministic (the same command twice gives identical CSVs) and does not depend
 * on how many worker threads ran it (`-j 1` and `-j 2` give identical CSVs).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { packageRoot } from '../../src/output/run-info.js';

const root = packageRoot();
const SCENARIOS = path.join(root, 'scenarios');
const GOLDEN = path.join(root, 'test', 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/**
 * The small size of each shipped scenario: every churn time moved inside the shorter run, rates
 * lowered. The shape (balancers, sweep, churn kinds) stays that of the file.
 */
const SMALL: Record<string, readonly string[]> = {
  example: [
    'duration=20s',
    'warmup=5s',
    'workload.arrivals.rate=300',
    'churn[0].mtbf=20s',
    'churn[1].at=10s',
  ],
  'seed-article': [
    'duration=30s',
    'warmup=5s',
    'workload.arrivals.rate=240',
    'churn[0].mtbf=40s',
    'churn[1].at=15s',
  ],
  'rolling-update': ['duration=25s', 'warmup=5s', 'workload.arrivals.rate=240', 'churn[0].at=8s'],
  'crash-loop': ['duration=30s', 'warmup=5s', 'workload.arrivals.rate=160', 'churn[0].mtbf=20s'],
  'large-cluster-sync': [
    'duration=30s',
    'warmup=5s',
    'workload.arrivals.rate=160',
    'churn[0].mtbf=40s',
    'churn[1].at=15s',
  ],
  'keepalive-imbalance': [
    'duration=30s',
    'warmup=5s',
    'workload.arrivals.minRate=200',
    'workload.arrivals.maxRate=300',
    'workload.arrivals.period=60s',
    'churn[0].at=15s',
  ],
  'node-failure': [
    'duration=45s',
    'warmup=5s',
    'workload.arrivals.rate=160',
    'cluster.nodeMonitorGracePeriod=10s',
    'churn[0].at=10s',
    'churn[0].tolerationSeconds=20s',
  ],
  'sweep-load': ['duration=6s', 'warmup=1s'],
  'one-slow-pod': [
    'duration=20s',
    'warmup=2s',
    'workload.arrivals.rate=200',
    'faults[0].at=5s',
    'faults[0].for=10s',
  ],
  'bad-release': ['duration=25s', 'warmup=5s', 'workload.arrivals.rate=240', 'churn[0].at=8s'],
};

/** Replications at the small size: 2 where cheap, so the summary's replication path is covered. */
const REPLICATIONS: Record<string, number> = { 'sweep-load': 1, 'rolling-update': 1 };

/** Runs by (name, threads), so the determinism checks reuse the golden runs. */
const runs = new Map<string, Promise<string>>();

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-golden-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs `lbsim run` on the scenario at its small size; returns its output folder. */
function runSmall(name: string, threads = 2, fresh = false): Promise<string> {
  const key = `${name}:${threads}`;
  const cached = runs.get(key);
  if (cached !== undefined && !fresh) return cached;
  const run = runSmallNow(name, threads);
  if (!fresh) runs.set(key, run);
  return run;
}

async function runSmallNow(name: string, threads: number): Promise<string> {
  const out = tmp();
  const args = ['run', path.join(SCENARIOS, `${name}.yaml`), '--out', out, '--quiet'];
  args.push('-j', String(threads), '--replications', String(REPLICATIONS[name] ?? 2));
  for (const s of SMALL[name] ?? []) args.push('--set', s);
  let err = '';
  const code = await main(['node', 'lbsim', ...args], {
    out: () => {},
    err: (s) => {
      err += s;
    },
  });
  if (code !== 0) throw new Error(`lbsim ${args.join(' ')} exited ${code}:\n${err}`);
  return path.join(out, name);
}

/** Columns naming a row in a difference. */
const KEY_COLUMNS = ['variant', 'balancer', 'replication'];

/** A readable difference of two CSV texts: differing rows, column by column; '' when equal. */
function csvDiff(expected: string, actual: string, maxRows = 20): string {
  if (expected === actual) return '';
  const e = expected.split('\n');
  const a = actual.split('\n');
  const header = (e[0] ?? '').split(',');
  const lines: string[] = [];
  if (e[0] !== a[0]) lines.push(`header:\n  expected ${e[0]}\n  actual   ${a[0]}`);
  if (e.length !== a.length)
    lines.push(`row count: expected ${e.length - 1}, actual ${a.length - 1}`);
  let shown = 0;
  for (let i = 1; i < Math.max(e.length, a.length); i++) {
    if (e[i] === a[i]) continue;
    if (shown++ >= maxRows) {
      lines.push('...');
      break;
    }
    const ec = (e[i] ?? '').split(',');
    const ac = (a[i] ?? '').split(',');
    const row = ec.length > 1 ? ec : ac;
    const key = KEY_COLUMNS.map((k) => `${k}=${row[header.indexOf(k)] ?? '?'}`).join(' ');
    const cols: string[] = [];
    for (let c = 0; c < Math.max(ec.length, ac.length); c++) {
      if (ec[c] !== ac[c]) cols.push(`${header[c] ?? `#${c}`}: ${ec[c] ?? '∅'} -> ${ac[c] ?? '∅'}`);
    }
    lines.push(`row ${i} (${key}): ${cols.join('; ')}`);
  }
  return lines.join('\n');
}

/** Every CSV of an output folder (run.json holds wall-clock values, so it is left out). */
function csvs(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const f of fs.readdirSync(dir).sort()) {
    if (f.endsWith('.csv')) m.set(f, fs.readFileSync(path.join(dir, f), 'utf8'));
  }
  return m;
}

function expectSameCsvs(a: string, b: string): void {
  const ca = csvs(a);
  const cb = csvs(b);
  expect([...cb.keys()]).toEqual([...ca.keys()]);
  // The six tables and the derived disruptions.csv.
  expect(ca.size).toBe(7);
  for (const [f, text] of ca) {
    const d = csvDiff(text, cb.get(f) ?? '');
    expect(d, `${f} differs:\n${d}`).toBe('');
  }
}

const shipped = fs
  .readdirSync(SCENARIOS)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

describe('golden summary.csv of every shipped scenario at a small size', () => {
  it('every shipped scenario has a small size here', () => {
    expect(shipped.filter((n) => SMALL[n] === undefined)).toEqual([]);
  });

  it.each(shipped)('%s', async (name) => {
    const dir = await runSmall(name);
    const actual = fs.readFileSync(path.join(dir, 'summary.csv'), 'utf8');
    const file = path.join(GOLDEN, `${name}.summary.csv`);
    if (UPDATE) {
      fs.writeFileSync(file, actual);
      return;
    }
    if (!fs.existsSync(file)) {
      throw new Error(`${file} missing: run UPDATE_GOLDEN=1 npx vitest run test/golden`);
    }
    // Sanity of the run itself, so a golden file cannot freeze a broken run: every job produced
    // requests.
    const rows = actual.trim().split('\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    const requestsCol = actual.split('\n')[0]?.split(',').indexOf('requests') ?? -1;
    for (const r of rows) expect(Number(r.split(',')[requestsCol])).toBeGreaterThan(0);
    const d = csvDiff(fs.readFileSync(file, 'utf8'), actual);
    expect(
      d,
      `${name}: summary.csv differs from test/golden/${name}.summary.csv (if the model changed on purpose, regenerate with UPDATE_GOLDEN=1 and explain the change in the commit):\n${d}`,
    ).toBe('');
  });
});

describe('determinism through the CLI', () => {
  it('the same run twice gives identical CSVs', async () => {
    expectSameCsvs(await runSmall('example'), await runSmall('example', 2, true));
  });

  it('-j 1 and -j 2 give identical CSVs', async () => {
    expectSameCsvs(await runSmall('crash-loop', 1), await runSmall('crash-loop', 2));
  });
});

describe('csvDiff', () => {
  it('is empty for equal texts and names the differing columns otherwise', () => {
    const a = 'scenario,variant,balancer,replication,errors\ns,0,iptables,0,5\ns,0,ipvs-rr,0,7\n';
    expect(csvDiff(a, a)).toBe('');
    const b = a.replace('ipvs-rr,0,7', 'ipvs-rr,0,8');
    expect(csvDiff(a, b)).toBe('row 2 (variant=0 balancer=ipvs-rr replication=0): errors: 7 -> 8');
  });
});
