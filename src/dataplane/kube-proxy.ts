import type { ClusterListener } from '../cluster/cluster.js';
import type { Ip, NodeId } from '../cluster/types.js';
import type { EndpointFeed, EndpointSnapshot } from '../control-plane/endpoint-state.js';
import type { KeyedStream, RandomSource, Rng } from '../engine/random.js';
import { type EventKind, NO_EVENT, type Simulation } from '../engine/simulation.js';
import type { ResolvedKubeProxyOptions } from './kube-proxy-options.js';
import { syncDuration } from './sync-cost.js';
import type { EndpointTable } from './types.js';

/**
 * One node's programmed table: a per-node version around a snapshot shared by every node that
 * programmed the same API state (allocation per sync, never per request).
 */
export class NodeTable implements EndpointTable {
  readonly version: number;
  readonly size: number;
  readonly ips: Uint32Array;
  readonly nodes: Int32Array;
  readonly usingTerminating: boolean;
  /** The API state it was built from. */
  readonly snapshot: EndpointSnapshot;
  private readonly localNode: NodeId;
  private index: Map<Ip, number> | undefined;

  constructor(version: number, snapshot: EndpointSnapshot, localNode: NodeId = -1) {
    this.version = version;
    this.snapshot = snapshot;
    this.localNode = localNode;
    if (localNode < 0) {
      this.ips = snapshot.ips;
      this.nodes = snapshot.nodes;
      this.usingTerminating = snapshot.usingTerminating;
    } else {
      const l = snapshot.local(localNode);
      this.ips = l.ips;
      this.nodes = l.nodes;
      this.usingTerminating = l.usingTerminating;
    }
    this.size = this.ips.length;
  }

  indexOf(ip: Ip): number {
    if (this.localNode < 0) return this.snapshot.indexOf(ip);
    if (this.index === undefined) {
      this.index = new Map();
      for (let i = 0; i < this.ips.length; i++) this.index.set(this.ips[i] as number, i);
    }
    return this.index.get(ip >>> 0) ?? -1;
  }
}

/** What kube-proxy needs of ground truth (Cluster implements it). */
export interface KubeProxyClusterView {
  readonly nodeCount: number;
  isNodeAlive(node: NodeId): boolean;
  /** Ideal usable set (ground truth), for the stale-node gauge. */
  idealContains(ip: Ip): boolean;
  idealSize(): number;
  addListener(listener: ClusterListener): void;
}

export interface KubeProxyCallbacks {
  /** A node finished a sync that changed its table: its data plane now uses `table`. */
  readonly tableProgrammed?: (node: NodeId, table: NodeTable) => void;
  /** Network-programming latency: endpoint change `changeId` is programmed on `node` at `at`. */
  readonly changeProgrammed?: (changeId: number, node: NodeId, at: number) => void;
  /** Every completed sync (for sync-duration statistics). */
  readonly syncCompleted?: (
    node: NodeId,
    startedAt: number,
    full: boolean,
    changes: number,
  ) => void;
}

/**
 * The table of a node whose rules were flushed at kube-proxy start (pre-1.14 kube-proxy,
 * kubernetes#75360): no endpoint until the first sync completes.
 */
const FLUSHED: EndpointSnapshot = {
  resourceVersion: -1,
  id: -1,
  ips: new Uint32Array(0),
  nodes: new Int32Array(0),
  usingTerminating: false,
  totalEndpoints: 0,
  indexOf: () => -1,
  local: () => ({ ips: new Uint32Array(0), nodes: new Int32Array(0), usingTerminating: false }),
};

interface LiveContent {
  readonly snap: EndpointSnapshot;
  refs: number;
  /** Endpoints in the table that are not in the ideal set (gone, not ready, terminating...). */
  extra: number;
  /** Ideal endpoints missing from the table. */
  missing: number;
}

