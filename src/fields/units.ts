/**
 * Units at the edge. Scenario files give durations as numbers (seconds) or strings with units,
 * Go/Kubernetes style: `250ms`, `5s`, `10m`, `1h`, `1m30s`, `1.5s`, `100us`. Percentages as in
 * Kubernetes intstr: `25%`. Everything inside lbsim is seconds (and fractions in [0, 1]).
 *
 * This module imports nothing of the domain, so every layer's option schemas may use it.
 */

const UNIT_SECONDS: Readonly<Record<string, number>> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
};

const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h|d)/y;

/**
 * Parses a duration to seconds. Numbers are seconds already. Returns undefined when the input
 * is not a duration (the caller reports the error with its field path).
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (s === '') return undefined;
  // Finite only: `1e400` or a 400-digit number overflows to Infinity, which is not a duration.
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(s)) {
    const n = Number(s);
    return Number.isFinite(n) ? n : undefined;
  }
  let sign = 1;
  let i = 0;
  if (s[0] === '-' || s[0] === '+') {
    sign = s[0] === '-' ? -1 : 1;
    i = 1;
  }
  let total = 0;
  let terms = 0;
  while (i < s.length) {
    TERM.lastIndex = i;
    const m = TERM.exec(s);
    if (m === null) return undefined;
    total += Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
    i = TERM.lastIndex;
    terms++;
  }
  return terms > 0 && Number.isFinite(total) ? sign * total : undefined;
}

/** Formats seconds compactly for messages and labels (`0.25` -> `250ms`). */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const a = Math.abs(seconds);
  if (a >= 3600 && Number.isInteger(seconds / 3600)) return `${seconds / 3600}h`;
  if (a >= 60 && Number.isInteger(seconds / 60)) return `${seconds / 60}m`;
  if (a >= 1) return `${+seconds.toPrecision(6)}s`;
  if (a >= 1e-3) return `${+(seconds * 1e3).toPrecision(6)}ms`;
  if (a >= 1e-6) return `${+(seconds * 1e6).toPrecision(6)}us`;
  return `${+(seconds * 1e9).toPrecision(6)}ns`;
}

/** An integer or a percentage string, as Kubernetes' IntOrString (maxSurge: `25%` or `2`). */
export type IntOrPercent = { kind: 'int'; value: number } | { kind: 'percent'; value: number };

/** Parses `3` or `'25%'`; undefined when neither. Percent values are kept as given (25 = 25%). */
export function parseIntOrPercent(value: unknown): IntOrPercent | undefined {
  if (typeof value === 'number') {
    return Number.isInteger(value) && value >= 0 ? { kind: 'int', value } : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  if (m) return { kind: 'percent', value: Number(m[1]) };
  const n = Number(value);
  return value.trim() !== '' && Number.isInteger(n) && n >= 0
    ? { kind: 'int', value: n }
    : undefined;
}

/**
 * Resolves an IntOrPercent against a total as Kubernetes does for rolling updates:
 * maxSurge rounds up, maxUnavailable rounds down (k8s.io/apimachinery intstr
 * GetScaledValueFromIntOrPercent, used by deployment util ResolveFenceposts).
 */
export function scaleIntOrPercent(v: IntOrPercent, total: number, roundUp: boolean): number {
  if (v.kind === 'int') return v.value;
  const x = (v.value * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}
