import { ScenarioError } from '../../src/scenario/errors.js';
import { loadScenarioText } from '../../src/scenario/load.js';

/** The formatted problem lines of a text that must fail, without line numbers. */
export function problems(text: string, file = 'f.yaml'): string[] {
  try {
    loadScenarioText(text, { file });
  } catch (e) {
    if (e instanceof ScenarioError) return e.format({ lines: false }).split('\n');
    throw e;
  }
  throw new Error('expected the scenario to be rejected');
}
