// An actor host runs the instances placed on one thread (the main thread is host 0). It owns the
// sending half of every link leaving its instances, routes mail and credit between hosts, and
// reports checkpoints, ends and failures to the supervisor.

import type { ActorContext, ActorFactory } from './actor.js';
import type { Clock } from './clock.js';
import { encodeBatch } from './codec.js';
import { errorMessage } from './errors.js';
import { InstanceRunner, type InstanceHost } from './instance.js';
import { OutLink } from './links.js';
import { instanceLabels, type RuntimeMetrics } from './metrics.js';
import { partitionFor } from './partitioner.js';
import type { Envelope, HostEvent, HostSettings, PeerMessage } from './protocol.js';
import { DEFAULT_CREDITS, DEFAULT_OUTPUT, instanceId, planLinks, type InstanceRef, type Link, type TopologySpec } from './topology.js';

export interface HostTransport {
  toSupervisor(ev: HostEvent): void;
  toPeer(hostId: number, m: PeerMessage): void;
}

export interface Offloader {
  run<T, R>(task: T): Promise<R>;
}

interface OutputRoute {
  edgeRoute: 'forward' | 'hash' | 'broadcast';
  /** OutLink per target partition (undefined where this instance has no link to it). */
  targets: OutLink[];
}

/**
 * One emit's work shared between its edges: records bucketed by partition count (edges with the
 * same parallelism and key get the same buckets) and each batch packed once, however many
 * remote links it goes to (e.g. a scored batch to the bronze and store sinks, windows and join).
 */
interface EmitMemo {
  buckets: Map<number, unknown[][]>;
  packed: Map<unknown[], Uint8Array>;
}

export class ActorHost implements InstanceHost {
  readonly runners = new Map<string, InstanceRunner>();
  private readonly outLinks = new Map<string, { link: Link; out: OutLink; local: boolean }>();
  private readonly routes = new Map<string, Map<string, OutputRoute[]>>(); // instance -> output -> routes
  private readonly controlTargets = new Map<string, OutLink[]>(); // instance -> every out link
  private readonly placement: Map<string, number>;
  private readonly links: Link[];
  readonly pipeline: string;
  private disposed = false;

  constructor(
    readonly hostId: number,
    private readonly topology: TopologySpec,
    placement: [string, number][],
    private readonly settings: HostSettings,
    readonly clock: Clock,
    readonly metrics: RuntimeMetrics,
    private readonly transport: HostTransport,
    private readonly offloader: Offloader | null,
  ) {
    this.placement = new Map(placement);
    this.links = planLinks(topology);
    this.pipeline = settings.pipeline;
  }

