// The supervisor (main thread) builds the topology, spawns actor-host threads sized to the cores,
// places instances on them, runs the Piscina pool, coordinates checkpoints and serves the merged
// metrics. Failures are handled by declared policy, not in catch blocks:
//   - an 'in-place' stage restarts its own actor (see instance.ts);
//   - any other actor failure, or a thread's death, fails the pipeline over: every thread is
//     stopped and the topology relaunched from the last completed checkpoint (sources rewind,
//     sinks drop what the replay rewrites), after a jittered backoff;
//   - more failovers than the restart policy allows stop the pipeline with an error naming the
//     actor and the cause. Records after the last checkpoint stay in their sources for replay.

import type { Worker } from 'node:worker_threads';
import type { Logger } from './actor.js';
import { DEFAULT_RESTART, RestartTracker } from './backoff.js';
import { CheckpointTracker, type CheckpointStore } from './checkpoints.js';
import type { Clock } from './clock.js';
import { PipelineFailedError } from './errors.js';
import { ActorHost } from './host.js';
import { aggregateMetrics, type RuntimeMetrics } from './metrics.js';
import { connectPeers, spawnHostThread, threadReady } from './host-threads.js';
import type { HostCommand, HostEvent, HostSettings, PeerMessage } from './protocol.js';
import { Resources } from './resources.js';
import { TaskPool } from './task-pool.js';
import { ThreadMetrics } from './thread-metrics.js';
import { WatermarkAlignment } from './alignment.js';
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
  /** Runs before every launch, first and after failover (e.g. clean scratch space). */
  beforeLaunch?: () => Promise<void>;
  /**
   * Young-generation size of the actor-host threads in MB (0: V8's default). Window and join
   * state lives for the allowed lateness; a young generation that holds it lets most of it die
   * there instead of being promoted and collected by full GCs.
   */
  youngGenerationMb?: number;
  /**
   * The tasks (partition numbers) this process runs, read at every launch; absent: all. The
   * instances of other tasks end at once (another replica of the consumer group runs them).
   */
  tasks?: () => number[];
  /**
   * Expected work of each partition (e.g. the records its input partitions hold), read at every
   * launch to spread the partitions this launch runs over the worker threads; absent: equal.
   */
  partitionWeights?: () => readonly number[] | null;
  /**
   * What the main thread's actors share (connections), kept across launches: a relaunch keeps
   * the consumer-group member and the partition writers. Given by the caller, who closes it (and
   * may use it too, e.g. to wait for the group); absent, the supervisor makes one and closes it
   * at shutdown.
   */
  resources?: Resources;
}

/** One launch of the topology: its threads, main-thread host and checkpoint bookkeeping. */
interface Generation {
  n: number;
  workers: Map<number, Worker>;
  mainHost: ActorHost;
  tracker: CheckpointTracker;
  ended: Set<string>;
  /** The state each ended instance reported after its last record. */
  finalSnapshots: Record<string, Uint8Array>;
  /** Which host runs each instance in this generation. */
  placement: [string, number][];
  /** Watermark alignment (null: off). */
  alignment: WatermarkAlignment | null;
}

export class Supervisor {
  private gen: Generation | null = null;
  private pool: TaskPool | null = null;
  private readonly instances: string[];
  private nextCheckpoint = 1;
  private lastCompleted = 0;
  /** Clock time the last checkpoint was saved (0: none yet in this process). */
  private lastCompletedAt = 0;
  private cancelTimer: (() => void) | null = null;
  private readonly threadMetrics = new ThreadMetrics();
  private stopping = false;
  /** The relaunch in progress (failover or rebalance), if any. */
  private restarting: Promise<void> | null = null;
  private relaunchRequested = false;
  private readonly failovers: RestartTracker;
  private finalMetrics: string | null = null;
  private saving: Promise<void> = Promise.resolve();
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  /** Settles when every instance has ended (resolve) or the pipeline failed for good (reject). */
  readonly done: Promise<void>;
  private readonly settings: HostSettings;
  private readonly resources: Resources;

  constructor(private readonly o: SupervisorOptions) {
    this.resources = o.resources ?? new Resources();
    validateTopology(o.topology);
    this.instances = allInstances(o.topology).map(instanceId);
    this.settings = { pipeline: o.topology.name, restart: DEFAULT_RESTART, watermarkIntervalMs: 0, watermarkAlignmentMs: 0, workerNice: 0, tasks: null, ...o.settings };
    this.failovers = new RestartTracker(this.settings.restart);
    this.done = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  }

