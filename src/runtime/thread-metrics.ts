// The metrics of the actor-host threads, asked for at every scrape. A thread too busy to answer
// within the deadline is counted with its last answer: leaving it out would make its counters
// drop, which a Prometheus server reads as a counter reset.

import type { Worker } from 'node:worker_threads';

export class ThreadMetrics {
  private readonly waiters = new Map<number, (m: unknown[]) => void>();
  private lastRequest = 0;
  /** Each thread's last answer (a relaunch's new threads start without one). */
  private readonly last = new WeakMap<Worker, unknown[]>();

  constructor(private readonly deadlineMs = 2_000) {}

  /** The metrics (prom-client JSON) of each of `workers`, in their order. */
  gather(workers: Iterable<Worker>): Promise<unknown[][]> {
    return Promise.all(
      [...workers].map(
        (w) =>
          new Promise<unknown[]>((resolve) => {
            const requestId = ++this.lastRequest;
            const t = setTimeout(() => {
              this.waiters.delete(requestId);
              resolve(this.last.get(w) ?? []);
            }, this.deadlineMs);
            this.waiters.set(requestId, (m) => {
              clearTimeout(t);
              this.last.set(w, m);
              resolve(m);
            });
            w.postMessage({ t: 'metrics', requestId });
          }),
      ),
    );
  }

  /** A thread's answer to request `requestId` (ignored once past its deadline). */
  answer(requestId: number, metrics: unknown[]): void {
    this.waiters.get(requestId)?.(metrics);
    this.waiters.delete(requestId);
  }
}
