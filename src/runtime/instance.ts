// Runs one actor instance: takes mail in order, calls the actor, returns credit, tracks the
// stage watermark, aligns barriers, and restarts the actor with backoff when it throws.

import type { Actor, ActorContext, ActorFactory, BatchInfo, SourceStatus } from './actor.js';
import { RestartTracker, type RestartPolicy } from './backoff.js';
import { BarrierAligner } from './barriers.js';
import type { Clock } from './clock.js';
import { decodeBatch, decodeSnapshot, encodeSnapshot } from './codec.js';
import { ActorError, errorMessage } from './errors.js';
import { Mailbox, type Mail } from './mailbox.js';
import { instanceLabels, type RuntimeMetrics } from './metrics.js';
import type { Envelope } from './protocol.js';
import type { InstanceRef, Link, StageSpec } from './topology.js';
import { WatermarkTracker } from './watermarks.js';
import { IDLE_WATERMARK } from './alignment.js';

/** What an instance needs from its host. */
export interface InstanceHost {
  readonly pipeline: string;
  readonly clock: Clock;
  readonly metrics: RuntimeMetrics;
  buildContext(runner: InstanceRunner): ActorContext;
  /** Send a control envelope on every output link of the instance. */
  forwardControl(from: InstanceRef, env: Envelope): Promise<void>;
  returnCredit(link: Link): void;
  ack(checkpoint: number, instance: string, snapshot: Uint8Array | undefined): void;
  ended(instance: string, snapshot: Uint8Array | undefined): void;
  restarted(instance: string, attempt: number, error: unknown): void;
  failed(instance: string, error: unknown): void;
  /** Watermark alignment: this instance's newest generated watermark (IDLE_WATERMARK: idle). */
  reportWatermark(instance: string, ts: number): void;
  /** Watermark alignment: whether this source instance must not produce for now. */
  isHeld(instance: string): boolean;
}

export class Escalated extends Error {}

export class InstanceRunner {
  readonly mailbox = new Mailbox();
  readonly id: string;
  private actor!: Actor;
  private ctx!: ActorContext;
  private readonly aligner: BarrierAligner;
  private readonly watermarks: WatermarkTracker;
  private readonly ended = new Set<string>();
  private readonly restarts: RestartTracker;
  private lastSnapshot: Uint8Array | undefined;
  private pendingCheckpoints: number[] = [];
  private stopRequested = false;
  private failed = false;
  /** Inputs whose stream was stopped rather than exhausted (a drain): this one is stopped too. */
  private stoppedInputs = 0;
  /** The source's stream is exhausted (produce() said 'done'), not stopped. */
  private exhausted = false;
  /** The actor said it has nothing to send (ctx.emitIdle), until it emits again. */
  private actorIdle = false;
  /** 'idle' was forwarded and nothing was sent since. */
  private idleSent = false;
  /** Watermark alignment was told this instance is idle (and not since that it is not). */
  private reportedIdle = false;
  private lastEmittedWatermark = Number.NEGATIVE_INFINITY;
  private readonly watermarkIntervalMs: number;
  /** The newest watermark the actor generated, and when the next one may be sent. */
  private generatedWatermark = Number.NEGATIVE_INFINITY;
  private nextWatermarkAt = Number.NEGATIVE_INFINITY;
  private watermarkTimer: (() => void) | null = null;
  private readonly labels: ReturnType<typeof instanceLabels>;

  constructor(
    readonly ref: InstanceRef,
    readonly stage: StageSpec,
    private readonly factory: ActorFactory,
    private readonly inputs: Map<string, Link>,
    private readonly host: InstanceHost,
    restart: RestartPolicy,
    timing: { watermarkIntervalMs: number },
    initialSnapshot: Uint8Array | undefined,
  ) {
    this.watermarkIntervalMs = timing.watermarkIntervalMs;
    this.id = `${ref.stage}/${ref.partition}`;
    this.aligner = new BarrierAligner(new Set(inputs.keys()));
    this.watermarks = new WatermarkTracker([...inputs.keys()]);
    this.restarts = new RestartTracker(restart);
    this.lastSnapshot = initialSnapshot;
    this.labels = instanceLabels(host.pipeline, ref.stage, ref.partition);
    // Series exist from the start (at 0), so dashboards and alerts see them before the first event.
    host.metrics.restarts.inc(this.labels, 0);
    host.metrics.recordsIn.inc(this.labels, 0);
  }

