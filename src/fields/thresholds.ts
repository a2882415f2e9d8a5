/**
 * Thresholds for CI pipelines: `error_rate > 0.1%`, `latency_p99_ms > 200`. Each names a
 * summary.csv column, a comparison and a number; a threshold *fails* when the comparison holds
 * for the mean over replications of one (variant, balancer), as `--fail-if` reads. A trailing
 * `%` divides the number by 100 (error_rate is a fraction). Shared by `--fail-if` and the
 * scenario's `thresholds:` key; which columns exist is checked against summary.csv's contract
 * by the caller (this module imports nothing of the domain).
 */

export type ThresholdOp = '>' | '>=' | '<' | '<=' | '==' | '!=';

export interface Threshold {
  /** As written (trimmed), for messages. */
  readonly text: string;
  readonly column: string;
  readonly op: ThresholdOp;
  readonly value: number;
}

const FORM =
  /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|==|!=|>|<)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*(%?)\s*$/i;

/** Parses `column op number[%]`; throws an Error whose message says what was expected. */
export function parseThreshold(text: string): Threshold {
  const m = FORM.exec(text);
  if (m === null) {
    throw new Error(
      `expected \`<summary column> <op> <number>\` with op one of >, >=, <, <=, ==, != (such as \`error_rate > 0.1%\` or \`latency_p99_ms > 200\`), got \`${text}\``,
    );
  }
  const value = Number(m[3]) / (m[4] === '%' ? 100 : 1);
  return { text: text.trim(), column: m[1] as string, op: m[2] as ThresholdOp, value };
}

/** True when `x op value` holds, i.e. the threshold fails. NaN never satisfies a comparison. */
export function breaches(t: Threshold, x: number): boolean {
  switch (t.op) {
    case '>':
      return x > t.value;
    case '>=':
      return x >= t.value;
    case '<':
      return x < t.value;
    case '<=':
      return x <= t.value;
    case '==':
      return x === t.value;
    case '!=':
      return x !== t.value;
    default: {
      const never: never = t.op;
      throw new Error(`unknown comparison ${String(never)}`);
    }
  }
}
