import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime: USER_HZ, 100 on every Linux ABI. */
const USER_HZ = 100;

/**
 * CPU time (user + system, seconds) the calling thread has used so far, from
 * /proc/thread-self/stat: a worker's own main thread, not V8's background compiler and GC threads
 * nor the other workers. Resolution 10 ms. Undefined where /proc/thread-self is missing (not
 * Linux). Node 20 has no process.threadCpuUsage() (added in 23.9).
 */
export function threadCpuSeconds(): number | undefined {
  let text: string;
  try {
    text = readFileSync('/proc/thread-self/stat', 'utf8');
  } catch {
    return undefined;
  }
  // Field 2, the thread name in parentheses, may hold spaces and ')': fields after the last ')'
  // start with field 3 (state), so utime (field 14) and stime (field 15) are at 11 and 12.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / USER_HZ;
}
