// Micro-caching of the real-time endpoints: the answer to one distinct query (endpoint, symbol,
// limit, since) is reused for `ttlMs`, and concurrent identical queries share one store read.
// At 500 identical requests/s the store is read a few times a second instead of 500, so a
// popular query costs the server little CPU and its latency tail stays short when the pipeline
// competes for the cores. An answer is at most `ttlMs` older than the store (0 disables), which
// is well within the pipeline's own ingest-to-store latency. Bounded: at most `max` entries,
// the oldest dropped first; failures are not kept.
export class MicroCache {
  private readonly entries = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  get<T>(key: string, compute: () => Promise<T>): Promise<T> {
    if (this.ttlMs <= 0) return compute();
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && t - hit.at < this.ttlMs) return hit.value as Promise<T>;
    const value = compute();
    const entry = { at: t, value: value as Promise<unknown> };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value as string);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}
