import { SIMULATE_EXPORT, type SimulateFn } from './protocol.js';

/** URL of the production model: dist/src/runner/simulate.js beside this file. */
export const PRODUCTION_MODEL_URL = new URL('./simulate.js', import.meta.url).href;

const cache = new Map<string, Promise<SimulateFn>>();

/** Imports a model module once per thread and returns its `simulateJob`. */
export function loadModel(url: string = PRODUCTION_MODEL_URL): Promise<SimulateFn> {
  let p = cache.get(url);
  if (p === undefined) {
    p = import(url).then((mod: Record<string, unknown>) => {
      const fn = mod[SIMULATE_EXPORT];
      if (typeof fn !== 'function') {
        throw new Error(`${url} does not export a function ${SIMULATE_EXPORT}`);
      }
      return fn as SimulateFn;
    });
    cache.set(url, p);
  }
  return p;
}