/**
 * kube-proxy on every node: EndpointSlice watch, bounded-frequency sync runner, sync duration
 * by mode, and the table each node programs.
 *
 * Runner (k8s.io/kubernetes pkg/util/async BoundedFrequencyRunner, as kube-proxy uses it with
 * burstSyncs 2): a token bucket of `burstSyncs` tokens refilled at 1/minSyncPeriod gates runs;
 * a run request while the bucket is empty sets the timer to minSyncPeriod after the end of the
 * previous run; the function runs synchronously, so requests during a sync coalesce into one
 * run right after it; after each run the timer is reset to maxInterval (syncPeriod in ipvs mode,
 * fullSyncPeriod otherwise). With burstSyncs 1 this is also the rewritten runner of
 * pkg/proxy/runner (minInterval from the end of one run to the start of the next, no burst).
 *
 * A sync applies the changes the node knew at its start; the node keeps its old table until
 * the sync completes. Iptables partial sync: full when the last full sync is older than
 * fullSyncPeriod (proxier.go doFullSync), partial otherwise.
 *
 * Streams: keyed `watch` (each node's watch delay of each EndpointSlice write, keyed by
 * (node, the write's endpoint change), so a pod transition reaches a node after the same delay
 * in every balancer's run of a seed), `kube-proxy:phase` (initial timer and full-sync phases).
 */
export class KubeProxy implements ClusterListener {
  readonly options: ResolvedKubeProxyOptions;
  private readonly sim: Simulation;
  private readonly feed: EndpointFeed;
  private readonly cluster: KubeProxyClusterView;
  private readonly callbacks: KubeProxyCallbacks;
  private readonly n: number;
  private readonly maxInterval: number;

  // Per-node state (struct of arrays).
  private readonly alive: Uint8Array;
  private readonly knownRv: Float64Array;
  private readonly programmedRv: Float64Array;
  private readonly syncRv: Float64Array;
  private readonly syncStart: Float64Array;
  private readonly syncFull: Uint8Array;
  private readonly syncChanges: Float64Array;
  private readonly running: Uint8Array;
  private readonly pendingRun: Uint8Array;
  private readonly tokens: Float64Array;
  private readonly tokenTime: Float64Array;
  private readonly lastRun: Float64Array;
  private readonly lastFullSync: Float64Array;
  private readonly timerAt: Float64Array;
  private readonly timerHandle: Float64Array;
  private readonly generation: Int32Array;
  private readonly watchIds: Int32Array;
  private readonly tables: (NodeTable | undefined)[];
  /** The kube-proxy process is down (restart fault): its rules stay in the kernel. */
  private readonly down: Uint8Array;
  private readonly syncHandle: Float64Array;
  private readonly kStart: EventKind;
  private readonly localTables: (NodeTable | undefined)[];

  private readonly kTimer: EventKind;
  private readonly kSyncDone: EventKind;
  private readonly phaseRng: Rng;
  private readonly watchStream: KeyedStream;

  private readonly live = new Map<number, LiveContent>();
  private syncsSincePrune = 0;
  private _syncs = 0;
  private _fullSyncs = 0;

  constructor(
    sim: Simulation,
    cluster: KubeProxyClusterView,
    feed: EndpointFeed,
    options: ResolvedKubeProxyOptions,
    random: RandomSource,
    callbacks: KubeProxyCallbacks = {},
  ) {
    this.sim = sim;
    this.cluster = cluster;
    this.feed = feed;
    this.options = options;
    this.callbacks = callbacks;
    const n = cluster.nodeCount;
    this.n = n;
    this.maxInterval = options.mode === 'ipvs' ? options.syncPeriod : options.fullSyncPeriod;
    this.alive = new Uint8Array(n);
    this.knownRv = new Float64Array(n);
    this.programmedRv = new Float64Array(n);
    this.syncRv = new Float64Array(n);
    this.syncStart = new Float64Array(n);
    this.syncFull = new Uint8Array(n);
    this.syncChanges = new Float64Array(n);
    this.running = new Uint8Array(n);
    this.pendingRun = new Uint8Array(n);
    this.tokens = new Float64Array(n);
    this.tokenTime = new Float64Array(n);
    this.lastRun = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
    this.lastFullSync = new Float64Array(n);
    this.timerAt = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
    this.timerHandle = new Float64Array(n).fill(NO_EVENT);
    this.generation = new Int32Array(n);
    this.watchIds = new Int32Array(n).fill(-1);
    this.tables = new Array(n).fill(undefined);
    this.down = new Uint8Array(n);
    this.syncHandle = new Float64Array(n).fill(NO_EVENT);
    this.localTables = new Array(n).fill(undefined);
    this.phaseRng = random.stream('kube-proxy:phase');
    this.watchStream = random.keyedStream('watch');
    this.kTimer = sim.register('kube-proxy:timer', (node) => this.onTimer(node));
    this.kSyncDone = sim.register('kube-proxy:sync-done', (node) => this.onSyncDone(node));
    this.kStart = sim.register('kube-proxy:start', (node) => this.onStart(node));
    cluster.addListener(this);
  }

