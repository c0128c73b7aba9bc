// The supervisor's Piscina pool (DESIGN.md §3: the CPU-bound work, sized to the cores) and its
// metrics. Actors on the main thread call run(); an actor on a worker host sends its task to the
// main thread, and serve() runs it and answers, so only the task and its result cross threads.

import { Piscina } from 'piscina';
import type { Offloader } from './host.js';
import type { RuntimeMetrics } from './metrics.js';
import type { HostCommand } from './protocol.js';
import type { PoolSpec } from './topology.js';

/** The workerData key that names a pool's task module for pool-entry.cts. */
const TASK_MODULE_KEY = 'cashtagTaskModule';

/**
 * Piscina options that run `filename`'s default export on every task: the threads load
 * pool-entry.cjs, which import()s the task module (why: pool-entry.cts). `workerData`, an object
 * if given, reaches the task module with one more key.
 */
export function poolModule(filename: string, workerData?: unknown): { filename: string; workerData: Record<string, unknown> } {
  if (workerData !== undefined && (typeof workerData !== 'object' || workerData === null)) throw new TypeError('a pool\'s workerData must be an object');
  return { filename: new URL('./pool-entry.cjs', import.meta.url).href, workerData: { ...(workerData as object | undefined), [TASK_MODULE_KEY]: filename } };
}

export class TaskPool implements Offloader {
  private readonly piscina: Piscina;
  private readonly labels: { pipeline: string };

  constructor(
    spec: PoolSpec,
    pipeline: string,
    private readonly metrics: RuntimeMetrics,
  ) {
    this.piscina = new Piscina({ ...poolModule(spec.filename, spec.workerData), minThreads: spec.threads, maxThreads: spec.threads, idleTimeout: 60_000 });
    this.labels = { pipeline };
    metrics.poolThreads.set(this.labels, spec.threads);
  }

  async run<T, R>(task: T, transfer: ArrayBuffer[] = []): Promise<R> {
    const end = this.metrics.poolTaskDuration.startTimer(this.labels);
    try {
      return (await this.piscina.run(task, transfer.length > 0 ? { transferList: transfer } : {})) as R;
    } finally {
      end();
    }
  }

  /**
   * Run the task a worker host's actor offloaded (its request `id`; `transfer`: its buffers, which
   * move on to the pool thread) and hand the answer to `reply`: the result (a typed array's buffer
   * is transferred, not copied) or why it failed.
   */
  serve(id: number, task: unknown, transfer: ArrayBuffer[], reply: (m: HostCommand, transfer: ArrayBuffer[]) => void): void {
    this.run(task, transfer).then(
      (result) => reply({ t: 'offloaded', id, result }, ArrayBuffer.isView(result) && result.buffer instanceof ArrayBuffer ? [result.buffer] : []),
      (e: unknown) => reply({ t: 'offloaded', id, error: e instanceof Error ? e.message : String(e) }, []),
    );
  }

  /** Queue length and utilisation as of now (scrapes read them). */
  sampleGauges(): void {
    this.metrics.poolQueue.set(this.labels, this.piscina.queueSize);
    this.metrics.poolUtilization.set(this.labels, this.piscina.utilization);
  }

  destroy(): Promise<void> {
    return this.piscina.destroy();
  }
}
