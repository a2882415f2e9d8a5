/**
 * deploy/kubernetes/ as Kubernetes would run it, without a cluster: the manifests validate
 * against the OpenAPI schema, and the shard Job's container command (the Dockerfile's
 * ENTRYPOINT + the Job's args, `$(VAR)` expanded, volumes mapped to folders) runs once per
 * index with JOB_COMPLETION_INDEX set, in parallel, in separate processes, out of order, one
 * index killed and retried; then the merge Job's command; the merged CSVs must be the bytes of
 * an unsharded run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../../src/scenario/load.js';
import { DEPLOY, dockerEntrypoint, expandVars, jobNamed, loadManifests, ROOT } from './deploy.js';

const manifests = loadManifests();
const shardJob = jobNamed(manifests, 'lbsim-shards');
const mergeJob = jobNamed(manifests, 'lbsim-merge');
const configMaps = manifests.flatMap((m) => (m.object instanceof ConfigMap ? [m.object] : []));

function container(job: Job) {
  const c = job.spec?.template.spec?.containers[0];
  if (c === undefined) throw new Error(`${job.metadata?.name}: no container`);
  return c;
}

function envOf(job: Job): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container(job).env ?? []) {
    if (e.value === undefined) throw new Error(`${e.name}: only literal values are emulated`);
    env[e.name] = e.value;
  }
  return env;
}

describe('deploy/kubernetes manifests', () => {
  it('validate against the Kubernetes OpenAPI schema (and a broken one does not)', () => {
    expect(manifests.map((m) => `${m.file}:${m.object.kind}`)).toEqual([
      'configmap.yaml:ConfigMap',
      'job.yaml:Job',
      'merge-job.yaml:Job',
      'pvc.yaml:PersistentVolumeClaim',
    ]);
    const broken = new Job({
      metadata: { name: 'x' },
      spec: { completionMode: 'Index' as 'Indexed', template: { spec: { containers: [] } } },
    });
    expect(() => broken.validate()).toThrow(/completionMode/);
  });

  it('the shard Job is Indexed, retries each index on its own, and agrees with LBSIM_SHARDS and the merge list', () => {
    const spec = shardJob.spec;
    expect(spec?.completionMode).toBe('Indexed');
    expect(spec?.backoffLimitPerIndex).toBeGreaterThanOrEqual(1);
    expect(spec?.podReplacementPolicy).toBe('Failed');
    expect(spec?.template.spec?.restartPolicy).toBe('Never');
    const n = spec?.completions as number;
    expect(n).toBeGreaterThan(1);
    expect(spec?.parallelism).toBeLessThanOrEqual(n);
    expect(Number(envOf(shardJob).LBSIM_SHARDS)).toBe(n);
    const args = container(shardJob).args ?? [];
    expect(args.slice(0, 1)).toEqual(['run']);
    expect(args[args.indexOf('--shard') + 1]).toBe('auto');
    // Each index writes its own folder; the merge Job reads exactly those folders.
    const out = args[args.indexOf('--out') + 1] as string;
    expect(out).toMatch(/\$\(JOB_COMPLETION_INDEX\)/);
    const folders = Array.from({ length: n }, (_, i) =>
      expandVars(out, { JOB_COMPLETION_INDEX: String(i) }),
    );
    expect(container(mergeJob).args?.slice(2)).toEqual(folders);
    // Exit 2 (bad input) fails the index at once: a retry could not help.
    const rule = spec?.podFailurePolicy?.rules.find((r) => r.action === 'FailIndex');
    expect(rule?.onExitCodes?.values).toEqual([2]);
    expect(rule?.onExitCodes?.containerName).toBe(container(shardJob).name);
  });

  it('the ConfigMap scenarios validate, and the Job runs one of them', () => {
    const files = configMaps.flatMap((c) => Object.entries(c.data ?? {}));
    expect(files.length).toBeGreaterThan(0);
    for (const [name, text] of files) {
      expect(() => loadScenarioText(text, { file: name })).not.toThrow();
    }
    const scenarioArg = container(shardJob).args?.[1] ?? '';
    expect(files.map(([name]) => `/scenarios/${name}`)).toContain(scenarioArg);
  });
});

/** The Job's volumes as folders of `root`: ConfigMaps written out as files, claims shared. */
function mountVolumes(job: Job, root: string): [string, string][] {
  const pod = job.spec?.template.spec;
  const mounts: [string, string][] = [];
  for (const m of container(job).volumeMounts ?? []) {
    const v = pod?.volumes?.find((x) => x.name === m.name);
    if (v === undefined) throw new Error(`volume ${m.name} not in the pod`);
    let dir: string;
    if (v.configMap !== undefined) {
      dir = path.join(root, `configmap-${v.configMap.name}`);
      const cm = configMaps.find((c) => c.metadata?.name === v.configMap?.name);
      if (cm === undefined) throw new Error(`ConfigMap ${v.configMap.name} not shipped`);
      fs.mkdirSync(dir, { recursive: true });
      for (const [f, text] of Object.entries(cm.data ?? {}))
        fs.writeFileSync(path.join(dir, f), text);
    } else if (v.persistentVolumeClaim !== undefined) {
      dir = path.join(root, `pvc-${v.persistentVolumeClaim.claimName}`);
      fs.mkdirSync(dir, { recursive: true });
    } else {
      throw new Error(`volume ${m.name}: only configMap and persistentVolumeClaim are emulated`);
    }
    mounts.push([m.mountPath, dir]);
  }
  return mounts;
}

