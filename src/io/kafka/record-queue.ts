// The queue of one topic partition in the consumer hub: fetched records held as bytes until a
// source takes them. A fetch brings thousands of records per partition at once and a source
// takes a batch at a time, so records wait in the queue for many young-generation collections.
// Held as objects with strings they were all copied by each collection and then promoted (about
// 95 MB per 300,000 tweets on the main thread, collected again in the old generation); held as
// one buffer per fetched batch they cost the collector nothing. A record becomes an object
// (and its value a string) when it is taken, just before the source emits it.

import { isUtf8 } from 'node:buffer';
import { SHUFFLE_TOPIC } from './client.js';
import type { HubRecord, HubTopic } from './consumer-hub.js';

/** A fetched record as the Kafka client gives it (kafkajs's message, the fields the hub reads). */
export interface FetchedRecord {
  offset: string;
  /** The producer's timestamp (ms, as text). */
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
}

const NULL_KEY = 1;
const NULL_VALUE = 2;

/** The records of one fetched batch: per record, its key's bytes then its value's, back to back. */
class Chunk {
  /** The next record to take. */
  head = 0;

  constructor(
    readonly offsets: Float64Array,
    readonly timestamps: Float64Array,
    /** ends[2i]: where record i's key ends; ends[2i + 1]: where its value ends. */
    readonly ends: Uint32Array,
    readonly nulls: Uint8Array,
    readonly bytes: Buffer,
  ) {}

  /** records[from..] (`now` stands in for a missing timestamp). */
  static of(records: readonly FetchedRecord[], from: number, now: number): Chunk {
    const n = records.length - from;
    let size = 0;
    for (let i = from; i < records.length; i++) size += (records[i].key?.length ?? 0) + (records[i].value?.length ?? 0);
    const bytes = Buffer.allocUnsafeSlow(size);
    const offsets = new Float64Array(n);
    const timestamps = new Float64Array(n);
    const ends = new Uint32Array(2 * n);
    const nulls = new Uint8Array(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const r = records[from + i];
      offsets[i] = Number(r.offset);
      timestamps[i] = Number(r.timestamp) || now;
      if (r.key) at += r.key.copy(bytes, at);
      else nulls[i] |= NULL_KEY;
      ends[2 * i] = at;
      if (r.value) at += r.value.copy(bytes, at);
      else nulls[i] |= NULL_VALUE;
      ends[2 * i + 1] = at;
    }
    return new Chunk(offsets, timestamps, ends, nulls, bytes);
  }

  /** Record i as the hub hands it out: the repartition topic's value as bytes, others' as text. */
  record(topic: HubTopic, partition: number, i: number): HubRecord {
    const start = i === 0 ? 0 : this.ends[2 * i - 1];
    const keyEnd = this.ends[2 * i];
    const end = this.ends[2 * i + 1];
    const offset = this.offsets[i];
    const ingestTs = this.timestamps[i];
    // Its own copy: the chunk goes once every record is taken.
    if (topic === SHUFFLE_TOPIC) return { topic, partition, offset, key: null, value: '', bytes: Buffer.from(this.bytes.subarray(keyEnd, end)), ingestTs };
    const key = this.nulls[i] & NULL_KEY ? null : this.bytes.toString('utf8', start, keyEnd);
    if (this.nulls[i] & NULL_VALUE) return { topic, partition, offset, key, value: '', ingestTs };
    const bytes = this.bytes.subarray(keyEnd, end);
    const r: HubRecord = { topic, partition, offset, key, value: bytes.toString('utf8'), ingestTs };
    if (!isUtf8(bytes)) r.notUtf8 = true;
    return r;
  }
}

export class RecordQueue {
  private chunks: Chunk[] = [];
  private size = 0;

  constructor(
    private readonly topic: HubTopic,
    private readonly partition: number,
  ) {}

  /** Records queued. */
  get length(): number {
    return this.size;
  }

  /** The offset of the first queued record, if any. */
  headOffset(): number | undefined {
    const c = this.chunks[0];
    return c ? c.offsets[c.head] : undefined;
  }

  /**
   * Queue records[from..] (in offset order, after what is queued); they are copied. A record
   * without a timestamp gets `now`.
   */
  push(records: readonly FetchedRecord[], now: number, from = 0): void {
    if (from >= records.length) return;
    this.chunks.push(Chunk.of(records, from, now));
    this.size += records.length - from;
  }

  /** Up to `max` records from the front, in offset order, those before offset `end` only. */
  take(max: number, end: number): HubRecord[] {
    const out: HubRecord[] = [];
    while (out.length < max && this.chunks.length > 0) {
      const c = this.chunks[0];
      while (out.length < max && c.head < c.offsets.length && c.offsets[c.head] < end) out.push(c.record(this.topic, this.partition, c.head++));
      if (c.head < c.offsets.length) break; // `max` taken or `end` reached
      this.chunks.shift();
    }
    this.size -= out.length;
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }
}
