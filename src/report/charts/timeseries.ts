import type { ScenarioData } from '../load.js';
import { seriesKeyOf } from '../load.js';
import { joinNotes, round } from './common.js';
import type { SeriesView } from './series.js';
import {
  type AxisSpec,
  type ChartGroup,
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
      'events.csv from the first series\u2019 first replication (every balancer sees the same churn).',
  } as const;
  const p99: DatasetSpec[] = [];
  const rate: DatasetSpec[] = [];
  let note: string | undefined;
  for (const s of view.pairs) {
    const m = d.windows.get(seriesKeyOf(s.variant, s.balancer));
    if (!m || m.size === 0) continue;
    const starts = [...m.keys()].filter(Number.isFinite).sort((a, b) => a - b);
    // Beyond MAX_TIME_POINTS, consecutive windows merge: errors/requests stay exact ratios of
    // sums, p99 becomes the worst window's p99 in the bucket (an upper envelope).
    const per = Math.ceil(starts.length / MAX_TIME_POINTS);
    if (per > 1)
      note = `${starts.length} windows merged ${per} to a point (p99: worst window of each point)`;
    const a: Point[] = [];
    const b: Point[] = [];
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
      a.push({ x: starts[i]!, y: Number.isFinite(worst) ? round(worst) : null });
      b.push({ x: starts[i]!, y: req > 0 ? round((100 * err) / req) : null });
    }
    const style = { label: view.label(s), color: view.color(s), dash: view.dash(s) };
    p99.push({ ...style, data: a });
    rate.push({ ...style, data: b });
  }
  if (p99.length === 0) return { ...base, charts: [], skipped: 'timeseries.csv missing or empty' };
  const { marks, legend } = eventMarks(d, view);
  const eventNote = marks.length >= MAX_EVENTS ? `first ${MAX_EVENTS} events marked` : undefined;
  const x: AxisSpec = { title: 'simulated time (s, window start)', type: 'linear' };
  return {
    ...base,
    charts: [
      {
        id: `${prefix}-p99-time`,
        title: 'p99 latency per window',
        type: 'line',
        x,
        y: { title: 'p99 latency (ms)', type: 'linear' },
        datasets: [...p99, ...legend],
        events: marks,
        note: joinNotes(view.note, note, eventNote),
      },
      {
        id: `${prefix}-errors-time`,
        title: 'Error rate per window',
        type: 'line',
        x,
        y: { title: 'error rate (%)', type: 'linear', min: 0 },
        datasets: [...rate, ...legend],
        events: marks,
        note: joinNotes(view.note, note, eventNote),
      },
    ],
  };
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
  view: SeriesView,
): { marks: EventMark[]; legend: DatasetSpec[] } {
  const first = view.pairs[0];
  let chosen = first ? d.events.get(seriesKeyOf(first.variant, first.balancer)) : undefined;
  // No events for the first series (e.g. the writer keyed them differently): take the first series that has some.
  if (!chosen)
    for (const s of view.pairs) chosen ??= d.events.get(seriesKeyOf(s.variant, s.balancer));
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
