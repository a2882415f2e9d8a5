import { describe, expect, it } from 'vitest';
import { fuzzLoader } from '../../bench/fuzz.js';

describe('loader fuzzing (bench/fuzz.ts; `npm run bench -- fuzz --cases N` for a long run)', () => {
  it('a few thousand mutated scenarios: no throw escapes, every problem names its file, none over a second', () => {
    // 3000 cases, or fewer when a loaded machine reaches the time budget first. A case costs
    // 16 ms of CPU (it cost 42-45 ms before rollout templates and mixtures stopped building
    // their schemas per parse and block nesting stopped at 3,000; the slowest case 184-215 ms,
    // was 907-968 ms), so an idle machine runs about 2,800 in 45 s; at a load average of 20 on
    // 2 cores wall time is 4.5x CPU time (400 cases in 29 s). The lower bound keeps the test
    // meaningful.
    const report = fuzzLoader({ cases: 3000, seed: 1, budgetSeconds: 45, maxCaseMs: 1000 });
    expect(report.failures.slice(0, 5)).toEqual([]);
    expect(report.cases).toBeGreaterThanOrEqual(100);
    // Both outcomes occur: the mutations are not all fatal, nor all harmless.
    expect(report.ok).toBeGreaterThan(0);
    expect(report.rejected).toBeGreaterThan(report.cases / 2);
  }, 90_000);
});
