/**
 * Loading scenario files: YAML (or JSON, by extension) -> overrides -> sweep expansion ->
 * validation of every variant -> ResolvedScenario. Every problem in a file is collected and
 * reported at once (ScenarioError), each as `FILE: path: expected ..., got ...`, with the line
 * in the file where it can be found.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { registryCatalog } from './balancer-catalog.js';
import { replaceBalancers } from './balancer-override.js';
import { formatPath, ScenarioError, type ScenarioProblem } from './errors.js';
import {
  aliasRefs,
  checkTree,
  duplicateKeys,
  flowDepth,
  LIMITS,
  readTextFile,
  resolveNumberTags,
} from './limits.js';
import { type ManifestScenario, Provenance, resolveManifests } from './manifests/index.js';
import { attributeProblems, mergeUnder } from './manifests/merge.js';
import { isMapping, type SchemaContext } from './schema/common.js';
import {
  type BalancerCatalog,
  crossCheck,
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

/** A parsed (not yet validated) scenario text with a way to find a path's line. */
interface RawDocument {
  readonly raw: unknown;
  readonly problems: ScenarioProblem[];
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

function isJsonFile(file: string): boolean {
  return path.extname(file).toLowerCase() === '.json';
}

/** Parses YAML (or JSON) text, keeping source positions for messages. Never throws. */
function parseText(text: string, display: string, json: boolean): RawDocument {
  const lineCounter = new LineCounter();
  const problems: ScenarioProblem[] = [];
  const whole = (message: string, line?: number) =>
    problems.push(
      line === undefined
        ? { file: display, path: '', message }
        : { file: display, path: '', message, line },
    );
  if (text.length > LIMITS.scenarioBytes) {
    whole(
      `expected a scenario file of at most ${LIMITS.scenarioBytes / 1024 / 1024} MB (the limit), got ${(text.length / 1024 / 1024).toFixed(1)} MB`,
    );
    return { raw: undefined, problems, lineOf: () => undefined };
  }
  if (!json && aliasRefs(text) > LIMITS.aliasRefs) {
    whole(
      `expected at most ${LIMITS.aliasRefs} aliases (\`*name\`, the limit), got ${aliasRefs(text)}`,
    );
    return { raw: undefined, problems, lineOf: () => undefined };
  }
  if (flowDepth(text) > LIMITS.depth) {
    whole(
      `expected mappings and lists nested at most ${LIMITS.depth} deep (the limit), got ${flowDepth(text)} levels of brackets`,
    );
    return { raw: undefined, problems, lineOf: () => undefined };
  }
  let doc: ReturnType<typeof parseDocument>;
  try {
    // uniqueKeys: false: the library's check is quadratic in a mapping's keys (50,000 keys hang
    // it); duplicateKeys() below does it in linear time, for JSON as for YAML.
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  } catch (e) {
    // The parser recurses: nesting thousands deep overflows its stack.
    whole(
      e instanceof RangeError
        ? `expected mappings and lists nested at most ${LIMITS.depth} deep (the limit), got nesting too deep to parse`
        : `expected valid ${json ? 'JSON' : 'YAML'}, got an error: ${e instanceof Error ? e.message : String(e)}`,
    );
    return { raw: undefined, problems, lineOf: () => undefined };
  }
  let raw: unknown;
  if (json) {
    try {
      raw = JSON.parse(text);
    } catch (e) {
      whole(`expected valid JSON, got an error: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else {
    for (const err of doc.errors) {
      const line = err.linePos?.[0]?.line ?? lineCounter.linePos(err.pos[0]).line;
      whole(
        /call stack/i.test(err.message)
          ? `expected mappings and lists nested at most ${LIMITS.depth} deep (the limit), got nesting too deep to parse`
          : `expected valid YAML, got: ${err.message.split('\n')[0]}`,
        line,
      );
    }
    if (problems.length === 0) {
      try {
        resolveNumberTags(doc);
        raw = doc.toJS({ maxAliasCount: LIMITS.aliases });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        whole(
          e instanceof RangeError
            ? `expected mappings and lists nested at most ${LIMITS.depth} deep (the limit), got nesting too deep to read`
            : /alias count/i.test(msg)
              ? `expected at most ${LIMITS.aliases} alias expansions (the limit), got more: ${msg}`
              : `expected valid YAML, got: ${msg}`,
        );
      }
    }
  }
  // JSON.parse keeps the last of duplicate keys; YAML (a JSON superset) rejects them: both do.
  if (problems.length === 0) {
    for (const offset of duplicateKeys(doc)) {
      whole(
        'expected unique keys in each mapping, got a duplicate key',
        lineCounter.linePos(offset).line,
      );
    }
  }
  if (problems.length === 0) {
    for (const p of checkTree(raw))
      problems.push({ file: display, path: formatPath(p.path), message: p.message });
  }
  const lineAt = (offset: number | undefined) =>
    offset === undefined ? undefined : lineCounter.linePos(offset).line;
  const lineOf = (p: readonly PropertyKey[]): number | undefined => {
    if (doc.errors.length > 0) return undefined;
    let node: unknown = doc.contents;
    let line = lineAt((node as Node | null)?.range?.[0]);
    for (const seg of p) {
      if (isMap(node)) {
        const pair = node.items.find(
          (it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg),
        );
        if (pair === undefined) return line;
        line = lineAt((pair.key as Node).range?.[0]) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return line;
        node = item;
        line = lineAt((node as Node).range?.[0]) ?? line;
      } else return line;
    }
    return line;
  };
  return { raw, problems, lineOf };
}

function readDocument(file: string, display: string): RawDocument {
  const r = readTextFile(file);
  if ('problem' in r) {
    return {
      raw: undefined,
      problems: [{ file: display, path: '', message: r.problem }],
      lineOf: () => undefined,
    };
  }
  return parseText(r.text, display, isJsonFile(file));
}

/** Reads a file a scenario names (values files), within the loader's limits; throws why not. */
function readReferencedFile(file: string): string {
  const r = readTextFile(file);
  if ('problem' in r) throw new Error(r.problem);
  return r.text;
}

/** Default scenario name from a file name: base name without extension, made safe. */
function nameFromFile(file: string | undefined): string {
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
function defaultCatalog(): BalancerCatalog {
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

/** Validates one variant's raw content; returns its config or its problems. */
function validateVariant(
  raw: unknown,
  schema: ReturnType<typeof scenarioSchema>,
  defaultName: string,
): { config?: ScenarioConfig; problems: RawProblem[] } {
  const r = safeParse(schema, raw);
  if (!r.success) return { problems: toRawProblems(r.error.issues) };
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
  for (const rv of rawVariants) {
    inheritServiceAffinity(rv.raw, catalog);
    const r = validateVariant(rv.raw, schema, defaultName);
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

/**
 * Loads, validates and resolves a scenario file (YAML, or JSON when it ends in `.json`), with
 * the manifests it names (`manifests:`). Throws ScenarioError carrying every problem found.
 */
export function loadScenarioFile(
  file: string,
  overrides?: ScenarioOverrides,
  options: LoadOptions = {},
): ResolvedScenario {
  return loadScenarioInputs({ file }, overrides, options).scenario;
}

/** What a scenario is made of: a scenario file, Kubernetes manifests (`-f`), or both. */
export interface ScenarioInputs {
  /** The scenario file; its keys override the manifests'. */
  readonly file?: string;
  /** Manifest files and folders (`-f`), besides those the scenario file names. */
  readonly manifests?: readonly string[];
}

export interface LoadedScenario {
  readonly scenario: ResolvedScenario;
  /** Manifest fields and objects lbsim does not model, one line each. */
  readonly warnings: readonly string[];
  /** The raw content validated (manifests < scenario file), before `--set`. */
  readonly raw: Record<string, unknown>;
  /** The scenario file's own content (without `manifests:`), or {} without a file. */
  readonly fileRaw: unknown;
  /** Where each manifest-derived value came from. */
  readonly provenance: Provenance;
}

function withoutName(raw: Record<string, unknown>): Record<string, unknown> {
  const { name: _name, ...rest } = raw;
  return rest;
}

/** How a scenario made of manifests only is named in messages. */
export const MANIFESTS_DISPLAY = '(manifests)';

/**
 * Loads a scenario from a scenario file and/or manifests: the manifests' values, under the
 * scenario file's keys, under `--set`. A problem with a value that came from a manifest is
 * reported at that manifest's file, document, object and field.
 */
export function loadScenarioInputs(
  inputs: ScenarioInputs,
  overrides?: ScenarioOverrides,
  options: LoadOptions = {},
): LoadedScenario {
  const { file } = inputs;
  const display = options.displayName ?? file ?? MANIFESTS_DISPLAY;
  let fileRaw: unknown = {};
  let lineOf: RawDocument['lineOf'] = () => undefined;
  const manifests = [...(inputs.manifests ?? [])];
  if (file !== undefined) {
    const doc = readDocument(file, display);
    if (doc.problems.length > 0) throw new ScenarioError(doc.problems);
    fileRaw = doc.raw;
    lineOf = doc.lineOf;
    if (isMapping(fileRaw) && 'manifests' in fileRaw) {
      const { manifests: listed, ...rest } = fileRaw;
      if (!Array.isArray(listed) || !listed.every((m) => typeof m === 'string')) {
        throw new ScenarioError([
          {
            file: display,
            path: 'manifests',
            message: `expected a list of manifest files or folders (relative to the scenario file), got \`${JSON.stringify(listed)}\``,
            ...(lineOf(['manifests']) === undefined
              ? {}
              : { line: lineOf(['manifests']) as number }),
          },
        ]);
      }
      manifests.push(...listed.map((m) => path.resolve(path.dirname(file), m)));
      fileRaw = rest;
    }
  }
  let ms: ManifestScenario | undefined;
  if (manifests.length > 0) {
    const catalog = options.catalog ?? defaultCatalog();
    ms = resolveManifests(manifests, { balancerNames: catalog.names });
    if (ms.problems.length > 0) throw new ScenarioError(ms.problems);
  }
  // A scenario file names the scenario (its `name:`, else its base name), as without manifests.
  const under = ms === undefined || file === undefined ? ms?.raw : withoutName(ms.raw);
  const raw = under === undefined || !isMapping(fileRaw) ? fileRaw : mergeUnder(under, fileRaw);
  const resolveOptions = {
    ...options,
    displayName: display,
    lineOf,
    ...(file === undefined ? {} : { file }),
    ...(overrides === undefined ? {} : { overrides }),
  };
  let scenario: ResolvedScenario;
  try {
    scenario = resolveScenario(raw, resolveOptions);
  } catch (e) {
    if (ms === undefined || !(e instanceof ScenarioError)) throw e;
    throw new ScenarioError(attributeProblems(e.problems, ms.provenance, fileRaw));
  }
  return {
    scenario,
    warnings: ms?.warnings ?? [],
    raw: isMapping(raw) ? raw : {},
    fileRaw,
    provenance: ms?.provenance ?? new Provenance(),
  };
}

