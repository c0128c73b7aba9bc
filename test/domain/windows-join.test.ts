// Event-time logic without threads: sliding windows, the tweet-price join and the alert rule,
// on crafted sequences driven by explicit watermarks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAlert, DEFAULT_ALERT_RULE } from '../../src/domain/alerts.js';
import { idSortKey, TweetPriceJoin, type PendingTweet, type Tick } from '../../src/domain/join.js';
import { pick, rng } from '../../src/domain/random.js';
import { SlidingWindows } from '../../src/domain/windows.js';

const MIN = 60_000;
const T0 = Date.UTC(2025, 11, 18, 14, 0, 0);
const at = (m: number, s = 0) => T0 + m * MIN + s * 1000;

test('a symbol that appears once is in exactly the 5 windows covering it, each emitted once when the watermark passes its end', () => {
  const w = new SlidingWindows();
  w.addTweet('AAPL', at(2, 30), 0.5);
  assert.deepEqual(w.advance(at(2, 59)), [], 'no window has ended yet');
  const first = w.advance(at(3));
  assert.deepEqual(first.map((x) => [x.windowStart, x.windowEnd]), [[at(-2), at(3)]]);
  const rest = w.advance(at(10));
  assert.deepEqual(rest.map((x) => x.windowEnd), [at(4), at(5), at(6), at(7)]);
  for (const x of [...first, ...rest]) assert.deepEqual([x.tweetCount, x.meanSentiment, x.positiveCount, x.negativeCount], [1, 0.5, 1, 0]);
  assert.deepEqual(w.advance(at(20)), [], 'nothing is emitted twice');
  assert.equal(w.size, 0, 'state is dropped once every window using it was emitted');
});

test('in order and out of order within the lateness give the same windows', () => {
  const events = [
    [0, 10, 0.2], [0, 50, -0.6], [1, 5, 0.9], [1, 40, 0], [2, 0, -0.1], [4, 59, 0.3], [5, 0, 0.7],
  ] as const;
  const run = (order: readonly (readonly [number, number, number])[]) => {
    const w = new SlidingWindows();
    for (const [m, s, v] of order) w.addTweet('TSLA', at(m, s), v);
    return w.advance(at(30));
  };
  const inOrder = run(events);
  const shuffled = run([events[3], events[0], events[6], events[1], events[5], events[2], events[4]]);
  assert.deepEqual(shuffled, inOrder);
  const w = inOrder.find((x) => x.windowStart === at(0))!;
  assert.equal(w.windowEnd, at(5));
  assert.equal(w.tweetCount, 6, '[14:00, 14:05) holds six of them');
  assert.equal(w.minSentiment, -0.6);
  assert.equal(w.maxSentiment, 0.9);
  assert.equal(w.positiveCount, 3);
  assert.equal(w.negativeCount, 2);
  assert.ok(Math.abs(w.meanSentiment! - (0.2 - 0.6 + 0.9 + 0 - 0.1 + 0.3) / 6) < 1e-12);
});

test('price aggregates: open is the earliest tick, close the latest, VWAP over closes', () => {
  const w = new SlidingWindows();
  w.addTick('MSFT', at(1, 30), 'b', 101, 102, 10);
  w.addTick('MSFT', at(0, 10), 'a', 100, 99, 30);
  w.addTick('MSFT', at(3, 0), 'c', 102, 104, 20);
  const x = w.advance(at(5)).find((r) => r.windowEnd === at(5))!;
  assert.deepEqual([x.open, x.close, x.high, x.low, x.volume, x.tickCount], [100, 104, 104, 99, 60, 3]);
  assert.ok(Math.abs(x.vwap! - (102 * 10 + 99 * 30 + 104 * 20) / 60) < 1e-12);
  assert.equal(x.tweetCount, 0);
  assert.equal(x.meanSentiment, null);
});

test('snapshot and restore continue exactly where they were', () => {
  const a = new SlidingWindows();
  const b = new SlidingWindows();
  for (const w of [a, b]) {
    w.addTweet('X', at(0, 1), 0.1);
    w.addTick('X', at(0, 2), 'p', 1, 2, 3);
    w.advance(at(2));
  }
  const restored = new SlidingWindows();
  restored.restore(JSON.parse(JSON.stringify(b.snapshot())));
  a.addTweet('X', at(3), -0.4);
  restored.addTweet('X', at(3), -0.4);
  assert.deepEqual(restored.advance(at(20)), a.advance(at(20)));
});

