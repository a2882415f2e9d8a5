import type { ScenarioData, SeriesKey, WindowAgg } from '../load.js';
import { seriesKeyOf } from '../load.js';
import { joinNotes, ordersApart, peakOf, round, splitByMagnitude } from './common.js';
import type { SeriesView } from './series.js';
import {
  type AxisSpec,
  type ChartGroup,
  type ChartSpec,
  type DatasetSpec,
  EVENT_PALETTE,
  type EventMark,
  MAX_EVENTS,
  MAX_TIME_POINTS,
  type Point,
} from './spec.js';

export function timeseries(d: ScenarioData, view: SeriesView, prefix: string): ChartGroup {
  const base = {
    name: 'timeseries',
    heading: 'p99 latency and error rate over time',
    explain:
      'From timeseries.csv, per window: p99 is the mean of the replications\u2019 window p99; the error rate is the ' +
      'window\u2019s errors over its requests, summed over replications. Dashed vertical lines are the churn events of ' +
      'events.csv from the panel\u2019s first series\u2019 first replication (every balancer sees the same churn). One panel per variant; a log scale or a panel of their own for series an order of magnitude above the others.',
  } as const;
  const x: AxisSpec = { title: 'simulated time (s, window start)', type: 'linear' };
  const charts: ChartSpec[] = [];
  for (const panel of view.panels) {
    const p99: DatasetSpec[] = [];
    const rate: DatasetSpec[] = [];
    let note: string | undefined;
    for (const s of panel.pairs) {
      const m = d.windows.get(seriesKeyOf(s.variant, s.balancer));
      if (!m || m.size === 0) continue;
      const line = windowLines(m);
      note ??= line.note;
      const style = { label: view.label(s), color: view.color(s) };
      p99.push({ ...style, data: line.p99 });
      rate.push({ ...style, data: line.rate });
    }
    if (p99.length === 0) continue;
    const { marks, legend } = eventMarks(d, panel.pairs);
    const eventNote = marks.length >= MAX_EVENTS ? `first ${MAX_EVENTS} events marked` : undefined;
    const tag = panel.variant === undefined ? {} : { variant: panel.variant };
    // Latencies orders of magnitude apart (a balancer that never learns beside the others): a
    // log axis keeps the small ones visible. Error rates include zeros, which a log axis cannot
    // draw: the far larger series get a panel of their own instead.
    const logY = ordersApart(p99.map((ds) => peakOf(ds.data as Point[])));
    charts.push({
      id: `${prefix}-p99-time${panel.id}`,
      title: `p99 latency per window${panel.title}`,
      type: 'line',
      x,
      y: logY
        ? { title: 'p99 latency (ms, log scale)', type: 'logarithmic' }
        : { title: 'p99 latency (ms)', type: 'linear' },
      datasets: [...p99, ...legend],
      events: marks,
      note: joinNotes(
        note,
        eventNote,
        logY ? 'log scale: the series are an order of magnitude or more apart' : undefined,
      ),
      ...tag,
    });
    const parts = splitByMagnitude(rate, (ds) => peakOf(ds.data as Point[]));
    parts.forEach((part, pi) => {
      const own = parts.length > 1 && pi === 1;
      charts.push({
        id: `${prefix}-errors-time${panel.id}${pi === 0 ? '' : `-${pi}`}`,
        title: `Error rate per window${panel.title}${own ? ` \u00b7 ${part.map((ds) => ds.label).join(', ')}` : ''}`,
        type: 'line',
        x,
        y: { title: 'error rate (%)', type: 'linear', min: 0 },
        datasets: [...part, ...legend],
        events: marks,
        note: joinNotes(
          note,
          eventNote,
          parts.length === 1
            ? undefined
            : own
              ? 'on its own scale: peaks an order of magnitude or more above the other panel\u2019s'
              : `without ${parts[1]!.map((ds) => ds.label).join(', ')} (next panel: an order of magnitude or more above)`,
        ),
        ...tag,
      });
    });
  }
  if (charts.length === 0)
    return { ...base, charts: [], skipped: 'timeseries.csv missing or empty' };
  return { ...base, charts };
}

/**
 * One series' p99 and error-rate lines. Beyond MAX_TIME_POINTS, consecutive windows merge:
 * errors/requests stay exact ratios of sums, p99 becomes the worst window's p99 in the bucket
 * (an upper envelope).
 */
function windowLines(m: ReadonlyMap<number, WindowAgg>): {
  p99: Point[];
  rate: Point[];
  note: string | undefined;
} {
  const starts = [...m.keys()].filter(Number.isFinite).sort((a, b) => a - b);
  const per = Math.ceil(starts.length / MAX_TIME_POINTS);
  const p99: Point[] = [];
  const rate: Point[] = [];
  for (let i = 0; i < starts.length; i += per) {
    let worst = Number.NaN;
    let req = 0;
    let err = 0;
    for (let j = i; j < Math.min(starts.length, i + per); j++) {
      const w = m.get(starts[j]!)!;
      const p = w.p99Count > 0 ? w.p99Sum / w.p99Count : Number.NaN;
      if (per === 1) worst = p;
      else if (Number.isFinite(p)) worst = Number.isFinite(worst) ? Math.max(worst, p) : p;
      req += w.requests;
      err += w.errors;
    }
    p99.push({ x: starts[i]!, y: Number.isFinite(worst) ? round(worst) : null });
    rate.push({ x: starts[i]!, y: req > 0 ? round((100 * err) / req) : null });
  }
  const note =
    per > 1
      ? `${starts.length} windows merged ${per} to a point (p99: worst window of each point)`
      : undefined;
  return { p99, rate, note };
}

/**
 * Churn-level events only: per-pod lifecycle steps (listening, ready, sigterm...) number in the
 * thousands and would bury the chart. Same set as the notebook's CHURN_EVENTS; when no event is
 * of these kinds, every event is marked.
 */
const CHURN_EVENTS: ReadonlySet<string> = new Set([
  'container-crashed',
  'pod-killed',
  'rollout-started',
  'rollout-complete',
  'scaled',
  'node-failed',
  'node-not-ready',
  'node-pods-evicted',
]);

function eventMarks(
  d: ScenarioData,
  pairs: readonly SeriesKey[],
): { marks: EventMark[]; legend: DatasetSpec[] } {
  const first = pairs[0];
  let chosen = first ? d.events.get(seriesKeyOf(first.variant, first.balancer)) : undefined;
  // No events for the first series (e.g. the writer keyed them differently): take the first series that has some.
  if (!chosen) for (const s of pairs) chosen ??= d.events.get(seriesKeyOf(s.variant, s.balancer));
  if (!chosen) return { marks: [], legend: [] };
  // Data from elsewhere (another event vocabulary) keeps every event rather than none.
  const churn = chosen.rows.filter((r) => CHURN_EVENTS.has(r.event));
  const rows = (churn.length > 0 ? churn : [...chosen.rows])
    .sort((a, b) => a.time - b.time)
    .slice(0, MAX_EVENTS);
  const kinds = [...new Set(rows.map((r) => r.event))];
  const color = (k: string) => EVENT_PALETTE[kinds.indexOf(k) % EVENT_PALETTE.length]!;
  return {
    marks: rows.map((r) => ({
      x: r.time,
      color: color(r.event),
      label: [r.event, r.pod, r.detail].filter((s) => s).join(' '),
    })),
    legend: kinds.map((k) => ({
      label: `event: ${k}`,
      color: color(k),
      dash: [4, 2],
      data: [],
      legendOnly: true,
    })),
  };
}
