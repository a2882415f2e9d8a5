import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFile } from 'fast-csv';
import { type ConfidenceInterval, confidenceInterval } from '../metrics/stats.js';

/** Reads a CSV file (with its header row) into records of strings, with fast-csv. */
export function readCsv(
  file: string,
): Promise<{ header: string[]; rows: Record<string, string>[] }> {
  return new Promise((resolve, reject) => {
    let header: string[] = [];
    const rows: Record<string, string>[] = [];
    parseFile<Record<string, string>, Record<string, string>>(file, {
      headers: (h) => {
        header = h.map((x) => x ?? '');
        return h;
      },
    })
      .on('error', reject)
      .on('data', (row: Record<string, string>) => rows.push(row))
      .on('end', () => resolve({ header, rows }));
  });
}

/** The comparison of one (scenario, variant, balancer) across its replications. */
export interface SummaryGroup {
  readonly scenario: string;
  readonly variant: string;
  /** Swept key path -> value, for sweeps. */
  readonly sweep: Readonly<Record<string, string>>;
  readonly balancer: string;
  /** Replications found. */
  readonly n: number;
  readonly requests: ConfidenceInterval;
  readonly errorRate: ConfidenceInterval;
  readonly p50Ms: ConfidenceInterval;
  readonly p99Ms: ConfidenceInterval;
  readonly p999Ms: ConfidenceInterval;
  /** summary.csv `throughput_rps`: completed per measured second. */
  readonly throughputRps: ConfidenceInterval;
  /** summary.csv `offered_rps`: arrivals per measured second (NaN mean when the column is absent). */
  readonly offeredRps: ConfidenceInterval;
  /** summary.csv `in_flight_at_end`, when the writer has that column (undefined otherwise). */
  readonly inFlightAtEnd: ConfidenceInterval | undefined;
  /**
   * The share of a replication's arrivals still in flight at the end,
   * `in_flight_at_end / (requests + in_flight_at_end)` (summary.csv `requests` counts the
   * finished ones); undefined without the column.
   */
  readonly inFlightShare: ConfidenceInterval | undefined;
}

/** lostWorkWarnings warns when more than this share of the arrivals was still in flight (issue 11). */
export const IN_FLIGHT_WARN_SHARE = 0.001;

/** summary.csv files of an output folder: DIR/summary.csv, or DIR/<scenario>/summary.csv. */
export function findSummaryFiles(dir: string): string[] {
  const direct = path.join(dir, 'summary.csv');
  if (fs.existsSync(direct)) return [direct];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => path.join(dir, e.name, 'summary.csv'))
    .filter((f) => fs.existsSync(f))
    .sort();
}

const num = (s: string | undefined): number =>
  s === undefined || s === '' ? Number.NaN : Number(s);

/** The swept keys' label columns of a summary.csv header (between variant and balancer, but the numeric `sweep_*` copies). */
export function sweepLabelColumns(header: readonly string[]): string[] {
  return header
    .slice(header.indexOf('variant') + 1, header.indexOf('balancer'))
    .filter((c) => !c.startsWith('sweep_'));
}

/** summary.csv rows grouped by (scenario, variant, balancer), in order of first appearance. */
export function groupRuns(
  rows: readonly Record<string, string>[],
): Map<string, Record<string, string>[]> {
  const groups = new Map<string, Record<string, string>[]>();
  for (const r of rows) {
    const key = JSON.stringify([r.scenario, r.variant, r.balancer]);
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = []));
    g.push(r);
  }
  return groups;
}

/**
 * Groups summary.csv rows by (scenario, variant, balancer) in order of first appearance and
 * computes, for each metric, the mean across replications with a 95% Student-t interval.
 * Swept columns are those between `variant` and `balancer` in the header (but `sweep_*`).
 */