/** Parses scenario text (for tests and tools that hold the text). */
export function loadScenarioText(
  text: string,
  options: LoadOptions & {
    readonly file?: string;
    readonly json?: boolean;
    readonly overrides?: ScenarioOverrides;
  } = {},
): ResolvedScenario {
  const display = options.displayName ?? options.file ?? '<inline>';
  const doc = parseText(
    text,
    display,
    options.json ?? (options.file !== undefined && isJsonFile(options.file)),
  );
  if (doc.problems.length > 0) throw new ScenarioError(doc.problems);
  return resolveScenario(doc.raw, { ...options, displayName: display, lineOf: doc.lineOf });
}

export interface ValidationResult {
  readonly ok: boolean;
  /** Every problem of every file, in file order. */
  readonly problems: readonly ScenarioProblem[];
  /** The scenarios that validated, by file (MANIFESTS_DISPLAY for manifests alone). */
  readonly scenarios: ReadonlyMap<string, ResolvedScenario>;
  /** Warnings about manifest fields not modelled, each once. */
  readonly warnings: readonly string[];
}

/**
 * Validates several files, collecting every problem of every file (for `lbsim validate`). With
 * `manifests` (`-f`), each file is put over them; with manifests and no files, they are the one
 * scenario (keyed MANIFESTS_DISPLAY).
 */
