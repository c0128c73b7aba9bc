// parseEventTime / formatSeedTime: the seed's `YYYY-MM-DD HH:MM:SS` (UTC) and ISO-8601 forms,
// impossible calendar values rejected rather than rolled over.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSeedTime, parseEventTime } from '../../src/domain/time.js';

const utc = (iso: string): number => Date.parse(iso);

void test('the seed form is read as UTC', () => {
  assert.equal(parseEventTime('2025-12-18 14:30:00'), utc('2025-12-18T14:30:00.000Z'));
  assert.equal(parseEventTime('2025-12-18 14:30:05'), utc('2025-12-18T14:30:05.000Z'));
  assert.equal(parseEventTime('1970-01-01 00:00:00'), 0);
});

void test('ISO-8601 with T and Z, with and without fractions', () => {
  assert.equal(parseEventTime('2025-12-18T14:30:00Z'), utc('2025-12-18T14:30:00Z'));
  assert.equal(parseEventTime('2025-12-18T14:30:00.123Z'), utc('2025-12-18T14:30:00.123Z'));
  assert.equal(parseEventTime('2025-12-18T14:30:00.5Z'), utc('2025-12-18T14:30:00.500Z'));
  // Sub-millisecond digits are truncated, never rounded up into the next millisecond.
  assert.equal(parseEventTime('2025-12-18T14:30:00.999999999Z'), utc('2025-12-18T14:30:00.999Z'));
  assert.equal(parseEventTime('2025-12-18T14:30:00.123456Z'), utc('2025-12-18T14:30:00.123Z'));
});

void test('every three-digit fraction gives exactly its milliseconds', () => {
  const base = utc('2025-01-01T00:00:00Z');
  for (let ms = 0; ms < 1000; ms++) {
    assert.equal(parseEventTime(`2025-01-01T00:00:00.${String(ms).padStart(3, '0')}Z`), base + ms);
  }
});

void test('ISO-8601 offsets are converted to UTC', () => {
  const expected = utc('2025-12-18T14:30:00Z');
  assert.equal(parseEventTime('2025-12-18T16:30:00+02:00'), expected);
  assert.equal(parseEventTime('2025-12-18T09:30:00-05:00'), expected);
  assert.equal(parseEventTime('2025-12-18T20:00:00+05:30'), expected);
  assert.equal(parseEventTime('2025-12-18T20:00:00+0530'), expected);
  assert.equal(parseEventTime('2025-12-18T14:30:00+00:00'), expected);
  assert.equal(parseEventTime('2025-12-18T14:30:00-00:00'), expected);
  assert.equal(parseEventTime('2025-12-18 16:30:00.250+02:00'), expected + 250);
  // An offset may move the instant across a day boundary.
  assert.equal(parseEventTime('2025-01-01T01:00:00+02:00'), utc('2024-12-31T23:00:00Z'));
});

void test('impossible offsets are rejected', () => {
  assert.equal(parseEventTime('2025-12-18T14:30:00+24:00'), null);
  assert.equal(parseEventTime('2025-12-18T14:30:00+05:60'), null);
});

void test('month lengths and leap years are respected', () => {
  assert.equal(parseEventTime('2025-02-30 10:00:00'), null);
  assert.equal(parseEventTime('2025-02-29 10:00:00'), null);
  assert.equal(parseEventTime('2023-02-29 00:00:00'), null);
  assert.equal(parseEventTime('2024-02-29 00:00:00'), utc('2024-02-29T00:00:00Z'));
  assert.equal(parseEventTime('2000-02-29 00:00:00'), utc('2000-02-29T00:00:00Z'));
  assert.equal(parseEventTime('1900-02-29 00:00:00'), null);
  assert.equal(parseEventTime('2025-04-31 00:00:00'), null);
  assert.equal(parseEventTime('2025-04-30 00:00:00'), utc('2025-04-30T00:00:00Z'));
  assert.equal(parseEventTime('2025-12-31 23:59:59'), utc('2025-12-31T23:59:59Z'));
  assert.equal(parseEventTime('2025-12-32 00:00:00'), null);
  assert.equal(parseEventTime('2025-01-00 00:00:00'), null);
  assert.equal(parseEventTime('2025-00-10 00:00:00'), null);
  assert.equal(parseEventTime('2025-13-01 00:00:00'), null);
});