export function summarizeRows(
  header: readonly string[],
  rows: readonly Record<string, string>[],
): SummaryGroup[] {
  const sweepKeys = sweepLabelColumns(header);
  const groups = groupRuns(rows);
  const hasInFlight = header.includes('in_flight_at_end');
  return [...groups.values()].map((g) => {
    const first = g[0] as Record<string, string>;
    const ci = (col: string) => confidenceInterval(g.map((r) => num(r[col])));
    return {
      scenario: first.scenario ?? '',
      variant: first.variant ?? '',
      sweep: Object.fromEntries(sweepKeys.map((k) => [k, first[k] ?? ''])),
      balancer: first.balancer ?? '',
      n: g.length,
      requests: ci('requests'),
      errorRate: ci('error_rate'),
      p50Ms: ci('latency_p50_ms'),
      p99Ms: ci('latency_p99_ms'),
      p999Ms: ci('latency_p999_ms'),
      throughputRps: ci('throughput_rps'),
      offeredRps: ci('offered_rps'),
      inFlightAtEnd: hasInFlight ? ci('in_flight_at_end') : undefined,
      inFlightShare: hasInFlight
        ? confidenceInterval(
            g.map((r) => {
              const stuck = num(r.in_flight_at_end);
              const arrived = num(r.requests) + stuck;
              return arrived > 0 ? stuck / arrived : 0;
            }),
          )
        : undefined,
    };
  });
}

/** Summarises every summary.csv under `dir`. */
export async function summarizeDir(dir: string): Promise<SummaryGroup[]> {
  const out: SummaryGroup[] = [];
  for (const f of findSummaryFiles(dir)) {
    const { header, rows } = await readCsv(f);
    out.push(...summarizeRows(header, rows));
  }
  return out;
}

function fmt(v: number, digits = 4): string {
  if (Number.isNaN(v)) return '-';
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(digits)));
}

/** `mean ± half-width` (half-width omitted with a single replication). */
export function formatInterval(ci: ConfidenceInterval, scale = 1, digits = 4): string {
  const m = fmt(ci.mean * scale, digits);
  return Number.isNaN(ci.halfWidth) ? m : `${m} ± ${fmt(ci.halfWidth * scale, 2)}`;
}

/**
 * Lost work, loudly: per (scenario, variant, balancer), a warning when more than 0.1% of the
 * arrivals were still in flight at the end (the mean over replications of each one's share,
 * summary.csv `in_flight_at_end` / (`requests` + `in_flight_at_end`), read when the column
 * exists: the threshold of issue 11; a handful of requests caught mid-flight by the end of any
 * run is no news) or when the
 * throughput fell short of the offered rate by more than 1% (failed or unfinished requests: the
 * run measured a backlog or an outage, and its latency quantiles leave those requests out).
 */
export function lostWorkWarnings(groups: readonly SummaryGroup[]): string[] {
  const out: string[] = [];
  for (const g of groups) {
    const who = `${g.scenario} ${variantText(g)} ${g.balancer}`;
    const inFlight = g.inFlightAtEnd?.mean;
    const share = g.inFlightShare?.mean;
    if (inFlight !== undefined && share !== undefined && share > IN_FLIGHT_WARN_SHARE)
      out.push(
        `${who}: ${fmt(inFlight)} request(s) per replication (${fmt(100 * share, 3)}% of arrivals) still in flight at the end (never completed nor failed; not in the latency quantiles)`,
      );
    const offered = g.offeredRps.mean;
    const got = g.throughputRps.mean;
    if (offered > 0 && got < 0.99 * offered)
      out.push(
        `${who}: throughput ${fmt(got)} rps is ${fmt((100 * (offered - got)) / offered, 3)}% below the offered ${fmt(offered)} rps (error rate ${fmt(100 * g.errorRate.mean, 3)}%; the rest unfinished at the end)`,
      );
  }
  return out;
}

/** The variant as its swept values (`rate=300`), or its number. */
function variantText(g: SummaryGroup): string {
  const sweep = Object.entries(g.sweep);
  return sweep.length === 0 ? `variant ${g.variant}` : sweep.map(([k, v]) => `${k}=${v}`).join(' ');
}
