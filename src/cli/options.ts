/**
 * Parsers of option values shared by the commands (commander `argParser`s): each throws
 * `InvalidArgumentError` with the option, the expectation and the value, which commander prints
 * and turns into exit 2.
 */
import { InvalidArgumentError } from 'commander';
import { parseShard } from '../runner/jobs.js';
import { LIMITS } from '../scenario/limits.js';

export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
      throw new InvalidArgumentError(`${name}: expected an integer >= 1, got \`${value}\``);
    }
    return n;
  };
}

export function seedArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`seed: expected an integer >= 0, got \`${value}\``);
  }
  return n;
}

/** `--set path=value`, repeatable. */
export function collect(value: string, previous: string[]): string[] {
  if (!/^[^=]+=/.test(value)) {
    throw new InvalidArgumentError(`--set: expected path=value, got \`${value}\``);
  }
  return [...previous, value];
}

/** `-f PATH`, repeatable. */
export function collectPath(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A comma-separated list of at least one item. */
export function list(value: string): string[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (items.length === 0)
    throw new InvalidArgumentError(`expected a comma-separated list, got \`${value}\``);
  return items;
}

/** `--shard i/n` or `--shard auto`. */
export function shardArg(value: string): { index: number; count: number } | 'auto' {
  if (value.trim() === 'auto') return 'auto';
  try {
    return parseShard(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export const MAX_SWEEP_FLAG = '--max-sweep-points <n>';
export const MAX_SWEEP_HELP = `most sweep variants a file may expand to (default ${LIMITS.sweepPoints})`;
