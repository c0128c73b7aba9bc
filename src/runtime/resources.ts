// A scope of shared resources (connections, clients) with one owner that closes them. The actors
// of one host share what they ask for under the same key: the first ask opens it, later asks get
// the same one, and the owner's closeAll() closes each once, the last opened first.
//
// Ownership: a worker thread's host-worker owns its thread's scope; on the main thread the
// composition root gives the Supervisor one that outlives every launch (a relaunch after a
// rebalance keeps the consumer-group member and the partition writers), or the Supervisor makes
// its own and closes it at shutdown. The runtime never looks inside a resource: keys and what
// they open belong to the adapters that ask (e.g. io/kafka).

/** An open resource's release. */
export type Close<T> = (resource: T) => void | Promise<void>;

interface Entry {
  value: Promise<unknown>;
  close?: Close<unknown>;
}

export class ResourcesClosedError extends Error {
  constructor(key: string) {
    super(`resource ${key} was asked for after its scope was closed`);
    this.name = 'ResourcesClosedError';
  }
}

export class Resources {
  private readonly entries = new Map<string, Entry>();
  /** Keys in the order their opening succeeded (closed in reverse). */
  private readonly opened: string[] = [];
  private closing: Promise<void> | null = null;

  /**
   * The resource of `key`, opened by `open` on the first ask; concurrent and later asks get the
   * same one (T is the caller's promise: one key, one kind of resource). A failed open is not
   * kept: the next ask opens again. `close` runs once, at closeAll().
   */
  get<T>(key: string, open: () => T | Promise<T>, close?: Close<T>): Promise<T> {
    if (this.closing) return Promise.reject(new ResourcesClosedError(key));
    const found = this.entries.get(key);
    if (found) return found.value as Promise<T>;
    const entry: Entry = { value: Promise.resolve().then(open), close: close as Close<unknown> | undefined };
    this.entries.set(key, entry);
    entry.value.then(
      () => this.opened.push(key),
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value as Promise<T>;
  }

  /** Whether `key` is open or opening. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /**
   * Close every resource once, the last opened first, after any open in progress settles.
   * Every close runs even if one fails; the first failure is thrown at the end. Idempotent.
   */
  closeAll(): Promise<void> {
    this.closing ??= this.closeEntries();
    return this.closing;
  }

  private async closeEntries(): Promise<void> {
    await Promise.allSettled([...this.entries.values()].map((e) => e.value));
    const errors: unknown[] = [];
    for (const key of this.opened.reverse()) {
      const entry = this.entries.get(key);
      if (!entry) continue;
      try {
        await entry.close?.(await entry.value);
      } catch (e) {
        errors.push(e);
      }
    }
    this.entries.clear();
    this.opened.length = 0;
    if (errors.length > 0) throw errors[0];
  }
}
