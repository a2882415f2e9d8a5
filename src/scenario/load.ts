/**
 * Loading scenario files: YAML (or JSON, by extension) -> overrides -> sweep expansion ->
 * validation of every variant -> ResolvedScenario. Every problem in a file is collected and
 * reported at once (ScenarioError), each as `FILE: path: expected ..., got ...`, with the line
 * in the file where it can be found. The public face of the loader; its steps are in
 * read-document.ts (text -> raw content, within the limits), resolve.ts (raw content ->
 * ResolvedScenario) and load-manifests.ts (scenario file over Kubernetes manifests).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ScenarioError, type ScenarioProblem } from './errors.js';
import { loadScenarioInputs, MANIFESTS_DISPLAY } from './load-manifests.js';
import { isJsonFile, parseText } from './read-document.js';
import { type LoadOptions, nameFromFile, resolveScenario } from './resolve.js';
import { isMapping } from './schema/common.js';
import type { ResolvedScenario, ScenarioOverrides } from './types.js';

export {
  type LoadedScenario,
  loadScenarioInputs,
  MANIFESTS_DISPLAY,
  type ScenarioInputs,
} from './load-manifests.js';
export { type LoadOptions, resolveScenario } from './resolve.js';

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
