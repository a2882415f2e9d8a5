#!/usr/bin/env node
// Entry point of `npx lbsim`: the compiled CLI (built by `npm run build`, run by `prepare` on
// `npm ci`, so a fresh clone has it).
// `lbsim list balancers | head` closes stdout early: that is not an error.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
let cli;
try {
  cli = await import('../dist/src/cli/main.js');
} catch (err) {
  process.stderr.write(
    `lbsim: cannot load dist/src/cli/main.js (${err.message}); run \`npm run build\` first\n`,
  );
  process.exit(1);
}
process.exitCode = await cli.main(process.argv);
// Interrupted `run`: clean-up is done and the handlers are gone; die of the same signal, as
// shells expect of a program stopped by Ctrl-C (a `for` loop over runs then stops as well).
const signal = cli.interruptedBy();
if (signal !== undefined) process.kill(process.pid, signal);
