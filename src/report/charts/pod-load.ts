import type { ScenarioData } from '../load.js';
import { seriesKeyOf } from '../load.js';
import { finiteOrNull, round } from './common.js';
import type { SeriesView } from './series.js';
import { type ChartGroup, type ChartSpec, MAX_PODS } from './spec.js';

export function podLoad(d: ScenarioData, view: SeriesView, prefix: string): ChartGroup {
  const base = {
    name: 'pod_load',
    heading: 'Per-pod load',
    explain:
      'From pods.csv, first replication of each series: requests each pod served and the fraction of time its ' +
      'workers were busy, pods ordered by creation time. A pod alive for part of the run serves less for that ' +
      'reason alone; imbalance shows among pods alive together, and as new pods that get nothing.',
  } as const;
  const charts: ChartSpec[] = [];
  for (const panel of view.panels) {
    const pairs = panel.pairs.filter(
      (s) => (d.pods.get(seriesKeyOf(s.variant, s.balancer))?.rows.length ?? 0) > 0,
    );
    if (pairs.length === 0) continue;
    const created = new Map<string, number>();
    const servedTotal = new Map<string, number>();
    for (const s of pairs)
      for (const r of d.pods.get(seriesKeyOf(s.variant, s.balancer))!.rows) {
        const c = Number.isFinite(r.createdAt) ? r.createdAt : Number.POSITIVE_INFINITY;
        created.set(r.pod, Math.min(created.get(r.pod) ?? Number.POSITIVE_INFINITY, c));
        servedTotal.set(
          r.pod,
          (servedTotal.get(r.pod) ?? 0) + (Number.isFinite(r.served) ? r.served : 0),
        );
      }
    let pods = [...created.keys()].sort(
      (a, b) => created.get(a)! - created.get(b)! || (a < b ? -1 : a > b ? 1 : 0),
    );
    let note: string | undefined;
    if (pods.length > MAX_PODS) {
      const top = new Set(
        [...servedTotal.entries()]
          .sort((a, b) => b[1] - a[1])
          .slice(0, MAX_PODS)
          .map(([p]) => p),
      );
      note = `showing the ${MAX_PODS} busiest of ${pods.length} pods`;
      pods = pods.filter((p) => top.has(p));
    }
    const chart = (
      field: 'served' | 'busy',
      id: string,
      title: string,
      ytitle: string,
    ): ChartSpec => ({
      id: `${prefix}-${id}${panel.id}`,
      title: `${title}${panel.title}`,
      type: 'bar',
      labels: pods,
      x: { title: 'pod (by creation time)', type: 'category' },
      y: { title: ytitle, type: 'linear', min: 0 },
      datasets: pairs.map((s) => {
        const byPod = new Map<string, number>();
        for (const r of d.pods.get(seriesKeyOf(s.variant, s.balancer))!.rows)
          byPod.set(r.pod, (byPod.get(r.pod) ?? 0) + r[field]);
        return {
          label: view.label(s),
          color: view.color(s),
          data: pods.map((p) => (byPod.has(p) ? finiteOrNull(round(byPod.get(p)!)) : null)),
        };
      }),
      note,
      ...(panel.variant === undefined ? {} : { variant: panel.variant }),
    });
    charts.push(
      chart(
        'served',
        'pods-served',
        'Requests served per pod (first replication)',
        'requests served',
      ),
      chart('busy', 'pods-busy', 'Busy fraction per pod (first replication)', 'busy fraction'),
    );
  }
  if (charts.length === 0) return { ...base, charts: [], skipped: 'pods.csv missing or empty' };
  return { ...base, charts };
}
