/**
 * disruptions.csv: what each churn event cost, derived from a scenario's timeseries.csv and
 * events.csv after the run (so it needs no hook in the request path, and `merge` can rebuild it).
 * Per job (variant, balancer, replication) and per churn event at time t_e (docs/OUTPUTS.md):
 *
 * - pre-event error rate p: errors / requests over the windows that end by t_e and start at or
 *   after max(warmup, previous churn event, t_e - PRE_SECONDS);
 * - a window is *disturbed* when its errors exceed what p predicts by more than Poisson noise:
 *   errors > p n + 3 sqrt(p n) (n its requests; with p = 0, any error);
 * - the event window runs from the window holding t_e to the end of the last disturbed window
 *   before the next churn event (the first window alone when none is disturbed);
 * - recovery_s = end of the last disturbed window - t_e (0 when none): the time until the error
 *   rate is back to its pre-event level;
 * - failed_requests = errors in the event window; excess_failed = failed - p x its requests;
 * - p99_ms = the worst window p99 in the event window (window quantiles do not merge: an upper
 *   envelope of the window's p99).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { confidenceInterval } from '../metrics/stats.js';
import { writeFileAtomic } from './files.js';
import { csvLine } from './format.js';
import { formatInterval, readCsv } from './summarize.js';

/** How far back the pre-event level looks, seconds. */
export const PRE_SECONDS = 30;

/** events.csv kinds that are churn events, and the churn kind each reports. */
export const DISRUPTION_KINDS: Readonly<Record<string, string>> = {
  'rollout-started': 'rollout',
  'container-crashed': 'crash',
  'pod-killed': 'kill',
  scaled: 'scale',
  'node-failed': 'node-failure',
};
/** Fault injections (events named `fault-*`) count as the kind `fault`. */
const kindOf = (event: string): string | undefined =>
  DISRUPTION_KINDS[event] ?? (event.startsWith('fault') ? 'fault' : undefined);

export const DISRUPTIONS_COLUMNS = [
  'scenario',
  'variant',
  'balancer',
  'replication',
  'event_index',
  'kind',
  'event',
  'time_s',
  'pre_error_rate',
  'window_start_s',
  'window_end_s',
  'requests',
  'failed_requests',
  'excess_failed',
  'recovery_s',
  'p99_ms',
] as const;

interface Window {
  start: number;
  end: number;
  requests: number;
  errors: number;
  p99: number;
}

type Row = Record<string, string>;
const num = (s: string | undefined) => (s === undefined || s === '' ? Number.NaN : Number(s));
const jobKey = (r: Row) => JSON.stringify([r.scenario, r.variant, r.balancer, r.replication]);

/**
 * The disruptions.csv text (header included) of one scenario's timeseries and events rows, in
 * job order (that of timeseries.csv) then event time. `warmupOf` gives a variant's warmup.
 */
