import type { Cluster, ClusterListener, Pod } from '../cluster/cluster.js';
import type { Ip, NodeId, PodId } from '../cluster/types.js';
import {
  type Distribution,
  type DistributionSpec,
  makeDistribution,
} from '../engine/distributions/index.js';
import type { KeyedStream, RandomSource, Rng } from '../engine/random.js';
import type { EventKind, Simulation } from '../engine/simulation.js';
import { ApiServer, type WriteOrigin } from './api-server.js';
import type {
  EndpointChange,
  EndpointChangeKind,
  EndpointFeed,
  EndpointSnapshot,
} from './endpoint-state.js';

export interface EndpointSliceControllerOptions {
  /** --max-endpoints-per-slice. @default 100 */
  maxEndpointsPerSlice?: number;
  /** --endpointslice-updates-batch-period, seconds. @default 0 (each pod update syncs) */
  batchPeriod?: number;
  /**
   * Pod change -> the controller's EndpointSlice write (kubelet status update, informer, work
   * queue). No Kubernetes default exists: measure it. @default constant 0
   */
  controllerDelay?: Distribution;
  /** metadata.name of the Service (slice names are `<service>-<n>`). @default 'app' */
  serviceName?: string;
}

export interface ResolvedEndpointSliceControllerOptions {
  readonly maxEndpointsPerSlice: number;
  readonly batchPeriod: number;
  readonly controllerDelay: Distribution;
  readonly serviceName: string;
}

/**
 * Default controller delay as a spec (the one source of ENDPOINTSLICE_CONTROLLER_DEFAULTS and of
 * the scenario format's `propagation.controllerDelay`). No Kubernetes default exists.
 */
export const CONTROLLER_DELAY_DEFAULT: DistributionSpec = { distribution: 'constant', value: 0 };

export const ENDPOINTSLICE_CONTROLLER_DEFAULTS: ResolvedEndpointSliceControllerOptions = {
  maxEndpointsPerSlice: 100,
  batchPeriod: 0,
  controllerDelay: makeDistribution(CONTROLLER_DELAY_DEFAULT),
  serviceName: 'app',
};

export function resolveEndpointSliceControllerOptions(
  o: EndpointSliceControllerOptions = {},
): ResolvedEndpointSliceControllerOptions {
  const r = { ...ENDPOINTSLICE_CONTROLLER_DEFAULTS, ...o };
  if (
    !Number.isInteger(r.maxEndpointsPerSlice) ||
    r.maxEndpointsPerSlice < 1 ||
    r.maxEndpointsPerSlice > 1000
  ) {
    throw new RangeError(
      `propagation.maxEndpointsPerSlice: expected an integer in [1, 1000], got \`${r.maxEndpointsPerSlice}\``,
    );
  }
  if (!(r.batchPeriod >= 0)) {
    throw new RangeError(
      `propagation.batchPeriod: expected a duration >= 0, got \`${r.batchPeriod}\``,
    );
  }
  return r;
}

/** discovery/v1 Endpoint, as far as lbsim models it. */
export interface SliceEndpoint {
  readonly pod: PodId;
  readonly ip: Ip;
  readonly node: NodeId;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

/** discovery/v1 EndpointSlice (one port, IPv4). */
export interface EndpointSlice {
  readonly name: string;
  readonly endpoints: readonly SliceEndpoint[];
}

export interface EndpointSliceControllerCallbacks {
  /** Every endpoint change as written (propagation.csv's change columns). */
  readonly onEndpointChange?: (change: EndpointChange) => void;
}

interface Entry {
  pod: PodId;
  ip: Ip;
  node: NodeId;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  slice: number;
}

/** Small-int code of each change kind (part of a write's origin key). */
const CHANGE_KIND_CODE: Readonly<Record<EndpointChangeKind, number>> = {
  add: 0,
  remove: 1,
  ready: 2,
  unready: 3,
  terminating: 4,
  serving: 5,
  'not-serving': 6,
};
/** Slots per pod in the ordinal counters (>= number of change kinds, and of pod states). */
const SLOTS_PER_POD = 8;

const EMPTY_U32 = new Uint32Array(0);
const EMPTY_I32 = new Int32Array(0);

/** Shared, immutable endpoint set at one resourceVersion. */
class Snapshot implements EndpointSnapshot {
  readonly resourceVersion: number;
  readonly id: number;
  readonly ips: Uint32Array;
  readonly nodes: Int32Array;
  readonly usingTerminating: boolean;
  readonly totalEndpoints: number;
  private readonly readyIps: Uint32Array;
  private readonly readyNodes: Int32Array;
  private readonly stIps: Uint32Array;
  private readonly stNodes: Int32Array;
  private index: Map<Ip, number> | undefined;
  private locals:
    | Map<NodeId, { ips: Uint32Array; nodes: Int32Array; usingTerminating: boolean }>
    | undefined;

