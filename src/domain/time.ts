// Event time. The seed's payloads carry `YYYY-MM-DD HH:MM:SS` (UTC); ISO-8601 with a zone or
// `Z` is accepted too. Impossible dates (Feb 30, hour 25) are rejected, not rolled over.

const SEED_FORM = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch milliseconds, or null when the text is not a valid timestamp. */
export function parseEventTime(text: string): number | null {
  const m = SEED_FORM.exec(text);
  if (!m) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const y = Number(ys), mo = Number(mos), d = Number(ds), h = Number(hs), mi = Number(mis), s = Number(ss);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  let t = utc(y, mo - 1, d, h, mi, s, ms);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offH = Number(digits.slice(0, 2)), offM = Number(digits.slice(2, 4));
    if (offH > 23 || offM > 59) return null;
    t -= sign * (offH * 60 + offM) * 60_000;
  }
  return t;
}

function daysInMonth(y: number, mo: number): number {
  return new Date(utc(y, mo, 0)).getUTCDate();
}

// Date.UTC reads years 0..99 as 1900..1999; setUTCFullYear takes the year as written.
function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo, d);
  return date.setUTCHours(h, mi, s, ms);
}

/** The seed's form, `YYYY-MM-DD HH:MM:SS` in UTC. */
export function formatSeedTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
