// Exact floating-point sums, so an aggregate does not depend on the order its values arrived in.
// Adding doubles rounds at every step, and records of several partitions reach a window in an
// order that thread timing decides: a plain `+=` gives sums (and means, VWAPs) that differ in
// their last bits from run to run. This keeps the sum exactly as a few non-overlapping partials
// (Shewchuk's algorithm, as Python's math.fsum) and rounds once, correctly, when read: the same
// values in any order give the same double.

export interface ExactSum {
  /** Non-overlapping partials, increasing in magnitude; their exact sum is the sum. */
  p: number[];
  /** Sum of the non-finite values added (±Infinity, NaN): order-independent on its own. */
  s: number;
}

export const emptySum = (): ExactSum => ({ p: [], s: 0 });

export function addExact(acc: ExactSum, value: number): void {
  let x = value;
  if (!Number.isFinite(x)) {
    acc.s += x;
    return;
  }
  const p = acc.p;
  let i = 0;
  for (let j = 0; j < p.length; j++) {
    let y = p[j];
    if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
    const hi = x + y;
    const lo = y - (hi - x);
    if (lo !== 0) p[i++] = lo;
    x = hi;
  }
  p.length = i;
  // A sum past the largest double: its sign is all that is left of it.
  if (!Number.isFinite(x)) acc.s += x;
  else if (x !== 0 || i === 0) p.push(x);
}

/** Add every value of `other` into `acc` (exact). */
export function mergeExact(acc: ExactSum, other: ExactSum): void {
  for (const x of other.p) addExact(acc, x);
  acc.s += other.s;
}

/** The exact sum rounded to the nearest double (ties to even), as math.fsum does. */
export function exactValue(acc: ExactSum): number {
  if (acc.s !== 0) return acc.s; // ±Infinity or NaN
  const p = acc.p;
  let n = p.length;
  if (n === 0) return 0;
  let hi = p[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = p[--n];
    hi = x + y;
    lo = y - (hi - x);
    if (lo !== 0) break;
  }
  // Round half-way cases correctly: the partials below may push `lo` over the half.
  if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}
