// The contrastive "but" rule (_but_check) with the reference's exact semantics but without its
// quadratic list.index() scans. The reference does, for k = 0..n-1:
//   v = s[k]; j = s.index(v)   (first position currently holding a value equal to v, j <= k)
//   s[j] = v * 0.5 if j < but, v * 1.5 if j > but
// so when equal values occur, the scaling lands on the earlier position, possibly on the other
// side of "but". Here every position p <= k sits in the class of its current value; a class is a
// min-heap of positions, so "first position holding v" is its top: O(log n) per token at worst,
// O(1) when values are distinct (the usual case). Zeros are skipped: 0 * f is still 0.

export class ButRule {
  // value -> position (a one-member class) or a min-heap of positions (rare: equal valences).
  private readonly classes = new Map<number, number | number[]>();
  /** Heap moves of the last call, for cost tests. */
  work = 0;

  apply(s: Float64Array, n: number, but: number): void {
    this.work = 0;
    for (let k = 0; k < n; k++) {
      const v = s[k];
      if (v === 0) continue;
      this.add(v, k);
      const j = this.takeFirst(v);
      if (j === but) {
        this.add(v, j);
        continue;
      }
      const w = v * (j < but ? 0.5 : 1.5);
      s[j] = w;
      this.add(w, j);
    }
    this.classes.clear();
  }

  private add(value: number, position: number): void {
    const c = this.classes.get(value);
    this.work++;
    if (c === undefined) {
      this.classes.set(value, position);
    } else if (typeof c === 'number') {
      this.classes.set(value, c < position ? [c, position] : [position, c]);
    } else {
      this.work += heapPush(c, position);
    }
  }

  /** Removes and returns the smallest position holding `value` (the class is never empty here). */
  private takeFirst(value: number): number {
    const c = this.classes.get(value) as number | number[];
    if (typeof c === 'number') {
      this.classes.delete(value);
      return c;
    }
    const first = c[0];
    this.work += heapPop(c);
    if (c.length === 1) this.classes.set(value, c[0]);
    return first;
  }
}

/** Min-heap insert; returns the number of levels moved. */
function heapPush(h: number[], x: number): number {
  let i = h.length;
  let steps = 0;
  h.push(x);
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (h[parent] <= x) break;
    h[i] = h[parent];
    i = parent;
    steps++;
  }
  h[i] = x;
  return steps;
}

/** Min-heap removal of the top; returns the number of levels moved. */
function heapPop(h: number[]): number {
  const last = h.pop() as number;
  if (h.length === 0) return 0;
  let i = 0;
  let steps = 0;
  for (;;) {
    steps++;
    const l = 2 * i + 1;
    if (l >= h.length) break;
    const r = l + 1;
    const m = r < h.length && h[r] < h[l] ? r : l;
    if (h[m] >= last) break;
    h[i] = h[m];
    i = m;
  }
  h[i] = last;
  return steps;
}
