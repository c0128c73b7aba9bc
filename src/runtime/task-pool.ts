// The supervisor's Piscina pool (DESIGN.md §3: the CPU-bound work, sized to the cores) and its
// metrics. Actors on the main thread call run(); an actor on a worker host sends its task to the
// main thread, and serve() runs it and answers, so only the task and its result cross threads.

import { Piscina } from 'piscina';
import type { Offloader } from './host.js';
import type { RuntimeMetrics } from './metrics.js';
import type { HostCommand } from './protocol.js';
import type { PoolSpec } from './topology.js';

/**
 * Node flags for Piscina's threads. Piscina loads a task module with require() first and import()
 * only when that fails; Node 20.19+ require()s an ES module synchronously, and a thread terminated
 * inside that synchronous instantiation (a pool destroyed while its threads still load, e.g. a
 * batch run with nothing left to do, a shutdown during start-up) aborts the whole process: V8's
 * "IsGraphAsync must be used on an instantiated module". Turning require(esm) off in the pool's
 * threads makes Piscina import() the module, which a termination interrupts safely.
 */
export function poolExecArgv(): string[] {
  const flag = '--no-experimental-require-module';
  return process.allowedNodeEnvironmentFlags.has(flag) ? [...process.execArgv, flag] : process.execArgv;
}

export class TaskPool implements Offloader {
  private readonly piscina: Piscina;
  private readonly labels: { pipeline: string };

  constructor(
    spec: PoolSpec,
    pipeline: string,
    private readonly metrics: RuntimeMetrics,
  ) {
    this.piscina = new Piscina({ filename: spec.filename, minThreads: spec.threads, maxThreads: spec.threads, workerData: spec.workerData, idleTimeout: 60_000, execArgv: poolExecArgv() });
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
