/**
 * The validation suite's cases (docs/VALIDATION.md): run the scenario files in
 * test/validation/scenarios through the CLI's own code path (`main(['run', ...])`: schema,
 * job planning, seeds, the piscina worker pool, the CSV writers), read back the CSVs it wrote,
 * and compare each measured quantity with its queueing-theory value.
 *
 * Theory inputs (rates, service means, replicas, workers, delays) are read from the scenario
 * files themselves, so a file and its expected value cannot drift apart.
 *
 * Tolerance rule (theory.ts checkAgainstTheory): with R replications,
 * |mean - theory| <= t_{(1+conf)/2, R-1} s / sqrt(R) + relSlack x theory. Each case states its
 * relSlack and why; it covers only biases the replications cannot show (histogram rounding,
 * end-of-run exclusion), never noise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';
import type { DistributionSpec } from '../../src/engine/distributions/index.js';
import { loadScenarioFile } from '../../src/scenario/load.js';
import type { ResolvedScenario } from '../../src/scenario/types.js';
import { num, type Row, readCsv } from './csv.js';
import {
  type CiCheck,
  checkAgainstTheory,
  enm1MeanSojourn,
  erlangC,
  gim1Sigma,
  mm1MeanSojourn,
  mmcMeanSojourn,
  mmcSojournQuantile,
  mmcWaitProbabilityFromQuantile,
} from './theory.js';

export const SCENARIO_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scenarios');

/** The scenario file of each case (base names in SCENARIO_DIR; `name:` inside is the same). */
export const SCENARIOS = {
  mm1: 'v-mm1-iptables',
  enm1: 'v-enm1-ipvs-rr',
  mmc: 'v-mmc-one-pod',
  nginx: 'v-nginx-static-churn',
  kill: 'v-kill-propagation',
} as const;

export function scenarioFiles(): string[] {
  return Object.values(SCENARIOS).map((n) => path.join(SCENARIO_DIR, `${n}.yaml`));
}

/** Runs every validation scenario with `lbsim run FILES --out DIR --quiet -j JOBS`. */
export async function runValidationScenarios(
  outDir: string,
  jobs = 2,
  files: readonly string[] = scenarioFiles(),
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(
    ['node', 'lbsim', 'run', ...files, '--out', outDir, '--quiet', '-j', String(jobs)],
    {
      out: (s) => {
        out += s;
      },
      err: (s) => {
        err += s;
      },
    },
  );
  return { code, out, err };
}

/** One comparison of the suite: a row of docs/VALIDATION.md's table. */
export interface ValidationCheck {
  /** Case number in docs/VALIDATION.md (1-6). */
  readonly caseNo: number;
  readonly scenario: string;
  /** What is compared, e.g. `latency_mean_ms`. */
  readonly quantity: string;
  /** Measured value, e.g. `33.41 ± 0.52` (99% CI half-width), or an observed bound. */
  readonly simulated: string;
  readonly theory: string;
  readonly allowed: string;
  readonly ok: boolean;
  /** Full sentence for an assertion message. */
  readonly describe: string;
}

function fmt(x: number, digits = 4): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1000) return x.toFixed(1);
  return x.toPrecision(digits);
}

function ci(
  caseNo: number,
  scenario: string,
  quantity: string,
  values: readonly number[],
  theory: number,
  opts: { confidence?: number; relSlack: number },
): ValidationCheck {
  const c: CiCheck = checkAgainstTheory(values, theory, opts);
  const conf = Math.round((opts.confidence ?? 0.99) * 1000) / 10;
  return {
    caseNo,
    scenario,
    quantity,
    simulated: `${fmt(c.mean)} ± ${fmt(c.halfWidth, 2)} (${conf}%, R=${values.length})`,
    theory: fmt(theory),
    allowed: `±${fmt(c.tolerance, 2)} (relSlack ${opts.relSlack})`,
    ok: c.ok,
    describe: `case ${caseNo} ${scenario} ${quantity}: ${c.describe}`,
  };
}

function bound(
  caseNo: number,
  scenario: string,
  quantity: string,
  observed: number,
  op: '<=' | '>',
  limit: number,
  theory: string,
): ValidationCheck {
  const ok = op === '<=' ? observed <= limit : observed > limit;
  return {
    caseNo,
    scenario,
    quantity,
    simulated: fmt(observed),
    theory,
    allowed: `${op} ${fmt(limit)}`,
    ok,
    describe: `case ${caseNo} ${scenario} ${quantity}: observed ${observed} must be ${op} ${limit} (${theory})`,
  };
}

