/**
 * A scenario made of a scenario file, Kubernetes manifests (`-f`, or the file's `manifests:`), or
 * both: the manifests' values, under the scenario file's keys, under `--set`. A problem with a
 * value that came from a manifest is reported at that manifest's file, document, object and field.
 */
import * as path from 'node:path';
import { ScenarioError } from './errors.js';
import { type ManifestScenario, Provenance, resolveManifests } from './manifests/index.js';
import { attributeProblems, mergeUnder } from './manifests/merge.js';
import { type RawDocument, readDocument } from './read-document.js';
import { defaultCatalog, type LoadOptions, resolveScenario } from './resolve.js';
import { isMapping } from './schema/common.js';
import type { ResolvedScenario, ScenarioOverrides } from './types.js';

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
