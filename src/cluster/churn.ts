import type { RandomSource, Rng } from '../engine/random.js';
import type { Simulation } from '../engine/simulation.js';
import type { Cluster, ClusterListener, Pod } from './cluster.js';

/**
 * Churn processes and events (same shapes as the scenario's `churn:` entries, times in seconds
 * from the start of the run).
 */
export type ChurnSpec =
  | {
      readonly type: 'crash';
      /** Mean time between failures of each running container (Poisson per pod). */
      readonly mtbf: number;
      /** restart: the container restarts in place (same IP); replace: new pod, new IP. */
      readonly action: 'restart' | 'replace';
      /** @default 0 */
      readonly from?: number;
      /** @default null (end of run) */
      readonly until?: number | null;
    }
  | {
      readonly type: 'rollout';
      readonly at: number;
      /** Pod template of the new revision (index into the cluster's templates); absent: the current one. */
      readonly template?: number;
    }
  | { readonly type: 'scale'; readonly at: number; readonly replicas: number }
  | {
      readonly type: 'kill';
      readonly at: number;
      /** @default 1 */
      readonly count?: number;
      /** @default 'replace' */
      readonly action?: 'restart' | 'replace';
      /** Graceful delete (preStop, SIGTERM, grace period) rather than SIGKILL. @default false */
      readonly graceful?: boolean;
    }
  | {
      readonly type: 'node-failure';
      readonly at: number;
      /** @default 0 */
      readonly node?: number;
      /** @default 300 */
      readonly tolerationSeconds?: number;
    };

/**
 * Schedules churn against a Cluster. Each process draws from its own stream (`churn:crash:<i>`,
 * `churn:kill:<i>`, i = index in the list), so every balancer of a comparison sees the same
 * churn, and adding a process never shifts another's draws. Construct before cluster.start()
 * (crash processes draw each container's failure time when it starts).
 */
export class Churn implements ClusterListener {
  private readonly sim: Simulation;
  private readonly cluster: Cluster;
  private readonly crashes: CrashProcess[] = [];

  constructor(
    sim: Simulation,
    cluster: Cluster,
    specs: readonly ChurnSpec[],
    random: RandomSource,
  ) {
    this.sim = sim;
    this.cluster = cluster;
    specs.forEach((spec, i) => {
      switch (spec.type) {
        case 'crash':
          if (!(spec.mtbf > 0))
            throw new RangeError(`churn[${i}].mtbf: expected a duration > 0, got \`${spec.mtbf}\``);
          this.crashes.push(
            new CrashProcess(sim, cluster, spec, random.stream(`churn:crash:${i}`), i),
          );
          break;
        case 'rollout':
          this.at(spec.at, `churn[${i}]:rollout`, () => cluster.rollout(spec.template));
          break;
        case 'scale':
          this.at(spec.at, `churn[${i}]:scale`, () => cluster.scale(spec.replicas));
          break;
        case 'kill': {
          const rng = random.stream(`churn:kill:${i}`);
          this.at(spec.at, `churn[${i}]:kill`, () => this.kill(spec, rng));
          break;
        }
        case 'node-failure': {
          const node = spec.node ?? 0;
          if (!Number.isInteger(node) || node < 0 || node >= cluster.nodeCount) {
            throw new RangeError(
              `churn[${i}].node: expected an integer in [0, ${cluster.nodeCount - 1}], got \`${node}\``,
            );
          }
          this.at(spec.at, `churn[${i}]:node-failure`, () =>
            cluster.failNode(node, spec.tolerationSeconds ?? 300),
          );
          break;
        }
        default: {
          const never: never = spec;
          throw new Error(`unknown churn type ${JSON.stringify(never)}`);
        }
      }
    });
    cluster.addListener(this);
  }

  containerStarted(pod: Pod): void {
    for (const c of this.crashes) c.containerStarted(pod);
  }

  private at(time: number, name: string, fn: () => void): void {
    if (!(time >= 0)) throw new RangeError(`${name}.at: expected a time >= 0, got \`${time}\``);
    const kind = this.sim.register(name, fn);
    this.sim.scheduleAt(Math.max(time, this.sim.now), kind, 0);
  }

  /** Kills `count` pods chosen uniformly among the running, non-terminating ones. */
  private kill(spec: Extract<ChurnSpec, { type: 'kill' }>, rng: Rng): void {
    const candidates = this.cluster.pods.filter((p) => p.running && !p.terminating && !p.lost);
    const count = Math.min(spec.count ?? 1, candidates.length);
    for (let k = 0; k < count; k++) {
      // Partial Fisher-Yates: one draw per victim.
      const j = k + Math.floor(rng.next() * (candidates.length - k));
      const victim = candidates[j] as Pod;
      candidates[j] = candidates[k] as Pod;
      candidates[k] = victim;
      const action = spec.action ?? 'replace';
      if (action === 'restart') this.cluster.restartContainer(victim.id);
      else if (spec.graceful) this.cluster.deletePod(victim.id);
      else this.cluster.replacePod(victim.id);
    }
  }
}

/** Poisson failures of each running container: exponential time to failure from each start. */
class CrashProcess {
  private readonly sim: Simulation;
  private readonly cluster: Cluster;
  private readonly spec: Extract<ChurnSpec, { type: 'crash' }>;
  private readonly rng: Rng;
  private readonly kind: number;
  /** containerStartedAt the pending failure was drawn for (a restart makes it stale). */
  private readonly drawnFor = new Map<number, number>();

  constructor(
    sim: Simulation,
    cluster: Cluster,
    spec: Extract<ChurnSpec, { type: 'crash' }>,
    rng: Rng,
    index: number,
  ) {
    this.sim = sim;
    this.cluster = cluster;
    this.spec = spec;
    this.rng = rng;
    this.kind = sim.register(`churn[${index}]:crash`, (pod) => this.fire(pod));
  }

  containerStarted(pod: Pod): void {
    const from = Math.max(this.sim.now, this.spec.from ?? 0);
    // -mtbf ln(1 - U): exponential with mean mtbf (1 - U in (0, 1], so the log is finite).
    const at = from - this.spec.mtbf * Math.log(1 - this.rng.next());
    const until = this.spec.until ?? Number.POSITIVE_INFINITY;
    if (at >= until) return;
    this.drawnFor.set(pod.id, pod.containerStartedAt);
    this.sim.scheduleAt(at, this.kind, pod.id);
  }

  private fire(id: number): void {
    const p = this.cluster.pod(id);
    if (this.drawnFor.get(id) !== p.containerStartedAt || !p.running || p.lost) return;
    this.drawnFor.delete(id);
    if (this.spec.action === 'restart') this.cluster.restartContainer(id);
    else this.cluster.replacePod(id);
  }
}