  get lastCheckpoint(): number {
    return this.lastCompleted;
  }

  /** When the last checkpoint was saved, on the supervisor's clock (0: none yet in this process). */
  get lastCheckpointAt(): number {
    return this.lastCompletedAt;
  }

  async start(): Promise<void> {
    const { topology } = this.o;
    if (topology.pool) this.pool = new TaskPool(topology.pool, topology.name, this.o.metrics);
    await this.launch();
    this.scheduleCheckpoints();
  }

  /** Start a generation from the latest checkpoint (or from scratch). */
  private async launch(): Promise<void> {
    const { topology, workers: workerCount } = this.o;
    await this.o.beforeLaunch?.();
    const restored = (await this.o.checkpoints?.latest(topology.name)) ?? null;
    const nextId = await this.o.checkpoints?.nextId?.(topology.name);
    if (nextId !== undefined) this.nextCheckpoint = Math.max(this.nextCheckpoint, nextId);
    if (restored) {
      this.nextCheckpoint = Math.max(this.nextCheckpoint, restored.id + 1);
      this.lastCompleted = Math.max(this.lastCompleted, restored.id);
      this.o.log.info('restoring from checkpoint', { checkpoint: restored.id, instances: Object.keys(restored.snapshots).length });
    }
    const snapshots = restored?.snapshots ?? {};
    const settings: HostSettings = { ...this.settings, tasks: this.o.tasks?.() ?? null };
    const placement = [...placeInstances(topology, workerCount, { running: settings.tasks, weights: this.o.partitionWeights?.() })];
    const n = (this.gen?.n ?? 0) + 1;
    const workers = new Map<number, Worker>();
    const mainHost = new ActorHost(0, topology, placement, settings, this.o.clock, this.o.metrics, {
      toSupervisor: (ev) => this.onEvent(n, ev),
      toPeer: (hostId, m) => workers.get(hostId)?.postMessage(m, peerMessageTransfer(m)),
    }, this.pool, this.resources);
    const alignment = settings.watermarkAlignmentMs > 0 ? new WatermarkAlignment(topology, settings.watermarkAlignmentMs) : null;
    const gen: Generation = { n, workers, mainHost, tracker: new CheckpointTracker(this.instances), ended: new Set(), finalSnapshots: {}, placement, alignment };
    this.gen = gen;

    const ready: Promise<void>[] = [];
    for (let h = 1; h <= workerCount; h++) {
      const w = spawnHostThread(this.o.youngGenerationMb ?? 0);
      workers.set(h, w);
      ready.push(threadReady(w, h));
      w.on('message', (m: HostEvent | PeerMessage) => (m.t === 'deliver' || m.t === 'credit' ? mainHost.onPeerMessage(m) : this.onEvent(n, m)));
      w.on('error', (e) => this.onFailure(n, `thread host-${h}`, `died: ${e.message}`));
      w.on('exit', (code) => {
        if (this.gen === gen && !this.stopping) this.onFailure(n, `thread host-${h}`, `exited unexpectedly with code ${code}; its actors: ${this.instancesOn(gen, h).join(', ')}`);
      });
    }
    connectPeers(workers);
    for (const [h, w] of workers) w.postMessage({ t: 'init', hostId: h, topology, placement, snapshots, settings });
    await mainHost.init(snapshots);
    await Promise.all(ready);
    mainHost.start();
    for (const w of workers.values()) w.postMessage({ t: 'start' });
  }

  private stillRunning(gen: Generation): string[] {
    return this.instances.filter((i) => !gen.ended.has(i));
  }

  private instancesOn(gen: Generation, host: number): string[] {
    return gen.placement.filter(([, h]) => h === host).map(([id]) => id);
  }

  private scheduleCheckpoints(): void {
    const every = this.o.checkpointIntervalMs ?? 0;
    if (every <= 0 || this.stopping) return;
    this.cancelTimer = this.o.clock.setTimer(every, () => {
      if (this.gen && this.gen.tracker.pending === 0 && !this.restarting) this.triggerCheckpoint();
      this.scheduleCheckpoints();
    });
  }

  /** Inject a barrier at every source; returns its id. */
  triggerCheckpoint(): number {
    const gen = this.gen!;
    const id = this.nextCheckpoint++;
    gen.tracker.begin(id, this.o.clock.monotonic());
    for (const i of gen.ended) gen.tracker.forget(i, gen.finalSnapshots[i]);
    gen.mainHost.checkpoint(id);
    for (const w of gen.workers.values()) w.postMessage({ t: 'checkpoint', checkpoint: id });
    return id;
  }

