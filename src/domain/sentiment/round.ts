// Python's round(x, ndigits) for floats: the exact binary value is rounded to ndigits decimals,
// ties to even, and the decimal result is read back as the nearest double. The fast path decides
// from x * 10^n, whose error (< 1e-11 for |x| <= 10^4) cannot move a value across a rounding
// boundary unless it sits within 1e-7 of a half; those few go through the exact decimal
// expansion that Number#toFixed gives.

const SCALES = [1, 10, 100, 1000, 10000, 100000];
const TIE_WINDOW = 1e-7;
// Digits of exact expansion looked at near a tie: a double that is not a tie differs from the
// nearest tie by far more than 10^-(ndigits + 30) for every value that can round to non-zero.
const EXTRA_DIGITS = 30;

export function pyRound(x: number, ndigits: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const scale = SCALES[ndigits] ?? 10 ** ndigits;
  const ax = Math.abs(x);
  const y = ax * scale;
  if (y >= 2 ** 52) return x;
  const floor = Math.floor(y);
  const frac = y - floor;
  const r = Math.abs(frac - 0.5) > TIE_WINDOW ? (frac < 0.5 ? floor : floor + 1) : roundNearTie(ax, ndigits);
  const rounded = r / scale;
  return x < 0 ? -rounded : rounded;
}

/** Integer r such that r / 10^ndigits is ax rounded half-to-even, from the exact decimal digits. */
function roundNearTie(ax: number, ndigits: number): number {
  const s = ax.toFixed(ndigits + EXTRA_DIGITS);
  const point = s.indexOf('.');
  const kept = Number(s.slice(0, point) + s.slice(point + 1, point + 1 + ndigits));
  const rest = s.slice(point + 1 + ndigits);
  const first = rest.charCodeAt(0) - 48;
  if (first < 5) return kept;
  if (first > 5) return kept + 1;
  for (let i = 1; i < rest.length; i++) if (rest.charCodeAt(i) !== 48) return kept + 1;
  return kept % 2 === 0 ? kept : kept + 1;
}