  /**
   * Steady state at now: every live node has programmed the feed's current state (table
   * version 0, announced through tableProgrammed) and opens its watch. Call after the
   * controller's bootstrap().
   */
  bootstrap(): void {
    const rv = this.feed.resourceVersion;
    const snap = this.feed.snapshotAt(rv);
    const now = this.sim.now;
    for (let i = 0; i < this.n; i++) {
      if (!this.cluster.isNodeAlive(i)) continue;
      this.alive[i] = 1;
      this.knownRv[i] = rv;
      this.programmedRv[i] = rv;
      this.tokens[i] = this.options.burstSyncs;
      this.tokenTime[i] = now;
      // The proxier started some time ago: periodic timers and full syncs at random phases.
      this.lastFullSync[i] = now - this.phaseRng.next() * this.options.fullSyncPeriod;
      this.setTimer(i, now + this.phaseRng.next() * this.maxInterval);
      const table = new NodeTable(0, snap);
      this.tables[i] = table;
      this.addRef(snap);
      const node = i;
      this.openWatch(node);
      this.callbacks.tableProgrammed?.(i, table);
    }
  }

  private openWatch(node: NodeId): void {
    this.watchIds[node] = this.feed.watch(
      this.options.watchDelay,
      this.watchStream,
      (v) => this.onWatchEvent(node, v),
      node,
    );
  }

  /**
   * The kube-proxy process on `node` stops now (a restart, an upgrade of the DaemonSet) and
   * starts again `downFor` seconds later. While it is down its rules stay in the kernel and no
   * change reaches them (kube-proxy >= 1.14 no longer tears rules down at start, kubernetes
   * #76109); a sync in flight is lost. At start the informers list the current state and the
   * proxier's first sync is a full one (the proxiers start with needFullSync = true), through a
   * fresh bounded-frequency runner. `flush`: the pre-1.14 behaviour of kubernetes#75360 (rules
   * torn down at start): the node has no endpoint from the restart until that first sync ends.
   */
  restart(node: NodeId, downFor: number, flush: boolean): void {
    if (this.alive[node] !== 1) return;
    if (this.down[node] !== 1) {
      this.down[node] = 1;
      this.feed.stopWatch(this.watchIds[node] as number);
      this.watchIds[node] = -1;
      this.cancelTimer(node);
      const h = this.syncHandle[node] as number;
      if (h !== NO_EVENT) this.sim.cancel(h);
      this.syncHandle[node] = NO_EVENT;
      this.running[node] = 0;
      this.pendingRun[node] = 0;
    }
    this.sim.schedule(Math.max(0, downFor), this.kStart, node);
    if (flush) this.install(node, FLUSHED);
  }

  /** Whether kube-proxy on `node` is down (restarting). */
  isDown(node: NodeId): boolean {
    return this.down[node] === 1;
  }

  private onStart(node: NodeId): void {
    if (this.alive[node] !== 1 || this.down[node] !== 1) return;
    const now = this.sim.now;
    this.down[node] = 0;
    this.knownRv[node] = this.feed.resourceVersion;
    this.tokens[node] = this.options.burstSyncs;
    this.tokenTime[node] = now;
    this.lastRun[node] = Number.NEGATIVE_INFINITY;
    this.lastFullSync[node] = Number.NEGATIVE_INFINITY;
    this.openWatch(node);
    this.run(node);
  }

  // ---- Read access -------------------------------------------------------------------------

  /** The node's programmed table (undefined for a dead node or before bootstrap). */
  table(node: NodeId): NodeTable | undefined {
    return this.alive[node] === 1 ? this.tables[node] : undefined;
  }

  /** The node-local subset of its programmed table (externalTrafficPolicy: Local). */
  localTable(node: NodeId): NodeTable | undefined {
    const t = this.table(node);
    if (t === undefined) return undefined;
    let l = this.localTables[node];
    if (l === undefined || l.snapshot !== t.snapshot) {
      l = new NodeTable(t.version, t.snapshot, node);
      this.localTables[node] = l;
    }
    return l;
  }

  /** resourceVersion the node's table reflects. */
  programmedResourceVersion(node: NodeId): number {
    return this.programmedRv[node] as number;
  }

  isSyncing(node: NodeId): boolean {
    return this.running[node] === 1;
  }

  get syncs(): number {
    return this._syncs;
  }

  get fullSyncs(): number {
    return this._fullSyncs;
  }

