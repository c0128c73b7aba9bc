// An actor host runs the instances placed on one thread (the main thread is host 0). It owns the
// sending half of every link leaving its instances, routes mail and credit between hosts, and
// reports checkpoints, ends and failures to the supervisor.

import type { ActorContext, ActorFactory } from './actor.js';
import type { Clock } from './clock.js';
import { decodeBatch, encodeBatch } from './codec.js';
import { errorMessage } from './errors.js';
import { InstanceRunner, type InstanceHost } from './instance.js';
import { OutLink } from './links.js';
import { instanceLabels, type RuntimeMetrics } from './metrics.js';
import { partitionFor } from './partitioner.js';
import type { Resources } from './resources.js';
import type { Envelope, HostEvent, HostSettings, PeerMessage, SharedBatch } from './protocol.js';
import { DEFAULT_CREDITS, DEFAULT_OUTPUT, instanceId, planLinks, type InstanceRef, type Link, type TopologySpec } from './topology.js';

/** How often a host reports generated watermarks for watermark alignment (at most). */
const ALIGNMENT_REPORT_MS = 100;

export interface HostTransport {
  toSupervisor(ev: HostEvent): void;
  toPeer(hostId: number, m: PeerMessage): void;
}

export interface Offloader {
  run<T, R>(task: T, transfer?: ArrayBuffer[]): Promise<R>;
}

/** The sending half of a link leaving this host's instances, and where its receiver lives. */
interface OutTarget {
  link: Link;
  out: OutLink;
  /** The host of the receiving instance. */
  host: number;
  /** The receiver is on this host: records are handed over as they are. */
  local: boolean;
}

interface OutputRoute {
  edgeRoute: 'forward' | 'hash' | 'broadcast';
  /** Target per receiving partition (undefined where this instance has no link to it). */
  targets: OutTarget[];
}

/** A batch on its way to one link. */
interface Delivery {
  target: OutTarget;
  records: unknown[];
}

export class ActorHost implements InstanceHost {
  readonly runners = new Map<string, InstanceRunner>();
  private readonly outLinks = new Map<string, OutTarget>();
  private readonly routes = new Map<string, Map<string, OutputRoute[]>>(); // instance -> output -> routes
  private readonly controlTargets = new Map<string, OutLink[]>(); // instance -> every out link
  private readonly placement: Map<string, number>;
  private readonly links: Link[];
  readonly pipeline: string;
  private disposed = false;
  private sharedIds = 0;
  /** Credits to return to each other host, and the pending flush that returns them. */
  private readonly creditsDue = new Map<number, string[]>();
  private creditFlush: NodeJS.Immediate | null = null;
  /** Watermark alignment: generated watermarks not yet reported, and the timer that reports them. */
  private readonly marksDue = new Map<string, number>();
  private marksTimer: (() => void) | null = null;
  /** Watermark alignment: the source instances the supervisor holds now. */
  private held = new Set<string>();
  /** Shared batches received here, decoded, until every one of their envelopes has arrived. */
  private readonly received = new Map<string, { records: unknown[]; left: number }>();

