// Event time. The seed's payloads carry `YYYY-MM-DD HH:MM:SS` (UTC); ISO-8601 with a zone or
// `Z` is accepted too. Impossible dates (Feb 30, hour 25) are rejected, not rolled over.

const SEED_FORM = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

/** Epoch milliseconds, or null when the text is not a valid timestamp. */
export function parseEventTime(text: string): number | null {
  if (text.length === 19) {
    const t = parseSeedForm(text);
    if (t !== undefined) return t;
  }
  const m = SEED_FORM.exec(text);
  if (!m) return null;
  const [, ys, mos, ds, hs, mis, ss, frac, zone] = m;
  const ms = frac ? Math.floor(Number(`0${frac}`) * 1000) : 0;
  let t = civilTime(Number(ys), Number(mos), Number(ds), Number(hs), Number(mis), Number(ss), ms);
  if (t === null) return null;
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offH = Number(digits.slice(0, 2)), offM = Number(digits.slice(2, 4));
    if (offH > 23 || offM > 59) return null;
    t -= sign * (offH * 60 + offM) * 60_000;
  }
  return t;
}

/**
 * The seed's own `YYYY-MM-DD HH:MM:SS` (every generated and replayed record), read digit by digit:
 * the regex and the Date objects cost a quarter of parsing a tweet. `undefined`: not this exact
 * form (the general path decides); null: this form, but an impossible date or time.
 */
function parseSeedForm(s: string): number | null | undefined {
  const sep = s.charCodeAt(10);
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || (sep !== 32 && sep !== 84) || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return undefined;
  const y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2), h = digits(s, 11, 2), mi = digits(s, 14, 2), sec = digits(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || sec < 0) return undefined;
  return civilTime(y, mo, d, h, mi, sec, 0);
}

/** The decimal number in s[at, at + n), or -1 if any of those characters is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Epoch ms of a proleptic-Gregorian UTC date and time (month 1-12), or null if it is impossible. */
function civilTime(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi) * 60_000 + s * 1000 + ms;
}

const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(y: number, mo: number): number {
  return mo === 2 && isLeap(y) ? 29 : MONTH_DAYS[mo - 1];
}

/** Days since 1970-01-01 of a proleptic-Gregorian date (the civil-from-days inverse, by 400-year eras). */
function daysFromCivil(y: number, mo: number, d: number): number {
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The seed's form, `YYYY-MM-DD HH:MM:SS` in UTC. */
export function formatSeedTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
