import { main } from '../../src/cli/main.js';

/** Runs the CLI in-process with `args`; returns its exit code and what it printed. */
export async function lbsim(
  ...args: string[]
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(['node', 'lbsim', ...args], {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}
