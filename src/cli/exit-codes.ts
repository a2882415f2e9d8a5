/**
 * Exit codes of `lbsim` (docs/OUTPUTS.md): 0 success, 1 a simulation failed (or writing its
 * outputs), 2 bad input or usage (or an output folder locked by another run), 3 a threshold
 * failed, 130/143 interrupted.
 */
export const EXIT_OK = 0;
export const EXIT_SIMULATION_FAILED = 1;
export const EXIT_USAGE = 2;
/** A `--fail-if` or scenario `thresholds:` condition held for some (variant, balancer). */
export const EXIT_THRESHOLD = 3;
/** Interrupted by a signal: 128 + its number, as shells report it (130 SIGINT, 143 SIGTERM). */
export const EXIT_SIGNAL: Readonly<Record<'SIGINT' | 'SIGTERM', number>> = {
  SIGINT: 130,
  SIGTERM: 143,
};