  /** Stop the sources after a final checkpoint; resolves when everything has drained. */
  async drain(timeoutMs = 30_000): Promise<void> {
    this.cancelTimer?.();
    // A relaunch (failover, rebalance) in progress: drain the generation it starts.
    await this.restarting;
    const gen = this.gen;
    if (!gen || this.stopping) return this.done;
    if (this.o.checkpoints) this.triggerCheckpoint();
    gen.mainHost.drain();
    for (const w of gen.workers.values()) w.postMessage({ t: 'drain' });
    const timeout = new Promise<never>((_, reject) => {
      const t = setTimeout(() => {
        const e = new Error(`drain did not finish within ${timeoutMs} ms; still running: ${this.stillRunning(gen).join(', ')}`);
        this.settle.reject(e); // whoever awaits `done` learns it too, instead of waiting forever
        reject(e);
      }, timeoutMs);
      t.unref();
    });
    try {
      await Promise.race([this.done, timeout]);
    } finally {
      await this.shutdown();
    }
  }

  /** The merged metrics of every thread (after shutdown: the last page taken before it). */
  async metricsText(): Promise<string> {
    if (this.finalMetrics !== null) return this.finalMetrics;
    this.pool?.sampleGauges();
    const own = await this.o.metrics.registry.getMetricsAsJSON();
    const workers = (await this.threadMetrics.gather(this.gen?.workers.values() ?? [])) as (typeof own)[];
    return aggregateMetrics([own, ...workers]);
  }

  private onEvent(n: number, ev: HostEvent): void {
    const gen = this.gen;
    if (!gen || gen.n !== n) return; // a stale generation's last words
    switch (ev.t) {
      case 'ready':
        return;
      case 'ack': {
        const done = gen.tracker.ack(ev.checkpoint, ev.instance, ev.snapshot);
        if (done) this.completeCheckpoint(ev.checkpoint, done.snapshots, done.startedAt);
        return;
      }
      case 'ended':
        gen.ended.add(ev.instance);
        this.realign(gen, gen.alignment?.ended(ev.instance));
        if (ev.snapshot !== undefined) gen.finalSnapshots[ev.instance] = ev.snapshot;
        for (const d of gen.tracker.forget(ev.instance, ev.snapshot)) this.completeCheckpoint(d.id, d.snapshots, d.startedAt);
        if (gen.ended.size === this.instances.length) {
          // The final checkpoint: every instance's state after its last record, every sink closed
          // (durable). A restart of a finished (or drained) run resumes here and rewrites nothing.
          if (this.o.checkpoints) this.completeCheckpoint(this.nextCheckpoint++, gen.finalSnapshots, this.o.clock.monotonic());
          // Resolve only once every completed checkpoint is saved.
          void this.saving.then(() => this.settle.resolve());
        }
        return;
      case 'restarted':
        this.o.log.warn('actor restarted', { actor: ev.instance, attempt: ev.attempt, error: ev.error });
        return;
      case 'failed':
        this.onFailure(n, ev.instance, ev.error, ev.stack);
        return;
      case 'metrics':
        this.threadMetrics.answer(ev.requestId, ev.metrics);
        return;
      case 'log':
        this.o.log[ev.level](ev.msg, ev.fields);
        return;
      case 'watermarks':
        this.realign(gen, gen.alignment?.report(ev.marks));
        return;
      case 'offload': {
        // A worker host asks only when the topology has a pool (host-worker.ts).
        const reply = (m: HostCommand, transfer: ArrayBuffer[]) => this.gen === gen && gen.workers.get(ev.hostId)?.postMessage(m, transfer);
        this.pool?.serve(ev.id, ev.task, ev.transfer, reply);
        return;
      }
      default: {
        const never: never = ev;
        throw new Error(`unknown host event ${JSON.stringify(never)}`);
      }
    }
  }

  /** Watermark alignment: tell every host which sources to hold (`held`: null when unchanged). */
  private realign(gen: Generation, held: string[] | null | undefined): void {
    if (!held) return;
    this.o.metrics.heldSources.set({ pipeline: this.o.topology.name }, held.length);
    gen.mainHost.align(held);
    for (const w of gen.workers.values()) w.postMessage({ t: 'align', held } satisfies HostCommand);
  }

  /** Checkpoints are saved one after another, in id order. */
  private completeCheckpoint(id: number, snapshots: Record<string, Uint8Array>, startedAt: number): void {
    this.saving = this.saving.then(() => this.saveCheckpoint(id, snapshots, startedAt));
  }

