/**
 * Where each value of a scenario built from manifests came from: a manifest field, a Kubernetes
 * default (the manifest left the field out), or a scenario file / `--set`. `lbsim init` writes it
 * as a comment beside each value; problems found when validating a value are reported at its
 * origin (file, document, object, field), not at the scenario key.
 */
import type { PathSegment } from '../sweep.js';
import { pathToString } from '../sweep.js';

export type Origin =
  | {
      readonly kind: 'manifest';
      /** The manifest file as the user named it. */
      readonly file: string;
      /** `doc 1 (Deployment web)`. */
      readonly object: string;
      /** The manifest field, `spec.replicas`. */
      readonly field: string;
    }
  | {
      readonly kind: 'kubernetes-default';
      /** What the default is and where it is defined: `core/v1 Probe default`. */
      readonly note: string;
    }
  | { readonly kind: 'lbsim-default' }
  | { readonly kind: 'scenario'; readonly file: string }
  | { readonly kind: 'set' };

/** One scenario value and its origin. */
export interface Contribution {
  readonly path: readonly PathSegment[];
  readonly value: unknown;
  readonly origin: Origin;
}

/** The comment `lbsim init` writes: `from deploy.yaml: spec.replicas`, `Kubernetes default ...`. */
export function describeOrigin(o: Origin): string {
  switch (o.kind) {
    case 'manifest':
      return `from ${o.file}: ${o.field}`;
    case 'kubernetes-default':
      return `Kubernetes default (${o.note})`;
    case 'lbsim-default':
      return 'lbsim default';
    case 'scenario':
      return `from ${o.file}`;
    case 'set':
      return 'from --set';
    default: {
      const never: never = o;
      return String(never);
    }
  }
}

/** Origins by canonical scenario path (`deployment.pod.readinessProbe.periodSeconds`). */
export class Provenance {
  private readonly map = new Map<string, Origin>();
  set(path: readonly PathSegment[], origin: Origin): void {
    this.map.set(pathToString(path), origin);
  }
  get(path: readonly PathSegment[] | string): Origin | undefined {
    return this.map.get(typeof path === 'string' ? path : pathToString(path));
  }
  /** The origin of `path` or of its closest ancestor that has one. */
  find(path: readonly PathSegment[]): { origin: Origin; at: readonly PathSegment[] } | undefined {
    for (let n = path.length; n > 0; n--) {
      const at = path.slice(0, n);
      const o = this.get(at);
      if (o !== undefined) return { origin: o, at };
    }
    return undefined;
  }
  entries(): IterableIterator<[string, Origin]> {
    return this.map.entries();
  }
}