  constructor(rv: number, id: number, entries: Iterable<Entry>, total: number) {
    this.resourceVersion = rv;
    this.id = id;
    this.totalEndpoints = total;
    const rIps: number[] = [];
    const rNodes: number[] = [];
    const sIps: number[] = [];
    const sNodes: number[] = [];
    for (const e of entries) {
      if (e.ready) {
        rIps.push(e.ip);
        rNodes.push(e.node);
      } else if (e.serving && e.terminating) {
        sIps.push(e.ip);
        sNodes.push(e.node);
      }
    }
    this.readyIps = rIps.length > 0 ? Uint32Array.from(rIps) : EMPTY_U32;
    this.readyNodes = rNodes.length > 0 ? Int32Array.from(rNodes) : EMPTY_I32;
    this.stIps = sIps.length > 0 ? Uint32Array.from(sIps) : EMPTY_U32;
    this.stNodes = sNodes.length > 0 ? Int32Array.from(sNodes) : EMPTY_I32;
    // KEP-1669: ready endpoints; only when there is none, the serving terminating ones.
    this.usingTerminating = this.readyIps.length === 0 && this.stIps.length > 0;
    this.ips = this.usingTerminating ? this.stIps : this.readyIps;
    this.nodes = this.usingTerminating ? this.stNodes : this.readyNodes;
  }

  indexOf(ip: Ip): number {
    if (this.index === undefined) {
      const m = new Map<Ip, number>();
      for (let i = 0; i < this.ips.length; i++) m.set(this.ips[i] as number, i);
      this.index = m;
    }
    return this.index.get(ip >>> 0) ?? -1;
  }

  local(node: NodeId): { ips: Uint32Array; nodes: Int32Array; usingTerminating: boolean } {
    this.locals ??= new Map();
    let l = this.locals.get(node);
    if (l === undefined) {
      const pick = (ips: Uint32Array, nodes: Int32Array) => {
        const out: number[] = [];
        for (let i = 0; i < ips.length; i++) if (nodes[i] === node) out.push(ips[i] as number);
        return out;
      };
      const r = pick(this.readyIps, this.readyNodes);
      const useTerm = r.length === 0;
      const chosen = useTerm ? pick(this.stIps, this.stNodes) : r;
      l = {
        ips: Uint32Array.from(chosen),
        nodes: new Int32Array(chosen.length).fill(node),
        usingTerminating: useTerm && chosen.length > 0,
      };
      this.locals.set(node, l);
    }
    return l;
  }
}

/**
 * The EndpointSlice controller for one Service selecting the cluster's Deployment, writing into
 * an API-server store, and the EndpointFeed every kube-proxy watches.
 *
 * - A pod change queues a sync of the Service (work-queue semantics: changes while a sync is
 *   queued coalesce into it); the sync runs after batchPeriod + controllerDelay.
 * - A sync diffs each changed pod's endpoint (ready = Ready and not terminating, serving = Ready,
 *   terminating = deletionTimestamp set; pods leave when deleted) against the slices, keeps
 *   existing endpoints in place, fills slices with room before creating one (at most
 *   maxEndpointsPerSlice each), and writes each changed slice: one resourceVersion per write.
 * - Each write that changes the usable set records a shared Snapshot (see endpoint-state.ts).
 *
 * Randomness (common random numbers across balancers): pod exits during graceful termination
 * happen when in-flight work drains, which depends on the balancer, so the sequence of pod
 * changes and slice writes differs between balancers' runs of one seed. Draws are therefore
 * keyed by pod transition, not taken in call order: the controller delay of a sync by the pod
 * change that queued it (pod, state after the change, ordinal of that state for the pod; keyed
 * stream `control-plane:endpointslice`), and each write carries an origin (its first endpoint
 * change: pod, change kind, ordinal of that kind for the pod) by which watchers with a keyed
 * stream draw their delays.
 */
export class EndpointSliceController implements EndpointFeed, ClusterListener {
  readonly options: ResolvedEndpointSliceControllerOptions;
  readonly store: ApiServer<EndpointSlice>;
  private readonly sim: Simulation;
  private readonly cluster: Cluster;
  private readonly callbacks: EndpointSliceControllerCallbacks;
  private readonly delayStream: KeyedStream;
  private readonly kSync: EventKind;
  /** podChanged calls per (pod, state code), index pod * SLOTS_PER_POD + code. */
  private readonly stateOrdinals: number[] = [];
  /** Endpoint changes written per (pod, kind), index pod * SLOTS_PER_POD + kind code. */
  private readonly changeOrdinals: number[] = [];