  get watermark(): number {
    return this.watermarks.watermark;
  }

  async start(): Promise<void> {
    this.ctx = this.host.buildContext(this);
    await this.createActor();
  }

  /** Sources: inject a barrier between two produce() calls. */
  requestCheckpoint(checkpoint: number): void {
    this.pendingCheckpoints.push(checkpoint);
  }

  /** The supervisor saved `checkpoint`. Failures here are logged, never fatal: the next one retries. */
  async notifyCheckpointComplete(checkpoint: number): Promise<void> {
    if (this.failed || !this.actor?.onCheckpointComplete) return;
    await Promise.resolve(this.actor.onCheckpointComplete(checkpoint)).catch((e: unknown) =>
      this.ctx.log.warn('checkpoint-complete hook failed; a later checkpoint will retry', { checkpoint, error: errorMessage(e) }),
    );
  }

  /** The host was disposed (failover): stop timers so nothing of this instance runs on. */
  abandon(): void {
    this.failed = true;
    this.stopRequested = true;
    this.watermarkTimer?.();
    this.watermarkTimer = null;
  }

  /** Sources: stop producing, close, and send end-of-stream downstream. */
  requestStop(): void {
    this.stopRequested = true;
  }

  async run(): Promise<void> {
    try {
      if (this.stage.source) await this.runSource();
      else await this.runOperator();
    } catch (e) {
      if (!(e instanceof Escalated)) {
        this.failed = true;
        this.host.failed(this.id, e);
      }
    } finally {
      this.watermarkTimer?.();
    }
  }

  private async runSource(): Promise<void> {
    for (;;) {
      for (const cp of this.pendingCheckpoints.splice(0)) await this.completeCheckpoint(cp);
      if (this.stopRequested) break;
      // Held by watermark alignment: checkpoints and stops are still taken between waits.
      if (this.host.isHeld(this.id)) {
        await new Promise<void>((r) => this.host.clock.setTimer(5, r));
        continue;
      }
      const result: { status: SourceStatus } = { status: 'more' };
      await this.withRestart(async (a) => {
        result.status = (await a.produce?.()) ?? 'done';
      });
      const status = result.status;
      if (status === 'done') {
        this.exhausted = true;
        break;
      }
      if (status === 'idle') await new Promise<void>((r) => this.host.clock.setTimer(5, r));
    }
    for (const cp of this.pendingCheckpoints.splice(0)) await this.completeCheckpoint(cp);
    await this.finish();
  }

  private async runOperator(): Promise<void> {
    while (this.ended.size < this.inputs.size) {
      const mail = await this.mailbox.take((l) => this.aligner.isBlocked(l));
      this.host.metrics.mailboxDepth.set(this.labels, this.mailbox.depth);
      await this.dispatch(mail);
    }
    await this.finish();
  }