/** A path inside the container as a path here: the image's /app is this checkout. */
function hostPath(p: string, mounts: readonly [string, string][]): string {
  for (const [at, dir] of [...mounts, ['/app', ROOT] as [string, string]]) {
    if (p === at || p.startsWith(`${at}/`)) return dir + p.slice(at.length);
  }
  return p;
}

/**
 * Shrinks the shipped sweep for the test (all five variants, three balancers, one replication,
 * a few simulated seconds); applied identically to the shards and the unsharded reference.
 */
const SMALL = ['--replications', '1', '--set', 'duration=3s', '--set', 'warmup=1s'];
const SMALL_BALANCERS = ['--balancers', 'iptables,ipvs-lc,nginx-static'];

interface Pod {
  readonly child: ChildProcess;
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; log: string }>;
}

/** Starts a Job's container command as a local process (the pod), with `extraEnv`. */
function startPod(
  job: Job,
  root: string,
  extraEnv: Record<string, string>,
  extraArgs: string[],
): Pod {
  const mounts = mountVolumes(job, root);
  const env = { ...envOf(job), ...extraEnv };
  const [program, ...entryArgs] = dockerEntrypoint();
  expect(program).toBe('node');
  const argv = [...entryArgs, ...(container(job).args ?? []), ...extraArgs].map((a) =>
    hostPath(expandVars(a, env), mounts),
  );
  const base = { ...process.env };
  delete base.JOB_COMPLETION_INDEX;
  delete base.LBSIM_SHARDS;
  const child = spawn(process.execPath, argv, {
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d) => {
    log += d;
  });
  child.stderr?.on('data', (d) => {
    log += d;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; log: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, log })),
  );
  return { child, done };
}

/** Every file below `dir` (relative path -> content), hidden part folders excluded. */
function files(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(e.parentPath, e.name);
    if (
      e.isFile() &&
      !path
        .relative(dir, full)
        .split(path.sep)
        .some((s) => s.startsWith('.'))
    ) {
      out.set(path.relative(dir, full), fs.readFileSync(full));
    }
  }
  return out;
}

