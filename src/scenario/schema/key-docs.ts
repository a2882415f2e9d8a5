/**
 * Meaning and source of every scenario key, for `lbsim explain` (src/scenario/explain.ts reads
 * the type and default from the schema itself). test/scenario/explain.test.ts checks that every
 * key of the schema has an entry here and every entry is a key of the schema.
 */
export const KEY_DOCS: Readonly<Record<string, string>> = {
  name: 'names the output folder',
  description: 'free text, shown by `lbsim list scenarios`',
  duration: 'simulated time',
  warmup: 'excluded from statistics',
  seed: 'master seed; job seeds derive from (seed, variant, replication)',
  replications: 'independent runs per (variant, balancer)',
  thresholds:
    "failure conditions checked after `lbsim run` on each (variant, balancer)'s replication mean, as `--fail-if` (exit 3 when one holds)",
  output: 'outputs of a run',
  'output.window': 'width of a `timeseries.csv` window',
  cluster: 'the nodes and their pod IP ranges',
  'cluster.nodes': 'number of nodes',
  'cluster.podCidr':
    "cluster pod range (flannel's default; kube-controller-manager `--cluster-cidr`)",
  'cluster.nodeCidrMaskSize':
    "each node's pod range (kube-controller-manager `--node-cidr-mask-size` default)",
  'cluster.ipReuse':
    "how a node's IPAM reuses released IPs; `sequential` is host-local's next-free-after-last, wrapping; `lifo` stresses reuse; `never` never reuses",
  'cluster.otherServices':
    'other Services in the cluster: rules every kube-proxy holds (iptables full-sync cost)',
  'cluster.endpointsPerOtherService': 'endpoints of each of those',
  'cluster.maxPodsPerNode': 'kubelet `--max-pods` default',
  'cluster.nodeMonitorGracePeriod':
    'a failed node (and its pods) is marked NotReady this long after it fails (kube-controller-manager `--node-monitor-grace-period`)',
  'cluster.plegRelistPeriod':
    "the kubelet's PLEG relist period (genericPlegRelistPeriod, a constant, not a flag): a container start is seen, its pod synced and its readiness probe triggered at the node's next relist; 0 sees it at once (about Evented PLEG, KEP-3386)",
  'cluster.initialState':
    'start with every replica Running and Ready and every table programmed, or with nothing',
  network: 'round-trip times of the hops',
  'network.rtt': 'round trip of a same-node hop',
  'network.crossNodeRtt': 'round trip of a cross-node hop',
  'network.externalRtt': 'round trip between an external client and a node',
  deployment:
    'the workload: its kind, replicas, rolling update, and its pods (a Deployment, DaemonSet or StatefulSet)',
  'deployment.kind':
    'the controller that runs the pods: `Deployment` (ReplicaSets, pkg/controller/deployment), `DaemonSet` (one pod per schedulable node, pkg/controller/daemon) or `StatefulSet` (stable names `<name>-<ordinal>`, ordered, pkg/controller/statefulset)',
  'deployment.replicas':
    'Deployment and StatefulSet `spec.replicas` default (a DaemonSet has none: one pod per node)',
  'deployment.podManagementPolicy':
    'StatefulSet: `OrderedReady` creates pods 0..N-1 one at a time, each once its predecessors are Running and Ready, and scales down from the highest ordinal; `Parallel` creates and deletes them at once (apps/v1 default OrderedReady)',
  'deployment.updateStrategy':
    'DaemonSet and StatefulSet `spec.updateStrategy` (a Deployment uses deployment.maxSurge / maxUnavailable)',
  'deployment.updateStrategy.type':
    '`RollingUpdate` (apps/v1 default) or `OnDelete` (a pod takes the new revision only when it is deleted and recreated)',
  'deployment.updateStrategy.rollingUpdate': 'the rolling update bounds of the kind',
  'deployment.updateStrategy.rollingUpdate.maxUnavailable':
    'DaemonSet: nodes whose pod may be unavailable during the update, rounds up (apps/v1 RollingUpdateDaemonSet default 1)',
  'deployment.updateStrategy.rollingUpdate.maxSurge':
    'DaemonSet: nodes that may run the new pod beside the old one until it is available (apps/v1 RollingUpdateDaemonSet default 0: the old pod goes first)',
  'deployment.updateStrategy.rollingUpdate.partition':
    'StatefulSet: ordinals below it keep the current revision during a rolling update (apps/v1 default 0)',
  'deployment.maxSurge': 'RollingUpdate default; rounds up',
  'deployment.maxUnavailable':
    'RollingUpdate default; rounds down; may not be 0 when maxSurge is 0 (Kubernetes validation)',
  'deployment.minReadySeconds': 'Deployment default',
  'deployment.pod': 'the pod template: serving, start-up, readiness, termination',
  'deployment.pod.concurrency': 'requests served at once (workers)',
  'deployment.pod.queueLimit': 'queue beyond the workers; when full, 503',
  'deployment.pod.serviceTime': 'work per request',
  'deployment.pod.slowStart': 'ramp after becoming Ready',
  'deployment.pod.slowStartFactor':
    'service-time multiplier at the instant of Ready, decaying linearly to 1 over `slowStart`',
  'deployment.pod.startup':
    'Pending: scheduling + image pull + container start; from the pod startup SLO (p99 <= 5 s, stateless pod, image present)',
  'deployment.pod.appStartDelay': 'container start -> the app listens',
  'deployment.pod.appReadyDelay': 'listening -> the readiness endpoint answers 200 (warm-up)',
  'deployment.pod.appReadiness':
    '`fail-on-sigterm`: readiness answers 503 from SIGTERM on (Spring Boot style)',
  'deployment.pod.readinessProbe':
    'the readiness probe (core/v1 Probe); absent in a manifest = no probe (`enabled: false`)',
  'deployment.pod.readinessProbe.enabled':
    '`false` = no probe: Ready as soon as the container runs (Kubernetes without a probe)',
  'deployment.pod.readinessProbe.initialDelaySeconds': 'core/v1 Probe default',
  'deployment.pod.readinessProbe.periodSeconds': 'core/v1 Probe default',
  'deployment.pod.readinessProbe.timeoutSeconds': 'core/v1 Probe default',
  'deployment.pod.readinessProbe.successThreshold': 'core/v1 Probe default',
  'deployment.pod.readinessProbe.failureThreshold': 'core/v1 Probe default',
  'deployment.pod.terminationGracePeriodSeconds':
    'Pod default; preStop counts against it, then SIGKILL',
  'deployment.pod.preStop': 'lifecycle.preStop hook',
  'deployment.pod.preStop.sleep':
    'lifecycle.preStop sleep action (the usual termination-race mitigation)',
  'deployment.pod.listenerCloseDelay': 'SIGTERM -> the app closes its listener',
  'deployment.pod.onSigterm': 'finish in-flight and queued work, or exit at once',
  'deployment.pod.restartBackoff': 'kubelet CrashLoopBackOff: 10 s doubling, capped at 300 s',
  'deployment.pod.restartBackoff.initial':
    'kubelet CrashLoopBackOff: 10 s doubling, capped at 300 s',
  'deployment.pod.restartBackoff.max': 'kubelet CrashLoopBackOff: 10 s doubling, capped at 300 s',
  service: 'the Service in front of the pods',
  'service.sessionAffinity':
    'Service default. Copied into every balancer entry that takes `sessionAffinity` and does not set it',
  'service.sessionAffinityTimeoutSeconds':
    '`sessionAffinityConfig.clientIP.timeoutSeconds` default (3 h); copied like the above (as `sessionAffinityTimeout`)',
  'service.externalTrafficPolicy': 'Service default',
  'service.internalTrafficPolicy': 'Service default',
  'service.clusterIP':
    '`None`: a headless Service (no kube-proxy rules; each new connection resolves the name at CoreDNS and dials a pod IP); anything else: a ClusterIP Service',
  'cluster.dns': "the cluster's CoreDNS, as the default Corefile configures it",
  'cluster.dns.ttl':
    'kubernetes plugin `ttl` of its answers (plugin default 5 s; the default Corefile sets 30)',
  'cluster.dns.cache': 'cache plugin maximum TTL (`cache 30`)',
  'cluster.dns.minTtl': 'cache plugin minimum TTL (5 s)',
  'cluster.dns.replicas': 'CoreDNS replicas, each with its own informer and cache (kubeadm: 2)',
  workload: 'the clients: arrivals, identities, connections, timeouts, retries',
  'workload.arrivals':
    'arrival process of the requests, by `process:` (rates are requests per second, all clients together)',
  'workload.arrivals.process':
    '`poisson`, `constant` (evenly spaced), `on-off`, `diurnal` (non-homogeneous Poisson, cosine), `piecewise` (linear between points), `trace` (timestamps from a CSV), `closed-loop` (users with one request outstanding)',
  'workload.arrivals.rate':
    'requests per second (while on, for on-off); for closed-loop, the most each user sends per second (slow_cooker `-qps` per connection: a ticker of period 1/rate per user), absent: no cap',
  'workload.arrivals.offRate': 'rate while off',
  'workload.arrivals.on': 'distribution of the on periods',
  'workload.arrivals.off': 'distribution of the off periods',
  'workload.arrivals.within': 'arrivals within an on period: `poisson` or `constant`',
  'workload.arrivals.minRate': 'lowest rate of the daily cycle',
  'workload.arrivals.maxRate': 'highest rate of the daily cycle',
  'workload.arrivals.period': "length of a cycle (default: the scenario's duration)",
  'workload.arrivals.phase': 'offset of the cycle, as a fraction of the period',
  'workload.arrivals.points':
    '`[{at: 0s, rate: 100}, {at: 60s, rate: 500}]`: linear between, constant outside',
  'workload.arrivals.points[].at': 'time of the point',
  'workload.arrivals.points[].rate': 'rate at that time',
  'workload.arrivals.file': 'CSV of arrival timestamps (relative to the scenario file, ascending)',
  'workload.arrivals.column': 'column index or header name (default the first)',
  'workload.arrivals.unit': 'seconds per plain number in the file (e.g. `1ms`)',
  'workload.arrivals.loop': 'replay the trace from the start when it ends',
  'workload.arrivals.users':
    'concurrent users, each with one request outstanding (as wrk / ab / slow_cooker)',
  'workload.arrivals.thinkTime': "pause between a response and the user's next request",
  'workload.arrivals.rampUp': 'users start uniformly over this time',
  'workload.clients': 'client identities and where they run',
  'workload.clients.count': 'client identities (source IPs, each with its own pool)',
  'workload.clients.location': 'on nodes, or outside through a NodePort',
  'workload.clients.placement': 'spread of in-cluster clients',
  'workload.clients.external': 'external clients reach a NodePort through a load balancer',
  'workload.clients.external.nodes': 'nodes the external load balancer sends to',
  'workload.clients.external.healthCheckInterval':
    'health check of the healthCheckNodePort (GCE load balancer default)',
  'workload.clients.external.healthyThreshold': 'GCE load balancer default',
  'workload.clients.external.unhealthyThreshold': 'GCE load balancer default',
  'workload.connections': 'connection reuse: a mode name, or a mapping',
  'workload.connections.mode':
    'a new connection per request, a pool per client, or one multiplexed connection',
  'workload.connections.poolSize': 'Go net/http `DefaultMaxIdleConnsPerHost`',
  'workload.connections.maxRequestsPerConnection': '',
  'workload.connections.maxLifetime': '',
  'workload.connections.maxLifetimeJitter':
    'each connection lives `maxLifetime` x (1 + u), u uniform in [-jitter, +jitter); grpc-go MaxConnectionAge "+/-10%"',
  'workload.connections.idleTimeout': 'Go net/http DefaultTransport `IdleConnTimeout`',
  'workload.connections.maxConcurrentStreams': 'golang.org/x/net/http2 server default',
  'workload.timeouts': 'client timeouts (Go net/http and Linux defaults)',
  'workload.timeouts.connect': 'Go net/http DefaultTransport dialer timeout',
  'workload.timeouts.request': 'per try; Go `http.Client.Timeout` default',
  'workload.timeouts.unreachable': 'what a SYN to an IP with nobody behind it gets',
  'workload.timeouts.hostUnreachableAfter': 'when EHOSTUNREACH arrives (ARP failure; UNVERIFIED)',
  'workload.timeouts.synRetries':
    'Linux `net.ipv4.tcp_syn_retries`: SYNs at 0, 1, 3, 7, 15, 31, 63 s, ETIMEDOUT at 127 s',
  'workload.timeouts.deadPeerTimeout': 'Linux `tcp_retries2` 15 with RTO_MIN 200 ms',
  'workload.retries': 'client retries (Envoy-style back-off)',
  'workload.retries.count': 'retries after the first try',
  'workload.retries.backoff':
    'delay before a retry: initial x multiplier^(n-1), capped at max, with jitter',
  'workload.retries.backoff.initial': 'Envoy retry back-off (base 25 ms, max 10 x base)',
  'workload.retries.backoff.max': 'Envoy retry back-off (base 25 ms, max 10 x base)',
  'workload.retries.backoff.multiplier': 'Envoy retry back-off (base 25 ms, max 10 x base)',
  'workload.retries.backoff.jitter': 'fraction of the delay drawn at random (1 = full jitter)',
  'workload.retries.on':
    'which failures are retried (kinds of src/dataplane/types.ts ErrorKind: also `reset`, `http_502`, `http_503`, `http_504`, `client_timeout`); the default retries only requests never sent',
  churn: 'what happens to the pods and nodes, a list in file order, by `type:`',
  'churn[].type':
    '`crash` (Poisson failures per pod), `rollout` (a rolling update), `scale` (to `replicas`), `kill` (pods deleted or killed), `node-failure`',
  'churn[].mtbf': 'mean time between failures per pod (Poisson)',
  'churn[].action':
    '`restart` (container restarts in place, same IP) or `replace` (new pod, new IP); crash defaults to restart (restartPolicy: Always), kill to replace',
  'churn[].from': 'start of the crash process',
  'churn[].until': 'end of the crash process (default: end of run)',
  'churn[].at': 'when it happens (within duration)',
  'churn[].replicas': 'the new replica count',
  'churn[].count': 'pods killed',
  'churn[].graceful': 'false: SIGKILL; true: a `kubectl delete pod` with preStop and grace period',
  'churn[].node': 'index of the failing node (below cluster.nodes)',
  'churn[].tolerationSeconds':
    "the DefaultTolerationSeconds admission plugin's not-ready/unreachable toleration: pods are evicted after it",
  propagation: 'how endpoint changes travel: EndpointSlice controller, API server watch',
  'propagation.watchDelay': "API server -> each watcher (each node's kube-proxy)",
  'propagation.controllerDelay':
    'pod change -> EndpointSlice write (no Kubernetes default: measure it)',
  'propagation.batchPeriod': '`--endpointslice-updates-batch-period` default',
  'propagation.maxEndpointsPerSlice': '`--max-endpoints-per-slice` default',
  kubeProxy: "kube-proxy's sync: periods, burst, partial sync, sync cost",
  'kubeProxy.minSyncPeriod':
    "shortest time between two syncs of a node's rules: changes within it are batched (kube-proxy --iptables-min-sync-period, KubeProxyConfiguration iptables/ipvs/nftables.minSyncPeriod; default from pkg/proxy/apis/config/v1alpha1/defaults.go)",
  'kubeProxy.syncPeriod':
    'longest time between two syncs: a full resync even without changes (kube-proxy --iptables-sync-period; default from pkg/proxy/apis/config/v1alpha1/defaults.go)',
  'kubeProxy.burstSyncs': 'bounded-frequency runner burst (pkg/proxy/iptables/proxier.go)',
  'kubeProxy.partialSync': 'iptables partial sync, KEP-3453 (GA 1.28)',
  'kubeProxy.syncCost': 'time one sync takes, by mode (docs/MODEL.md)',
  'kubeProxy.syncCost.iptables':
    'base + perRuleWritten x rules written + perRuleInTable x rules in the table',
  'kubeProxy.syncCost.iptables.base': 'fixed cost of one iptables-restore',
  'kubeProxy.syncCost.iptables.perRuleWritten':
    'sync time = base + perRuleWritten x rules written + perRuleInTable x rules in the table; a full restore writes every rule, a partial sync (KEP-3453) only the changed Service chains plus the dispatch chains. Derived so 5000 Services x 10 endpoints take about 4 s full and 2 s partial (KEP-3453, kubernetes#92836); derivation in docs/MODEL.md',
  'kubeProxy.syncCost.iptables.perRuleInTable':
    'sync time = base + perRuleWritten x rules written + perRuleInTable x rules in the table; a full restore writes every rule, a partial sync (KEP-3453) only the changed Service chains plus the dispatch chains. Derived so 5000 Services x 10 endpoints take about 4 s full and 2 s partial (KEP-3453, kubernetes#92836); derivation in docs/MODEL.md',
  'kubeProxy.syncCost.iptables.rulesPerService':
    'rules counted per Service, per endpoint, and per Service in the dispatch chains',
  'kubeProxy.syncCost.iptables.rulesPerEndpoint':
    'rules counted per Service, per endpoint, and per Service in the dispatch chains',
  'kubeProxy.syncCost.iptables.dispatchRulesPerService':
    'rules counted per Service, per endpoint, and per Service in the dispatch chains',
  'kubeProxy.syncCost.ipvs':
    'base + perService x Services + perChange x changed real servers (UNVERIFIED constants)',
  'kubeProxy.syncCost.ipvs.base':
    'IPVS sync time = base + perService x Services + perChange x changed real servers',
  'kubeProxy.syncCost.ipvs.perService':
    'IPVS sync time = base + perService x Services + perChange x changed real servers',
  'kubeProxy.syncCost.ipvs.perChange':
    'IPVS sync time = base + perService x Services + perChange x changed real servers',
  'kubeProxy.syncCost.nftables':
    'base + perService x Services + perChange x changed objects (KEP-3866; UNVERIFIED constants)',
  'kubeProxy.syncCost.nftables.base': 'nftables: proportional to changed objects (KEP-3866)',
  'kubeProxy.syncCost.nftables.perService': 'nftables: proportional to changed objects (KEP-3866)',
  'kubeProxy.syncCost.nftables.perChange': 'nftables: proportional to changed objects (KEP-3866)',
  balancers:
    "the balancers compared; default kube-proxy's default mode on Linux (`lbsim list balancers`); options by balancer (docs/MODEL.md, Balancers)",
  sweep:
    'key paths -> lists of values; the run covers the cartesian product (docs/SCENARIO-FORMAT.md, Sweeps)',
  'deployment.pod.errors':
    'application errors every pod answers (a fault or a rollout template may change them)',
  'deployment.pod.errors.probability':
    'share of requests that end with `status` after their service time',
  'deployment.pod.errors.status':
    'the HTTP status of those requests (a 5xx the client sees, that a proxy may retry)',
  'churn[].template':
    'rollout only: the new pod template (any key of `deployment.pod`), a bad release; pods.csv `version` counts revisions',
  faults:
    'per-pod and per-node faults; each entry draws its targets from its own keyed stream, so every balancer sees the same faults',
  'faults[].type':
    '`slow`, `errors`, `blackhole` (accepts, never answers), `refuse` (listener closed, pod still Ready) or `kube-proxy-restart`',
  'faults[].pods':
    'which pods: `count`, `fraction` (drawn from the pods alive at `at`), `ordinals` or `node`',
  'faults[].pods.count': 'that many pods, drawn at random from the pods alive at `at`',
  'faults[].pods.fraction': 'that share of the pods alive at `at`, drawn at random',
  'faults[].pods.ordinals': "positions in the Deployment's initial pod list, 0-based",
  'faults[].pods.node': 'every pod on that node (0-based)',
  'faults[].at':
    'when the fault starts; it stays with the pods it hit and ends when `for` ends or the pod dies',
  'faults[].for': 'how long the fault lasts (default: to the end of the run)',
  'faults[].serviceTime': "slow: the service-time distribution that replaces the pod's",
  'faults[].factor': "slow: multiplies the pod's service time instead",
  'faults[].probability': 'errors: share of requests that end with `status`',
  'faults[].status': 'errors: the HTTP status those requests get',
  'faults[].nodes': 'kube-proxy-restart: which nodes (`count`, `fraction` or `ordinals`)',
  'faults[].nodes.count': 'that many nodes, drawn at random',
  'faults[].nodes.fraction': 'that share of the nodes, drawn at random',
  'faults[].nodes.ordinals': 'node indices, 0-based',
  'faults[].flush':
    'kube-proxy-restart: flush the rules at start as kube-proxy did before 1.14 (kubernetes#76109); default keeps them until the full sync',
};