test('a snapshot of the version with plain sums restores as exact sums', () => {
  const a = new SlidingWindows();
  a.addTweet('X', at(0, 1), 0.1);
  a.addTick('X', at(0, 2), 'p', 1, 2, 3);
  const snap = JSON.parse(JSON.stringify(a.snapshot())) as { panes: [string, [number, Record<string, unknown>][]][] };
  for (const [, panes] of snap.panes) for (const [, p] of panes) Object.assign(p, { sum: 0.1, volume: 3, notional: 6 });
  const restored = new SlidingWindows();
  restored.restore(snap as never);
  assert.deepEqual(restored.advance(at(20)), a.advance(at(20)));
});

test('join: the latest tick at or before the tweet, within the look-back; none when there is none', () => {
  const j = new TweetPriceJoin(24 * 60 * MIN);
  j.addTick('AAPL', { id: 'p1', ts: at(0), open: 1, close: 10, volume: 5 });
  j.addTick('AAPL', { id: 'p3', ts: at(5), open: 1, close: 30, volume: 5 });
  j.addTick('AAPL', { id: 'p2', ts: at(2), open: 1, close: 20, volume: 5 }); // out of order
  j.addTweet({ symbol: 'AAPL', id: 't-before-all', ts: at(-1), offset: 0, score: 0, text: '' });
  j.addTweet({ symbol: 'AAPL', id: 't-at', ts: at(2), offset: 0, score: 0, text: '' });
  j.addTweet({ symbol: 'AAPL', id: 't-between', ts: at(4), offset: 0, score: 0, text: '' });
  j.addTweet({ symbol: 'AAPL', id: 't-after', ts: at(9), offset: 0, score: 0, text: '' });
  j.addTweet({ symbol: 'TSLA', id: 't-no-ticks', ts: at(1), offset: 0, score: 0, text: '' });
  const out = j.advance(at(6));
  const got = Object.fromEntries(out.map((r) => [r.tweet.id, r.tick?.id ?? null]));
  assert.deepEqual(got, { 't-before-all': null, 't-at': 'p2', 't-between': 'p2', 't-no-ticks': null });
  assert.deepEqual(out.map((r) => r.tweet.id), ['t-before-all', 't-no-ticks', 't-at', 't-between'], 'released in event-time order');
  assert.deepEqual(j.advance(at(10)).map((r) => [r.tweet.id, r.tick?.id]), [['t-after', 'p3']]);
});

test('join: a tweet waits for the watermark, so a tick arriving later but earlier in event time still counts', () => {
  const j = new TweetPriceJoin(60 * MIN);
  j.addTick('NVDA', { id: 'old', ts: at(0), open: 1, close: 1, volume: 1 });
  j.addTweet({ symbol: 'NVDA', id: 't', ts: at(10), offset: 0, score: 0, text: '' });
  assert.deepEqual(j.advance(at(9)), [], 'not released before the watermark passes it');
  j.addTick('NVDA', { id: 'late-arriving', ts: at(8), open: 1, close: 2, volume: 1 });
  assert.deepEqual(j.advance(at(10)), [], 'a tweet at the watermark waits: a tick at that very time is not late yet');
  assert.equal(j.advance(at(10) + 1)[0].tick?.id, 'late-arriving');
  j.addTweet({ symbol: 'NVDA', id: 'u', ts: at(20), offset: 0, score: 0, text: '' });
  assert.deepEqual(j.advance(at(20)), []);
  j.addTick('NVDA', { id: 'at-the-watermark', ts: at(20), open: 1, close: 3, volume: 1 });
  assert.equal(j.advance(at(21))[0].tick?.id, 'at-the-watermark');
});

test('join: out-of-order tweets across buckets are released in event-time order, and a snapshot restores them', () => {
  const j = new TweetPriceJoin(60 * MIN);
  j.addTick('AMD', { id: 'k', ts: at(0), open: 1, close: 1, volume: 1 });
  const times = [5, 1, 3, 3, 2, 9, 0.5, 4];
  times.forEach((m, i) => j.addTweet({ symbol: 'AMD', id: `t${i}`, ts: at(m), offset: 100 + i, score: i, text: `${i}` }));
  const copy = new TweetPriceJoin(60 * MIN);
  copy.restore(structuredClone(j.snapshot()));
  assert.deepEqual(copy.size, j.size);
  assert.equal(j.pendingFrom(), 100);
  const first = j.advance(at(3) + 1);
  assert.deepEqual(first.map((r) => r.tweet.id), ['t6', 't1', 't4', 't2', 't3'], 'by time, ties in arrival order');
  assert.deepEqual(j.size.tweets, 3);
  assert.equal(j.pendingFrom(), 100, 't0 (offset 100) is still pending');
  assert.deepEqual(copy.advance(at(3) + 1), first);
  assert.deepEqual(j.advance(at(10)).map((r) => r.tweet.id), ['t7', 't0', 't5']);
  assert.deepEqual(j.size.tweets, 0);
  assert.equal(j.pendingFrom(), null);
});

