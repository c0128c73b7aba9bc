// Event time of one input partition (partition p of every input topic), as the parse stage reads
// it. This is where lateness is decided, once, for every stage below: from the records of one
// topic partition in their offset order, which every run and every replay sees alike. Stages
// that merge partitions (windows, join) never re-decide it from when watermarks happen to arrive.
//
// - A record is late when its event time is older than its topic partition's watermark: the
//   greatest event time read before it in that topic partition, minus the allowed lateness.
//   (Or older than the watermark this partition already announced, which is only further ahead
//   when an idle topic partition resumes: see `markIdle`.)
// - The partition's watermark is the minimum over its topics' watermarks. A topic partition that
//   has read nothing yet holds it back, until its source says it is idle (nothing to read for
//   IDLE_TIMEOUT); an idle one stops holding it back until it reads a record again.

export class PartitionWatermark<Topic extends string = string> {
  /** Greatest event time read per topic partition. */
  private readonly max = new Map<Topic, number>();
  private readonly idle = new Set<Topic>();
  private announced = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly topics: readonly Topic[],
    private readonly allowedLatenessMs: number,
  ) {}

  /**
   * Read a record of `topic` with event time `t`. Returns the watermark it missed when it is late,
   * else null.
   */
  observe(topic: Topic, t: number): number | null {
    this.idle.delete(topic);
    const seen = this.max.get(topic) ?? Number.NEGATIVE_INFINITY;
    if (t > seen) this.max.set(topic, t);
    const watermark = Math.max(seen - this.allowedLatenessMs, this.announced);
    return t < watermark ? watermark : null;
  }

  /** The topic partition has nothing to read for now. */
  markIdle(topic: Topic): void {
    this.idle.add(topic);
  }

  /**
   * The partition's watermark now: a number (maybe -Infinity while a topic has read nothing), or
   * 'idle' when every topic partition is idle. Announcing it is the caller's: call `announce`.
   */
  current(): number | 'idle' {
    let min = Number.POSITIVE_INFINITY;
    let active = 0;
    for (const topic of this.topics) {
      if (this.idle.has(topic)) continue;
      active++;
      const wm = (this.max.get(topic) ?? Number.NEGATIVE_INFINITY) - this.allowedLatenessMs;
      if (wm < min) min = wm;
    }
    return active === 0 ? 'idle' : min;
  }

  /** The watermark was sent downstream: no record older than it may pass as on time any more. */
  announce(watermark: number): void {
    if (watermark > this.announced) this.announced = watermark;
  }

  /** Idle flags are not kept: after a restore a source says again what is idle. */
  snapshot(): { max: [Topic, number][]; announced: number | null } {
    return { max: [...this.max], announced: Number.isFinite(this.announced) ? this.announced : null };
  }

  restore(s: ReturnType<PartitionWatermark<Topic>['snapshot']>): void {
    this.max.clear();
    for (const [topic, t] of s.max) this.max.set(topic, t);
    this.idle.clear();
    this.announced = s.announced ?? Number.NEGATIVE_INFINITY;
  }
}
