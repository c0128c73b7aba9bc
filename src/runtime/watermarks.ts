// Watermark of a stage instance: the minimum over its inputs' watermarks. Pure and driven only
// by what arrives on the inputs, in their order — never by the wall clock — so the watermark an
// instance reaches, and what it declares late, does not depend on thread timing.
//
// Each input is in one of these states:
// - active: counts with the last watermark it sent;
// - idle: its upstream said so in-band (a source with nothing to read for IDLE_TIMEOUT, and
//   every stage whose inputs are all idle): it stops holding the watermark back until it sends
//   data or a watermark again (Flink's WatermarkStatus). Backpressure never makes an input idle;
// - finished: its stream is exhausted; it no longer holds the watermark back;
// - stopped: its stream was stopped (a drain) and resumes after a restart: it keeps holding the
//   watermark at its last value, so a stop emits nothing a resumed run would not.
// With no active input the watermark holds, except when every input has finished: then it is the
// furthest one seen (the end of a bounded run).

type End = 'finished' | 'stopped';

interface InputState {
  wm: number;
  idle: boolean;
  end: End | null;
}

export class WatermarkTracker {
  private readonly inputs = new Map<string, InputState>();
  private current = Number.NEGATIVE_INFINITY;

  constructor(inputIds: readonly string[]) {
    for (const id of inputIds) this.inputs.set(id, { wm: Number.NEGATIVE_INFINITY, idle: false, end: null });
  }

  get watermark(): number {
    return this.current;
  }

  /** Every input that has not finished is idle (and there is one): this instance is idle too. */
  get idle(): boolean {
    let any = false;
    for (const s of this.inputs.values()) {
      if (s.end === 'finished') continue;
      if (!s.idle || s.end === 'stopped') return false;
      any = true;
    }
    return any;
  }

  /** Data arrived on an input: it is active again. Returns the new watermark if it moved. */
  activity(input: string): number | null {
    const s = this.state(input);
    if (!s.idle) return null;
    s.idle = false;
    return this.recompute();
  }

  /** Returns the new stage watermark if it advanced, else null. */
  update(input: string, ts: number): number | null {
    const s = this.state(input);
    s.idle = false;
    if (ts > s.wm) s.wm = ts;
    return this.recompute();
  }

  /** The input's upstream is idle: it stops holding the watermark back. */
  markIdle(input: string): number | null {
    this.state(input).idle = true;
    return this.recompute();
  }

  /** The input's stream ended: exhausted (`finished`) or stopped by a drain. */
  end(input: string, finished: boolean): number | null {
    this.state(input).end = finished ? 'finished' : 'stopped';
    return this.recompute();
  }

  private state(input: string): InputState {
    const s = this.inputs.get(input);
    if (!s) throw new Error(`watermark from unknown input ${input}`);
    return s;
  }

  private recompute(): number | null {
    let min = Number.POSITIVE_INFINITY;
    let counted = 0;
    let allFinished = true;
    let furthest = Number.NEGATIVE_INFINITY;
    for (const s of this.inputs.values()) {
      if (s.wm > furthest) furthest = s.wm;
      if (s.end === 'finished') continue;
      allFinished = false;
      if (s.idle && s.end !== 'stopped') continue;
      counted++;
      if (s.wm < min) min = s.wm;
    }
    const next = counted > 0 ? min : allFinished ? furthest : Number.NEGATIVE_INFINITY;
    if (next > this.current && Number.isFinite(next)) {
      this.current = next;
      return next;
    }
    return null;
  }
}
