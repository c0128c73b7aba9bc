// Scheduling priority of the calling thread. Linux schedules threads, and setpriority() on a
// thread id changes that thread alone: the pipeline's worker threads (actor hosts, the
// sentiment pool) can yield the CPU to the API server's thread on a busy node without touching
// the rest of the process. Raising niceness needs no privileges.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Set the calling thread's nice value (0 = normal, up to 19 = lowest). Returns false where the
 * thread id cannot be found (not Linux) or the call is refused; the thread then runs as before.
 */
export function setThreadNice(nice: number): boolean {
  if (nice === 0) return true;
  try {
    // /proc/thread-self -> "<pid>/task/<tid>"
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
