// Watermark of a stage instance: the minimum over its inputs' watermarks. An input that has
// been silent for `idleTimeoutMs` (wall time) stops holding the watermark back until it speaks
// again. Pure and clock-driven, so it is unit-tested without threads.

export class WatermarkTracker {
  private readonly inputs = new Map<string, { wm: number; lastSeen: number; ended: boolean }>();
  private current = Number.NEGATIVE_INFINITY;

  constructor(
    inputIds: readonly string[],
    private readonly idleTimeoutMs: number,
    now: number,
  ) {
    for (const id of inputIds) this.inputs.set(id, { wm: Number.NEGATIVE_INFINITY, lastSeen: now, ended: false });
  }

  get watermark(): number {
    return this.current;
  }

  /** Note activity on an input (any envelope), so it is not considered idle. */
  touch(input: string, now: number): void {
    const s = this.inputs.get(input);
    if (s) s.lastSeen = now;
  }

  /** Returns the new stage watermark if it advanced, else null. */
  update(input: string, ts: number, now: number): number | null {
    const s = this.inputs.get(input);
    if (!s) throw new Error(`watermark from unknown input ${input}`);
    s.lastSeen = now;
    if (ts > s.wm) s.wm = ts;
    return this.recompute(now);
  }

  /** An ended input no longer holds the watermark back. */
  end(input: string, now: number): number | null {
    const s = this.inputs.get(input);
    if (s) s.ended = true;
    return this.recompute(now);
  }

  /** Re-evaluate idleness (call periodically). Returns the new watermark if it advanced. */
  recompute(now: number): number | null {
    let min = Number.POSITIVE_INFINITY;
    let anyActive = false;
    for (const s of this.inputs.values()) {
      if (s.ended) continue;
      if (this.idleTimeoutMs > 0 && now - s.lastSeen >= this.idleTimeoutMs) continue;
      anyActive = true;
      if (s.wm < min) min = s.wm;
    }
    if (!anyActive) {
      // Every input idle or ended: the furthest watermark seen is safe for the idle ones.
      min = Number.NEGATIVE_INFINITY;
      for (const s of this.inputs.values()) if (s.wm > min) min = s.wm;
    }
    if (min > this.current && Number.isFinite(min)) {
      this.current = min;
      return min;
    }
    return null;
  }
}
