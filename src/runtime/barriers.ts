// Checkpoint barrier alignment as a small state machine. An instance with several inputs blocks
// each input once its barrier for checkpoint n arrives, until all inputs have delivered it; then
// the checkpoint is complete at this instance and every input is released.

export type BarrierEvent =
  | { kind: 'waiting'; blocked: ReadonlySet<string> }
  | { kind: 'aligned'; checkpoint: number };

export class BarrierAligner {
  private pending: { checkpoint: number; seen: Set<string> } | null = null;

  constructor(private readonly inputs: ReadonlySet<string>) {}

  isBlocked(input: string): boolean {
    return this.pending?.seen.has(input) ?? false;
  }

  get checkpoint(): number | null {
    return this.pending?.checkpoint ?? null;
  }

  onBarrier(input: string, checkpoint: number, ended: ReadonlySet<string> = new Set()): BarrierEvent {
    if (!this.inputs.has(input)) throw new Error(`barrier from unknown input ${input}`);
    if (this.pending && this.pending.checkpoint !== checkpoint) {
      throw new Error(`barrier ${checkpoint} on ${input} while aligning ${this.pending.checkpoint}`);
    }
    this.pending ??= { checkpoint, seen: new Set() };
    this.pending.seen.add(input);
    return this.check(ended);
  }

  /** An input ended while aligning: it will never send the barrier, so stop waiting for it. */
  onEnd(ended: ReadonlySet<string>): BarrierEvent | null {
    return this.pending ? this.check(ended) : null;
  }

  private check(ended: ReadonlySet<string>): BarrierEvent {
    const p = this.pending!;
    for (const i of this.inputs) if (!p.seen.has(i) && !ended.has(i)) return { kind: 'waiting', blocked: p.seen };
    this.pending = null;
    return { kind: 'aligned', checkpoint: p.checkpoint };
  }
}
