/**
 * simulateJob in a loop, rows kept in memory (docs/API.md, "One job at a time, in memory"): p99
 * of iptables as the offered load grows, no churn, one replication each.
 */
import { jobsOf, loadScenario, MemorySink, shippedScenario, simulateJob } from 'lbsim';

for (const rate of [1000, 1200, 1400, 1600]) {
  const scenario = loadScenario(shippedScenario('example.yaml'), {
    set: [`workload.arrivals.rate=${rate}`, 'churn=[]'],
    replications: 1,
  });
  const [job] = jobsOf(scenario, { balancers: ['iptables'] });
  if (job === undefined) throw new Error('no job');
  const sink = new MemorySink();
  const summary = simulateJob(job, sink);
  console.log(rate, summary.requests, sink.tables.summary[0]?.latency_p99_ms);
}
