import type { ScenarioData, SeriesKey } from '../load.js';
import { PALETTE } from './spec.js';

/** The series one chart panel draws: those of one variant (small multiples), or all of them. */
export interface Panel {
  /** The variant drawn; undefined when the scenario has one variant (a single panel). */
  readonly variant: string | undefined;
  readonly pairs: readonly SeriesKey[];
  /** Appended to a chart's title and id (empty for a single panel). */
  readonly title: string;
  readonly id: string;
}

/**
 * The (variant, balancer) pairs of a scenario and how its per-series charts draw them: one panel
 * per variant (small multiples; every variant, none dropped), one line or bar per balancer in
 * each, a balancer keeping its colour in every panel and chart.
 */
export class SeriesView {
  readonly variants: string[];
  readonly balancers: string[];
  readonly pairs: readonly SeriesKey[];
  readonly panels: readonly Panel[];

  /** `variantNames`: a readable name per variant (for sweeps, the swept values). */
  constructor(
    series: readonly SeriesKey[],
    private readonly variantNames: ReadonlyMap<string, string> = new Map(),
  ) {
    this.variants = [...new Set(series.map((s) => s.variant))];
    this.balancers = [...new Set(series.map((s) => s.balancer))];
    this.pairs = series;
    this.panels =
      this.variants.length <= 1
        ? [{ variant: undefined, pairs: series, title: '', id: '' }]
        : this.variants.map((v, i) => ({
            variant: v,
            pairs: series.filter((s) => s.variant === v),
            title: ` \u00b7 ${this.variantTitle(v)}`,
            id: `-v${i}`,
          }));
  }

  variantName(v: string): string {
    return this.variantNames.get(v) ?? v;
  }
  /** The variant as the page names it: its number and, for sweeps, its swept values. */
  variantTitle(v: string): string {
    const name = this.variantNames.get(v);
    if (name === undefined) return `variant ${v}`;
    // A variant numbered by the sweep gets its number and values; one the writer named by its
    // values already (`workload.arrivals.rate=200`) gets the short form (`rate=200`).
    return /^\d+$/.test(v) ? `variant ${v}: ${name}` : name;
  }
  /** A series inside its panel: the balancer (the panel names the variant). */
  label(s: SeriesKey): string {
    return s.balancer;
  }
  /** The balancer's colour, the same in every panel. */
  color(s: SeriesKey): string {
    return PALETTE[Math.max(0, this.balancers.indexOf(s.balancer)) % PALETTE.length]!;
  }
}

/** Mixes `#rrggbb` with white: f = 0 keeps it, f = 1 is white. */
export function lighten(hex: string, f: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const mix = (c: number) => Math.round(c + (255 - c) * f);
  const v = (mix((n >> 16) & 255) << 16) | (mix((n >> 8) & 255) << 8) | mix(n & 255);
  return `#${v.toString(16).padStart(6, '0')}`;
}

/** For sweeps, names each variant by its swept values (`rate=300`), from summary.csv. */
export function variantNames(d: ScenarioData): Map<string, string> {
  const names = new Map<string, string>();
  if (d.sweepKeys.length === 0) return names;
  for (const r of d.summary) {
    if (names.has(r.variant)) continue;
    names.set(
      r.variant,
      d.sweepKeys.map((k) => `${k.split('.').at(-1)}=${r.fields[k] ?? ''}`).join(', '),
    );
  }
  return names;
}
