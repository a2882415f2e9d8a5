import type { Rng } from '../engine/random.js';
import type { EventKind, Simulation } from '../engine/simulation.js';
import { NO_EVENT } from '../engine/simulation.js';
import type { ResolvedClusterOptions, ResolvedPodOptions } from './options.js';
import type { Pod } from './pod.js';
import type { NodeId, PodId, PodLifecycleObserver } from './types.js';

/** What the kubelet calls back into the pod store (Cluster). */
export interface KubeletHost {
  /** Every pod ever created, indexed by id (the store's array, read only here). */
  readonly pods: readonly Pod[];
  readonly observer: PodLifecycleObserver | undefined;
  /** The pod's Ready condition as the status manager writes it. */
  setProbeReady(p: Pod, ready: boolean): void;
  /** The pod object is deleted (IP released). */
  finalize(p: Pod): void;
  /** A container (re)started (churn listeners draw the next failure here). */
  containerStarted(p: Pod): void;
  event(event: string, pod: PodId, node: NodeId, detail: string): void;
}

/**
 * The kubelets of all nodes: container start, the application's listener, the readiness prober,
 * graceful termination (preStop, SIGTERM, listener close, drain, SIGKILL) and restarts with
 * CrashLoopBackOff. docs/MODEL.md has the sources.
 *
 * Random streams: `cluster:startup` (startup, app start and ready delays), `cluster:probe`
 * (initial probe phases of steady-state pods), `kubelet:pleg` (each node's relist phase, drawn
 * by the Cluster).
 *
 * The readiness prober's schedule (pkg/kubelet/prober/worker.go and prober_manager.go of
 * kubernetes master, where a manual trigger resets the ticker): the worker starts when the kubelet syncs the new pod (SyncPod -> probeManager.AddPod),
 * before its containers exist; its first doProbe and its ticks until the container is in the
 * pod's status find no container and do nothing. The container's start is seen at the node's
 * next PLEG relist (genericPlegRelistPeriod 1 s), which syncs the pod: the status it writes
 * sets the new container's readiness to the worker's initial value (Failure) and, the container
 * not being Ready, UpdatePodStatus triggers the readiness worker at once (manualTriggerCh),
 * which resets its ticker: probes at that instant and every periodSeconds after. A probe less
 * than initialDelaySeconds after the container's StartedAt returns without a result (the
 * readiness stays Failure). A restarted container is a new container ID: the same again. So
 * the grid of a starting pod runs from the sync that saw its container, not from the
 * container's start, and a pod without a readiness probe is Ready at that sync too.
 */
export class Kubelet {
  private readonly sim: Simulation;
  private readonly options: ResolvedClusterOptions;
  private readonly host: KubeletHost;
  readonly startupRng: Rng;
  readonly probeRng: Rng;
  /** Each node's PLEG relist phase in [0, plegRelistPeriod). */
  private readonly plegPhase: Float64Array;

  readonly kStarted: EventKind;
  private readonly kListen: EventKind;
  private readonly kProbe: EventKind;
  private readonly kSigterm: EventKind;
  private readonly kCloseListener: EventKind;
  private readonly kExit: EventKind;
  private readonly kSigkill: EventKind;
  private readonly kRestart: EventKind;
  private readonly kSeen: EventKind;

  constructor(
    sim: Simulation,
    options: ResolvedClusterOptions,
    startupRng: Rng,
    probeRng: Rng,
    plegPhase: Float64Array,
    host: KubeletHost,
  ) {
    this.plegPhase = plegPhase;
    this.sim = sim;
    this.options = options;
    this.host = host;
    this.startupRng = startupRng;
    this.probeRng = probeRng;
    this.kStarted = sim.register('pod:container-started', (id) => this.onContainerStarted(id));
    this.kListen = sim.register('pod:listening', (id) => this.onListening(id));
    this.kProbe = sim.register('pod:readiness-probe', (id) => this.onProbe(id));
    this.kSigterm = sim.register('pod:sigterm', (id) => this.onSigterm(id));
    this.kCloseListener = sim.register('pod:listener-close', (id) => this.onCloseListener(id));
    this.kExit = sim.register('pod:exit', (id) => this.onExit(id));
    this.kSigkill = sim.register('pod:sigkill', (id) => this.onSigkill(id));
    this.kRestart = sim.register('pod:restart', (id) => this.onRestart(id));
    this.kSeen = sim.register('pod:container-seen', (id) => this.onContainerSeen(id));
  }

  /** The node's next PLEG relist at or after now (the pod sync that sees a container change). */
  private nextRelist(node: NodeId): number {
    const period = this.options.plegRelistPeriod;
    const now = this.sim.now;
    if (!(period > 0)) return now;
    const phase = this.plegPhase[node] ?? 0;
    return phase + period * Math.max(0, Math.ceil((now - phase) / period));
  }

