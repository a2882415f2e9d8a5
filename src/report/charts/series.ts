import type { ScenarioData, SeriesKey } from '../load.js';
import { DASHES, MAX_SERIES, PALETTE } from './spec.js';

/** The (variant, balancer) pairs a scenario's per-series charts draw, with labels and styles. */
export class SeriesView {
  readonly variants: string[];
  readonly balancers: string[];
  readonly shown: ReadonlySet<string>;
  readonly pairs: readonly SeriesKey[];
  readonly note: string | undefined;

  /** `variantNames`: a readable name per variant (for sweeps, the swept values). */
  constructor(
    series: readonly SeriesKey[],
    private readonly variantNames: ReadonlyMap<string, string> = new Map(),
  ) {
    this.variants = [...new Set(series.map((s) => s.variant))];
    this.balancers = [...new Set(series.map((s) => s.balancer))];
    const maxV = Math.max(1, Math.floor(MAX_SERIES / Math.max(1, this.balancers.length)));
    const n = this.variants.length;
    let shown = this.variants;
    if (n > maxV) {
      const idx =
        maxV > 1
          ? [
              ...new Set(
                Array.from({ length: maxV }, (_, i) => Math.round((i * (n - 1)) / (maxV - 1))),
              ),
            ]
          : [n - 1];
      shown = idx.map((i) => this.variants[i]!);
      this.note = `showing ${shown.length} of ${n} variants: ${shown.map((v) => this.variantName(v)).join(', ')}`;
    }
    this.shown = new Set(shown);
    this.pairs = series.filter((s) => this.shown.has(s.variant));
  }

  variantName(v: string): string {
    return this.variantNames.get(v) ?? v;
  }
  label(s: SeriesKey): string {
    return this.variants.length <= 1
      ? s.balancer
      : `${this.variantName(s.variant)} / ${s.balancer}`;
  }
  /** The balancer's colour, lightened for later variants (bars cannot tell variants by dash). */
  color(s: SeriesKey): string {
    const base = PALETTE[Math.max(0, this.balancers.indexOf(s.balancer)) % PALETTE.length]!;
    const n = this.variants.length;
    return n <= 1 ? base : lighten(base, (0.6 * Math.max(0, this.variants.indexOf(s.variant))) / n);
  }
  dash(s: SeriesKey): number[] | undefined {
    return DASHES[Math.max(0, this.variants.indexOf(s.variant)) % DASHES.length];
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