  constructor(
    readonly hostId: number,
    private readonly topology: TopologySpec,
    placement: [string, number][],
    private readonly settings: HostSettings,
    readonly clock: Clock,
    readonly metrics: RuntimeMetrics,
    private readonly transport: HostTransport,
    private readonly offloader: Offloader | null,
    /** Shared by this host's instances; its owner (host-worker, or the supervisor's caller) closes it. */
    private readonly resources: Resources,
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
      const host = this.placement.get(instanceId(link.to))!;
      const local = host === this.hostId;
      const credits = stages.get(link.to.stage)?.credits ?? DEFAULT_CREDITS;
      const labels = instanceLabels(this.pipeline, link.from.stage, link.from.partition);
      const out = new OutLink(link.id, credits, {
        send: (env) => this.send(link, env, host),
        onWait: () => this.metrics.creditWaits.inc(labels),
        onWaited: (ms) => this.metrics.creditWaitSeconds.inc(labels, ms / 1000),
        monotonic: () => this.clock.monotonic(),
      });
      this.outLinks.set(link.id, { link, out, host, local });
    }
    for (const edge of this.topology.edges) {
      const toStage = stages.get(edge.to)!;
      const output = edge.output ?? DEFAULT_OUTPUT;
      const fromStage = stages.get(edge.from)!;
      for (let p = 0; p < fromStage.parallelism; p++) {
        const from = { stage: edge.from, partition: p };
        const fid = instanceId(from);
        if (this.placement.get(fid) !== this.hostId) continue;
        const targets: OutTarget[] = [];
        for (let q = 0; q < toStage.parallelism; q++) {
          const t = this.outLinks.get(`${fid}:${output}->${edge.to}/${q}`);
          if (t) targets[q] = t;
        }
        const byOutput = this.routes.get(fid) ?? new Map<string, OutputRoute[]>();
        byOutput.set(output, [...(byOutput.get(output) ?? []), { edgeRoute: edge.route.kind, targets }]);
        this.routes.set(fid, byOutput);
        this.controlTargets.set(fid, [...(this.controlTargets.get(fid) ?? []), ...targets.filter(Boolean).map((t) => t.out)]);
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
        const runner = new InstanceRunner(ref, stage, active ? mod.default : () => ({}), inputs, this, this.settings.restart, this.settings, active ? snapshots[id] : undefined);
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
        const env = m.env.kind === 'data' && m.env.shared ? this.sharedRecords(m.env) : m.env;
        runner.mailbox.put({ link: m.link, env });
        return;
      }
      case 'credit':
        for (const link of m.links) this.outLinks.get(link)?.out.grant(1);
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
      resources: this.resources,
      emit: async (records, opts) => {
        const output = opts?.output ?? DEFAULT_OUTPUT;
        if (records.length === 0) return;
        runner.noteActive();
        const routes = this.routes.get(runner.id)?.get(output);
        if (!routes) return; // an output nobody listens to
        this.metrics.recordsOut.inc({ ...labels, output }, records.length);
        // Records bucketed by partition count, shared by the hash edges with that parallelism.
        const buckets = new Map<number, unknown[][]>();
        const deliveries: Delivery[] = [];
        for (const r of routes) this.route(ref, r, records, opts?.keys, buckets, deliveries);
        await Promise.all(this.envelopes(deliveries).map(([out, env]) => out.push(env)));
      },
      emitWatermark: (ts) => runner.generateWatermark(ts),
      emitIdle: () => runner.declareIdle(),
      offload: <T, R>(task: T, transfer?: ArrayBuffer[]) => {
        if (!this.offloader) throw new Error(`${runner.id}: offload needs a pool (the topology declares none)`);
        return this.offloader.run<T, R>(task, transfer);
      },
      schedule: (ms, fn) => this.clock.setTimer(ms, fn),
    };
  }

  private route(from: InstanceRef, r: OutputRoute, records: unknown[], keys: string[] | undefined, bucketsBy: Map<number, unknown[][]>, out: Delivery[]): void {
    const n = r.targets.length;
    switch (r.edgeRoute) {
      case 'forward':
        out.push({ target: r.targets[from.partition % n], records });
        return;
      case 'broadcast':
        for (const target of r.targets) out.push({ target, records });
        return;
      case 'hash': {
        if (!keys || keys.length !== records.length) throw new Error(`${instanceId(from)}: a hash-routed output needs one key per record`);
        if (n === 1) {
          out.push({ target: r.targets[0], records });
          return;
        }
        let buckets = bucketsBy.get(n);
        if (!buckets) {
          buckets = Array.from({ length: n }, () => []);
          for (let i = 0; i < records.length; i++) buckets[partitionFor(keys[i], n)].push(records[i]);
          bucketsBy.set(n, buckets);
        }
        buckets.forEach((b, q) => b.length > 0 && out.push({ target: r.targets[q], records: b }));
        return;
      }
      default: {
        const never: never = r.edgeRoute;
        throw new Error(`unknown route ${String(never)}`);
      }
    }
  }

  /**
   * The envelope of each delivery. Local links get the records themselves. A batch bound for
   * several remote links is packed once and crosses to each thread once (SharedBatch); one bound
   * for a single remote link is packed into bytes of its own.
   */
  private envelopes(deliveries: Delivery[]): [OutLink, Envelope][] {
    const shared = new Map<unknown[], SharedBatch>();
    if (deliveries.length > 1) {
      for (const { target, records } of deliveries) {
        if (target.local) continue;
        let b = shared.get(records);
        if (!b) shared.set(records, (b = { id: 0, bytes: new Uint8Array(0), count: records.length, copies: new Map(), envelopes: 0, sent: new Set() }));
        b.copies.set(target.host, (b.copies.get(target.host) ?? 0) + 1);
        b.envelopes++;
      }
    }
    return deliveries.map(({ target, records }): [OutLink, Envelope] => {
      if (target.local) return [target.out, { kind: 'local-data', records }];
      const b = shared.get(records);
      if (!b || b.envelopes === 1) return [target.out, { kind: 'data', ...encodeBatch(records) }];
      if (b.id === 0) [b.id, b.bytes] = [++this.sharedIds, encodeBatch(records).bytes];
      return [target.out, { kind: 'shared', batch: b }];
    });
  }

  /** A shared batch's envelope arrived: decode it once, hand the same records to each of its links. */
  private sharedRecords(env: Extract<Envelope, { kind: 'data' }>): Envelope {
    const s = env.shared!;
    const key = `${s.from}:${s.id}`;
    if (env.bytes.length > 0) {
      const records = decodeBatch<unknown>(env.bytes);
      this.received.set(key, { records, left: s.copies - 1 });
      return { kind: 'local-data', records };
    }
    const got = this.received.get(key);
    if (!got) throw new Error(`host ${this.hostId}: shared batch ${key} arrived without its bytes`);
    if (--got.left === 0) this.received.delete(key);
    return { kind: 'local-data', records: got.records };
  }

  async forwardControl(from: InstanceRef, env: Envelope): Promise<void> {
    await Promise.all((this.controlTargets.get(instanceId(from)) ?? []).map((t) => t.push(env)));
  }

  /**
   * Watermark alignment: the supervisor learns each generating instance's newest watermark, at
   * most every ALIGNMENT_REPORT_MS (the newest per instance), not one message per watermark.
   */
  reportWatermark(instance: string, ts: number): void {
    if (this.disposed || this.settings.watermarkAlignmentMs <= 0) return;
    this.marksDue.set(instance, ts);
    this.marksTimer ??= this.clock.setTimer(ALIGNMENT_REPORT_MS, () => {
      this.marksTimer = null;
      if (this.disposed || this.marksDue.size === 0) return;
      this.transport.toSupervisor({ t: 'watermarks', marks: [...this.marksDue] });
      this.marksDue.clear();
    });
  }

  /** Watermark alignment: the supervisor's current set of held sources. */
  align(held: string[]): void {
    this.held = new Set(held);
  }

  isHeld(instance: string): boolean {
    return this.held.size > 0 && this.held.has(instance);
  }

  /** Cut this host off: nothing it still has running can send or report any more. */
  dispose(): void {
    this.disposed = true;
    this.marksTimer?.();
    this.marksTimer = null;
    for (const r of this.runners.values()) r.abandon();
  }

  /** Hand an envelope of `link` to its receiver on `host`. */
  private send(link: Link, env: Envelope, host: number): void {
    if (this.disposed) return;
    if (env.kind === 'shared') env = this.leaving(env.batch, host);
    const m: PeerMessage = { t: 'deliver', link: link.id, to: instanceId(link.to), env };
    if (host === this.hostId) queueMicrotask(() => this.onPeerMessage(m));
    else this.transport.toPeer(host, m);
  }

  /** A shared batch's envelope as it leaves for `host`: the first one there carries the bytes. */
  private leaving(b: SharedBatch, host: number): Envelope {
    const copies = b.copies.get(host)!;
    const first = !b.sent.has(host);
    if (first) b.sent.add(host);
    // Each thread gets bytes of its own (they are transferred: the last thread the packing
    // itself, the others a copy); its other copies, none.
    const bytes = !first ? new Uint8Array(0) : b.sent.size === b.copies.size ? b.bytes : b.bytes.slice();
    return copies > 1 ? { kind: 'data', bytes, count: b.count, shared: { from: this.hostId, id: b.id, copies } } : { kind: 'data', bytes, count: b.count };
  }

  returnCredit(link: Link): void {
    if (this.disposed) return;
    const fromHost = this.placement.get(instanceId(link.from))!;
    if (fromHost === this.hostId) this.outLinks.get(link.id)?.out.grant(1);
    else {
      // Credits for another thread go back together, once this turn of the event loop is done,
      // instead of a message per handled batch (each one wakes the sending thread).
      let due = this.creditsDue.get(fromHost);
      if (!due) this.creditsDue.set(fromHost, (due = []));
      due.push(link.id);
      if (!this.creditFlush) this.creditFlush = setImmediate(() => this.flushCredits());
    }
  }

  private flushCredits(): void {
    this.creditFlush = null;
    if (this.disposed) return;
    for (const [host, links] of this.creditsDue) this.transport.toPeer(host, { t: 'credit', links });
    this.creditsDue.clear();
  }

  ack(checkpoint: number, instance: string, snapshot: Uint8Array | undefined): void {
    if (this.disposed) return;
    this.transport.toSupervisor({ t: 'ack', checkpoint, instance, snapshot });
  }

  ended(instance: string, snapshot: Uint8Array | undefined): void {
    if (this.disposed) return;
    this.transport.toSupervisor({ t: 'ended', instance, snapshot });
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
