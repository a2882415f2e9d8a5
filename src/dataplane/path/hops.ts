import { grpcHop } from '../balancers/grpc/channel-hop.js';
import type { HopDescriptor } from './hop.js';
import { meshHop } from './mesh-hop.js';
import { nginxHop } from './proxy-hop.js';

/**
 * Every L7 hop the request path can run, by name. Adding one is a new file exporting its
 * HopDescriptor and one line here (tests may register their own with registerHop).
 */
const HOPS = new Map<string, HopDescriptor>([
  [nginxHop.name, nginxHop as HopDescriptor],
  [grpcHop.name, grpcHop as HopDescriptor],
  [meshHop.name, meshHop as HopDescriptor],
]);

/** Adds a hop kind (a test-only hop, or one a plugin provides); names are unique. */
export function registerHop(descriptor: HopDescriptor): void {
  if (HOPS.has(descriptor.name))
    throw new Error(`hop \`${descriptor.name}\` is already registered`);
  HOPS.set(descriptor.name, descriptor);
}

/** The hop named `name`; throws an Error listing the valid names otherwise. */
export function getHop(name: string): HopDescriptor {
  const d = HOPS.get(name);
  if (d === undefined) {
    throw new Error(`unknown hop \`${name}\`; valid: ${[...HOPS.keys()].join(', ')}`);
  }
  return d;
}
