import { threadCpuSeconds } from '../src/runner/thread-cpu.js';

/**
 * CPU seconds of the calling thread since `cpuClock()` was called: the benchmark's own work,
 * without V8's background compiler and GC threads, whose share swings with the host's load
 * (process.cpuUsage counts them). Falls back to the process's CPU time off Linux. Resolution
 * 10 ms: time runs of a second or more.
 */
export function cpuClock(): () => number {
  const t0 = threadCpuSeconds();
  const p0 = process.cpuUsage();
  return () => {
    const t = threadCpuSeconds();
    if (t0 !== undefined && t !== undefined) return t - t0;
    const p = process.cpuUsage(p0);
    return (p.user + p.system) / 1e6;
  };
}