  /** The pod's template (its ReplicaSet's revision of the pod spec). */
  private spec(p: Pod): ResolvedPodOptions {
    return this.options.templates[p.template] ?? this.options.pod;
  }

  private get pods(): readonly Pod[] {
    return this.host.pods;
  }

  private event(event: string, p: Pod, detail: string): void {
    this.host.event(event, p.id, p.node, detail);
  }

  /** A new pod was bound to its node: the sandbox and container start after `startup`. */
  podBound(p: Pod): void {
    p.stepHandle = this.sim.schedule(
      this.spec(p).startup.sample(this.startupRng),
      this.kStarted,
      p.id,
    );
  }

  /**
   * A steady-state pod at t = 0 (running for long): its probe worker ticks on a grid of random
   * phase (kubelet starts each worker at its own time).
   */
  adoptRunning(p: Pod): void {
    if (!this.spec(p).readinessProbe.enabled) return;
    const period = this.spec(p).readinessProbe.periodSeconds;
    p.probeHandle = this.sim.schedule(this.probeRng.next() * period, this.kProbe, p.id);
  }

  /** The data plane reports that a terminating pod with a closed listener has nothing left. */
  podDrained(p: Pod): void {
    if (!p.terminating || !p.running || p.listening || p.lost) return;
    if (this.sim.isPending(p.termHandle)) return;
    // Exit as an event at the same instant: never re-enter the data plane from its own call.
    p.termHandle = this.sim.schedule(0, this.kExit, p.id);
  }

  /**
   * The container dies (crash, OOM kill): in-flight work is reset; the kubelet restarts it in
   * place (same pod, same IP) after the CrashLoopBackOff delay.
   */
  restartContainer(p: Pod): void {
    if (p.gone || p.lost || !p.running) return;
    this.killContainer(p, 'container-crashed');
    if (p.terminating) {
      // A terminating pod's container is not restarted.
      this.host.finalize(p);
      return;
    }
    // kuberuntime doBackOff: in back-off if a window is open since the last restart
    // (flowcontrol.Backoff.IsInBackOffSince; entries expire after 2 x max = 10 min).
    const bo = this.spec(p).restartBackoff;
    const now = this.sim.now;
    const expired = !(p.backoff > 0) || now - p.backoffUpdatedAt > 2 * bo.max;
    const delay = expired ? 0 : p.backoff;
    p.stepHandle = this.sim.schedule(delay, this.kRestart, p.id);
    this.event('back-off', p, `restart in ${delay}s`);
  }

  /**
   * The pod got its deletionTimestamp: stop a Pending or backed-off pod at once, else run the
   * termination flow. Pod termination flow: preStop runs first and counts against the grace
   * period; if it is still running when the period ends, SIGTERM is sent with a one-off 2 s
   * extension.
   */
  terminate(p: Pod): void {
    if (p.lost) return;
    if (!p.running) {
      // Pending or in back-off: nothing to stop.
      this.sim.cancel(p.stepHandle);
      p.stepHandle = NO_EVENT;
      this.host.finalize(p);
      return;
    }
    const grace = this.spec(p).terminationGracePeriodSeconds;
    const preStop = this.spec(p).preStopSleep;
    const sigtermAfter = Math.min(preStop, grace);
    const killAfter = preStop >= grace && preStop > 0 ? grace + 2 : grace;
    if (sigtermAfter > 0) p.termHandle = this.sim.schedule(sigtermAfter, this.kSigterm, p.id);
    else this.onSigterm(p.id);
    if (!p.gone) p.killHandle = this.sim.schedule(killAfter, this.kSigkill, p.id);
  }

  /** The container dies: in-flight work is lost with a reset. */
  killContainer(p: Pod, why: string): void {
    p.running = false;
    p.listening = false;
    this.sim.cancel(p.stepHandle);
    p.stepHandle = NO_EVENT;
    this.host.observer?.containerKilled(p.id);
    this.event(why, p, '');
    // The kubelet reports a dead container not Ready at once.
    this.host.setProbeReady(p, false);
  }

  // ---- Lifecycle handlers ------------------------------------------------------------------

  private onContainerStarted(id: PodId): void {
    const p = this.pods[id] as Pod;
    p.stepHandle = NO_EVENT;
    p.phase = 'Running';
    this.startContainer(p);
  }

  private startContainer(p: Pod): void {
    p.running = true;
    p.containerStartedAt = this.sim.now;
    p.probeSuccesses = 0;
    p.probeFailures = 0;
    this.event('container-started', p, p.restarts > 0 ? `restart ${p.restarts}` : '');
    const delay = this.spec(p).appStartDelay.sample(this.startupRng);
    p.readyDelay = this.spec(p).appReadyDelay.sample(this.startupRng);
    p.stepHandle = this.sim.schedule(delay, this.kListen, p.id);
    // The PLEG sees the container at the node's next relist: the pod sync there writes its
    // status (Ready without a probe) and triggers the readiness worker. Scheduled after the
    // listener: an app that listens at once does so before a relist in the same instant.
    const seenAt = this.nextRelist(p.node);
    p.seenAt = seenAt;
    this.sim.cancel(p.probeHandle);
    p.probeHandle = NO_EVENT;
    const seen = this.sim.scheduleAt(seenAt, this.kSeen, p.id);
    if (this.spec(p).readinessProbe.enabled) p.probeHandle = seen;
    this.host.containerStarted(p);
  }