  /** Published endpoints by pod, insertion-ordered (= rule order). */
  private readonly published = new Map<PodId, Entry>();
  /** Members of each slice. */
  private readonly slices: Set<PodId>[] = [];
  private readonly dirty = new Set<PodId>();
  private syncQueued = false;

  private readonly snapshots: Snapshot[] = [];
  private readonly snapshotRvs: number[] = [];
  private readonly changeRvs: number[] = [];
  private changes = 0;

  constructor(
    sim: Simulation,
    cluster: Cluster,
    options: ResolvedEndpointSliceControllerOptions,
    random: RandomSource,
    callbacks: EndpointSliceControllerCallbacks = {},
    store?: ApiServer<EndpointSlice>,
  ) {
    this.sim = sim;
    this.cluster = cluster;
    this.options = options;
    this.callbacks = callbacks;
    this.store = store ?? new ApiServer<EndpointSlice>(sim, 'endpointslices');
    this.delayStream = random.keyedStream('control-plane:endpointslice');
    this.kSync = sim.register('endpointslice:sync', () => this.sync());
    cluster.addListener(this);
  }

  /**
   * Writes the slices for the cluster's current pods without change records or delay (steady
   * state at t = 0: the API server already agrees with ground truth). Call after cluster.start()
   * and before any kube-proxy opens its watch.
   */
  bootstrap(): void {
    for (const p of this.cluster.pods) if (!p.gone) this.dirty.add(p.id);
    this.syncNow(false);
    if (this.snapshots.length === 0) this.pushSnapshot(this.store.resourceVersion);
  }

  // ---- ClusterListener ---------------------------------------------------------------------

  podChanged(pod: Pod): void {
    this.dirty.add(pod.id);
    // The transition's identity: the pod, its API-visible state after the change, and how
    // many times the pod was reported in that state before (counted whether or not a sync is
    // queued, so the ordinal does not depend on other pods' timing).
    const code = (pod.gone ? 4 : 0) | (pod.terminating ? 2 : 0) | (pod.probeReady ? 1 : 0);
    const slot = pod.id * SLOTS_PER_POD + code;
    const ordinal = this.stateOrdinals[slot] ?? 0;
    this.stateOrdinals[slot] = ordinal + 1;
    if (this.syncQueued) return;
    this.syncQueued = true;
    const rng = this.delayStream.rngFor(pod.id, code, ordinal);
    const delay = this.options.batchPeriod + this.options.controllerDelay.sample(rng);
    this.sim.schedule(delay, this.kSync, 0);
  }

  // ---- EndpointFeed ------------------------------------------------------------------------

  get resourceVersion(): number {
    return this.store.resourceVersion;
  }

  snapshotAt(rv: number): EndpointSnapshot {
    const rvs = this.snapshotRvs;
    let lo = 0;
    let hi = rvs.length - 1;
    if (hi < 0 || (rvs[0] as number) > rv)
      throw new RangeError(`no endpoint snapshot at or before rv ${rv}`);
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((rvs[mid] as number) <= rv) lo = mid;
      else hi = mid - 1;
    }
    return this.snapshots[lo] as Snapshot;
  }

