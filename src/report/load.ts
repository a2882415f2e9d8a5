/**
 * Reads one scenario folder of lbsim output into the aggregates the report draws. Only
 * summary.csv is kept whole (one row per job); the other tables are folded row by row as they
 * stream in, so a large propagation.csv costs one number per row, not one object.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TABLES, type TableName } from '../output/columns.js';
import { type Header, readCsvFile, toNumber } from './csv.js';

/** (variant, balancer): the unit every chart draws one line or bar for. */
export interface SeriesKey {
  readonly variant: string;
  readonly balancer: string;
}
const keyOf = (variant: string, balancer: string): string => `${variant}\u0000${balancer}`;

export interface SummaryRow extends SeriesKey {
  readonly replication: number;
  /** Every column of the row by name (numbers parsed lazily by the chart builders). */
  readonly fields: Readonly<Record<string, string>>;
}

export interface WindowAgg {
  p99Sum: number;
  p99Count: number;
  requests: number;
  errors: number;
}

export interface PodRow {
  readonly pod: string;
  readonly createdAt: number;
  readonly served: number;
  readonly busy: number;
}

export interface EventRow {
  readonly time: number;
  readonly event: string;
  readonly pod: string;
  readonly detail: string;
}

/** A per-series value taken from the lowest replication only (pods, events). */
export interface FirstReplication<T> {
  replication: number;
  rows: T[];
}

export interface ScenarioData {
  readonly name: string;
  readonly folder: string;
  /** run.json (or {} when absent or unreadable). */
  readonly run: Readonly<Record<string, unknown>>;
  /** Tables present with at least one row. */
  readonly present: ReadonlySet<TableName>;
  /** Notes about the input itself (unreadable run.json, missing columns...). */
  readonly problems: readonly string[];
  /** Every (variant, balancer) in order of first appearance (summary first). */
  readonly series: readonly SeriesKey[];
  readonly summaryHeader: readonly string[];
  readonly summary: readonly SummaryRow[];
  /** Swept key paths (run.json `sweep`, else summary columns between variant and balancer). */
  readonly sweepKeys: readonly string[];
  /** Swept key path -> its numeric `sweep_*` column in summary.csv, when the writer added one. */
  readonly sweepNumbers: ReadonlyMap<string, string>;
  readonly windows: ReadonlyMap<string, Map<number, WindowAgg>>;
  /** Final errors: series -> kind|cause -> name -> count (summed over replications). */
  readonly errorsByKind: ReadonlyMap<string, Map<string, number>>;
  readonly errorsByCause: ReadonlyMap<string, Map<string, number>>;
  readonly errorReplications: ReadonlyMap<string, Set<number>>;
  readonly pods: ReadonlyMap<string, FirstReplication<PodRow>>;
  /** series -> node -> programmed delays (ms). */
  readonly propagation: ReadonlyMap<string, Map<string, number[]>>;
  readonly propagationMissing: ReadonlyMap<string, number>;
  readonly events: ReadonlyMap<string, FirstReplication<EventRow>>;
}

export { keyOf as seriesKeyOf };

/** Events kept per series (the report marks at most a few hundred). */
const MAX_EVENT_ROWS = 2000;

const TABLE_NAMES = Object.keys(TABLES) as TableName[];

/** Scenario folders under `root`: `root` itself if it holds tables, else its sub-folders that do. */
export async function findScenarioFolders(root: string): Promise<string[]> {
  if (await holdsTables(root)) return [root];
  const entries = await readdir(root, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (e.isDirectory() && (await holdsTables(join(root, e.name)))) out.push(join(root, e.name));
  }
  return out;
}

async function holdsTables(folder: string): Promise<boolean> {
  for (const t of TABLE_NAMES) {
    try {
      if ((await stat(join(folder, `${t}.csv`))).isFile()) return true;
    } catch {
      // not there
    }
  }
  return false;
}