  private async dispatch(mail: Mail): Promise<void> {
    const link = this.inputs.get(mail.link);
    if (!link) throw new Error(`${this.id}: mail from unknown link ${mail.link}`);
    const env = mail.env;
    switch (env.kind) {
      case 'data':
      case 'local-data': {
        // An idle input speaks again: it holds the watermark from now on (what it held before).
        await this.advanceWatermark(this.watermarks.activity(mail.link));
        const records = env.kind === 'data' ? decodeBatch<unknown>(env.bytes) : env.records;
        const info: BatchInfo = { link: mail.link, fromStage: link.from.stage, fromPartition: link.from.partition };
        this.host.metrics.recordsIn.inc(this.labels, records.length);
        const end = this.host.metrics.batchDuration.startTimer(this.labels);
        await this.withRestart((a) => a.handle?.(records, info));
        end();
        this.host.returnCredit(link);
        if (this.idleSent) await this.updateIdle();
        return;
      }
      case 'shared':
        throw new Error(`${this.id}: a shared batch reached the mailbox without crossing a thread`);
      case 'watermark':
        await this.advanceWatermark(this.watermarks.update(mail.link, env.ts));
        return this.updateIdle();
      case 'idle':
        await this.advanceWatermark(this.watermarks.markIdle(mail.link));
        return this.updateIdle();
      case 'barrier': {
        const ev = this.aligner.onBarrier(mail.link, env.checkpoint, this.ended);
        if (ev.kind === 'aligned') await this.completeCheckpoint(ev.checkpoint);
        return;
      }
      case 'end': {
        this.ended.add(mail.link);
        if (!env.finished) this.stoppedInputs++;
        await this.advanceWatermark(this.watermarks.end(mail.link, env.finished));
        await this.updateIdle();
        const ev = this.aligner.onEnd(this.ended);
        if (ev?.kind === 'aligned') await this.completeCheckpoint(ev.checkpoint);
        return;
      }
      default: {
        const never: never = env;
        throw new Error(`unknown envelope ${JSON.stringify(never)}`);
      }
    }
  }

  private async advanceWatermark(wm: number | null): Promise<void> {
    if (wm === null) return;
    this.host.metrics.watermarkLag.set(this.labels, Math.max(0, (this.host.clock.now() - wm) / 1000));
    await this.withRestart((a) => a.onWatermark?.(wm));
    await this.emitWatermark(wm);
  }

  private async completeCheckpoint(checkpoint: number): Promise<void> {
    await this.withRestart((a) => a.onBarrier?.(checkpoint));
    // Encoded here, on the actor's thread: the bytes are what the checkpoint stores, and an
    // in-place restart restores from them (not from objects the actor goes on mutating).
    const snapshot = encodeSnapshot(this.actor.snapshot?.());
    this.lastSnapshot = snapshot;
    await this.host.forwardControl(this.ref, { kind: 'barrier', checkpoint });
    this.host.ack(checkpoint, this.id, snapshot);
    this.mailbox.nudge();
  }

  /**
   * End of this instance's stream: flush (close), send a held watermark and the end downstream,
   * and report the final state, which the supervisor saves as the final checkpoint once every
   * instance has ended, so a restart of a finished run resumes after its last record.
   */
  private async finish(): Promise<void> {
    await this.withRestart((a) => a.close?.());
    const snapshot = encodeSnapshot(this.actor.snapshot?.());
    // A watermark held back by the interval goes before the end of the stream.
    await this.flushGeneratedWatermark();
    const finished = this.stage.source ? this.exhausted : this.stoppedInputs === 0;
    await this.host.forwardControl(this.ref, { kind: 'end', finished });
    this.host.ended(this.id, snapshot);
  }

  private async flushGeneratedWatermark(): Promise<void> {
    this.watermarkTimer?.();
    this.watermarkTimer = null;
    await this.emitWatermark(this.generatedWatermark);
  }

  /**
   * The actor has nothing to send for now (a source partition with nothing to read): downstream
   * stops waiting for its watermark until it sends data or a watermark again.
   */
  async declareIdle(): Promise<void> {
    await this.flushGeneratedWatermark();
    this.actorIdle = true;
    await this.updateIdle();
  }

  /** The actor sent data or a watermark: it is active (downstream learns it from what it gets). */
  noteActive(): void {
    this.actorIdle = false;
    this.idleSent = false;
    if (this.reportedIdle) {
      this.reportedIdle = false;
      if (this.generatedWatermark > Number.NEGATIVE_INFINITY) this.host.reportWatermark(this.id, this.generatedWatermark);
    }
  }

