/**
 * The mapping of each Kubernetes kind onto scenario keys (docs/SCENARIO-FORMAT.md, "From
 * manifests", lists every field). Values are passed on as written (Kubernetes seconds are
 * numbers of seconds, KubeProxyConfiguration durations Go strings such as `1m0s`, IntOrString
 * percentages): the scenario schema validates them, and a problem is reported at the manifest
 * field it came from.
 */
import { DEFAULTS } from '../schema/defaults.js';
import type { FieldPath, ObjectMapper } from './object-mapper.js';

const SPEC = ['spec'] as const;

/** Pod spec fields that do not change how traffic is balanced (never warned about). */
const POD_SPEC_IRRELEVANT = [
  'dnsPolicy',
  'dnsConfig',
  'schedulerName',
  'securityContext',
  'serviceAccount',
  'serviceAccountName',
  'automountServiceAccountToken',
  'volumes',
  'imagePullSecrets',
  'enableServiceLinks',
  'hostname',
  'subdomain',
  'priority',
  'priorityClassName',
  'preemptionPolicy',
  'setHostnameAsFQDN',
  'shareProcessNamespace',
  'hostAliases',
];
const CONTAINER_IRRELEVANT = [
  'name',
  'image',
  'imagePullPolicy',
  'ports',
  'env',
  'envFrom',
  'command',
  'args',
  'volumeMounts',
  'volumeDevices',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'workingDir',
  'securityContext',
  'stdin',
  'stdinOnce',
  'tty',
];
const PROBE_HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'];

const PROBE_FIELDS = [
  'initialDelaySeconds',
  'periodSeconds',
  'timeoutSeconds',
  'successThreshold',
  'failureThreshold',
] as const;