test('join: ticks beyond the look-back are neither used nor kept', () => {
  const j = new TweetPriceJoin(10 * MIN);
  j.addTick('META', { id: 'far', ts: at(0), open: 1, close: 1, volume: 1 });
  j.addTweet({ symbol: 'META', id: 't', ts: at(11), offset: 0, score: 0, text: '' });
  assert.equal(j.advance(at(12))[0].tick, null, 'a tick 11 minutes back is beyond a 10-minute look-back');
  assert.equal(j.size.ticks, 0, 'and is dropped from state');
  for (let i = 0; i < 1_000; i++) {
    j.addTick('META', { id: `k${i}`, ts: at(20 + i), open: 1, close: 1, volume: 1 });
    j.advance(at(20 + i));
  }
  assert.equal(j.size.ticks, 1, 'only the last tick at or before the watermark is held');
});

test('join: record ids sort by their numeric key exactly as by their strings; ids beyond Latin-1 have none', () => {
  const r = rng(7);
  const ids = Array.from({ length: 2_000 }, (_, i) => `${r() < 0.5 ? 'p' : 't'}${Math.floor(r() * (i % 2 ? 3 : 40))}-${Math.floor(r() * 10 ** Math.floor(r() * 9))}`);
  ids.push('p', 'p3', 'p3-', 'p3-1', 'p3-10', 'p3-100', 'p3-1000', 'p3-10000', 'p3-100000', 'p3-1000000', 'p10-0', 'p1-0', 'ÿÿÿÿÿÿÿ', '');
  for (let i = 0; i < ids.length; i++) {
    for (const j of [i - 1, (i * 7919) % ids.length]) {
      if (j < 0) continue;
      const [a, b] = [ids[j], ids[i]];
      const byString = a < b ? -1 : a > b ? 1 : 0;
      const byKey = Math.sign(idSortKey(a) - idSortKey(b));
      if (byKey !== 0) assert.equal(byKey, byString, `${a} vs ${b}`);
      else assert.equal(a.slice(0, 6).padEnd(6, '\0'), b.slice(0, 6).padEnd(6, '\0'), `equal keys only for equal 6-character prefixes: ${a} vs ${b}`);
    }
  }
  for (const other of ['t1€', '€', 'p3-\u{1F4C8}']) assert.ok(Number.isNaN(idSortKey(other)), other);
});

