/** Text the commands print beside their tables and paths. */
import * as path from 'node:path';

/** A path relative to the working directory when it is below it, else absolute. */
export function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? p : rel;
}

export const PAIRED_NOTE =
  'paired over replications with the same seed: mean of (balancer - baseline) and of their ratio, ± the 95% Student-t half-width; * the difference interval excludes 0';

export const CI_NOTE =
  'mean over replications; ± is the half-width of the 95% Student-t confidence interval (n >= 2)';