export function disruptionsCsv(
  timeseries: readonly Row[],
  events: readonly Row[],
  warmupOf: (variant: string) => number,
): string {
  const windows = new Map<string, { key: Row; w: Window[] }>();
  for (const r of timeseries) {
    const k = jobKey(r);
    let j = windows.get(k);
    if (j === undefined) windows.set(k, (j = { key: r, w: [] }));
    j.w.push({
      start: num(r.window_start_s),
      end: num(r.window_end_s),
      requests: num(r.requests),
      errors: num(r.errors),
      p99: num(r.latency_p99_ms),
    });
  }
  const churn = new Map<string, { time: number; event: string; kind: string }[]>();
  for (const r of events) {
    const kind = kindOf(r.event ?? '');
    if (kind === undefined) continue;
    const k = jobKey(r);
    let list = churn.get(k);
    if (list === undefined) churn.set(k, (list = []));
    list.push({ time: num(r.time_s), event: r.event ?? '', kind });
  }
  let out = csvLine(DISRUPTIONS_COLUMNS);
  for (const [k, { key, w }] of windows) {
    const list = (churn.get(k) ?? []).sort((a, b) => a.time - b.time);
    w.sort((a, b) => a.start - b.start);
    list.forEach((e, i) => {
      const prevTime = i > 0 ? (list[i - 1]?.time as number) : Number.NEGATIVE_INFINITY;
      const nextTime =
        i + 1 < list.length ? (list[i + 1]?.time as number) : Number.POSITIVE_INFINITY;
      const from = Math.max(warmupOf(key.variant ?? ''), prevTime, e.time - PRE_SECONDS);
      let preReq = 0;
      let preErr = 0;
      for (const x of w)
        if (x.start >= from && x.end <= e.time) {
          preReq += x.requests;
          preErr += x.errors;
        }
      const p = preReq > 0 ? preErr / preReq : 0;
      const first = w.findIndex((x) => x.end > e.time);
      if (first < 0) return;
      let last = first;
      let disturbed = false;
      for (let j = first; j < w.length; j++) {
        const x = w[j] as Window;
        if (j > first && x.start >= nextTime) break;
        const expected = p * x.requests;
        if (x.errors > expected + 3 * Math.sqrt(expected)) {
          last = j;
          disturbed = true;
        }
      }
      let requests = 0;
      let failed = 0;
      let p99 = Number.NaN;
      for (let j = first; j <= last; j++) {
        const x = w[j] as Window;
        requests += x.requests;
        failed += x.errors;
        if (Number.isFinite(x.p99)) p99 = Number.isFinite(p99) ? Math.max(p99, x.p99) : x.p99;
      }
      const lastW = w[last] as Window;
      out += csvLine([
        key.scenario ?? '',
        key.variant ?? '',
        key.balancer ?? '',
        key.replication ?? '',
        i,
        e.kind,
        e.event,
        e.time,
        p,
        (w[first] as Window).start,
        lastW.end,
        requests,
        failed,
        failed - p * requests,
        disturbed ? Math.max(0, lastW.end - e.time) : 0,
        p99,
      ]);
    });
  }
  return out;
}

/** Writes DIR/disruptions.csv from DIR/timeseries.csv and DIR/events.csv (atomically). */
export async function writeDisruptions(
  dir: string,
  warmupOf: (variant: string) => number,
): Promise<void> {
  const read = async (t: string) => {
    const f = path.join(dir, `${t}.csv`);
    return fs.existsSync(f) ? (await readCsv(f)).rows : [];
  };
  const text = disruptionsCsv(await read('timeseries'), await read('events'), warmupOf);
  writeFileAtomic(path.join(dir, 'disruptions.csv'), text);
}

/** A variant's warmup from a resolved scenario as run.json holds it (its variants, else its own). */
export function warmupOf(scenario: unknown): (variant: string) => number {
  const rec = (v: unknown): Record<string, unknown> =>
    v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const s = rec(scenario);
  const variants = Array.isArray(s.variants) ? s.variants : [];
  const base = typeof s.warmup === 'number' ? s.warmup : 0;
  return (variant) => {
    const w = rec(rec(variants[Number(variant)]).scenario).warmup;
    return typeof w === 'number' ? w : base;
  };
}

/**
 * `lbsim summarize`'s disruption lines: per (scenario, variant, balancer, kind), the mean over
 * events (all replications) of failed requests, recovery time and event-window p99, each with
 * its 95% interval: `failed requests per rollout: 2360 ± 130`.
 */
export async function disruptionLines(dirs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const dir of dirs) {
    const f = path.join(dir, 'disruptions.csv');
    if (!fs.existsSync(f)) continue;
    const groups = new Map<string, Row[]>();
    for (const r of (await readCsv(f)).rows) {
      const k = JSON.stringify([r.scenario, r.variant, r.balancer, r.kind]);
      let g = groups.get(k);
      if (g === undefined) groups.set(k, (g = []));
      g.push(r);
    }
    for (const g of groups.values()) {
      const r0 = g[0] as Row;
      const ci = (c: string) => formatInterval(confidenceInterval(g.map((r) => num(r[c]))));
      out.push(
        `${r0.scenario} variant ${r0.variant} ${r0.balancer}: failed requests per ${r0.kind}: ${ci('failed_requests')}; recovery ${ci('recovery_s')} s; p99 during it ${ci('p99_ms')} ms (${g.length} event(s))`,
      );
    }
  }
  return out;
}
