/**
 * The Dockerfile cannot be built here (no container runtime), so this checks what can be
 * checked: every file it copies exists and is not excluded from the build context, it installs
 * and builds with the commands CI runs, the final stage holds production dependencies only and
 * runs as a non-root user, and its ENTRYPOINT is the CLI shipped in the image.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerEntrypoint, dockerfileInstructions, ROOT } from './deploy.js';

const instructions = dockerfileInstructions();
/** The instructions of each stage (a stage starts at FROM). */
const stages: { op: string; args: string }[][] = [];
for (const i of instructions) {
  if (i.op === 'FROM') stages.push([]);
  stages[stages.length - 1]?.push(i);
}
const finalStage = stages[stages.length - 1] ?? [];
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

/** COPY's sources and destination, `--from=stage` (if any) apart. */
function copies(stage: readonly { op: string; args: string }[]) {
  return stage
    .filter((i) => i.op === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const rest = words.filter((w) => !w.startsWith('--'));
      return { from, sources: rest.slice(0, -1), dest: rest[rest.length - 1] as string };
    });
}

describe('Dockerfile', () => {
  it('is multi-stage, and every file copied from the build context exists and is not ignored', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const ignored = fs
      .readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const local = stages.flatMap((s) => copies(s).filter((c) => c.from === undefined));
    expect(local.length).toBeGreaterThan(0);
    for (const c of local) {
      for (const src of c.sources) {
        expect(fs.existsSync(path.join(ROOT, src)), `COPY ${src}`).toBe(true);
        expect(ignored, `${src} is in .dockerignore`).not.toContain(src.replace(/\/$/, ''));
      }
    }
  });

  it('installs and builds with the commands CI runs, from the files the build reads', () => {
    const ci = fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8');
    const install = /^npm ci .*$/m.exec(ci)?.[0];
    expect(install).toBeDefined();
    const build = stages.find((s) => s.some((i) => i.op === 'RUN' && i.args === install));
    expect(build, `a stage running \`${install}\``).toBeDefined();
    // npm ci runs `prepare`, which is the build: CI and the image build the same way.
    expect(pkg.scripts.prepare).toBe('npm run build');
    const copied = copies(build ?? []).flatMap((c) => c.sources);
    const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8'));
    const needed = ['package.json', 'package-lock.json', 'tsconfig.build.json', tsconfig.extends];
    for (const f of needed) expect(copied).toContain(path.normalize(f));
    for (const dir of tsconfig.include as string[]) expect(copied).toContain(dir);
  });

  it('ships production dependencies only, runs as a non-root user, enters the CLI', () => {
    const deps = stages.find((s) =>
      s.some((i) => i.op === 'RUN' && /^npm ci\b.*--omit=dev/.test(i.args)),
    );
    expect(deps).toBeDefined();
    const finalCopies = copies(finalStage);
    const modules = finalCopies.find((c) => c.dest === './node_modules');
    const depsName = /\bAS\s+(\S+)/i.exec(deps?.[0]?.args ?? '')?.[1];
    expect(modules?.from).toBe(depsName);
    expect(finalStage.some((i) => i.op === 'RUN' && /npm (ci|install)/.test(i.args))).toBe(false);

    const user = finalStage.filter((i) => i.op === 'USER').pop()?.args;
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);

    // ENTRYPOINT ["node", "/app/bin/lbsim.js"]: that file is bin/lbsim.js, copied to /app/bin,
    // and the compiled CLI it imports is in the copied dist/src.
    const workdir = finalStage.filter((i) => i.op === 'WORKDIR')[0]?.args;
    const [program, script] = dockerEntrypoint();
    expect(program).toBe('node');
    expect(script).toBe(`${workdir}/bin/lbsim.js`);
    expect(finalCopies.some((c) => c.sources.includes('bin') && c.dest === './bin')).toBe(true);
    const bin = fs.readFileSync(path.join(ROOT, 'bin', 'lbsim.js'), 'utf8');
    expect(bin).toContain("import('../dist/src/cli/main.js')");
    expect(
      finalCopies.some((c) => c.sources.includes('/app/dist/src') && c.dest === './dist/src'),
    ).toBe(true);
    // Shipped scenarios stay available in the image (`lbsim list scenarios`).
    expect(finalCopies.some((c) => c.sources.includes('scenarios'))).toBe(true);
  });
});