void test('hour 24, minute 60 and second 60 are rejected', () => {
  assert.equal(parseEventTime('2025-12-18 24:00:00'), null);
  assert.equal(parseEventTime('2025-12-18 25:00:00'), null);
  assert.equal(parseEventTime('2025-12-18 14:60:00'), null);
  assert.equal(parseEventTime('2025-12-18 14:30:60'), null);
  assert.equal(parseEventTime('2025-12-18T24:00:00Z'), null);
  assert.equal(parseEventTime('2025-12-18 23:59:59'), utc('2025-12-18T23:59:59Z'));
});

void test('garbage and near-misses are rejected', () => {
  for (const text of [
    '',
    'yesterday',
    'now',
    '2025-12-18',
    '14:30:00',
    '2025/12/18 14:30:00',
    '18-12-2025 14:30:00',
    '2025-12-18 14:30',
    '2025-12-18 14:30:0',
    '2025-1-18 14:30:00',
    '25-12-18 14:30:00',
    ' 2025-12-18 14:30:00',
    '2025-12-18 14:30:00 ',
    '2025-12-18  14:30:00',
    '2025-12-18 14:30:00.',
    '2025-12-18 14:30:00.1234567890Z',
    '2025-12-18 14:30:00 UTC',
    '2025-12-18T14:30:00z',
    '2025-12-18T14:30:00+2',
    '2025-12-18T14:30:00+02:0',
    '1734532200000',
    'Thu, 18 Dec 2025 14:30:00 GMT',
    '２０２５-12-18 14:30:00',
  ]) {
    assert.equal(parseEventTime(text), null, JSON.stringify(text));
  }
});

void test('formatSeedTime writes the seed form in UTC', () => {
  assert.equal(formatSeedTime(0), '1970-01-01 00:00:00');
  assert.equal(formatSeedTime(utc('2025-12-18T14:30:05.999Z')), '2025-12-18 14:30:05');
  assert.equal(formatSeedTime(utc('2024-02-29T23:59:59Z')), '2024-02-29 23:59:59');
});

void test('formatSeedTime and parseEventTime round-trip whole seconds', () => {
  for (const ms of [0, 1_734_532_200_000, utc('2024-02-29T12:00:00Z'), utc('1999-12-31T23:59:59Z'), utc('2038-01-19T03:14:08Z')]) {
    assert.equal(parseEventTime(formatSeedTime(ms)), ms);
  }
  // A spread of seconds over several decades, including leap days.
  for (let ms = utc('1971-01-01T00:00:00Z'); ms < utc('2060-01-01T00:00:00Z'); ms += 86_399_000 * 7 + 1_000) {
    assert.equal(parseEventTime(formatSeedTime(ms)), ms);
  }
  for (const text of ['2025-12-18 14:30:00', '2024-02-29 00:00:00', '2000-01-01 00:00:00', '9999-12-31 23:59:59']) {
    assert.equal(formatSeedTime(parseEventTime(text)!), text);
  }
});

void test('four-digit years below 100 are literal years, not 19xx', () => {
  // Date.UTC maps years 0..99 to 1900..1999; a seed timestamp means the year it says.
  for (const text of ['0001-01-01 00:00:00', '0050-06-15 12:00:00', '0099-12-31 23:59:59']) {
    const ms = parseEventTime(text);
    assert.notEqual(ms, null, text);
    assert.equal(formatSeedTime(ms!), text);
  }
  // Year 0 is a leap year in the proleptic Gregorian calendar; 1900 is not.
  assert.equal(formatSeedTime(parseEventTime('0000-02-29 00:00:00')!), '0000-02-29 00:00:00');
  assert.equal(parseEventTime('0100-02-29 00:00:00'), null);
});

void test('the digit-by-digit seed form agrees with a Date-based reading on every era', () => {
  // Reference: the calendar through Date (setUTCFullYear takes years 0..99 literally).
  const reference = (y: number, mo: number, d: number, h: number, mi: number, s: number): number => {
    const date = new Date(0);
    date.setUTCFullYear(y, mo - 1, d);
    return date.setUTCHours(h, mi, s, 0);
  };
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  let seed = 7;
  const next = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n);
  for (let i = 0; i < 20_000; i++) {
    const y = i < 400 ? i * 25 : next(10_000), mo = 1 + next(12), d = 1 + next(31), h = next(24), mi = next(60), s = next(60);
    const expected = new Date(reference(y, mo, d, 0, 0, 0)).getUTCDate() === d ? reference(y, mo, d, h, mi, s) : null;
    const body = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`;
    const time = `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`;
    for (const text of [`${body} ${time}`, `${body}T${time}`, `${body}T${time}Z`, `${body} ${time}.000`]) {
      assert.equal(parseEventTime(text), expected, text);
    }
  }
});
