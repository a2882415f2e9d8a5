/**
 * Resolving raw scenario content (parsed from YAML/JSON, or merged from manifests): overrides
 * (`--set`, `--seed`, `--replications`, `--balancers`) -> sweep expansion -> validation of every
 * variant against the schema -> ResolvedScenario. Every problem is collected and reported at once
 * (ScenarioError), each at the line of the file where it can be found.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { registryCatalog } from './balancer-catalog.js';
import { replaceBalancers } from './balancer-override.js';
import { formatPath, ScenarioError, type ScenarioProblem } from './errors.js';
import { checkTree, LIMITS } from './limits.js';
import { readReferencedFile } from './read-document.js';
import { isMapping, type SchemaContext } from './schema/common.js';
import {
  type BalancerCatalog,
  crossCheck,
  crossCheckParts,
  DEFAULTS,
  type ParsedScenario,
  scenarioSchema,
} from './schema/index.js';
import { objectKeysOf, type RawProblem, safeParse, toRawProblems } from './schema/issues.js';
import {
  applyOverrides,
  expandSweep,
  type PathSegment,
  parseAssignment,
  parsePath,
  pathToString,
  setAtPath,
} from './sweep.js';
import {
  DEFAULT_VARIANT_LABEL,
  type ResolvedScenario,
  type ScenarioConfig,
  type ScenarioOverrides,
  type Variant,
} from './types.js';

export interface LoadOptions {
  /** Balancer names and option schemas. @default the data plane's registry */
  readonly catalog?: BalancerCatalog;
  /** Most sweep variants accepted. @default LIMITS.sweepPoints */
  readonly maxSweepPoints?: number;
  /** How the file is named in messages. @default the path as given */
  readonly displayName?: string;
}

/** Default scenario name from a file name: base name without extension, made safe. */
export function nameFromFile(file: string | undefined): string {
  if (file === undefined) return 'scenario';
  const base = path.basename(file, path.extname(file)).replace(/[^A-Za-z0-9._-]/g, '-');
  return /^[A-Za-z0-9]/.test(base) ? base : `s${base}`;
}

function startsWith(p: readonly PropertyKey[], prefix: readonly PathSegment[]): boolean {
  if (prefix.length > p.length) return false;
  return prefix.every((seg, i) => String(p[i]) === String(seg));
}

/**
 * The Service's `sessionAffinity` (and its timeout) is a Service field in Kubernetes that every
 * kube-proxy mode honours; the balancers' option schemas also take it. Copies the Service's
 * values into each balancer entry that accepts them and does not set them itself, so there is
 * one source of truth after loading. Works on raw content (before validation).
 */
function inheritServiceAffinity(raw: Record<string, unknown>, catalog: BalancerCatalog): void {
  const service = raw.service;
  if (!isMapping(service)) return;
  const affinity = service.sessionAffinity;
  const timeout = service.sessionAffinityTimeoutSeconds;
  if (affinity === undefined && timeout === undefined) return;
  // Without `balancers:` the default list gets the Service's affinity too.
  if (raw.balancers === undefined) raw.balancers = [...DEFAULTS.balancers];
  const list = raw.balancers;
  if (!Array.isArray(list)) return;
  list.forEach((entry, i) => {
    const name = typeof entry === 'string' ? entry : isMapping(entry) ? entry.name : undefined;
    if (typeof name !== 'string') return;
    const schema = catalog.options(name);
    const keys = schema === undefined ? undefined : objectKeysOf(schema);
    if (keys === undefined) return;
    const out: Record<string, unknown> = typeof entry === 'string' ? { name } : { ...entry };
    if (affinity !== undefined && keys.includes('sessionAffinity') && !('sessionAffinity' in out)) {
      out.sessionAffinity = affinity;
    }
    if (
      timeout !== undefined &&
      keys.includes('sessionAffinityTimeout') &&
      !('sessionAffinityTimeout' in out)
    ) {
      out.sessionAffinityTimeout = timeout;
    }
    list[i] = out;
  });
}

let registry: BalancerCatalog | undefined;
export function defaultCatalog(): BalancerCatalog {
  registry ??= registryCatalog();
  return registry;
}

/**
 * Building the zod schema costs about 50 ms, parsing with it about 2 ms: the schema is built once
 * per catalog and reads the current file's context through this holder. Parsing is synchronous,
 * so one holder is never shared by two parses at once.
 */
const current: { ctx: SchemaContext } = {
  ctx: { baseDir: '.', readFile: (f) => fs.readFileSync(f, 'utf8') },
};
const holder: SchemaContext = {
  get baseDir() {
    return current.ctx.baseDir;
  },
  readFile: (f) => current.ctx.readFile(f),
};
const schemas = new WeakMap<BalancerCatalog, ReturnType<typeof scenarioSchema>>();
function schemaFor(
  catalog: BalancerCatalog,
  ctx: SchemaContext,
): ReturnType<typeof scenarioSchema> {
  current.ctx = ctx;
  let s = schemas.get(catalog);
  if (s === undefined) {
    s = scenarioSchema(holder, catalog);
    schemas.set(catalog, s);
  }
  return s;
}