  get changeCount(): number {
    return this.changes;
  }

  firstChangeAfter(rv: number): number {
    const a = this.changeRvs;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((a[mid] as number) <= rv) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  changeResourceVersion(id: number): number {
    const rv = this.changeRvs[id];
    if (rv === undefined) throw new RangeError(`no endpoint change ${id}`);
    return rv;
  }

  watch(
    delay: Distribution,
    rng: Rng | KeyedStream,
    onEvent: (rv: number) => void,
    watcherKey?: number,
  ): number {
    return this.store.watch(delay, rng, onEvent, watcherKey);
  }

  stopWatch(id: number): void {
    this.store.stopWatch(id);
  }

  // ---- For Nginx and outputs ---------------------------------------------------------------

  /** The Service's ready endpoint IPs as the API server has them now (Nginx reads these). */
  readyEndpointIps(): Uint32Array {
    const out: number[] = [];
    for (const e of this.published.values()) if (e.ready) out.push(e.ip);
    return Uint32Array.from(out);
  }

  /** Number of EndpointSlices of the Service. */
  get sliceCount(): number {
    return this.slices.filter((s) => s.size > 0).length;
  }

  // ---- Sync --------------------------------------------------------------------------------

  private sync(): void {
    this.syncQueued = false;
    this.syncNow(true);
  }

  private syncNow(record: boolean): void {
    const now = this.sim.now;
    const max = this.options.maxEndpointsPerSlice;
    /** Changes per slice index, applied slice by slice. */
    const bySlice = new Map<
      number,
      { entry: Entry; next: Entry | undefined; kinds: [EndpointChangeKind, number][] }[]
    >();
    const pending: {
      entry: Entry | undefined;
      next: Entry;
      kinds: [EndpointChangeKind, number][];
    }[] = [];
    for (const id of this.dirty) {
      const p = this.cluster.pod(id);
      const old = this.published.get(id);
      const next: Entry | undefined = p.gone
        ? undefined
        : {
            pod: id,
            ip: p.ip,
            node: p.node,
            ready: p.probeReady && !p.terminating,
            serving: p.probeReady,
            terminating: p.terminating,
            slice: old?.slice ?? -1,
          };
      const kinds = changeKinds(old, next, p, now);
      if (kinds.length === 0) continue;
      if (old === undefined) pending.push({ entry: undefined, next: next as Entry, kinds });
      else {
        let list = bySlice.get(old.slice);
        if (list === undefined) bySlice.set(old.slice, (list = []));
        list.push({ entry: old, next, kinds });
      }
    }
    this.dirty.clear();

    // New endpoints: slices already being written first, then any with room, then new slices.
    const room = (i: number) => {
      const s = this.slices[i] as Set<PodId>;
      let removing = 0;
      for (const c of bySlice.get(i) ?? []) if (c.next === undefined) removing++;
      let adding = 0;
      for (const c of bySlice.get(i) ?? []) if (c.entry === undefined) adding++;
      return max - s.size + removing - adding;
    };
    for (const add of pending) {
      let target = -1;
      for (const i of [...bySlice.keys()].sort((a, b) => a - b)) {
        if (room(i) > 0) {
          target = i;
          break;
        }
      }
      if (target < 0) {
        for (let i = 0; i < this.slices.length; i++) {
          if (room(i) > 0) {
            target = i;
            break;
          }
        }
      }
      if (target < 0) {
        this.slices.push(new Set());
        target = this.slices.length - 1;
      }
      add.next.slice = target;
      let list = bySlice.get(target);
      if (list === undefined) bySlice.set(target, (list = []));
      list.push({ entry: undefined as unknown as Entry, next: add.next, kinds: add.kinds });
    }

    for (const i of [...bySlice.keys()].sort((a, b) => a - b)) {
      const list = bySlice.get(i) as {
        entry: Entry | undefined;
        next: Entry | undefined;
        kinds: [EndpointChangeKind, number][];
      }[];
      const members = this.slices[i] as Set<PodId>;
      let usableChanged = false;
      for (const c of list) {
        const old = c.entry;
        const next = c.next;
        if (
          (old?.ready ?? false) !== (next?.ready ?? false) ||
          servingTerminating(old) !== servingTerminating(next)
        ) {
          usableChanged = true;
        }
        if (next === undefined) {
          members.delete((old as Entry).pod);
          this.published.delete((old as Entry).pod);
        } else {
          members.add(next.pod);
          this.published.set(next.pod, next);
        }
      }
      // Count each change's ordinal for its pod; the write's first change is its origin.
      let origin: WriteOrigin | undefined;
      for (const c of list) {
        const pod = ((c.next ?? c.entry) as Entry).pod;
        for (const [kind] of c.kinds) {
          const slot = pod * SLOTS_PER_POD + CHANGE_KIND_CODE[kind];
          const ordinal = this.changeOrdinals[slot] ?? 0;
          this.changeOrdinals[slot] = ordinal + 1;
          origin ??= [pod, CHANGE_KIND_CODE[kind], ordinal];
        }
      }
      const name = `${this.options.serviceName}-${i}`;
      const rv =
        members.size > 0
          ? this.store.put(
              name,
              {
                name,
                endpoints: [...members].map((id) =>
                  toSliceEndpoint(this.published.get(id) as Entry),
                ),
              },
              origin,
            )
          : this.store.remove(name, origin);
      if (usableChanged || this.snapshots.length === 0) this.pushSnapshot(rv);
      if (!record) continue;
      for (const c of list) {
        const e = (c.next ?? c.entry) as Entry;
        for (const [kind, at] of c.kinds) {
          const change: EndpointChange = {
            changeId: this.changes++,
            change: kind,
            pod: e.pod,
            ip: e.ip,
            node: e.node,
            happenedAt: at,
            writtenAt: now,
            resourceVersion: rv,
          };
          this.changeRvs.push(rv);
          this.callbacks.onEndpointChange?.(change);
        }
      }
    }
  }

  private pushSnapshot(rv: number): void {
    this.snapshots.push(
      new Snapshot(rv, this.snapshots.length, this.published.values(), this.published.size),
    );
    this.snapshotRvs.push(rv);
  }

  /** Drops snapshots no node can still ask for (every live reader is at or after `minRv`). */
  pruneSnapshots(minRv: number): void {
    let keepFrom = 0;
    while (
      keepFrom + 1 < this.snapshotRvs.length &&
      (this.snapshotRvs[keepFrom + 1] as number) <= minRv
    )
      keepFrom++;
    if (keepFrom > 0) {
      this.snapshots.splice(0, keepFrom);
      this.snapshotRvs.splice(0, keepFrom);
    }
  }
}

function servingTerminating(e: Entry | undefined): boolean {
  return e?.serving === true && e.terminating;
}

function toSliceEndpoint(e: Entry): SliceEndpoint {
  return {
    pod: e.pod,
    ip: e.ip,
    node: e.node,
    ready: e.ready,
    serving: e.serving,
    terminating: e.terminating,
  };
}

/** The change records between two states of one endpoint, each with its trigger time. */
function changeKinds(
  old: Entry | undefined,
  next: Entry | undefined,
  p: Pod,
  now: number,
): [EndpointChangeKind, number][] {
  const t = (x: number) => (Number.isNaN(x) ? now : x);
  const out: [EndpointChangeKind, number][] = [];
  if (old === undefined && next === undefined) return out;
  if (old === undefined) {
    out.push(['add', p.createdAt]);
    if ((next as Entry).ready) out.push(['ready', t(p.readyChangedAt)]);
    else if ((next as Entry).terminating) out.push(['terminating', t(p.deletionAt)]);
    return out;
  }
  if (next === undefined) {
    out.push(['remove', t(p.deletedAt)]);
    return out;
  }
  if (!old.terminating && next.terminating) {
    out.push(['terminating', t(p.deletionAt)]);
    if (old.serving !== next.serving)
      out.push([next.serving ? 'serving' : 'not-serving', t(p.readyChangedAt)]);
    return out;
  }
  if (old.ready !== next.ready) out.push([next.ready ? 'ready' : 'unready', t(p.readyChangedAt)]);
  else if (old.serving !== next.serving) {
    out.push([next.serving ? 'serving' : 'not-serving', t(p.readyChangedAt)]);
  }
  return out;
}
