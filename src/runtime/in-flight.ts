// Work a sink has started and not yet seen finish (Kafka sends, say), bounded. The sink returns
// from handle() without waiting for each piece, so a slow acknowledgement (or a first send that
// must read its partition's tail) does not hold its inputs' credits; it waits when more than
// `limit` is in flight, and at a barrier or close for all of it, so a checkpoint still covers only
// what is durable. The first failure is kept and thrown by the next call that waits: the actor
// fails there and the pipeline replays from its last checkpoint, as if the send had thrown.

export class InFlight {
  private readonly running = new Set<Promise<void>>();
  private weight = 0;
  private failure: { error: unknown } | null = null;

  /** `limit`: how much (in the weights given to add(), e.g. records) may be in flight. */
  constructor(private readonly limit: number) {}

  /** How much is in flight now. */
  get size(): number {
    return this.weight;
  }

  /** Track `work`, of `weight`; a failure of it is thrown by the next wait. */
  add(work: Promise<unknown>, weight: number): void {
    this.weight += weight;
    const tracked: Promise<void> = work
      .then(
        () => undefined,
        (e: unknown) => {
          this.failure ??= { error: e };
        },
      )
      .finally(() => {
        this.running.delete(tracked);
        this.weight -= weight;
      });
    this.running.add(tracked);
  }

  /** Wait until no more than the limit is in flight. Throws a failure seen so far. */
  async belowLimit(): Promise<void> {
    this.check();
    while (this.weight > this.limit && this.running.size > 0) await Promise.race(this.running);
    this.check();
  }

  /** Wait for everything in flight. Throws the first failure. */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    this.check();
  }

  private check(): void {
    if (this.failure) throw this.failure.error;
  }
}
