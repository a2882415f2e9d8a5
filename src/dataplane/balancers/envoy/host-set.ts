/**
 * The hosts an Envoy worker's load balancer picks from, with the panic threshold
 * (source/extensions/load_balancing_policies/common/load_balancer_impl.cc,
 * `LoadBalancerBase::isHostSetInPanic`): with `healthy / hosts x 100 < healthyPanicThreshold`
 * the host set is in panic and Envoy balances over *all* hosts, healthy or not; otherwise over
 * the healthy ones. A host is unhealthy here when outlier detection ejected it (lbsim has no
 * active health checks). A threshold of 0 disables panic: with every host ejected, no host
 * ("no healthy upstream", 503).
 *
 * Envoy's default threshold is 50% (cluster.common_lb_config.healthy_panic_threshold); Istio
 * sets it from the DestinationRule's `outlierDetection.minHealthPercent` (default 0) whenever
 * outlier detection is configured (pilot/pkg/networking/core/cluster_traffic_policy.go).
 */
export class EnvoyHostSet {
  /** Indices (into the cluster's host list) of the hosts to balance over, `count` of them. */
  hostsToUse = new Int32Array(0);
  count = 0;
  /** True while the host set is in panic (for metrics). */
  panic = false;
  private seenVersion = -1;

  constructor(private readonly healthyPanicThreshold: number) {}

  /**
   * Rebuilds `hostsToUse` if the health flags changed since the last call (`version` is the
   * outlier detector's counter, bumped on every change). Returns true when it rebuilt.
   * Allocation-free unless the host count grew.
   */
  refresh(size: number, ejected: Uint8Array | undefined, version: number): boolean {
    if (version === this.seenVersion && this.hostsToUse.length >= size) return false;
    this.seenVersion = version;
    if (this.hostsToUse.length < size) this.hostsToUse = new Int32Array(size);
    let healthy = 0;
    for (let i = 0; i < size; i++) if (ejected === undefined || ejected[i] === 0) healthy++;
    this.panic = size > 0 && (100 * healthy) / size < this.healthyPanicThreshold;
    let k = 0;
    for (let i = 0; i < size; i++) {
      if (this.panic || ejected === undefined || ejected[i] === 0) this.hostsToUse[k++] = i;
    }
    this.count = k;
    return true;
  }
}