  /** Forward 'idle' once when this instance becomes idle (the actor said so, or every input is). */
  private async updateIdle(): Promise<void> {
    if (!(this.actorIdle || this.watermarks.idle)) {
      this.idleSent = false;
      return;
    }
    if (this.idleSent) return;
    this.idleSent = true;
    if (this.generatedWatermark > Number.NEGATIVE_INFINITY) {
      this.reportedIdle = true;
      this.host.reportWatermark(this.id, IDLE_WATERMARK);
    }
    await this.withRestart((a) => a.onIdle?.());
    await this.host.forwardControl(this.ref, { kind: 'idle' });
  }

  /**
   * A watermark the actor generates itself (sources, or the stage that reads event times from
   * the data): sent at once if the watermark interval is up, else the newest one generated is
   * sent when it is. Data the actor emits meanwhile goes ahead of it, which is safe: a
   * watermark only says what older records are late, and it was derived from records already
   * sent. Which records are late is not decided by when watermarks arrive (see parse and
   * docs/architecture.md, "Event time"): only when results are emitted depends on it.
   */
  async generateWatermark(ts: number): Promise<void> {
    if (ts <= this.generatedWatermark) return;
    this.generatedWatermark = ts;
    this.reportedIdle = false;
    this.host.reportWatermark(this.id, ts);
    if (this.watermarkTimer) return;
    const wait = this.nextWatermarkAt - this.host.clock.now();
    if (wait <= 0) return this.sendGeneratedWatermark();
    this.watermarkTimer = this.host.clock.setTimer(wait, () => {
      this.watermarkTimer = null;
      if (!this.failed) this.sendGeneratedWatermark().catch((e: unknown) => this.host.failed(this.id, e));
    });
  }

  private sendGeneratedWatermark(): Promise<void> {
    this.nextWatermarkAt = this.host.clock.now() + this.watermarkIntervalMs;
    return this.emitWatermark(this.generatedWatermark);
  }

  /** Forward a watermark, if it moves past everything this instance has sent so far. */
  async emitWatermark(ts: number): Promise<void> {
    if (ts <= this.lastEmittedWatermark) return;
    this.lastEmittedWatermark = ts;
    this.noteActive();
    await this.host.forwardControl(this.ref, { kind: 'watermark', ts });
  }

  private async createActor(): Promise<void> {
    this.actor = await this.factory(this.stage.options, this.ref);
    await this.actor.init?.(this.ctx);
    if (this.lastSnapshot !== undefined && this.actor.restore) this.actor.restore(decodeSnapshot(this.lastSnapshot));
  }

  /** Run `fn`; on failure of an in-place stage, recreate the actor (from its last snapshot) and run it again. */
  private async withRestart(fn: (a: Actor) => unknown): Promise<void> {
    for (;;) {
      if (this.failed) throw new Escalated();
      try {
        await fn(this.actor);
        return;
      } catch (e) {
        // Stages without in-place restart, and non-retriable errors (in-flight work already
        // lost), go to the supervisor, which recovers the pipeline from its last checkpoint.
        const inPlace = this.stage.restart === 'in-place' && !(e instanceof ActorError && !e.retriable);
        const delay = inPlace ? this.restarts.onFailure(this.host.clock.now()) : null;
        if (delay === null) {
          this.failed = true;
          this.host.failed(this.id, e);
          throw new Escalated(errorMessage(e));
        }
        this.host.metrics.restarts.inc(this.labels);
        this.host.restarted(this.id, this.restarts.recentFailures, e);
        await new Promise<void>((r) => this.host.clock.setTimer(delay, r));
        try {
          await this.actor.close?.();
        } catch {
          // The failed actor's own cleanup may fail too; the new instance starts clean.
        }
        await this.createActor();
      }
    }
  }

  get context(): ActorContext {
    return this.ctx;
  }
}