  /**
   * The pod sync that saw the current container start: without a readiness probe the pod is
   * Ready now, listening or not (pod-lifecycle docs: container probes; UpdatePodStatus: no
   * worker -> ready); with one, the manual trigger probes now and restarts the ticker.
   */
  private onContainerSeen(id: PodId): void {
    const p = this.pods[id] as Pod;
    if (!p.running || p.lost || this.sim.now !== p.seenAt) return;
    if (this.spec(p).readinessProbe.enabled) this.onProbe(id);
    else this.host.setProbeReady(p, true);
  }

  private onListening(id: PodId): void {
    const p = this.pods[id] as Pod;
    p.stepHandle = NO_EVENT;
    if (!p.running || p.lost || !Number.isNaN(p.sigtermAt)) return;
    p.listening = true;
    p.listeningSince = this.sim.now;
    this.host.observer?.listenerOpened(id);
    this.event('listening', p, '');
  }

  /** One readiness probe on the pod's grid (kubelet prober worker). */
  private onProbe(id: PodId): void {
    const p = this.pods[id] as Pod;
    const probe = this.spec(p).readinessProbe;
    p.probeHandle = this.sim.schedule(probe.periodSeconds, this.kProbe, id);
    if (!p.running) return;
    if (this.sim.now - p.containerStartedAt < probe.initialDelaySeconds) return;
    const now = this.sim.now;
    let ok = p.listening && now - p.listeningSince >= p.readyDelay;
    if (ok && this.spec(p).appReadiness === 'fail-on-sigterm' && !Number.isNaN(p.sigtermAt)) {
      ok = false;
    }
    if (ok) {
      p.probeSuccesses++;
      p.probeFailures = 0;
      if (!p.probeReady && p.probeSuccesses >= probe.successThreshold) {
        this.host.setProbeReady(p, true);
      }
    } else {
      p.probeFailures++;
      p.probeSuccesses = 0;
      if (p.probeReady && p.probeFailures >= probe.failureThreshold) {
        this.host.setProbeReady(p, false);
      }
    }
  }

  private onSigterm(id: PodId): void {
    const p = this.pods[id] as Pod;
    p.termHandle = NO_EVENT;
    if (!p.running || p.lost) return;
    p.sigtermAt = this.sim.now;
    this.event('sigterm', p, '');
    if (this.spec(p).onSigterm === 'exit') {
      this.killContainer(p, 'exited');
      this.host.finalize(p);
      return;
    }
    const d = this.spec(p).listenerCloseDelay;
    if (d > 0) p.termHandle = this.sim.schedule(d, this.kCloseListener, id);
    else this.onCloseListener(id);
  }

  private onCloseListener(id: PodId): void {
    const p = this.pods[id] as Pod;
    p.termHandle = NO_EVENT;
    if (!p.running || p.lost) return;
    if (p.listening) {
      p.listening = false;
      this.host.observer?.listenerClosed(id);
      this.event('listener-closed', p, '');
    }
    if (!this.options.awaitDrain && !this.sim.isPending(p.termHandle)) {
      p.termHandle = this.sim.schedule(0, this.kExit, id);
    }
  }

  private onExit(id: PodId): void {
    const p = this.pods[id] as Pod;
    p.termHandle = NO_EVENT;
    if (p.gone || p.lost) return;
    this.event('exited', p, 'drained');
    p.running = false;
    this.host.finalize(p);
  }

  private onSigkill(id: PodId): void {
    const p = this.pods[id] as Pod;
    p.killHandle = NO_EVENT;
    if (p.gone || p.lost) return;
    if (p.running) this.killContainer(p, 'sigkill');
    this.host.finalize(p);
  }

  private onRestart(id: PodId): void {
    const p = this.pods[id] as Pod;
    p.stepHandle = NO_EVENT;
    if (p.gone || p.lost || p.terminating) return;
    // flowcontrol.Backoff.Next: a new entry starts at `initial`, an existing one doubles to
    // `max`; an entry not updated for 2 x max is expired and starts over.
    const bo = this.spec(p).restartBackoff;
    const now = this.sim.now;
    if (!(p.backoff > 0) || now - p.backoffUpdatedAt > 2 * bo.max) p.backoff = bo.initial;
    else p.backoff = Math.min(p.backoff * 2, bo.max);
    p.backoffUpdatedAt = now;
    p.restarts++;
    this.startContainer(p);
  }
}
