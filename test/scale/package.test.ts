/**
 * The library as a user gets it: `npm pack`, install the tarball into an empty project (from
 * this checkout's node_modules, offline), type-check a TypeScript file that imports 'lbsim' (the worked example
 * of docs/API.md: a custom balancer registered from user code, compared with iptables), run it.
 */
import { execFile, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './deploy.js';

const EXAMPLES = ['two-choices.ts', 'in-memory.ts'];

/** Runs a command without blocking the test worker's event loop (vitest talks to it). */
function run(
  file: string,
  args: string[],
  cwd: string = ROOT,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, npm_config_update_notifier: 'false' };
    execFile(file, args, { cwd, env, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err === null ? 0 : Number(err.code ?? 1), stdout, stderr });
    });
  });
}

/**
 * Installs the tarball as npm would lay it out, offline: the package unpacked into
 * node_modules/lbsim, and each of its production dependencies (the lockfile's non-dev packages
 * at the top of node_modules) linked from this checkout's node_modules, which serves as the
 * cache. (`npm install --offline` needs registry metadata this machine's npm cache lacks.)
 * Only production dependencies are there: an import of a devDependency would fail.
 */
function installOffline(tarball: string, project: string): void {
  const modules = path.join(project, 'node_modules');
  const lbsim = path.join(modules, 'lbsim');
  fs.mkdirSync(lbsim, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', lbsim, '--strip-components=1']);
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  for (const [where, entry] of Object.entries(lock.packages)) {
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(where);
    if (m === null || entry.dev === true) continue;
    const name = m[1] as string;
    fs.mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(modules, name), 'dir');
  }
}

describe('the packed package', () => {
  it('installs into an empty project, type-checks and runs the worked example', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lbsim-pack-'));
    // dist/ is built by `npm test`'s pretest: pack it as it is, without running prepare again.
    const packed = await run('npm', [
      'pack',
      '--ignore-scripts',
      '--json',
      '--loglevel=error',
      '--pack-destination',
      dir,
    ]);
    expect(packed.status, packed.stderr).toBe(0);
    const info = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
    const shipped = info[0]?.files.map((f) => f.path) ?? [];
    expect(shipped).toContain('dist/src/index.js');
    expect(shipped).toContain('dist/src/index.d.ts');
    expect(shipped).toContain('scenarios/example.yaml');
    expect(shipped.filter((f) => /^(test|src|dist\/bench|dist\/test)\//.test(f))).toEqual([]);

    const project = path.join(dir, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, 'package.json'),
      `${JSON.stringify({ name: 'uses-lbsim', private: true, type: 'module' }, null, 2)}\n`,
    );
    installOffline(path.join(dir, info[0]?.filename as string), project);
    const version = await run(process.execPath, [
      path.join(project, 'node_modules', 'lbsim', 'bin', 'lbsim.js'),
      '--version',
    ]);
    expect(version.stdout.trim()).toBe(
      (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
        .version,
    );

    for (const f of EXAMPLES)
      fs.copyFileSync(path.join(ROOT, 'examples', f), path.join(project, f));
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noUncheckedIndexedAccess: true,
          outDir: 'out',
          // @types/node from lbsim's checkout: the empty project installs nothing but lbsim.
          typeRoots: [path.join(ROOT, 'node_modules', '@types')],
          types: ['node'],
        },
        files: EXAMPLES,
      }),
    );
    const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const compiled = await run(process.execPath, [tsc, '-p', project]);
    expect(compiled.status, compiled.stdout + compiled.stderr).toBe(0);

    const example = await run(
      process.execPath,
      ['out/two-choices.js', 'duration=10s', 'warmup=2s', 'churn=[]'],
      project,
    );
    expect(example.status, example.stderr).toBe(0);
    const out = example.stdout;
    expect(out).toMatch(/^iptables +p99 [\d.]+ ± [\d.]+ ms, errors [\d.]+%$/m);
    expect(out).toMatch(/^two-choices +p99 [\d.]+ ± [\d.]+ ms, errors [\d.]+%$/m);
    const summary = fs.readFileSync(
      path.join(project, 'results', 'two-choices', 'example', 'summary.csv'),
      'utf8',
    );
    expect(summary.trim().split('\n')).toHaveLength(1 + 2 * 2); // 2 balancers x 2 replications
    fs.rmSync(dir, { recursive: true, force: true });
  }, 180_000);

  it('docs/API.md shows the examples as they are tested', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs', 'API.md'), 'utf8');
    for (const f of EXAMPLES) {
      const code = fs.readFileSync(path.join(ROOT, 'examples', f), 'utf8');
      expect(doc, f).toContain(`\`\`\`ts\n${code}\`\`\``);
    }
  });
});
