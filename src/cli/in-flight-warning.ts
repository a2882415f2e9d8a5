/**
 * A warning when more than 0.1% of a job's requests were still in flight at the end of the run:
 * they are in no total but summary.csv in_flight_at_end, so the error rate may be understated.
 */
export function inFlightWarning(
  job: {
    readonly scenario: string;
    readonly balancer: { readonly label: string };
    readonly variantLabel: string;
    readonly replication: number;
  },
  r: {
    readonly state: string;
    readonly summary?: { readonly arrivals: number; readonly requests: number };
  },
): string | undefined {
  if (r.state !== 'completed' || r.summary === undefined) return undefined;
  const stuck = r.summary.arrivals - r.summary.requests;
  if (!(stuck > 0.001 * r.summary.arrivals)) return undefined;
  const pct = ((100 * stuck) / r.summary.arrivals).toPrecision(3);
  return `lbsim: warning: ${job.scenario} ${job.variantLabel} ${job.balancer.label} replication ${job.replication}: ${stuck} requests (${pct}%) still in flight at the end of the run (summary.csv in_flight_at_end): they count in no total; lengthen the run or shorten the timeouts\n`;
}
