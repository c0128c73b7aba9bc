// The supervisor (main thread) builds the topology, spawns actor-host threads sized to the cores,
// places instances on them, runs the Piscina pool, coordinates checkpoints, serves the merged
// metrics, and stops the pipeline cleanly when an actor exhausts its restarts or a thread dies.

import { MessageChannel, Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from './actor.js';
import { DEFAULT_RESTART } from './backoff.js';
import { CheckpointTracker, type CheckpointStore } from './checkpoints.js';
import type { Clock } from './clock.js';
import { PipelineFailedError } from './errors.js';
import { ActorHost } from './host.js';
import { aggregateMetrics, type RuntimeMetrics } from './metrics.js';
import type { HostEvent, HostSettings, PeerMessage } from './protocol.js';
import { peerMessageTransfer } from './protocol.js';
import { allInstances, instanceId, placeInstances, validateTopology, type TopologySpec } from './topology.js';

export interface SupervisorOptions {
  topology: TopologySpec;
  /** Actor-host worker threads (0 runs every instance on the main thread). */
  workers: number;
  clock: Clock;
  metrics: RuntimeMetrics;
  log: Logger;
  checkpoints?: CheckpointStore;
  /** 0 disables periodic checkpoints. */
  checkpointIntervalMs?: number;
  settings?: Partial<HostSettings>;
}

export class Supervisor {
  private readonly workers = new Map<number, Worker>();
  private mainHost!: ActorHost;
  private pool: Piscina | null = null;
  private readonly instances: string[];
  private readonly ended = new Set<string>();
  private readonly tracker: CheckpointTracker;
  private nextCheckpoint = 1;
  private lastCompleted = 0;
  private cancelTimer: (() => void) | null = null;
  private readonly metricsWaiters = new Map<number, (m: unknown[]) => void>();
  private metricsRequest = 0;
  private stopping = false;
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  /** Settles when every instance has ended (resolve) or the pipeline failed (reject). */
  readonly done: Promise<void>;
  private readonly settings: HostSettings;

  constructor(private readonly o: SupervisorOptions) {
    validateTopology(o.topology);
    this.instances = allInstances(o.topology).map(instanceId);
    this.tracker = new CheckpointTracker(this.instances);
    this.settings = { pipeline: o.topology.name, restart: DEFAULT_RESTART, idleTimeoutMs: 0, ...o.settings };
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  }

  get lastCheckpoint(): number {
    return this.lastCompleted;
  }

  async start(): Promise<void> {
    const { topology, workers } = this.o;
    const placement = [...placeInstances(topology, workers)];
    const restored = (await this.o.checkpoints?.latest(topology.name)) ?? null;
    if (restored) {
      this.nextCheckpoint = restored.id + 1;
      this.lastCompleted = restored.id;
      this.o.log.info('restoring from checkpoint', { checkpoint: restored.id, instances: Object.keys(restored.snapshots).length });
    }
    const snapshots = restored?.snapshots ?? {};
    if (topology.pool) {
      this.pool = new Piscina({ filename: topology.pool.filename, minThreads: topology.pool.threads, maxThreads: topology.pool.threads, workerData: topology.pool.workerData, idleTimeout: 60_000 });
      this.o.metrics.poolThreads.set({ pipeline: topology.name }, topology.pool.threads);
    }
    const pool = this.pool;
    const poolTimer = this.o.metrics.poolTaskDuration;
    this.mainHost = new ActorHost(0, topology, placement, this.settings, this.o.clock, this.o.metrics, {
      toSupervisor: (ev) => this.onEvent(ev),
      toPeer: (hostId, m) => this.workers.get(hostId)?.postMessage(m, peerMessageTransfer(m)),
    }, pool ? { run: async <T, R>(task: T) => {
      const end = poolTimer.startTimer({ pipeline: topology.name });
      try {
        return (await pool.run(task)) as R;
      } finally {
        end();
      }
    } } : null);

    const ready: Promise<void>[] = [];
    for (let h = 1; h <= workers; h++) {
      const w = new Worker(new URL('./host-worker.js', import.meta.url));
      this.workers.set(h, w);
      ready.push(new Promise<void>((resolve, reject) => {
        const onReady = (m: HostEvent | PeerMessage) => {
          if (m.t === 'ready') resolve();
          if (m.t === 'failed') reject(new Error(`thread host-${h} failed during start: ${m.error}`));
        };
        w.on('message', onReady);
        w.once('error', reject);
      }));
      w.on('message', (m: HostEvent | PeerMessage) => (m.t === 'deliver' || m.t === 'credit' ? this.mainHost.onPeerMessage(m) : this.onEvent(m)));
      w.on('error', (e) => this.fail(`thread host-${h}`, `died: ${e.message}`));
      w.on('exit', (code) => {
        if (!this.stopping) this.fail(`thread host-${h}`, `exited unexpectedly with code ${code}; its instances: ${this.instancesOn(placement, h).join(', ')}`);
      });
    }
    for (let a = 1; a <= workers; a++) {
      for (let b = a + 1; b <= workers; b++) {
        const { port1, port2 } = new MessageChannel();
        this.workers.get(a)!.postMessage({ t: 'peer', hostId: b, port: port1 }, [port1]);
        this.workers.get(b)!.postMessage({ t: 'peer', hostId: a, port: port2 }, [port2]);
      }
    }
    for (const [h, w] of this.workers) w.postMessage({ t: 'init', hostId: h, topology, placement, snapshots, settings: this.settings });
    await this.mainHost.init(snapshots);
    await Promise.all(ready);
    this.mainHost.start();
    for (const w of this.workers.values()) w.postMessage({ t: 'start' });
    this.scheduleCheckpoints();
  }

  private instancesOn(placement: [string, number][], host: number): string[] {
    return placement.filter(([, h]) => h === host).map(([id]) => id);
  }

  private scheduleCheckpoints(): void {
    const every = this.o.checkpointIntervalMs ?? 0;
    if (every <= 0 || this.stopping) return;
    this.cancelTimer = this.o.clock.setTimer(every, () => {
      if (this.tracker.pending === 0) this.triggerCheckpoint();
      this.scheduleCheckpoints();
    });
  }

  /** Inject a barrier at every source; returns its id. */
  triggerCheckpoint(): number {
    const id = this.nextCheckpoint++;
    this.tracker.begin(id, this.o.clock.monotonic());
    for (const id2 of this.ended) this.tracker.forget(id2);
    this.mainHost.checkpoint(id);
    for (const w of this.workers.values()) w.postMessage({ t: 'checkpoint', checkpoint: id });
    return id;
  }

  /** Stop the sources after a final checkpoint; resolves when everything has drained. */
  async drain(timeoutMs = 30_000): Promise<void> {
    if (this.stopping) return this.done;
    this.cancelTimer?.();
    if (this.o.checkpoints) this.triggerCheckpoint();
    this.mainHost.drain();
    for (const w of this.workers.values()) w.postMessage({ t: 'drain' });
    const timeout = new Promise<never>((_, reject) => {
      const t = setTimeout(() => reject(new Error(`drain did not finish within ${timeoutMs} ms; still running: ${this.instances.filter((i) => !this.ended.has(i)).join(', ')}`)), timeoutMs);
      t.unref();
    });
    try {
      await Promise.race([this.done, timeout]);
    } finally {
      await this.shutdown();
    }
  }

  async metricsText(): Promise<string> {
    if (this.pool) {
      const labels = { pipeline: this.o.topology.name };
      this.o.metrics.poolQueue.set(labels, this.pool.queueSize);
      this.o.metrics.poolUtilization.set(labels, this.pool.utilization);
    }
    const perThread = [await this.o.metrics.registry.getMetricsAsJSON()];
    const replies = [...this.workers.values()].map((w) => new Promise<unknown[]>((resolve) => {
      const requestId = ++this.metricsRequest;
      const t = setTimeout(() => resolve([]), 2000);
      this.metricsWaiters.set(requestId, (m) => {
        clearTimeout(t);
        resolve(m);
      });
      w.postMessage({ t: 'metrics', requestId });
    }));
    perThread.push(...((await Promise.all(replies)) as typeof perThread));
    return aggregateMetrics(perThread);
  }

  private onEvent(ev: HostEvent): void {
    switch (ev.t) {
      case 'ready':
        return;
      case 'ack': {
        const done = this.tracker.ack(ev.checkpoint, ev.instance, ev.snapshot);
        if (done) void this.completeCheckpoint(ev.checkpoint, done.snapshots, done.startedAt);
        return;
      }
      case 'ended':
        this.ended.add(ev.instance);
        for (const d of this.tracker.forget(ev.instance)) void this.completeCheckpoint(d.id, d.snapshots, d.startedAt);
        if (this.ended.size === this.instances.length) this.settle.resolve();
        return;
      case 'restarted':
        this.o.log.warn('actor restarted', { actor: ev.instance, attempt: ev.attempt, error: ev.error });
        return;
      case 'failed':
        this.fail(ev.instance, ev.error, ev.stack);
        return;
      case 'metrics':
        this.metricsWaiters.get(ev.requestId)?.(ev.metrics);
        this.metricsWaiters.delete(ev.requestId);
        return;
      case 'log':
        this.o.log[ev.level](ev.msg, ev.fields);
        return;
      default: {
        const never: never = ev;
        throw new Error(`unknown host event ${JSON.stringify(never)}`);
      }
    }
  }

  private async completeCheckpoint(id: number, snapshots: Record<string, unknown>, startedAt: number): Promise<void> {
    try {
      await this.o.checkpoints?.save({ id, pipeline: this.o.topology.name, takenAt: this.o.clock.now(), snapshots });
      this.lastCompleted = Math.max(this.lastCompleted, id);
      const labels = { pipeline: this.o.topology.name };
      this.o.metrics.checkpointsCompleted.inc(labels);
      this.o.metrics.checkpointDuration.observe(labels, (this.o.clock.monotonic() - startedAt) / 1000);
    } catch (e) {
      this.o.log.error('checkpoint could not be saved', { checkpoint: id, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private fail(instance: string, reason: string, stack?: string): void {
    if (this.stopping) return;
    this.o.log.error('pipeline failing', { actor: instance, error: reason, stack, lastCheckpoint: this.lastCompleted });
    this.settle.reject(new PipelineFailedError(instance, `${reason} (records after checkpoint ${this.lastCompleted} were not committed and are replayed from their sources on restart)`));
    void this.shutdown();
  }

  /** Terminate threads and the pool. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.stopping && this.workers.size === 0) return;
    this.stopping = true;
    this.cancelTimer?.();
    const ws = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(ws.map((w) => w.terminate()));
    await this.pool?.destroy();
    this.pool = null;
  }
}