  /**
   * Live nodes whose programmed usable set differs from the ideal one (Cluster.idealContains:
   * Ready, not terminating, node alive; else the Ready terminating ones). Maintained per change
   * (O(distinct tables in use) per ground-truth change), read in O(distinct tables).
   */
  staleNodes(): number {
    let n = 0;
    for (const c of this.live.values()) if (c.extra + c.missing > 0) n += c.refs;
    return n;
  }

  /**
   * Per-node staleness: endpoints in the node's table that are not in the ideal set (dead, not
   * ready, terminating), and ideal endpoints missing from it. Undefined for a dead node.
   */
  tableStaleness(node: NodeId): { extra: number; missing: number } | undefined {
    const t = this.table(node);
    if (t === undefined) return undefined;
    const c = this.live.get(t.snapshot.id) as LiveContent;
    return { extra: c.extra, missing: c.missing };
  }

  /** Sums of tableStaleness over live nodes. */
  staleEndpointTotals(): { extra: number; missing: number } {
    let extra = 0;
    let missing = 0;
    for (const c of this.live.values()) {
      extra += c.extra * c.refs;
      missing += c.missing * c.refs;
    }
    return { extra, missing };
  }

  // ---- ClusterListener ---------------------------------------------------------------------

  idealChanged(ip: Ip, member: boolean): void {
    for (const c of this.live.values()) {
      if (c.snap.indexOf(ip) >= 0) c.extra += member ? -1 : 1;
      else c.missing += member ? 1 : -1;
    }
  }

  idealReset(): void {
    for (const c of this.live.values()) this.fullDiff(c);
  }

  nodeFailed(node: NodeId): void {
    if (this.alive[node] !== 1) return;
    this.alive[node] = 0;
    this.feed.stopWatch(this.watchIds[node] as number);
    this.cancelTimer(node);
    const t = this.tables[node];
    if (t !== undefined) this.release(t.snapshot);
    this.tables[node] = undefined;
    this.localTables[node] = undefined;
    // A sync in flight never completes (onSyncDone checks alive).
  }

  // ---- Runner ------------------------------------------------------------------------------

  private onWatchEvent(node: NodeId, rv: number): void {
    if (this.alive[node] !== 1 || this.down[node] === 1) return;
    if (rv > (this.knownRv[node] as number)) this.knownRv[node] = rv;
    this.run(node);
  }

  /** BoundedFrequencyRunner.Run(): non-blocking request; coalesces while a run is going on. */
  private run(node: NodeId): void {
    if (this.running[node] === 1) {
      this.pendingRun[node] = 1;
      return;
    }
    this.tryRun(node);
  }

  private tryRun(node: NodeId): void {
    const now = this.sim.now;
    const min = this.options.minSyncPeriod;
    const burst = this.options.burstSyncs;
    let tokens = burst;
    if (min > 0) {
      tokens = Math.min(
        burst,
        (this.tokens[node] as number) + (now - (this.tokenTime[node] as number)) / min,
      );
      this.tokenTime[node] = now;
    }
    // 1e-9 absorbs float error in the refill (times are sums of float seconds).
    if (tokens >= 1 - 1e-9) {
      this.tokens[node] = tokens - 1;
      this.startSync(node);
      return;
    }
    this.tokens[node] = tokens;
    let nextPossible = min - (now - (this.lastRun[node] as number));
    // The limiter may still be empty when minSyncPeriod has passed (after a burst): wait for a token.
    const tokenWait = (1 - tokens) * min;
    if (nextPossible < tokenWait) nextPossible = tokenWait;
    const at = now + nextPossible;
    if (at < (this.timerAt[node] as number)) this.setTimer(node, at);
  }

  private onTimer(node: NodeId): void {
    this.timerHandle[node] = NO_EVENT;
    this.timerAt[node] = Number.POSITIVE_INFINITY;
    if (this.alive[node] !== 1 || this.down[node] === 1) return;
    this.run(node);
  }

  private startSync(node: NodeId): void {
    const now = this.sim.now;
    this.cancelTimer(node);
    this.running[node] = 1;
    const rv = this.knownRv[node] as number;
    this.syncRv[node] = rv;
    this.syncStart[node] = now;
    const mode = this.options.mode;
    const full =
      mode !== 'ipvs' &&
      ((mode === 'iptables' && !this.options.partialSync) ||
        now - (this.lastFullSync[node] as number) >= this.options.fullSyncPeriod);
    const changes =
      this.feed.firstChangeAfter(rv) -
      this.feed.firstChangeAfter(this.programmedRv[node] as number);
    this.syncFull[node] = full ? 1 : 0;
    this.syncChanges[node] = changes;
    const snap = this.feed.snapshotAt(rv);
    const d = syncDuration(mode, this.options.syncCost, {
      endpoints: snap.ips.length,
      changes,
      full,
    });
    this.syncHandle[node] = this.sim.schedule(d, this.kSyncDone, node);
  }