  /** Create the instances placed here, restoring their snapshots. */
  async init(snapshots: Record<string, Uint8Array>): Promise<void> {
    const stages = new Map(this.topology.stages.map((s) => [s.name, s]));
    for (const link of this.links) {
      if (this.placement.get(instanceId(link.from)) !== this.hostId) continue;
      const local = this.placement.get(instanceId(link.to)) === this.hostId;
      const credits = stages.get(link.to.stage)?.credits ?? DEFAULT_CREDITS;
      const labels = instanceLabels(this.pipeline, link.from.stage, link.from.partition);
      const out = new OutLink(link.id, credits, {
        send: (env) => this.send(link, env, local),
        onWait: () => this.metrics.creditWaits.inc(labels),
        onWaited: (ms) => this.metrics.creditWaitSeconds.inc(labels, ms / 1000),
        monotonic: () => this.clock.monotonic(),
      });
      this.outLinks.set(link.id, { link, out, local });
    }
    for (const edge of this.topology.edges) {
      const toStage = stages.get(edge.to)!;
      const output = edge.output ?? DEFAULT_OUTPUT;
      const fromStage = stages.get(edge.from)!;
      for (let p = 0; p < fromStage.parallelism; p++) {
        const from = { stage: edge.from, partition: p };
        const fid = instanceId(from);
        if (this.placement.get(fid) !== this.hostId) continue;
        const targets: OutLink[] = [];
        for (let q = 0; q < toStage.parallelism; q++) {
          const l = this.outLinks.get(`${fid}:${output}->${edge.to}/${q}`);
          if (l) targets[q] = l.out;
        }
        const byOutput = this.routes.get(fid) ?? new Map<string, OutputRoute[]>();
        byOutput.set(output, [...(byOutput.get(output) ?? []), { edgeRoute: edge.route.kind, targets }]);
        this.routes.set(fid, byOutput);
        this.controlTargets.set(fid, [...(this.controlTargets.get(fid) ?? []), ...targets.filter(Boolean)]);
      }
    }
    for (const stage of this.topology.stages) {
      const mod = (await import(stage.module)) as { default: ActorFactory };
      for (let p = 0; p < stage.parallelism; p++) {
        const ref = { stage: stage.name, partition: p };
        const id = instanceId(ref);
        if (this.placement.get(id) !== this.hostId) continue;
        const inputs = new Map(this.links.filter((l) => instanceId(l.to) === id).map((l) => [l.id, l]));
        // Another replica runs the tasks this process was not given: a placeholder ends at once.
        const active = this.settings.tasks === null || this.settings.tasks.includes(p);
        const runner = new InstanceRunner(ref, stage, active ? mod.default : () => ({}), inputs, this, this.settings.restart, this.settings.idleTimeoutMs, active ? snapshots[id] : undefined);
        this.runners.set(id, runner);
        await runner.start();
      }
    }
  }

  start(): void {
    for (const r of this.runners.values()) void r.run();
  }

  checkpoint(checkpoint: number): void {
    for (const r of this.runners.values()) if (r.stage.source) r.requestCheckpoint(checkpoint);
  }

  /** Tell every instance that a checkpoint is durable (sources commit upstream offsets). */
  async checkpointComplete(checkpoint: number): Promise<void> {
    if (this.disposed) return;
    await Promise.all([...this.runners.values()].map((r) => r.notifyCheckpointComplete(checkpoint)));
  }

  drain(): void {
    for (const r of this.runners.values()) if (r.stage.source) r.requestStop();
  }

  onPeerMessage(m: PeerMessage): void {
    switch (m.t) {
      case 'deliver': {
        const runner = this.runners.get(m.to);
        if (!runner) throw new Error(`host ${this.hostId}: delivery for ${m.to}, which is not placed here`);
        runner.mailbox.put({ link: m.link, env: m.env });
        return;
      }
      case 'credit':
        this.outLinks.get(m.link)?.out.grant(m.n);
        return;
      default: {
        const never: never = m;
        throw new Error(`unknown peer message ${JSON.stringify(never)}`);
      }
    }
  }

  buildContext(runner: InstanceRunner): ActorContext {
    const { ref } = runner;
    const labels = instanceLabels(this.pipeline, ref.stage, ref.partition);
    const log = (level: 'info' | 'warn' | 'error') => (msg: string, fields?: Record<string, unknown>) =>
      this.transport.toSupervisor({ t: 'log', level, msg, fields: { actor: runner.id, ...fields } });
    return {
      self: ref,
      parallelism: runner.stage.parallelism,
      clock: this.clock,
      metrics: this.metrics,
      log: { info: log('info'), warn: log('warn'), error: log('error') },
      emit: async (records, opts) => {
        const output = opts?.output ?? DEFAULT_OUTPUT;
        if (records.length === 0) return;
        const routes = this.routes.get(runner.id)?.get(output);
        if (!routes) return; // an output nobody listens to
        this.metrics.recordsOut.inc({ ...labels, output }, records.length);
        const pushes: Promise<void>[] = [];
        // Sharing costs a copy per link: only worth it when the batch may go to several.
        const memo: EmitMemo | null = routes.length > 1 || routes[0].edgeRoute === 'broadcast' ? { buckets: new Map(), packed: new Map() } : null;
        for (const r of routes) pushes.push(...this.route(ref, r, records, opts?.keys, memo));
        await Promise.all(pushes);
      },
      emitWatermark: (ts) => runner.emitWatermark(ts),
      offload: <T, R>(task: T) => {
        if (!this.offloader) throw new Error(`${runner.id}: offload needs the stage placed on the main thread with a pool`);
        return this.offloader.run<T, R>(task);
      },
      schedule: (ms, fn) => this.clock.setTimer(ms, fn),
    };
  }

