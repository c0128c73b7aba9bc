// What a sentiment actor sends to the scoring pool: a batch of texts packed as UTF-8 into one
// buffer, with each text's end, so the task crosses threads by transfer (actor thread -> main
// thread -> pool thread) instead of as an array of strings. As strings, the main thread
// deserialised every text, serialised it again for the pool and held it until the scores came
// back, long enough for each to be promoted and collected in the old generation; as bytes it only
// moves two buffers. Texts reaching the pool were validated by parse (no lone surrogates), so
// their UTF-8 round trip is exact.

export interface ScoreTask {
  /** The texts' UTF-8 bytes, one after another. */
  utf8: Uint8Array;
  /** ends[i]: where text i ends in `utf8` (text i starts where i - 1 ends). */
  ends: Uint32Array;
}

/** Pack `texts`; the task's buffers are its own (not Node's shared pool), so they can be transferred. */
export function packTexts(texts: readonly string[]): ScoreTask {
  const ends = new Uint32Array(texts.length);
  let size = 0;
  for (let i = 0; i < texts.length; i++) {
    size += Buffer.byteLength(texts[i], 'utf8');
    ends[i] = size;
  }
  const utf8 = Buffer.from(new ArrayBuffer(size));
  let at = 0;
  for (let i = 0; i < texts.length; i++) at += utf8.write(texts[i], at, 'utf8');
  return { utf8, ends };
}

/** The buffers that move with a task (the sender must not touch them after). */
export const taskBuffers = (t: ScoreTask): ArrayBuffer[] => [t.utf8.buffer as ArrayBuffer, t.ends.buffer as ArrayBuffer];

/** Every text of a packed task, in order. */
export function unpackTexts(t: ScoreTask): string[] {
  const bytes = Buffer.from(t.utf8.buffer, t.utf8.byteOffset, t.utf8.byteLength);
  const out: string[] = new Array<string>(t.ends.length);
  let start = 0;
  for (let i = 0; i < t.ends.length; i++) {
    out[i] = bytes.toString('utf8', start, t.ends[i]);
    start = t.ends[i];
  }
  return out;
}