export function validateScenarioFiles(
  files: readonly string[],
  overrides?: ScenarioOverrides,
  options: Omit<LoadOptions, 'displayName'> & { readonly manifests?: readonly string[] } = {},
): ValidationResult {
  const problems: ScenarioProblem[] = [];
  const scenarios = new Map<string, ResolvedScenario>();
  const warnings = new Set<string>();
  const { manifests, ...loadOptions } = options;
  const inputs: (string | undefined)[] =
    files.length === 0 && manifests !== undefined && manifests.length > 0
      ? [undefined]
      : [...files];
  for (const f of inputs) {
    try {
      const loaded = loadScenarioInputs(
        {
          ...(f === undefined ? {} : { file: f }),
          ...(manifests === undefined ? {} : { manifests }),
        },
        overrides,
        loadOptions,
      );
      scenarios.set(f ?? MANIFESTS_DISPLAY, loaded.scenario);
      for (const w of loaded.warnings) warnings.add(w);
    } catch (e) {
      // Anything else is a loader bug; still a line naming the file, and the other files go on.
      if (e instanceof ScenarioError) problems.push(...e.problems);
      else {
        problems.push({
          file: f ?? MANIFESTS_DISPLAY,
          path: '',
          message: `could not be read (an lbsim bug, please report it): ${e instanceof RangeError ? 'too deeply nested' : e instanceof Error ? e.message : String(e)}`,
        });
      }
    }
  }
  return { ok: problems.length === 0, problems, scenarios, warnings: [...warnings] };
}

export interface ShippedScenario {
  /** Path of the file (dir joined with its name). */
  readonly file: string;
  /** `name:` of the file, or its base name. */
  readonly name: string;
  /** `description:`, or the first comment line of the file, or ''. */
  readonly description: string;
}

/** Lists the scenario files (.yaml, .yml, .json) of a folder, sorted by file name. */
export function listShippedScenarios(dir: string): ShippedScenario[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((f) => /\.(ya?ml|json)$/i.test(f))
    .sort()
    .map((f) => {
      const file = path.join(dir, f);
      let name = nameFromFile(file);
      let description = '';
      try {
        const text = fs.readFileSync(file, 'utf8');
        const doc = parseText(text, f, isJsonFile(f));
        if (isMapping(doc.raw)) {
          if (typeof doc.raw.name === 'string') name = doc.raw.name;
          if (typeof doc.raw.description === 'string')
            description = doc.raw.description.trim().split('\n')[0] ?? '';
        }
        if (description === '') {
          const c = /^\s*#\s*(.+)$/m.exec(text);
          description = c?.[1]?.trim() ?? '';
        }
      } catch {
        // Listed anyway; `lbsim validate` says what is wrong with it.
      }
      return { file, name, description };
    });
}