test('join: random streams with ties, out-of-order records and an advancing watermark give the answers of a join over everything', () => {
  const lookback = 3 * MIN;
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = rng(seed);
    const j = new TweetPriceJoin(lookback);
    const ticks = new Map<string, Tick[]>();
    const expectedTicks = (wm: number) => {
      let n = 0;
      for (const xs of ticks.values()) {
        const atOrBefore = xs.filter((k) => k.ts <= wm);
        const last = atOrBefore.reduce<Tick | null>((a, k) => (a === null || k.ts > a.ts || (k.ts === a.ts && k.id > a.id) ? k : a), null);
        n += xs.filter((k) => k.ts > wm).length + (last && last.ts >= wm - lookback ? 1 : 0);
      }
      return n;
    };
    let pending: PendingTweet[] = [];
    let wm = T0;
    let id = 0;
    for (let step = 0; step < 400; step++) {
      // Records at or after the watermark (the actor sends older ones to the late output), on a
      // coarse grid so times tie; ids not in arrival order.
      for (let k = Math.floor(r() * 6); k > 0; k--) {
        // D ticks rarely, so its ticks fall out of the look-back and new ones land before them.
        const symbol = pick(r, ['A', 'B', 'C', 'D']);
        // Some land inside a second, out of order: buckets (one second each) need sorting.
        const ts = wm + Math.floor(r() * 4) * 10_000 + (r() < 0.3 ? Math.floor(r() * 4) * 250 : 0);
        // Most tick ids are UUIDs with their sort key (as the actor gives them), some not: both
        // kinds must order like the id strings. Prefixes are short, so keys tie too. Tweets
        // of equal time are released in arrival order, whatever their ids.
        const uuid = r() < 0.7;
        const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(r() * 3)]).join('');
        const rid = uuid ? `${hex(8)}-${hex(4)}-8${hex(3)}-${id++}` : `${String(Math.floor(r() * 1000)).padStart(3, '0')}-${id++}`;
        const key = uuid ? idSortKey(rid) : undefined;
        if (r() < (symbol === 'D' ? 0.03 : 0.4)) {
          const t = { id: rid, key, ts, open: 1, close: 2, volume: 3 };
          j.addTick(symbol, t);
          ticks.set(symbol, [...(ticks.get(symbol) ?? []), t]);
        } else {
          const t = { symbol, id: rid, offset: id, ts, score: r(), text: rid };
          j.addTweet(t);
          pending.push(t);
        }
      }
      // Sometimes into the middle of a second: a bucket is then released in part.
      wm += Math.floor(r() * 3) * 10_000 + (r() < 0.2 ? 500 : 0);
      const out = j.advance(wm);
      const due = pending.filter((t) => t.ts < wm).sort((a, b) => a.ts - b.ts); // stable: ties in arrival order
      pending = pending.filter((t) => t.ts >= wm);
      const expected = due.map((t) => {
        const candidates = (ticks.get(t.symbol) ?? []).filter((k) => k.ts <= t.ts);
        const best = candidates.reduce<Tick | null>((a, k) => (a === null || k.ts > a.ts || (k.ts === a.ts && k.id > a.id) ? k : a), null);
        return [t.id, best && t.ts - best.ts <= lookback ? best.id : null];
      });
      assert.deepEqual(out.map((o) => [o.tweet.id, o.tick?.id ?? null]), expected, `seed ${seed}, step ${step}`);
      assert.equal(j.size.tweets, pending.length);
      assert.equal(j.size.ticks, expectedTicks(wm), `ticks held, seed ${seed}, step ${step}`);
      assert.deepEqual(j.tickState().flatMap(([, xs]) => xs).length, j.size.ticks, 'a snapshot holds exactly the ticks still needed');
    }
  }
});

test('alert when mean sentiment < -0.5 and close is more than 2 % below open, not otherwise', () => {
  const base = { symbol: 'AAPL', windowStart: at(0), windowEnd: at(5), tweetCount: 4, minSentiment: -1, maxSentiment: 0, positiveCount: 0, negativeCount: 4, tickCount: 2, high: 100, low: 97, volume: 10, vwap: 98 };
  assert.ok(checkAlert({ ...base, meanSentiment: -0.6, open: 100, close: 97.9 }, DEFAULT_ALERT_RULE));
  assert.equal(checkAlert({ ...base, meanSentiment: -0.6, open: 100, close: 98 }, DEFAULT_ALERT_RULE), null, 'exactly 2 % is not more than 2 %');
  assert.equal(checkAlert({ ...base, meanSentiment: -0.5, open: 100, close: 90 }, DEFAULT_ALERT_RULE), null);
  assert.equal(checkAlert({ ...base, meanSentiment: null, open: 100, close: 90 }, DEFAULT_ALERT_RULE), null);
  assert.equal(checkAlert({ ...base, meanSentiment: -0.9, open: null, close: null }, DEFAULT_ALERT_RULE), null);
  const a = checkAlert({ ...base, meanSentiment: -0.7, open: 50, close: 45 }, { sentimentBelow: -0.5, priceDrop: 0.05 })!;
  assert.ok(Math.abs(a.change + 0.1) < 1e-12);
});

test('panes ten thousand years apart: each emits its own 5 windows, without stepping through the years between', () => {
  const w = new SlidingWindows();
  const year0 = Date.UTC(2000, 0, 1) - 2000 * 365.2425 * 86_400_000; // 0000-01-01, as validation allows
  const start0 = Math.floor(year0 / MIN) * MIN;
  const year9999 = Date.UTC(9999, 11, 31, 23, 50);
  w.addTweet('AAPL', start0 + 1_000, 0.5);
  w.addTweet('AAPL', year9999, -0.5);
  // 5.3 billion one-minute steps lie between the two: this finishes only if they are skipped.
  const out = w.advance(year9999 + 10 * MIN);
  assert.deepEqual(out.map((x) => x.windowEnd), [1, 2, 3, 4, 5].map((k) => start0 + k * MIN).concat([1, 2, 3, 4, 5].map((k) => year9999 + k * MIN)));
  assert.deepEqual(out.map((x) => x.meanSentiment), [0.5, 0.5, 0.5, 0.5, 0.5, -0.5, -0.5, -0.5, -0.5, -0.5]);
  assert.equal(w.size, 0);
});
