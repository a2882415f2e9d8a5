import type { Ip, NodeId, PodId, PodLifecycleObserver } from '../../cluster/types.js';
import type { RequestPath, TableSink } from './request-path.js';

/**
 * How the layers below reach the request path when they must exist before it: the cluster
 * takes its lifecycle observer at construction and kube-proxy its table sink, while the path
 * is built on both (the cluster is its ground truth, kube-proxy holds its tables). The model
 * builder hands them this relay and `attach`es the path once built, before anything runs
 * (cluster.start(), kube-proxy's bootstrap). A call before attach is a wiring bug and throws.
 * Calls are per pod lifecycle change, node failure or table sync, never per request.
 */
export class PathRelay implements PodLifecycleObserver, TableSink {
  private path: RequestPath | null = null;

  attach(path: RequestPath): void {
    if (this.path !== null) throw new Error('PathRelay: a request path is already attached');
    this.path = path;
  }

  private get target(): RequestPath {
    if (this.path === null) throw new Error('PathRelay: used before a request path was attached');
    return this.path;
  }

  podCreated(pod: PodId, node: NodeId, ip: Ip): void {
    this.target.podCreated(pod, node, ip);
  }
  listenerOpened(pod: PodId): void {
    this.target.listenerOpened(pod);
  }
  readyChanged(pod: PodId, ready: boolean, since?: number): void {
    this.target.readyChanged(pod, ready, since);
  }
  listenerClosed(pod: PodId): void {
    this.target.listenerClosed(pod);
  }
  containerKilled(pod: PodId): void {
    this.target.containerKilled(pod);
  }
  podDeleted(pod: PodId): void {
    this.target.podDeleted(pod);
  }
  /** A node failure: the pod vanishes without a reset (clients time out). */
  podUnreachable(pod: PodId): void {
    this.target.podUnreachable(pod);
  }
  nodeFailed(node: NodeId): void {
    this.target.nodeFailed(node);
  }
  tableProgrammed(node: NodeId): void {
    this.target.tableProgrammed(node);
  }
  /** Gauges of the path's balancer state, read once per time-series window. */
  ejectedHosts(): number {
    return this.target.ejectedHosts();
  }
  ewmaSpread(): number {
    return this.target.ewmaSpread();
  }
}