  private onSyncDone(node: NodeId): void {
    this.syncHandle[node] = NO_EVENT;
    if (this.alive[node] !== 1) return;
    const now = this.sim.now;
    this.running[node] = 0;
    this.lastRun[node] = now;
    const full = this.syncFull[node] === 1;
    if (full) {
      this.lastFullSync[node] = this.syncStart[node] as number;
      this._fullSyncs++;
    }
    this._syncs++;
    this.program(node, this.syncRv[node] as number);
    this.callbacks.syncCompleted?.(
      node,
      this.syncStart[node] as number,
      full,
      this.syncChanges[node] as number,
    );
    this.setTimer(node, now + this.maxInterval);
    if (this.pendingRun[node] === 1) {
      this.pendingRun[node] = 0;
      this.tryRun(node);
    }
    if (++this.syncsSincePrune >= 256) this.prune();
  }

  private program(node: NodeId, rv: number): void {
    const prev = this.programmedRv[node] as number;
    if (rv <= prev) {
      // After a flush the first sync rebuilds the rules of the state it already knew.
      if ((this.tables[node] as NodeTable).snapshot === FLUSHED) {
        this.install(node, this.feed.snapshotAt(prev));
      }
      return;
    }
    this.programmedRv[node] = rv;
    const cb = this.callbacks.changeProgrammed;
    if (cb !== undefined) {
      const now = this.sim.now;
      const end = this.feed.firstChangeAfter(rv);
      for (let id = this.feed.firstChangeAfter(prev); id < end; id++) cb(id, node, now);
    }
    const snap = this.feed.snapshotAt(rv);
    if ((this.tables[node] as NodeTable).snapshot === snap) return;
    this.install(node, snap);
  }

  /** The node's data plane now uses `snap` (a new table version). */
  private install(node: NodeId, snap: EndpointSnapshot): void {
    const old = this.tables[node] as NodeTable;
    if (old.snapshot === snap) return;
    const version = (this.generation[node] as number) + 1;
    this.generation[node] = version;
    const table = new NodeTable(version, snap);
    this.tables[node] = table;
    this.addRef(snap);
    this.release(old.snapshot);
    this.callbacks.tableProgrammed?.(node, table);
  }

  private setTimer(node: NodeId, at: number): void {
    this.cancelTimer(node);
    this.timerAt[node] = at;
    this.timerHandle[node] = this.sim.scheduleAt(at, this.kTimer, node);
  }

  private cancelTimer(node: NodeId): void {
    const h = this.timerHandle[node] as number;
    if (h !== NO_EVENT) this.sim.cancel(h);
    this.timerHandle[node] = NO_EVENT;
    this.timerAt[node] = Number.POSITIVE_INFINITY;
  }

  // ---- Staleness bookkeeping ---------------------------------------------------------------

  private addRef(snap: EndpointSnapshot): void {
    let c = this.live.get(snap.id);
    if (c === undefined) {
      c = { snap, refs: 0, extra: 0, missing: 0 };
      this.fullDiff(c);
      this.live.set(snap.id, c);
    }
    c.refs++;
  }

  private release(snap: EndpointSnapshot): void {
    const c = this.live.get(snap.id);
    if (c === undefined) return;
    if (--c.refs === 0) this.live.delete(snap.id);
  }

  private fullDiff(c: LiveContent): void {
    const ips = c.snap.ips;
    let inter = 0;
    for (let i = 0; i < ips.length; i++) if (this.cluster.idealContains(ips[i] as number)) inter++;
    c.extra = ips.length - inter;
    c.missing = this.cluster.idealSize() - inter;
  }

  /** Lets the feed drop snapshots older than every live node's programmed state. */
  private prune(): void {
    this.syncsSincePrune = 0;
    const feed = this.feed as EndpointFeed & { pruneSnapshots?: (minRv: number) => void };
    if (feed.pruneSnapshots === undefined) return;
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < this.n; i++) {
      if (this.alive[i] === 1 && (this.programmedRv[i] as number) < min)
        min = this.programmedRv[i] as number;
    }
    if (min < Number.POSITIVE_INFINITY) feed.pruneSnapshots(min);
  }
}