  private async saveCheckpoint(id: number, snapshots: Record<string, Uint8Array>, startedAt: number): Promise<void> {
    try {
      await this.o.checkpoints?.save({ id, pipeline: this.o.topology.name, takenAt: this.o.clock.now(), snapshots });
      this.lastCompleted = Math.max(this.lastCompleted, id);
      this.lastCompletedAt = this.o.clock.now();
      const gen = this.gen;
      if (gen) {
        for (const w of gen.workers.values()) w.postMessage({ t: 'checkpoint-complete', checkpoint: id });
        await gen.mainHost.checkpointComplete(id);
      }
      const labels = { pipeline: this.o.topology.name };
      this.o.metrics.checkpointsCompleted.inc(labels);
      this.o.metrics.checkpointDuration.observe(labels, (this.o.clock.monotonic() - startedAt) / 1000);
    } catch (e) {
      this.o.log.error('checkpoint could not be saved', { checkpoint: id, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private onFailure(n: number, instance: string, reason: string, stack?: string): void {
    if (this.stopping || this.restarting || this.gen?.n !== n) return;
    const delay = this.failovers.onFailure(this.o.clock.now());
    if (delay === null) {
      this.o.log.error('pipeline failing: restart limit reached', { actor: instance, error: reason, stack, lastCheckpoint: this.lastCompleted });
      this.settle.reject(new PipelineFailedError(instance, `${reason} (${this.failovers.recentFailures} failures within ${this.settings.restart.withinMs} ms; records after checkpoint ${this.lastCompleted} were not committed and are replayed from their sources on restart)`));
      void this.shutdown();
      return;
    }
    this.o.log.warn('actor failed: restarting the pipeline from the last checkpoint', { actor: instance, error: reason, stack, checkpoint: this.lastCompleted, inMs: delay, attempt: this.failovers.recentFailures });
    this.o.metrics.restarts.inc({ pipeline: this.o.topology.name, actor: instance.split('/')[0], partition: instance.split('/')[1] ?? '' });
    this.restarting = this.restartGeneration(delay, instance);
  }

  /** Stop the pipeline for good with an error that names who found the problem and why. */
  abort(who: string, reason: string): void {
    if (this.stopping) return;
    this.o.log.error('pipeline stopped', { by: who, error: reason });
    this.settle.reject(new PipelineFailedError(who, reason));
    void this.shutdown();
  }

  /**
   * Stop the running generation and launch a new one from the latest checkpoint, because the
   * work of this process changed (e.g. a rebalance moved tasks to or from it). Not a failure:
   * the restart budget is untouched. Requests during a relaunch fold into one more relaunch.
   */
  relaunch(reason: string): void {
    if (this.stopping) return;
    this.o.log.info('relaunching the pipeline from the last checkpoint', { reason, checkpoint: this.lastCompleted });
    this.relaunchRequested = true;
    this.restarting ??= this.restartGeneration(0, 'supervisor');
  }

  private async restartGeneration(delayMs: number, instance: string): Promise<void> {
    try {
      do {
        this.relaunchRequested = false;
        await this.stopGeneration();
        if (delayMs > 0) await new Promise((r) => this.o.clock.setTimer(delayMs, () => r(undefined)));
        delayMs = 0;
        if (this.stopping) return;
        await this.launch();
      } while (this.relaunchRequested && !this.stopping);
    } catch (e) {
      this.settle.reject(new PipelineFailedError(instance, `relaunch failed: ${e instanceof Error ? e.message : String(e)}`));
      void this.shutdown();
    } finally {
      this.restarting = null;
    }
  }

  private async stopGeneration(): Promise<void> {
    const gen = this.gen;
    if (!gen) return;
    gen.mainHost.dispose();
    const ws = [...gen.workers.values()];
    gen.workers.clear();
    await Promise.all(ws.map((w) => w.terminate()));
  }

  /** Terminate threads and the pool. Idempotent. */
  async shutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.cancelTimer?.();
    this.finalMetrics = await this.metricsText().catch(() => null);
    await this.stopGeneration();
    await this.pool?.destroy();
    this.pool = null;
    // Its own scope only, once the threads are gone (the actors that used it are).
    if (!this.o.resources) await this.resources.closeAll().catch((e: unknown) => this.o.log.warn('closing the main thread\'s resources failed', { error: e instanceof Error ? e.message : String(e) }));
  }
}