describe('the Indexed Job, run locally as Kubernetes would', () => {
  it('shards in any order, one killed and retried, merge to the bytes of one unsharded run', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-job-'));
    const n = shardJob.spec?.completions as number;
    const extra = [...SMALL, ...SMALL_BALANCERS, '--jobs', '1'];
    const index = (i: number) => ({ JOB_COMPLETION_INDEX: String(i) });

    // The unsharded reference, meanwhile: the same scenario and options without --shard.
    const args = container(shardJob).args ?? [];
    const scenario = hostPath(args[1] as string, mountVolumes(shardJob, root));
    const single = path.join(root, 'single');
    const ref = spawn(
      process.execPath,
      [path.join(ROOT, 'bin', 'lbsim.js'), 'run', scenario, '--out', single, '-q', ...extra],
      { stdio: 'ignore' },
    );
    const reference = new Promise((resolve) => ref.on('close', resolve));

    // Index 1's first pod dies (SIGKILL, as when its node is lost) once it has started work.
    const doomed = startPod(shardJob, root, index(1), extra);
    await new Promise<void>((resolve) => {
      doomed.child.stdout?.on('data', (d: Buffer) => {
        if (/worker thread/.test(d.toString())) resolve();
      });
      doomed.child.on('close', () => resolve());
    });
    doomed.child.kill('SIGKILL');
    // The other indexes, out of order, in parallel; then index 1's replacement pod.
    const order = [3, 0, 2, ...Array.from({ length: n }, (_, i) => i).filter((i) => i > 3)];
    const pods = order.map((i) => startPod(shardJob, root, index(i), extra));
    expect((await doomed.done).signal).toBe('SIGKILL');
    const retry = startPod(shardJob, root, index(1), extra);
    for (const p of [...pods, retry]) {
      const r = await p.done;
      expect(r.code, r.log).toBe(0);
    }

    // A second successful pod of index 2 (its first one's completion was lost) rewrites its
    // own folder only: every other shard's files keep their bytes and modification times.
    const results = path.join(root, 'pvc-lbsim-results');
    const shardsDir = path.join(results, 'shards');
    const stamp = (i: number) =>
      [...files(path.join(shardsDir, String(i))).keys()].map((f) => [
        f,
        fs.statSync(path.join(shardsDir, String(i), f)).mtimeMs,
      ]);
    const before = order.filter((i) => i !== 2).map(stamp);
    const shard2 = files(path.join(shardsDir, '2'));
    const again = await startPod(shardJob, root, index(2), extra).done;
    expect(again.code, again.log).toBe(0);
    expect(order.filter((i) => i !== 2).map(stamp)).toEqual(before);
    const rewritten = files(path.join(shardsDir, '2'));
    expect([...rewritten.keys()].sort()).toEqual([...shard2.keys()].sort());
    for (const [f, bytes] of rewritten) {
      if (f.endsWith('.csv')) expect(bytes.equals(shard2.get(f) as Buffer), f).toBe(true);
    }

    const merge = await startPod(mergeJob, root, {}, []).done;
    expect(merge.code, merge.log).toBe(0);

    expect(await reference).toBe(0);

    const name = fs.readdirSync(single)[0] as string;
    const merged = files(path.join(results, 'merged', name));
    const expected = files(path.join(single, name));
    const csvs = [...expected.keys()].filter((f) => f.endsWith('.csv')).sort();
    expect(csvs.length).toBeGreaterThanOrEqual(6);
    expect([...merged.keys()].filter((f) => f.endsWith('.csv')).sort()).toEqual(csvs);
    for (const f of csvs) {
      expect((merged.get(f) as Buffer).equals(expected.get(f) as Buffer), f).toBe(true);
    }
    const summary = (expected.get('summary.csv') as Buffer).toString().trim().split('\n');
    expect(summary.length).toBe(1 + 5 * 3); // header + 5 load levels x 3 balancers
    fs.rmSync(root, { recursive: true, force: true });
  }, 120_000);
});

it('deploy/kubernetes holds only what the tests read', () => {
  expect(fs.readdirSync(DEPLOY).sort()).toEqual([
    'configmap.yaml',
    'job.yaml',
    'merge-job.yaml',
    'pvc.yaml',
  ]);
});