// ---- Reading the outputs -------------------------------------------------------------------

function table(outDir: string, scenario: string, name: string): Row[] {
  return readCsv(path.join(outDir, scenario, `${name}.csv`));
}

/** Groups rows by replication (0..R-1, every replication present even if it has no row). */
function byReplication(rows: readonly Row[], replications: number): Row[][] {
  const groups: Row[][] = Array.from({ length: replications }, () => []);
  for (const r of rows) groups[num(r, 'replication')]?.push(r);
  return groups;
}

function column(rows: readonly Row[], c: string): number[] {
  return rows.map((r) => num(r, c));
}

function average(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

// ---- Theory inputs from the scenario files -------------------------------------------------

function scenario(name: string): ResolvedScenario {
  return loadScenarioFile(path.join(SCENARIO_DIR, `${name}.yaml`));
}

function poissonRate(s: ResolvedScenario): number {
  const a = s.workload.arrivals;
  if (a.process !== 'poisson') throw new Error(`${s.name}: expected Poisson arrivals`);
  return a.rate;
}

function exponentialRate(s: ResolvedScenario): number {
  const d: DistributionSpec = s.deployment.pod.serviceTime;
  if (d.distribution !== 'exponential') throw new Error(`${s.name}: expected exponential service`);
  return 1 / d.mean;
}

function constantValue(d: DistributionSpec, what: string): number {
  if (d.distribution !== 'constant') throw new Error(`${what}: expected a constant`);
  return d.value;
}

/** Sanity of the setting every queueing case assumes: no network delay, no churn. */
function assertPlainQueueing(s: ResolvedScenario): void {
  if (s.network.rtt !== 0 || s.network.crossNodeRtt !== 0)
    throw new Error(`${s.name}: network.rtt must be 0`);
  if (s.churn.length !== 0) throw new Error(`${s.name}: expected no churn`);
  if (s.workload.connections.mode !== 'per-request')
    throw new Error(`${s.name}: expected per-request connections`);
}

// ---- The cases -----------------------------------------------------------------------------

/**
 * Case 1: random dispatch -> M/M/1 per pod (Kleinrock vol. 1, 3.2; a Poisson stream split at
 * random gives independent Poisson streams, Kleinrock 2.6 / Gross & Harris 2.3).
 */
function caseMm1(outDir: string): ValidationCheck[] {
  const name = SCENARIOS.mm1;
  const s = scenario(name);
  assertPlainQueueing(s);
  const n = s.deployment.replicas;
  const mu = exponentialRate(s);
  const lambda = poissonRate(s) / n;
  const summary = table(outDir, name, 'summary');
  const pods = byReplication(table(outDir, name, 'pods'), summary.length);
  return [
    // relSlack 0.2%: the initial transient is gone after warmup (10 s against a relaxation time
    // 1/(mu (1 - sqrt(rho))^2) = 0.37 s); requests in flight at the end (~4 x 2.3 of 168 000 per
    // run) are left out, which biases the mean by ~1e-4. The rest is noise, which the CI covers.
    ci(
      1,
      name,
      'latency_mean_ms',
      column(summary, 'latency_mean_ms'),
      1e3 * mm1MeanSojourn(lambda, mu),
      {
        relSlack: 0.002,
      },
    ),
    // relSlack 0.3%: the HDR histogram reports the top of the sample quantile's bucket, at most
    // 1/1024 = 0.1% above it (docs/OUTPUTS.md), plus the 0.2% above.
    ci(
      1,
      name,
      'latency_p99_ms',
      column(summary, 'latency_p99_ms'),
      (1e3 * Math.log(100)) / (mu - lambda),
      {
        relSlack: 0.003,
      },
    ),
    // Utilisation rho = lambda / mu: busy time over each pod's whole life, warm-up included
    // (the run starts empty: ~0.4 s of its 610 s below steady state, < 0.1%).
    ci(
      1,
      name,
      'pods busy_fraction',
      pods.map((p) => average(column(p, 'busy_fraction'))),
      lambda / mu,
      {
        relSlack: 0.002,
      },
    ),
  ];
}

/** Spread (max - min) of requests served per pod, per replication. */
function servedSpread(pods: readonly Row[][]): number[] {
  return pods.map((p) => {
    const served = column(p, 'requests_served');
    return Math.max(...served) - Math.min(...served);
  });
}

/**
 * Case 2: IPVS rr from one node -> E_N/M/1 per pod (GI/M/1: Kleinrock vol. 1, 6.4; Gross &
 * Harris, GI/M/1 with Erlang arrivals).
 */
function caseEnm1(outDir: string): ValidationCheck[] {
  const name = SCENARIOS.enm1;
  const s = scenario(name);
  assertPlainQueueing(s);
  const placement = s.workload.clients.placement;
  if (placement === 'even' || placement.weights.filter((w) => w > 0).length !== 1)
    throw new Error(`${name}: every client must sit on one node`);
  const n = s.deployment.replicas;
  const mu = exponentialRate(s);
  const lambda = poissonRate(s) / n;
  const sigma = gim1Sigma(n, lambda / mu);
  const summary = table(outDir, name, 'summary');
  const pods = byReplication(table(outDir, name, 'pods'), summary.length);
  // rr cycles: among the requests that arrived after warmup, the pods' counts differ by at most
  // 1; those still in flight at the end are not counted as served, at most the largest queue at
  // the end. An arrival finds >= k in system with probability sigma^k (GI/M/1), so 40 more than
  // the cycle's 1 has probability ~sigma^40 < 1e-9 per pod. Random dispatch (case 1's
  // iptables) spreads the same counts by hundreds (binomial sd ~ 180): the negative control.
  const rrSpread = Math.max(...servedSpread(pods));
  const randomSpread = average(
    servedSpread(
      byReplication(table(outDir, SCENARIOS.mm1, 'pods'), readCsvCount(outDir, SCENARIOS.mm1)),
    ),
  );
  return [
    // relSlack as in case 1 (same loads, same run lengths).
    ci(
      2,
      name,
      'latency_mean_ms',
      column(summary, 'latency_mean_ms'),
      1e3 * enm1MeanSojourn(n, lambda, mu),
      {
        relSlack: 0.002,
      },
    ),
    ci(
      2,
      name,
      'latency_p99_ms',
      column(summary, 'latency_p99_ms'),
      (1e3 * Math.log(100)) / (mu * (1 - sigma)),
      {
        relSlack: 0.003,
      },
    ),
    bound(
      2,
      name,
      'max over runs of (max - min) requests_served per pod',
      rrSpread,
      '<=',
      41,
      'rr cycles: <= 1 + in flight at end',
    ),
    bound(
      2,
      SCENARIOS.mm1,
      'mean (max - min) requests_served per pod, iptables (control)',
      randomSpread,
      '>',
      41,
      'random dispatch does not cycle',
    ),
  ];
}

function readCsvCount(outDir: string, name: string): number {
  return table(outDir, name, 'summary').length;
}

/** Case 3: one pod with c workers -> M/M/c (Erlang C; Gross & Harris, M/M/c; Kleinrock 3.5). */
function caseMmc(outDir: string): ValidationCheck[] {
  const name = SCENARIOS.mmc;
  const s = scenario(name);
  assertPlainQueueing(s);
  if (s.deployment.replicas !== 1) throw new Error(`${name}: expected one pod`);
  const c = s.deployment.pod.concurrency;
  const mu = exponentialRate(s);
  const lambda = poissonRate(s);
  const summary = table(outDir, name, 'summary');
  const checks = [
    ci(
      3,
      name,
      'latency_mean_ms',
      column(summary, 'latency_mean_ms'),
      1e3 * mmcMeanSojourn(c, lambda, mu),
      {
        relSlack: 0.002,
      },
    ),
  ];
  for (const q of [0.5, 0.9, 0.99]) {
    const col = `latency_p${Math.round(q * 100)}_ms`;
    checks.push(
      ci(3, name, col, column(summary, col), 1e3 * mmcSojournQuantile(q, c, lambda, mu), {
        relSlack: 0.003,
      }),
    );
  }
  // P(wait) is not an output: it is recovered from the measured p90 through the sojourn
  // distribution, whose tail is linear in P(wait) (theory.ts). The estimate's noise is the
  // p90's, scaled (dC/dt); the p90's 0.1% histogram rounding moves it by 0.35% at these values
  // (d ln C / d ln t = 3.5), hence relSlack 1%.
  const pw = column(summary, 'latency_p90_ms').map((t) =>
    mmcWaitProbabilityFromQuantile(t / 1e3, 0.9, c, lambda, mu),
  );
  checks.push(ci(3, name, 'P(wait) from p90', pw, erlangC(c, lambda / mu), { relSlack: 0.01 }));
  return checks;
}

/**
 * Case 4: Little's law L = lambda W on every failure-free run (cases 1-3). Sample-path Little
 * holds exactly up to the boundary terms: requests in the system at warmup and at the end (a
 * few, times their ~30 ms sojourn, against 600 s of measurement: < 1e-4 of the area). Each run
 * must agree within 0.2%; the table shows the ratio's mean and CI.
 */
function caseLittle(outDir: string): ValidationCheck[] {
  const checks: ValidationCheck[] = [];
  for (const name of [SCENARIOS.mm1, SCENARIOS.enm1, SCENARIOS.mmc]) {
    const summary = table(outDir, name, 'summary');
    const ratios = summary.map(
      (r) =>
        num(r, 'mean_in_system') / ((num(r, 'throughput_rps') * num(r, 'latency_mean_ms')) / 1e3),
    );
    if (summary.some((r) => num(r, 'errors') !== 0))
      throw new Error(`${name}: Little needs a failure-free run`);
    checks.push(
      ci(4, name, 'mean_in_system / (throughput x latency_mean)', ratios, 1, { relSlack: 0.002 }),
    );
    const worst = Math.max(...ratios.map((x) => Math.abs(x - 1)));
    checks.push(
      bound(4, name, 'max over runs of abs(ratio - 1)', worst, '<=', 0.002, 'boundary terms only'),
    );
  }
  return checks;
}

/** integral_0^x (1 - e^{-r s}) ds, 0 for x <= 0. */
function deadIntegral(x: number, r: number): number {
  return x <= 0 ? 0 : x - (1 - Math.exp(-r * x)) / r;
}

/**
 * Case 5: Nginx static, no ejection, pods replaced at rate r: the share of requests sent at
 * time t that fail is the share of the original pods dead by t, 1 - e^{-r t} (each original
 * pod's life is Exp(r); Nginx's round robin covers every configured IP equally).
 *
 * Per timeseries window [a, b): errors are counted when they happen, a connect timeout ct after
 * the request was sent, so the window's errors are the requests sent in [a - ct, b - ct) to a
 * dead IP; its completions those sent (a service time earlier, ignored: r x 5 ms < 2e-4) to a
 * live one. A request on a live pod also fails if the pod crashes while serving it:
 * probability r / (r + mu') with mu' = mu - lambda/N (M/M/1 sojourn rate of an original pod).
 */
function caseNginx(outDir: string): ValidationCheck[] {
  const name = SCENARIOS.nginx;
  const s = scenario(name);
  const crash = s.churn[0];
  if (s.churn.length !== 1 || crash?.type !== 'crash' || crash.action !== 'replace')
    throw new Error(`${name}: expected one crash churn with action replace`);
  if (s.cluster.ipReuse !== 'never') throw new Error(`${name}: ipReuse must be never`);
  const b = s.balancers[0];
  if (b?.name !== 'nginx-static') throw new Error(`${name}: expected nginx-static`);
  const o = b.options as {
    maxFails: number;
    nextUpstream: string[];
    connectTimeout: number;
    workers: number;
  };
  if (o.maxFails !== 0) throw new Error(`${name}: maxFails must be 0`);
  const r = 1 / crash.mtbf;
  const ct = o.connectTimeout;
  const n = s.deployment.replicas;
  const muLive = exponentialRate(s) - poissonRate(s) / n;
  const reset = r / (r + muLive);
  const windowFraction = (a: number, z: number): number => {
    const dead = deadIntegral(z - ct, r) - deadIntegral(a - ct, r);
    const live = z - a - (deadIntegral(z, r) - deadIntegral(a, r));
    const errors = dead + live * reset;
    return errors / (dead + live);
  };
  const summary = table(outDir, name, 'summary');
  const windows = byReplication(table(outDir, name, 'timeseries'), summary.length);
  const first = windows[0] ?? [];
  const checks: ValidationCheck[] = [];
  for (let w = 0; w < first.length; w++) {
    const row = first[w] as Row;
    const a = num(row, 'window_start_s');
    const z = num(row, 'window_end_s');
    const fractions = windows.map((rows) => {
      const x = rows[w] as Row;
      return num(x, 'errors') / num(x, 'requests');
    });
    // 99.9% per window: 12 windows tested at once keep the family's false-alarm rate near 1%.
    // relSlack 0.5%: the neglected service-time shift (< 2e-4 of p) and the Poisson noise of
    // the arrivals that the replications already see.
    checks.push(
      ci(5, name, `error fraction in [${a}, ${z}) s`, fractions, windowFraction(a, z), {
        confidence: 0.999,
        relSlack: 0.005,
      }),
    );
  }
  // The whole run: requests (counted at arrival, [0, T)) failing, against the time average of
  // the curve; requests sent in the last ct are not finished and not counted (ct/T < 0.1%).
  const T = s.duration - s.warmup;
  const overall = (deadIntegral(s.duration, r) - deadIntegral(s.warmup, r)) / T;
  checks.push(
    ci(
      5,
      name,
      'error_rate (whole run)',
      column(summary, 'error_rate'),
      overall + (1 - overall) * reset,
      {
        relSlack: 0.005,
      },
    ),
  );
  return checks;
}

/**
 * Case 6: one pod killed at t0; every node learns after exactly D: requests failing on the dead
 * IP, expected L D / N (Poisson arrivals at L over [t0, t0 + D), each sent to the dead IP with
 * probability 1/N by iptables' uniform pick).
 */
function caseKill(outDir: string): ValidationCheck[] {
  const name = SCENARIOS.kill;
  const s = scenario(name);
  const kill = s.churn[0];
  if (s.churn.length !== 1 || kill?.type !== 'kill' || kill.count !== 1)
    throw new Error(`${name}: expected one kill of one pod`);
  const D = constantValue(s.propagation.watchDelay, 'propagation.watchDelay');
  if (constantValue(s.propagation.controllerDelay, 'propagation.controllerDelay') !== 0)
    throw new Error(`${name}: controllerDelay must be 0`);
  if (s.kubeProxy.minSyncPeriod !== 0) throw new Error(`${name}: minSyncPeriod must be 0`);
  const L = poissonRate(s);
  const N = s.deployment.replicas;
  const summary = table(outDir, name, 'summary');
  const R = summary.length;
  const errors = byReplication(table(outDir, name, 'errors'), R);
  const stale = errors.map((rows) =>
    rows
      .filter((x) => x.level === 'final' && x.cause === 'stale_endpoint')
      .reduce((acc, x) => acc + num(x, 'count'), 0),
  );
  // Every node programmed the removal exactly D after the kill (no other delay in the chain).
  const removals = table(outDir, name, 'propagation').filter((x) => x.change === 'remove');
  const worstDelayError = Math.max(...removals.map((x) => Math.abs(num(x, 'delay_ms') - 1e3 * D)));
  return [
    // relSlack 1%: the count is exact in expectation (Poisson thinning); 1% only absorbs the
    // table switch and arrivals tied at the same instant. Noise (Poisson, sd 10 per run) is
    // what the CI covers.
    ci(6, name, 'final errors with cause stale_endpoint per run', stale, (L * D) / N, {
      relSlack: 0.01,
    }),
    {
      ...bound(
        6,
        name,
        'removals programmed (node x run)',
        removals.length,
        '<=',
        R * s.cluster.nodes,
        'one per node and run',
      ),
      ok: removals.length === R * s.cluster.nodes,
      allowed: `= ${R * s.cluster.nodes}`,
    },
    bound(
      6,
      name,
      'max abs(removal delay_ms - 1000 D)',
      worstDelayError,
      '<=',
      1e-6,
      `D = ${D} s exactly`,
    ),
  ];
}

/** Every check of the suite, in case order, from the CSVs of one `runValidationScenarios`. */
export function evaluateValidation(outDir: string): ValidationCheck[] {
  for (const n of Object.values(SCENARIOS)) {
    if (!fs.existsSync(path.join(outDir, n, 'summary.csv')))
      throw new Error(`${outDir}/${n}/summary.csv missing: run the validation scenarios first`);
  }
  return [
    ...caseMm1(outDir),
    ...caseEnm1(outDir),
    ...caseMmc(outDir),
    ...caseLittle(outDir),
    ...caseNginx(outDir),
    ...caseKill(outDir),
  ];
}
