/**
 * `lbsim run --balancers a,b`: the balancers to run, replacing the file's `balancers:` list. A
 * name that is a label (or name) in the file keeps that entry with its options; any other
 * registered balancer runs with its default options. Applied to the raw content before
 * validation, so the replaced list is validated (and resolved) like a written one.
 */
import { listNames, suggestion } from '../fields/fields.js';
import { isMapping } from './schema/common.js';

/** The entry's label (its name unless it sets `label:`) and name, or undefined when malformed. */
function entryNames(entry: unknown): { label: unknown; name: unknown } {
  if (typeof entry === 'string') return { label: entry, name: entry };
  if (isMapping(entry)) return { label: entry.label ?? entry.name, name: entry.name };
  return { label: undefined, name: undefined };
}

/**
 * The raw `balancers:` list for `wanted`, or the problems (one per name that is neither in the
 * file nor registered: the registered names listed, and the family or near name suggested).
 */
export function replaceBalancers(
  fileList: unknown,
  wanted: readonly string[],
  registered: readonly string[],
): { list: unknown[]; problems: string[] } {
  const entries = Array.isArray(fileList) ? fileList : [];
  const list: unknown[] = [];
  const problems: string[] = [];
  for (const w of wanted) {
    const byLabel = entries.find((e) => entryNames(e).label === w);
    const byName = entries.filter((e) => entryNames(e).name === w);
    if (byLabel !== undefined) list.push(structuredClone(byLabel));
    // A name the file lists once (under another label, with options): that entry.
    else if (byName.length === 1) list.push(structuredClone(byName[0]));
    else if (registered.includes(w)) list.push(w);
    else
      problems.push(
        `--balancers: \`${w}\` is neither a registered balancer nor a label in the file; registered: ${listNames(registered)}${suggestion(w, registered)}`,
      );
  }
  return { list, problems };
}
