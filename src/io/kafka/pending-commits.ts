// Offsets a Kafka source may commit only once the checkpoint that holds them is complete.

/**
 * The offsets a source snapshot at each checkpoint barrier, kept until that checkpoint completes:
 * only then may they be committed to the consumer group. Once the source has ended, every
 * checkpoint that completes later holds its final snapshot (the runtime stands it in for the
 * acknowledgements an ended instance cannot give), so those commit its final offsets: the final
 * checkpoint of a drained run commits where it stopped, and a rerun starts there.
 */
export class PendingCommits<T> {
  private readonly byCheckpoint = new Map<number, T>();
  private final: T | undefined;

  atBarrier(checkpoint: number, offsets: T): void {
    this.byCheckpoint.set(checkpoint, offsets);
  }

  /** The source ended with these offsets (its final snapshot). */
  atEnd(offsets: T): void {
    this.final = offsets;
  }

  /** The offsets of a completed checkpoint (undefined if it was not taken here); older ones are dropped. */
  completed(checkpoint: number): T | undefined {
    const offsets = this.byCheckpoint.get(checkpoint) ?? this.final;
    for (const id of this.byCheckpoint.keys()) if (id <= checkpoint) this.byCheckpoint.delete(id);
    return offsets;
  }
}
