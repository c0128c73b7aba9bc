// Every message that crosses a thread boundary, as one typed union per direction.

import type { MessagePort } from 'node:worker_threads';
import type { TopologySpec } from './topology.js';

/**
 * A batch packed once for several links (host.ts). It crosses to each thread once: the first of
 * its envelopes sent to a thread carries the bytes, the others only `shared`, and the receiving
 * host decodes it once for all of them.
 */
export interface SharedBatch {
  id: number;
  bytes: Uint8Array;
  count: number;
  /** How many of its envelopes go to each host, and to all of them. */
  copies: Map<number, number>;
  envelopes: number;
  /** The hosts its bytes have been sent to. */
  sent: Set<number>;
}

/** What travels on a link, in order: data and control share the channel and overtake nothing. */
export type Envelope =
  | { kind: 'data'; bytes: Uint8Array; count: number; shared?: { from: number; id: number; copies: number } }
  | { kind: 'local-data'; records: unknown[]; keys?: string[] }
  /** Only on the sending side: the host turns it into 'data' as it leaves the thread. */
  | { kind: 'shared'; batch: SharedBatch }
  | { kind: 'watermark'; ts: number }
  | { kind: 'barrier'; checkpoint: number }
  /** The sender has nothing to send for now (its sources are idle): do not wait for its watermark. */
  | { kind: 'idle' }
  /** The sender's stream ended: exhausted (`finished`), or stopped by a drain (resumable). */
  | { kind: 'end'; finished: boolean };

/** Between hosts (peer to peer). */
export type PeerMessage =
  | { t: 'deliver'; link: string; to: string; env: Envelope }
  /** One credit per entry of `links` (a link may appear several times). */
  | { t: 'credit'; links: string[] };

/** Supervisor -> host. */
export type HostCommand =
  | { t: 'init'; hostId: number; topology: TopologySpec; placement: [string, number][]; snapshots: Record<string, Uint8Array>; settings: HostSettings }
  | { t: 'peer'; hostId: number; port: MessagePort }
  | { t: 'start' }
  | { t: 'checkpoint'; checkpoint: number }
  | { t: 'checkpoint-complete'; checkpoint: number }
  | { t: 'drain' }
  | { t: 'metrics'; requestId: number }
  /** The result of an `offload` event: the task's return value, or why it failed. */
  | { t: 'offloaded'; id: number; result?: unknown; error?: string }
  /** Watermark alignment: the source instances that must not produce for now (alignment.ts). */
  | { t: 'align'; held: string[] }
  | { t: 'shutdown' };

/** Host -> supervisor. */
export type HostEvent =
  | { t: 'ready'; hostId: number }
  | { t: 'ack'; checkpoint: number; instance: string; snapshot: Uint8Array | undefined }
  /** The instance ended; `snapshot` is its state after its last record (the final checkpoint's). */
  | { t: 'ended'; instance: string; snapshot: Uint8Array | undefined }
  | { t: 'restarted'; instance: string; attempt: number; error: string }
  | { t: 'failed'; instance: string; error: string; stack?: string }
  | { t: 'metrics'; requestId: number; metrics: unknown[] }
  /** Run `task` on the supervisor's Piscina pool for an actor of worker host `hostId`; `transfer`: its buffers that move on to the pool. */
  | { t: 'offload'; hostId: number; id: number; task: unknown; transfer: ArrayBuffer[] }
  | { t: 'log'; level: 'info' | 'warn' | 'error'; msg: string; fields?: Record<string, unknown> }
  /** Watermark alignment: instances' newest generated watermarks ([instance, ts]; Infinity: idle). */
  | { t: 'watermarks'; marks: [string, number][] };

export interface HostSettings {
  pipeline: string;
  restart: { minMs: number; maxMs: number; jitter: number; maxRestarts: number; withinMs: number };
  /**
   * An actor's own watermarks (ctx.emitWatermark) are sent at most this often, the newest one
   * when the interval is up (0 = each at once). Flink's auto-watermark interval: a watermark
   * after every batch costs a control envelope on every output link of every stage downstream.
   */
  watermarkIntervalMs: number;
  /**
   * Watermark alignment (alignment.ts): the most a watermark-generating instance may run ahead of
   * its stage's slowest active instance before the sources feeding it are held, in ms of event
   * time; 0 turns alignment off.
   */
  watermarkAlignmentMs: number;
  /** Nice value of the worker threads hosting actors (0 = normal priority). */
  workerNice: number;
  /**
   * The tasks (partition numbers) this process runs in this launch; null: all. Instances of other
   * tasks are placeholders that end at once: another replica runs them (DESIGN.md §5).
   */
  tasks: number[] | null;
}

export function peerMessageTransfer(m: PeerMessage): ArrayBuffer[] {
  return m.t === 'deliver' && m.env.kind === 'data' ? [m.env.bytes.buffer as ArrayBuffer] : [];
}
