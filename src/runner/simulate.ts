/**
 * The production model of the runner: one job (a scenario variant x one balancer x one
 * replication, with its seed) -> rows of every table through the RowSink, and a summary.
 * The runner's worker imports this module by path (src/runner/protocol.ts, SIMULATE_EXPORT).
 */
import { ipToString } from '../cluster/types.js';
import { inFlightByStage } from '../dataplane/in-flight.js';
import type { RowSink } from '../output/columns.js';
import { type PodFacts, writeErrorRows, writePodRows, writeSummaryRow } from '../output/tables.js';
import { buildModel, type Model, nodeLabel } from '../scenario/build.js';
import { runReporting } from './live-progress.js';
import { type JobSpec, type JobSummary, jobSummary, type ProgressFn } from './protocol.js';

export function simulateJob(job: JobSpec, sink: RowSink, progress?: ProgressFn): JobSummary {
  const config = job.config;
  const model = buildModel(config, job.balancer, job.seed, sink);
  const { sim, recorder, path } = model;
  sink.row('events', [
    0,
    'run_start',
    '',
    '',
    `${job.balancer.label}, kube-proxy ${model.proxyMode}`,
  ]);
  runReporting(sim, config.duration, () => recorder.arrivals, progress);
  recorder.finish();
  // Every user request is accounted for: arrived = completed + failed + still in flight.
  path.checkConservation();

  const s = recorder.summary();
  const stuck = inFlightByStage(path.tries, config.warmup);
  if (stuck.client + stuck.sent + stuck.returning !== s.inFlight) {
    throw new Error(
      `in-flight accounting: the recorder counts ${s.inFlight}, the records ${stuck.client + stuck.sent + stuck.returning}`,
    );
  }
  writeSummaryRow(sink, job.seed, s, stuck);
  writeErrorRows(sink, recorder);
  writePodRows(sink, podFacts(model, config.duration), recorder);
  return jobSummary(s, sim);
}

function* podFacts(model: Model, end: number): Iterable<PodFacts> {
  const { cluster, path } = model;
  const concurrency = model.podConcurrency;
  for (const p of cluster.pods) {
    const until = Number.isNaN(p.deletedAt) ? end : Math.min(p.deletedAt, end);
    const lifetime = Math.max(0, until - p.createdAt);
    const busy = path.servers.busySeconds(p.id);
    yield {
      pod: p.id,
      name: p.name,
      node: nodeLabel(p.node),
      ip: ipToString(p.ip),
      revision: p.revision,
      version: p.template + 1,
      createdAt: p.createdAt,
      deletedAt: p.deletedAt,
      busyFraction: lifetime > 0 ? busy / (concurrency * lifetime) : 0,
    };
  }
}