/** `sleep 5`, `/bin/sh -c "sleep 5"`: the seconds of a preStop exec hook, and whether it does more. */
export function preStopSleepSeconds(
  command: unknown,
): { seconds: number; more: boolean } | undefined {
  if (!Array.isArray(command) || !command.every((c) => typeof c === 'string')) return undefined;
  const words = (command as string[]).join(' ').trim();
  const m = /(?:^|[\s;&|"'])(?:\/bin\/|\/usr\/bin\/)?sleep\s+(\d+(?:\.\d+)?)s?(?=$|[\s;&|"'])/.exec(
    words,
  );
  if (m === null) return undefined;
  const shell = /^(?:\/bin\/|\/usr\/bin\/)?(?:ba|da)?sh\s+-c\s+/;
  const rest = words
    .replace(shell, '')
    .replace(m[0].trim(), '')
    .replace(/["'\s;&]/g, '');
  return { seconds: Number(m[1]), more: rest !== '' };
}

/** The pod template of a workload: containers' probes, preStop, grace period. */
export function mapPodTemplate(m: ObjectMapper, template: FieldPath): void {
  const pod = [...template, 'spec'];
  m.ignore([...template, 'metadata']);
  for (const f of POD_SPEC_IRRELEVANT) m.ignore([...pod, f]);
  m.map(
    [...pod, 'terminationGracePeriodSeconds'],
    ['deployment', 'pod', 'terminationGracePeriodSeconds'],
  );
  const restart = m.read([...pod, 'restartPolicy']);
  if (restart !== undefined && restart !== 'Always') {
    m.warn(
      [...pod, 'restartPolicy'],
      `\`${String(restart)}\`: not modelled (lbsim restarts containers: Always)`,
    );
  }
  const containers = m.peek([...pod, 'containers']);
  if (!Array.isArray(containers) || containers.length === 0) return;
  // The serving container: the first with a readiness probe, else the first.
  let chosen = containers.findIndex(
    (c) => (c as { readinessProbe?: unknown })?.readinessProbe !== undefined,
  );
  if (chosen < 0) chosen = 0;
  const c = [...pod, 'containers', chosen];
  const cname = String((containers[chosen] as { name?: unknown })?.name ?? chosen);
  containers.forEach((_, i) => {
    if (i === chosen) return;
    m.ignore([...pod, 'containers', i]);
    m.warn(
      [...pod, 'containers', i],
      `not modelled, ignored (lbsim models one serving container: \`${cname}\`)`,
    );
  });
  for (const f of CONTAINER_IRRELEVANT) m.ignore([...c, f]);

  const rp = [...c, 'readinessProbe'];
  if (m.peek(rp) === undefined) {
    m.contribute(['deployment', 'pod', 'readinessProbe', 'enabled'], false, rp);
  } else {
    m.contribute(['deployment', 'pod', 'readinessProbe', 'enabled'], true, rp);
    for (const h of PROBE_HANDLERS) m.ignore([...rp, h]);
    for (const f of PROBE_FIELDS) {
      const v = m.map([...rp, f], ['deployment', 'pod', 'readinessProbe', f]);
      if (v === undefined) {
        m.kubernetesDefault(
          ['deployment', 'pod', 'readinessProbe', f],
          DEFAULTS.pod.readinessProbe[f],
          'core/v1 Probe',
        );
      }
    }
  }
  const sp = [...c, 'startupProbe'];
  if (m.peek(sp) !== undefined) {
    m.ignore(sp);
    m.warn(
      sp,
      'not modelled, ignored (readiness probing starts at once; set deployment.pod.appReadyDelay for a slow start)',
    );
  }

  const pre = [...c, 'lifecycle', 'preStop'];
  const sleepAction = m.peek([...pre, 'sleep', 'seconds']);
  const command = m.peek([...pre, 'exec', 'command']);
  if (sleepAction !== undefined) {
    m.map([...pre, 'sleep', 'seconds'], ['deployment', 'pod', 'preStop', 'sleep']);
  } else if (command !== undefined) {
    const s = preStopSleepSeconds(command);
    if (s === undefined) {
      m.read([...pre, 'exec', 'command']);
      m.warn(
        [...pre, 'exec', 'command'],
        'not modelled, ignored (only `sleep N` is: the hook takes no time)',
      );
    } else {
      m.contribute(['deployment', 'pod', 'preStop', 'sleep'], s.seconds, [
        ...pre,
        'exec',
        'command',
      ]);
      if (s.more) {
        m.warn(
          [...pre, 'exec', 'command'],
          `modelled as \`sleep ${s.seconds}\`; the rest of the command is not modelled`,
        );
      }
    }
  }
}

/** Deployment (apps/v1). */
export function mapDeployment(m: ObjectMapper): void {
  m.ignore(
    [...SPEC, 'revisionHistoryLimit'],
    [...SPEC, 'progressDeadlineSeconds'],
    [...SPEC, 'selector'],
  );
  m.map([...SPEC, 'replicas'], ['deployment', 'replicas']);
  m.map([...SPEC, 'minReadySeconds'], ['deployment', 'minReadySeconds']);
  const type = m.read([...SPEC, 'strategy', 'type']);
  if (type === 'Recreate') {
    m.contribute(['deployment', 'maxSurge'], 0, [...SPEC, 'strategy', 'type']);
    m.contribute(['deployment', 'maxUnavailable'], '100%', [...SPEC, 'strategy', 'type']);
    m.warn(
      [...SPEC, 'strategy', 'type'],
      'Recreate modelled as a rolling update with maxSurge 0, maxUnavailable 100% (new pods do not wait for the old ones to be gone)',
    );
  } else {
    const ru = [...SPEC, 'strategy', 'rollingUpdate'];
    for (const f of ['maxSurge', 'maxUnavailable'] as const) {
      if (m.map([...ru, f], ['deployment', f]) === undefined) {
        m.kubernetesDefault(
          ['deployment', f],
          DEFAULTS.deployment[f].kind === 'percent'
            ? `${DEFAULTS.deployment[f].value}%`
            : DEFAULTS.deployment[f].value,
          'apps/v1 RollingUpdateDeployment',
        );
      }
    }
  }
  mapPodTemplate(m, [...SPEC, 'template']);
}

/** StatefulSet (apps/v1): deployment.kind StatefulSet, its pod management and update strategy. */
export function mapStatefulSet(m: ObjectMapper): void {
  m.ignore(
    [...SPEC, 'revisionHistoryLimit'],
    [...SPEC, 'selector'],
    [...SPEC, 'serviceName'],
    [...SPEC, 'volumeClaimTemplates'],
    [...SPEC, 'persistentVolumeClaimRetentionPolicy'],
  );
  m.contribute(['deployment', 'kind'], 'StatefulSet', ['kind']);
  m.map([...SPEC, 'replicas'], ['deployment', 'replicas']);
  m.map([...SPEC, 'minReadySeconds'], ['deployment', 'minReadySeconds']);
  if (
    m.map([...SPEC, 'podManagementPolicy'], ['deployment', 'podManagementPolicy']) === undefined
  ) {
    m.kubernetesDefault(
      ['deployment', 'podManagementPolicy'],
      'OrderedReady',
      'apps/v1 StatefulSet',
    );
  }
  const us = [...SPEC, 'updateStrategy'];
  m.map([...us, 'type'], ['deployment', 'updateStrategy', 'type']);
  const ru = [...us, 'rollingUpdate'];
  if (
    m.map([...ru, 'partition'], ['deployment', 'updateStrategy', 'rollingUpdate', 'partition']) ===
    undefined
  ) {
    m.kubernetesDefault(
      ['deployment', 'updateStrategy', 'rollingUpdate', 'partition'],
      0,
      'apps/v1 RollingUpdateStatefulSetStrategy',
    );
  }
  const mu = m.read([...ru, 'maxUnavailable']);
  if (mu !== undefined && mu !== null && mu !== 1) {
    m.warn(
      [...ru, 'maxUnavailable'],
      'not modelled, ignored (alpha MaxUnavailableStatefulSet: lbsim updates one pod at a time)',
    );
  }
  mapPodTemplate(m, [...SPEC, 'template']);
}

/** DaemonSet (apps/v1): deployment.kind DaemonSet (one pod per node) and its rolling update. */
export function mapDaemonSet(m: ObjectMapper): void {
  m.ignore([...SPEC, 'revisionHistoryLimit'], [...SPEC, 'selector']);
  m.contribute(['deployment', 'kind'], 'DaemonSet', ['kind']);
  m.map([...SPEC, 'minReadySeconds'], ['deployment', 'minReadySeconds']);
  const us = [...SPEC, 'updateStrategy'];
  m.map([...us, 'type'], ['deployment', 'updateStrategy', 'type']);
  const ru = [...us, 'rollingUpdate'];
  for (const [f, dflt] of [
    ['maxSurge', 0],
    ['maxUnavailable', 1],
  ] as const) {
    const to = ['deployment', 'updateStrategy', 'rollingUpdate', f];
    if (m.map([...ru, f], to) === undefined) {
      m.kubernetesDefault(to, dflt, 'apps/v1 RollingUpdateDaemonSet');
    }
  }
  mapPodTemplate(m, [...SPEC, 'template']);
}

const SERVICE_IRRELEVANT = [
  'ports',
  'clusterIPs',
  'ipFamilies',
  'ipFamilyPolicy',
  'healthCheckNodePort',
  'allocateLoadBalancerNodePorts',
  'loadBalancerIP',
  'loadBalancerSourceRanges',
  'loadBalancerClass',
  'externalIPs',
  'selector',
];

/** Service (v1). */
export function mapService(m: ObjectMapper): void {
  for (const f of SERVICE_IRRELEVANT) m.ignore([...SPEC, f]);
  const type = m.read([...SPEC, 'type']) ?? 'ClusterIP';
  if (type === 'ExternalName')
    m.problem(
      [...SPEC, 'type'],
      'expected ClusterIP, NodePort or LoadBalancer (an ExternalName Service has no endpoints), got `ExternalName`',
    );
  const clusterIP = m.read([...SPEC, 'clusterIP']);
  if (clusterIP === 'None') {
    m.warn(
      [...SPEC, 'clusterIP'],
      '`None` (headless): clients would resolve the pod IPs by DNS; not modelled, simulated as a ClusterIP Service',
    );
  }
  const S = ['service'] as const;
  for (const f of ['sessionAffinity', 'externalTrafficPolicy', 'internalTrafficPolicy'] as const) {
    if (m.map([...SPEC, f], [...S, f]) === undefined) {
      m.kubernetesDefault([...S, f], DEFAULTS.service[f], 'core/v1 ServiceSpec');
    }
  }
  const t = [...SPEC, 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds'];
  if (
    m.map(t, [...S, 'sessionAffinityTimeoutSeconds']) === undefined &&
    m.peek([...SPEC, 'sessionAffinity']) === 'ClientIP'
  ) {
    m.kubernetesDefault(
      [...S, 'sessionAffinityTimeoutSeconds'],
      DEFAULTS.service.sessionAffinityTimeoutSeconds,
      'core/v1 ClientIPConfig',
    );
  }
  if (type !== 'ClusterIP' && m.peek([...SPEC, 'externalTrafficPolicy']) !== undefined) {
    m.warn(
      '',
      `type ${String(type)}: external clients are chosen with workload.clients.location: external`,
    );
  }
}

const KUBE_PROXY_IRRELEVANT = [
  'apiVersion',
  'kind',
  'bindAddress',
  'bindAddressHardFail',
  'clientConnection',
  'clusterCIDR',
  'configSyncPeriod',
  'healthzBindAddress',
  'metricsBindAddress',
  'hostnameOverride',
  'enableProfiling',
  'oomScoreAdj',
  'portRange',
  'logging',
  'nodePortAddresses',
  'winkernel',
  'detectLocalMode',
  'detectLocal',
  'showHiddenMetricsForVersion',
];

/** IPVS schedulers kube-proxy accepts, each the `ipvs-*` balancer of that name. */
const IPVS_SCHEDULERS = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'sh', 'dh', 'sed', 'nq'];

/** KubeProxyConfiguration (kubeproxy.config.k8s.io/v1alpha1). */
export function mapKubeProxy(m: ObjectMapper, balancerNames: readonly string[]): void {
  for (const f of KUBE_PROXY_IRRELEVANT) m.ignore([f]);
  const rawMode = m.read(['mode']);
  const mode = rawMode === undefined || rawMode === '' ? 'iptables' : rawMode;
  if (mode !== 'iptables' && mode !== 'ipvs' && mode !== 'nftables') {
    m.problem(
      ['mode'],
      `expected \`iptables\`, \`ipvs\` or \`nftables\` (or empty: iptables on Linux), got \`${String(mode)}\``,
    );
    return;
  }
  for (const other of ['iptables', 'ipvs', 'nftables']) {
    if (other !== mode) m.ignore([other]); // settings of a mode not in use
  }
  for (const f of ['masqueradeAll', 'masqueradeBit', 'localhostNodePorts']) m.ignore([mode, f]);
  m.ignore(['ipvs', 'excludeCIDRs'], ['ipvs', 'strictARP']);
  // Since 1.31 the sync periods may also be top-level; the mode's own section wins.
  for (const f of ['minSyncPeriod', 'syncPeriod'] as const) {
    if (m.map([mode, f], ['kubeProxy', f]) === undefined) m.map([f], ['kubeProxy', f]);
  }
  let balancer: Record<string, unknown> | string = mode;
  if (mode === 'ipvs') {
    const s = m.read(['ipvs', 'scheduler']);
    const scheduler = s === undefined || s === '' ? 'rr' : String(s);
    const name = `ipvs-${scheduler}`;
    if (!IPVS_SCHEDULERS.includes(scheduler) || !balancerNames.includes(name)) {
      m.problem(
        ['ipvs', 'scheduler'],
        `expected one of ${IPVS_SCHEDULERS.map((x) => `\`${x}\``).join(', ')} (kube-proxy's --ipvs-scheduler), got \`${scheduler}\``,
      );
      return;
    }
    balancer = name;
    // 0 leaves the kernel's value (kube-proxy only sets a timeout that is > 0).
    const fin = m.read(['ipvs', 'tcpFinTimeout']);
    if (fin !== undefined && fin !== 0 && fin !== '0s' && fin !== '0') {
      balancer = { name, tcpFinTimeout: fin };
    }
  }
  if (rawMode === undefined || rawMode === '') {
    m.kubernetesDefault(
      ['balancers'],
      [balancer],
      "KubeProxyConfiguration mode '': iptables on Linux",
    );
  } else
    m.contribute(['balancers'], [balancer], mode === 'ipvs' ? ['ipvs', 'scheduler'] : ['mode']);
  const gate = m.read(['featureGates', 'MinimizeIPTablesRestore']);
  if (typeof gate === 'boolean')
    m.contribute(['kubeProxy', 'partialSync'], gate, ['featureGates', 'MinimizeIPTablesRestore']);
}