async function readRun(folder: string, problems: string[]): Promise<Record<string, unknown>> {
  for (const path of [join(folder, 'run.json'), join(folder, '..', 'run.json')]) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    try {
      const v: unknown = JSON.parse(text);
      if (isRecord(v)) return v;
      problems.push(`${path}: expected a JSON object, ignored`);
    } catch (e) {
      problems.push(`${path}: not valid JSON (${(e as Error).message}), ignored`);
    }
    return {};
  }
  return {};
}

/** Reads every table of one scenario folder. Missing or empty tables give empty aggregates. */
export async function loadScenario(folder: string, isRoot = false): Promise<ScenarioData> {
  const problems: string[] = [];
  const run = await readRun(folder, problems);
  const present = new Set<TableName>();
  const series: SeriesKey[] = [];
  const seen = new Set<string>();
  const addSeries = (variant: string, balancer: string): string => {
    const k = keyOf(variant, balancer);
    if (!seen.has(k)) {
      seen.add(k);
      series.push({ variant, balancer });
    }
    return k;
  };
  const file = (t: TableName) => join(folder, `${t}.csv`);
  /** Checks a header has what a table's reader needs; records a problem when not. */
  const needs = (t: TableName, h: Header, cols: string[]): boolean => {
    const missing = cols.filter((c) => !h.has(c));
    if (missing.length > 0) problems.push(`${t}.csv: missing column(s) ${missing.join(', ')}`);
    return missing.length === 0;
  };

  // summary.csv: kept whole.
  let summaryHeader: readonly string[] = [];
  const summary: SummaryRow[] = [];
  {
    let ok = false;
    let h: Header | undefined;
    await readCsvFile(
      file('summary'),
      (header) => {
        h = header;
        summaryHeader = header.names;
        ok = needs('summary', header, ['variant', 'balancer', 'replication']);
      },
      (f) => {
        if (!ok || !h) return;
        const fields: Record<string, string> = {};
        h.names.forEach((n, i) => {
          fields[n] = f[i] ?? '';
        });
        const variant = fields.variant ?? '';
        const balancer = fields.balancer ?? '';
        addSeries(variant, balancer);
        summary.push({ variant, balancer, replication: toNumber(fields.replication), fields });
        present.add('summary');
      },
    );
  }

  // timeseries.csv: per series and window start.
  const windows = new Map<string, Map<number, WindowAgg>>();
  {
    let c: Record<string, number> | undefined;
    await readCsvFile(
      file('timeseries'),
      (h) => {
        const cols = [
          'variant',
          'balancer',
          'window_start_s',
          'requests',
          'errors',
          'latency_p99_ms',
        ];
        c = needs('timeseries', h, cols)
          ? Object.fromEntries(cols.map((n) => [n, h.at(n)]))
          : undefined;
      },
      (f) => {
        if (!c) return;
        const k = addSeries(f[c.variant!] ?? '', f[c.balancer!] ?? '');
        let m = windows.get(k);
        if (!m) windows.set(k, (m = new Map()));
        const t = toNumber(f[c.window_start_s!]);
        let w = m.get(t);
        if (!w) m.set(t, (w = { p99Sum: 0, p99Count: 0, requests: 0, errors: 0 }));
        const p99 = toNumber(f[c.latency_p99_ms!]);
        if (Number.isFinite(p99)) {
          w.p99Sum += p99;
          w.p99Count++;
        }
        w.requests += toNumber(f[c.requests!]) || 0;
        w.errors += toNumber(f[c.errors!]) || 0;
        present.add('timeseries');
      },
    );
  }

  // errors.csv: final errors by kind and by cause.
  const errorsByKind = new Map<string, Map<string, number>>();
  const errorsByCause = new Map<string, Map<string, number>>();
  const errorReplications = new Map<string, Set<number>>();
  {
    let c: Record<string, number> | undefined;
    await readCsvFile(
      file('errors'),
      (h) => {
        const cols = ['variant', 'balancer', 'replication', 'kind', 'cause', 'count'];
        c = needs('errors', h, cols)
          ? { ...Object.fromEntries(cols.map((n) => [n, h.at(n)])), level: h.at('level') }
          : undefined;
      },
      (f) => {
        if (!c) return;
        // `attempt` rows are tries a retry hid; the chart shows what the user saw.
        if (c.level! >= 0 && f[c.level!] !== 'final') return;
        const k = addSeries(f[c.variant!] ?? '', f[c.balancer!] ?? '');
        const n = toNumber(f[c.count!]) || 0;
        bump(errorsByKind, k, f[c.kind!] ?? '', n);
        bump(errorsByCause, k, f[c.cause!] ?? '', n);
        let reps = errorReplications.get(k);
        if (!reps) errorReplications.set(k, (reps = new Set()));
        reps.add(toNumber(f[c.replication!]));
        present.add('errors');
      },
    );
  }

  // pods.csv: lowest replication per series.
  const pods = new Map<string, FirstReplication<PodRow>>();
  {
    let c: Record<string, number> | undefined;
    await readCsvFile(
      file('pods'),
      (h) => {
        const cols = [
          'variant',
          'balancer',
          'replication',
          'pod',
          'requests_served',
          'busy_fraction',
        ];
        c = needs('pods', h, cols)
          ? { ...Object.fromEntries(cols.map((n) => [n, h.at(n)])), created: h.at('created_at_s') }
          : undefined;
      },
      (f) => {
        if (!c) return;
        const k = addSeries(f[c.variant!] ?? '', f[c.balancer!] ?? '');
        const row: PodRow = {
          pod: f[c.pod!] ?? '',
          createdAt: c.created! >= 0 ? toNumber(f[c.created!]) : Number.NaN,
          served: toNumber(f[c.requests_served!]),
          busy: toNumber(f[c.busy_fraction!]),
        };
        keepFirstReplication(pods, k, toNumber(f[c.replication!]), row, Number.POSITIVE_INFINITY);
        present.add('pods');
      },
    );
  }

  // propagation.csv: delays per series and node; rows without a delay are counted.
  const propagation = new Map<string, Map<string, number[]>>();
  const propagationMissing = new Map<string, number>();
  {
    let c: Record<string, number> | undefined;
    await readCsvFile(
      file('propagation'),
      (h) => {
        const cols = ['variant', 'balancer', 'node', 'delay_ms'];
        c = needs('propagation', h, cols)
          ? Object.fromEntries(cols.map((n) => [n, h.at(n)]))
          : undefined;
      },
      (f) => {
        if (!c) return;
        const k = addSeries(f[c.variant!] ?? '', f[c.balancer!] ?? '');
        present.add('propagation');
        const d = toNumber(f[c.delay_ms!]);
        if (!Number.isFinite(d)) {
          propagationMissing.set(k, (propagationMissing.get(k) ?? 0) + 1);
          return;
        }
        let m = propagation.get(k);
        if (!m) propagation.set(k, (m = new Map()));
        const node = f[c.node!] ?? '';
        let a = m.get(node);
        if (!a) m.set(node, (a = []));
        a.push(d);
      },
    );
  }

  // events.csv: lowest replication per series.
  const events = new Map<string, FirstReplication<EventRow>>();
  {
    let c: Record<string, number> | undefined;
    await readCsvFile(
      file('events'),
      (h) => {
        const cols = ['variant', 'balancer', 'replication', 'time_s', 'event'];
        c = needs('events', h, cols)
          ? {
              ...Object.fromEntries(cols.map((n) => [n, h.at(n)])),
              pod: h.at('pod'),
              detail: h.at('detail'),
            }
          : undefined;
      },
      (f) => {
        if (!c) return;
        // Events do not add series: a balancer with events but no other rows has nothing to draw.
        const k = keyOf(f[c.variant!] ?? '', f[c.balancer!] ?? '');
        const row: EventRow = {
          time: toNumber(f[c.time_s!]),
          event: f[c.event!] ?? '',
          pod: c.pod! >= 0 ? (f[c.pod!] ?? '') : '',
          detail: c.detail! >= 0 ? (f[c.detail!] ?? '') : '',
        };
        if (!Number.isFinite(row.time)) return;
        keepFirstReplication(events, k, toNumber(f[c.replication!]), row, MAX_EVENT_ROWS);
        present.add('events');
      },
    );
  }

  const named = typeof run.scenario === 'string' ? run.scenario : runScenario(run).name;
  const name = isRoot && typeof named === 'string' && named ? named : basename(folder);
  return {
    name,
    folder,
    run,
    present,
    problems,
    series,
    summaryHeader,
    summary,
    sweepKeys: sweepKeys(run, summaryHeader),
    sweepNumbers: sweepNumberColumns(summaryHeader),
    windows,
    errorsByKind,
    errorsByCause,
    errorReplications,
    pods,
    propagation,
    propagationMissing,
    events,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** The resolved scenario in run.json (`scenario`), when it is an object. */
function runScenario(run: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return isRecord(run.scenario) ? run.scenario : {};
}

/**
 * Swept key paths: run.json's `sweep` (or `scenario.sweep`, as src/runner writes it) keys present
 * in summary.csv, then any other summary column between variant and balancer.
 */
export function sweepKeys(
  run: Readonly<Record<string, unknown>>,
  header: readonly string[],
): string[] {
  const sweep = isRecord(run.sweep) ? run.sweep : runScenario(run).sweep;
  const listed = isRecord(sweep) ? Object.keys(sweep) : [];
  const keys = listed.filter((k) => header.includes(k));
  for (const c of sweptColumns(header).labels) if (!keys.includes(c)) keys.push(c);
  return keys;
}

/**
 * The summary columns between `variant` and `balancer`: the swept values as written (labels),
 * then as numbers (`sweep_*`, src/runner/sweep-columns.ts), in the same key order.
 */
function sweptColumns(header: readonly string[]): { labels: string[]; numbers: string[] } {
  const v = header.indexOf('variant');
  const b = header.indexOf('balancer');
  const between = v >= 0 && b > v ? header.slice(v + 1, b) : [];
  return {
    labels: between.filter((c) => !c.startsWith('sweep_')),
    numbers: between.filter((c) => c.startsWith('sweep_')),
  };
}

/** Swept key -> its `sweep_*` column (paired by position; none when the counts differ). */
export function sweepNumberColumns(header: readonly string[]): Map<string, string> {
  const { labels, numbers } = sweptColumns(header);
  return new Map(labels.length === numbers.length ? labels.map((l, i) => [l, numbers[i]!]) : []);
}

function bump(m: Map<string, Map<string, number>>, k: string, name: string, n: number): void {
  let inner = m.get(k);
  if (!inner) m.set(k, (inner = new Map()));
  inner.set(name, (inner.get(name) ?? 0) + n);
}

function keepFirstReplication<T>(
  m: Map<string, FirstReplication<T>>,
  k: string,
  replication: number,
  row: T,
  cap: number,
): void {
  const cur = m.get(k);
  if (!cur || replication < cur.replication) m.set(k, { replication, rows: [row] });
  else if (replication === cur.replication && cur.rows.length < cap) cur.rows.push(row);
}

/** lbsim version and master seed from run.json, for the page header (either may be absent). */
export function runFacts(run: Readonly<Record<string, unknown>>): {
  version?: string;
  seed?: string;
} {
  const sc = runScenario(run);
  const tool = isRecord(run.lbsim) ? run.lbsim : isRecord(run.tool) ? run.tool : {};
  const seed = run.seed ?? sc.seed;
  return {
    version: typeof tool.version === 'string' ? tool.version : undefined,
    seed: typeof seed === 'number' || typeof seed === 'string' ? String(seed) : undefined,
  };
}