  private route(from: InstanceRef, r: OutputRoute, records: unknown[], keys: string[] | undefined, memo: EmitMemo | null): Promise<void>[] {
    const n = r.targets.length;
    switch (r.edgeRoute) {
      case 'forward': {
        const t = r.targets[from.partition % n];
        return [t.push(this.envelope(t, records, memo))];
      }
      case 'broadcast':
        return r.targets.map((t) => t.push(this.envelope(t, records, memo)));
      case 'hash': {
        if (!keys || keys.length !== records.length) throw new Error(`${instanceId(from)}: a hash-routed output needs one key per record`);
        if (n === 1) return [r.targets[0].push(this.envelope(r.targets[0], records, memo))];
        let buckets = memo?.buckets.get(n);
        if (!buckets) {
          buckets = Array.from({ length: n }, () => []);
          for (let i = 0; i < records.length; i++) buckets[partitionFor(keys[i], n)].push(records[i]);
          memo?.buckets.set(n, buckets);
        }
        return buckets.flatMap((b, q) => (b.length > 0 ? [r.targets[q].push(this.envelope(r.targets[q], b, memo))] : []));
      }
      default: {
        const never: never = r.edgeRoute;
        throw new Error(`unknown route ${String(never)}`);
      }
    }
  }

  private envelope(t: OutLink, records: unknown[], memo: EmitMemo | null): Envelope {
    if (this.outLinks.get(t.id)?.local) return { kind: 'local-data', records };
    if (!memo) return { kind: 'data', ...encodeBatch(records) };
    // Each envelope owns its bytes (they are transferred); the packing is shared.
    let packed = memo.packed.get(records);
    if (!packed) memo.packed.set(records, (packed = encodeBatch(records).bytes));
    return { kind: 'data', bytes: packed.slice(), count: records.length };
  }

  async forwardControl(from: InstanceRef, env: Envelope): Promise<void> {
    await Promise.all((this.controlTargets.get(instanceId(from)) ?? []).map((t) => t.push(env)));
  }

  /** Cut this host off: nothing it still has running can send or report any more. */
  dispose(): void {
    this.disposed = true;
    for (const r of this.runners.values()) r.abandon();
  }

  private send(link: Link, env: Envelope, local: boolean): void {
    if (this.disposed) return;
    const to = instanceId(link.to);
    const m: PeerMessage = { t: 'deliver', link: link.id, to, env };
    if (local) queueMicrotask(() => this.onPeerMessage(m));
    else this.transport.toPeer(this.placement.get(to)!, m);
  }

  returnCredit(link: Link): void {
    if (this.disposed) return;
    const fromHost = this.placement.get(instanceId(link.from))!;
    if (fromHost === this.hostId) this.outLinks.get(link.id)?.out.grant(1);
    else this.transport.toPeer(fromHost, { t: 'credit', link: link.id, n: 1 });
  }

  ack(checkpoint: number, instance: string, snapshot: Uint8Array | undefined): void {
    if (this.disposed) return;
    this.transport.toSupervisor({ t: 'ack', checkpoint, instance, snapshot });
  }

  ended(instance: string): void {
    if (this.disposed) return;
    this.transport.toSupervisor({ t: 'ended', instance });
  }

  restarted(instance: string, attempt: number, error: unknown): void {
    if (this.disposed) return;
    this.transport.toSupervisor({ t: 'restarted', instance, attempt, error: errorMessage(error) });
  }

  failed(instance: string, error: unknown): void {
    if (this.disposed) return;
    this.transport.toSupervisor({ t: 'failed', instance, error: errorMessage(error), stack: error instanceof Error ? error.stack : undefined });
  }
}
