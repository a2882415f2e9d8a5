/**
 * A custom balancer from user code, compared with kube-proxy's iptables mode on a shipped
 * scenario (docs/API.md walks through it). Run: `npx tsx two-choices.ts` or compile with tsc;
 * extra arguments are `--set`-style overrides, e.g. `duration=60s replications=3`.
 */
import {
  type BalancerContext,
  type EndpointTable,
  type Ip,
  type L4Balancer,
  loadScenario,
  registerBalancer,
  runScenarios,
  shippedScenario,
  summarize,
  z,
} from 'lbsim';

/**
 * "Power of two choices" (Mitzenmacher 2001) as a node-local L4 policy: draw two endpoints at
 * random, send the new connection to the one with fewer connections open from this node.
 */
class TwoChoices implements L4Balancer {
  private readonly open = new Map<Ip, number>();
  private readonly ctx: BalancerContext;

  constructor(ctx: BalancerContext) {
    this.ctx = ctx;
  }

  pick(table: EndpointTable): number {
    const n = table.size;
    if (n <= 1) return n - 1; // -1: no endpoint, the connection is refused (as iptables' REJECT)
    const a = Math.floor(this.ctx.rng.next() * n);
    let b = Math.floor(this.ctx.rng.next() * (n - 1));
    if (b >= a) b++;
    const openA = this.open.get(table.ips[a] as Ip) ?? 0;
    const openB = this.open.get(table.ips[b] as Ip) ?? 0;
    return openB < openA ? b : a;
  }

  tableProgrammed(): void {}

  connectionOpened(ip: Ip): void {
    this.open.set(ip, (this.open.get(ip) ?? 0) + 1);
  }

  connectionClosed(ip: Ip): void {
    const left = (this.open.get(ip) ?? 1) - 1;
    if (left > 0) this.open.set(ip, left);
    else this.open.delete(ip);
  }
}

registerBalancer({
  kind: 'l4',
  name: 'two-choices',
  // Programmed by kube-proxy in iptables mode: its sync timing applies; only the pick differs.
  family: 'iptables',
  description: 'power of two choices by connections open from this node',
  options: z.strictObject({}),
  create: (ctx) => new TwoChoices(ctx),
});

// The shipped example (1500 req/s on 10 pods, crashes and a rollout), these two balancers only.
const scenario = loadScenario(shippedScenario('example.yaml'), {
  set: ['balancers=[iptables, two-choices]', ...process.argv.slice(2)],
});
const outDir = 'results/two-choices';
const result = await runScenarios(scenario, { outDir });
if (result.failed > 0) throw new Error(`${result.failed} job(s) failed`);

for (const g of await summarize(outDir)) {
  const ci = Number.isNaN(g.p99Ms.halfWidth) ? '' : ` ± ${g.p99Ms.halfWidth.toFixed(1)}`;
  console.log(
    `${g.balancer.padEnd(12)} p99 ${g.p99Ms.mean.toFixed(1)}${ci} ms, errors ${(100 * g.errorRate.mean).toFixed(3)}%`,
  );
}
console.log(`CSVs in ${outDir}`);