/** Failing variants cross-checked in the same pass as their field errors. */
const CROSS_CHECKED_VARIANTS = 1;

/** Validates one variant's raw content; returns its config or its problems. */
function validateVariant(
  raw: unknown,
  schema: ReturnType<typeof scenarioSchema>,
  defaultName: string,
  crossParts: boolean,
): { config?: ScenarioConfig; problems: RawProblem[] } {
  const r = safeParse(schema, raw);
  // Cross-section problems of the sections that did parse, in the same report.
  if (!r.success)
    return {
      problems: [
        ...toRawProblems(r.error.issues),
        ...(crossParts ? crossCheckParts(schema, raw) : []),
      ],
    };
  const { sweep: _sweep, ...parsed } = r.data;
  const { problems, scenario } = crossCheck(parsed as ParsedScenario);
  if (problems.length > 0) return { problems };
  return {
    config: { ...scenario, name: scenario.name ?? defaultName } as ScenarioConfig,
    problems: [],
  };
}

/**
 * Resolves raw scenario content (already parsed from YAML/JSON). Throws ScenarioError with
 * every problem found.
 */
export function resolveScenario(
  raw: unknown,
  options: LoadOptions & {
    /** Absolute path of the file (for relative file names and the default name). */
    readonly file?: string;
    readonly overrides?: ScenarioOverrides;
    /** Line lookup for messages. */
    readonly lineOf?: (path: readonly PropertyKey[]) => number | undefined;
    /** Reads files referenced by the scenario. @default fs.readFileSync as UTF-8 */
    readonly readFile?: (file: string) => string;
  } = {},
): ResolvedScenario {
  const display = options.displayName ?? options.file ?? '<inline>';
  const catalog = options.catalog ?? defaultCatalog();
  const lineOf = options.lineOf ?? (() => undefined);
  const problems: ScenarioProblem[] = [];
  // `line`: null = no line (a value from --set), undefined = look it up.
  const problem = (p: readonly PropertyKey[], message: string, at?: number | null) => {
    const line = at === null ? undefined : (at ?? lineOf(p));
    problems.push(
      line === undefined
        ? { file: display, path: formatPath(p), message }
        : { file: display, path: formatPath(p), message, line },
    );
  };

  if (!isMapping(raw)) {
    problem(
      [],
      `expected a mapping of scenario keys (name, duration, deployment, ...), got ${raw === undefined || raw === null ? 'an empty file' : `\`${JSON.stringify(raw)}\``}`,
    );
    throw new ScenarioError(problems);
  }

  // Overrides (CLI): --set assignments, then --seed / --replications, on the raw content.
  const ov = options.overrides ?? {};
  const setPaths: PathSegment[][] = [];
  let content: Record<string, unknown>;
  try {
    content = applyOverrides(raw, ov.set ?? []);
    for (const a of ov.set ?? []) setPaths.push(parseAssignment(a).path);
  } catch (e) {
    problem([], `--set: ${e instanceof Error ? e.message : String(e)}`, null);
    throw new ScenarioError(problems);
  }
  // The file was checked as it was parsed; --set values (and content given directly) here.
  for (const p of checkTree(content)) problem(p.path, p.message);
  if (problems.length > 0) throw new ScenarioError(problems);
  if (ov.seed !== undefined) setAtPath(content, ['seed'], ov.seed);
  if (ov.replications !== undefined) setAtPath(content, ['replications'], ov.replications);
  if (ov.balancers !== undefined) {
    const r = replaceBalancers(content.balancers, ov.balancers, catalog.names);
    for (const m of r.problems) problem([], m, null);
    if (r.problems.length > 0) throw new ScenarioError(problems);
    setAtPath(content, ['balancers'], r.list);
  }

  // Sweep: canonical path -> values, validated for shape here; values are validated per variant.
  const { sweep: rawSweep, ...base } = content;
  const sweep: [string, PathSegment[], unknown[]][] = [];
  const sweepKeys = new Map<string, string>(); // canonical path -> key as written (for lines)
  if (rawSweep !== undefined) {
    if (!isMapping(rawSweep)) {
      problem(
        ['sweep'],
        `expected a mapping of key paths to lists of values, got \`${JSON.stringify(rawSweep)}\``,
      );
    } else {
      for (const [key, values] of Object.entries(rawSweep)) {
        let p: PathSegment[] | undefined;
        try {
          p = parsePath(key);
        } catch (e) {
          problem(['sweep', key], e instanceof Error ? e.message : String(e));
        }
        if (p !== undefined && (p[0] === 'sweep' || p[0] === 'name')) {
          problem(
            ['sweep', key],
            `expected a key path other than \`${String(p[0])}\`, got \`${key}\``,
          );
          p = undefined;
        }
        if (p !== undefined && p.length === 1 && p[0] === 'seed') {
          problem(
            ['sweep', key],
            'expected a key other than `seed`: replications exist for that (each gets its own seed from `seed`, the same for every balancer); set `replications` instead',
          );
          p = undefined;
        }
        const canonical = p === undefined ? undefined : pathToString(p);
        if (canonical !== undefined && sweepKeys.has(canonical)) {
          problem(
            ['sweep', key],
            `expected each key once, got \`${key}\` and \`${sweepKeys.get(canonical)}\`, two spellings of \`${canonical}\``,
          );
          p = undefined;
        }
        if (!Array.isArray(values) || values.length === 0) {
          problem(
            ['sweep', key],
            `expected a non-empty list of values, got \`${JSON.stringify(values)}\``,
          );
        } else if (p !== undefined) {
          sweep.push([pathToString(p), p, values]);
          sweepKeys.set(pathToString(p), key);
        }
      }
    }
  }
  const points = sweep.reduce((n, [, , values]) => n * values.length, 1);
  const maxPoints = options.maxSweepPoints ?? LIMITS.sweepPoints;
  if (points > maxPoints) {
    problem(
      ['sweep'],
      `expected at most ${maxPoints} sweep variants (the limit; --max-sweep-points raises it), got ${points > 1e15 ? points.toExponential(2) : points} (${sweep.map(([, , v]) => v.length).join(' x ')})`,
    );
  }
  if (problems.length > 0) throw new ScenarioError(problems);

  const file = options.file === undefined ? undefined : path.resolve(options.file);
  const ctx: SchemaContext = {
    baseDir: file === undefined ? process.cwd() : path.dirname(file),
    readFile: options.readFile ?? readReferencedFile,
  };
  let rawVariants: ReturnType<typeof expandSweep>;
  try {
    rawVariants = expandSweep(base, sweep, DEFAULT_VARIANT_LABEL);
  } catch (e) {
    problem(['sweep'], e instanceof Error ? e.message : String(e));
    throw new ScenarioError(problems);
  }

  // Validate every variant; a problem seen in every variant is reported once, plainly; one seen
  // only in some names the first variant it appeared in.
  const defaultName = nameFromFile(options.file);
  const seen = new Map<string, { p: RawProblem; count: number; firstLabel: string }>();
  const variants: Variant[] = [];
  const schema = schemaFor(catalog, ctx);
  // Cross-checking a variant that failed costs a second parse, section by section: the first
  // failing variant gets it (a file without a sweep always; a sweep of thousands of broken
  // variants stays fast: the loader fuzz bounds each file at 1 s of CPU); problems the other
  // failing variants would add come once their field errors are fixed.
  let failing = 0;
  for (const rv of rawVariants) {
    inheritServiceAffinity(rv.raw, catalog);
    const r = validateVariant(rv.raw, schema, defaultName, failing < CROSS_CHECKED_VARIANTS);
    if (r.config === undefined) failing++;
    for (const p of r.problems) {
      const key = `${formatPath(p.path)}\u0000${p.message}`;
      const e = seen.get(key);
      if (e === undefined) seen.set(key, { p, count: 1, firstLabel: rv.label });
      else e.count++;
    }
    if (r.config !== undefined) {
      variants.push({ index: rv.index, label: rv.label, params: rv.params, scenario: r.config });
    }
  }
  for (const { p, count, firstLabel } of seen.values()) {
    // Finding a line walks the file: past the problems shown, stop (ScenarioError counts them).
    if (problems.length > LIMITS.problems) {
      problems.push({ file: display, path: formatPath(p.path), message: p.message });
      continue;
    }
    const swept = sweep.find(([, sp]) => startsWith(p.path, sp));
    const fromSet = setPaths.some((sp) => startsWith(p.path, sp));
    let message = p.message;
    if (count < rawVariants.length) message += ` (in sweep variant ${firstLabel})`;
    if (fromSet) message += ' (from --set)';
    const line = fromSet
      ? null
      : swept !== undefined
        ? lineOf(['sweep', sweepKeys.get(swept[0]) ?? swept[0]])
        : lineOf(p.path);
    problem(p.path, message, line);
  }
  if (problems.length > 0) throw new ScenarioError(problems);

  const first = (variants[0] as Variant).scenario;
  const sweepOut: Record<string, readonly unknown[]> = {};
  for (const [text, , values] of sweep) sweepOut[text] = values;
  return { ...first, file, sweep: sweepOut, variants };
}
