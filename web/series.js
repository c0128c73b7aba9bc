// cashtag dashboard: the selected symbol's time buckets (price, volume, tweets, sentiment),
// loaded from GET /api/series and then grown by the live stream's ticks and tweets.
//
// The answer of /api/series covers rows before its `to`; the stream adds only rows at or after
// it, so no row is counted twice. When the stream (re)connects, the buckets from the last loaded
// one on are loaded again (the feed pushes only what arrives after it subscribed), so a gap
// while connecting or disconnected is filled. Stream rows that arrive while a reload is on its
// way are held (beginReload) and added again after its answer, when they are at or after its
// `to`: the answer replaces their buckets without holding them. Best effort, as the feed is: a
// row arriving out of order behind `to` is left to the next reload.

'use strict';

(() => {
  const emptyBucket = (start) => ({ start, ticks: 0, close: null, volume: 0, turnover: 0, tweets: 0, sentimentSum: 0 });
  const ms = (iso) => Date.parse(iso);
  const SMOOTH_MS = 60_000;
  const GAP_MS = 30_000;
  const WINDOW_GAP_MS = 150_000; // windows slide every minute: two missing ones break the line

  /** A bucket's volume-weighted price: a few out-of-order ticks cannot swing it as they can the close. */
  const vwap = (b) => (b.volume > 0 ? b.turnover / b.volume : b.close);

  function quantile(xs, q) {
    if (xs.length === 0) return 0;
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
  }

  /** null where the series has no value; undefined instead (spanned by uPlot) after a recent value. */
  function spanShortGaps(rows, ys, gapMs = GAP_MS) {
    let last = -Infinity;
    return ys.map((y, i) => {
      if (y != null) {
        last = rows[i].t;
        return y;
      }
      return rows[i].t - last <= gapMs ? undefined : null;
    });
  }

  class Series {
    constructor(stepMs, spanMs) {
      this.stepMs = stepMs;
      this.spanMs = spanMs;
      this.buckets = new Map(); // start ms -> bucket
      this.to = -Infinity; // rows before this came from the API
      this.closeAt = new Map();
      this.held = null; // stream rows since beginReload(), until load(): { ticks, tweets }
    }

    bucket(t) {
      const start = Math.floor(t / this.stepMs) * this.stepMs;
      let b = this.buckets.get(start);
      if (!b) this.buckets.set(start, (b = emptyBucket(start)));
      return b;
    }

    /** An answer of /api/series: its buckets replace what is held from its `from` on. */
    load(answer) {
      const from = ms(answer.from);
      for (const start of [...this.buckets.keys()]) if (start + this.stepMs > from) this.buckets.delete(start);
      for (const it of answer.items) {
        const start = ms(it.start);
        this.buckets.set(start, { start, ticks: it.ticks, close: it.close, volume: it.volume, turnover: (it.vwap ?? 0) * it.volume, tweets: it.tweets, sentimentSum: (it.mean_sentiment ?? 0) * it.tweets });
        this.closeAt.delete(start);
      }
      this.to = ms(answer.to);
      this.trim();
      // Rows the stream sent while the answer was on its way: those at or after its `to` are not
      // in it, and their buckets were just replaced.
      const held = this.held;
      this.held = null;
      if (held) {
        this.addTicks(held.ticks);
        this.addTweets(held.tweets);
      }
    }

    /** Where to reload from after a (re)connection: the start of the bucket holding `to`. */
    reloadFrom() {
      return Number.isFinite(this.to) ? Math.floor(this.to / this.stepMs) * this.stepMs : null;
    }

    /** Before a reload's request: hold the stream's rows until its answer is loaded; returns reloadFrom(). */
    beginReload() {
      this.held ??= { ticks: [], tweets: [] };
      return this.reloadFrom();
    }

    /** The reload failed: stop holding rows. */
    cancelReload() {
      this.held = null;
    }

    /** Ticks of the stream (API shape); returns the newest event time added. */
    addTicks(items) {
      return this.addRows(items, (p) => ms(p.trade_timestamp), (b, p, t) => {
        this.held?.ticks.push(p);
        b.ticks++;
        b.volume += p.volume;
        b.turnover += p.close_price * p.volume;
        // The bucket's close is its newest tick's, whatever order the stream sends them in.
        const at = this.closeAt.get(b.start) ?? -Infinity;
        if (t >= at) {
          b.close = p.close_price;
          this.closeAt.set(b.start, t);
        }
      });
    }

    /** Tweets of the stream (API shape); returns the newest event time added. */
    addTweets(items) {
      return this.addRows(items, (tw) => ms(tw.created_at), (b, tw) => {
        this.held?.tweets.push(tw);
        b.tweets++;
        b.sentimentSum += tw.sentiment_score;
      });
    }

    /** Folds each row at or after `to` into its bucket with `fold(bucket, row, t)`; returns the newest event time added. */
    addRows(items, timeOf, fold) {
      let newest = -Infinity;
      for (const it of items) {
        const t = timeOf(it);
        if (t < this.to) continue;
        fold(this.bucket(t), it, t);
        newest = Math.max(newest, t);
      }
      this.trim();
      return newest;
    }

    trim() {
      const starts = [...this.buckets.keys()];
      const newest = Math.max(...starts);
      for (const s of starts) {
        if (s <= newest - this.spanMs) {
          this.buckets.delete(s);
          this.closeAt.delete(s);
        }
      }
      // A reload that never answers must not hold rows without bound: only those still in view.
      if (this.held) {
        const oldest = newest - this.spanMs + this.stepMs;
        this.held.ticks = this.held.ticks.filter((p) => ms(p.trade_timestamp) >= oldest);
        this.held.tweets = this.held.tweets.filter((tw) => ms(tw.created_at) >= oldest);
      }
    }

    /**
     * Chart columns (x in seconds) over the buckets and the 5-minute windows' ends. Tweet
     * sentiment is the mean over the trailing minute (SMOOTH_MS) of buckets, weighted by their
     * tweets: one bucket's few tweets are noise. A series with no value at a point is
     * `undefined` when its previous value is at most GAP_MS before (the line goes on through it)
     * and null beyond (the line breaks: nothing arrived for a while, e.g. a late straggler).
     */
    columns(windows) {
      const oldest = Math.min(...this.buckets.keys());
      const rows = new Map();
      const row = (t) => rows.get(t) ?? rows.set(t, { t, b: null, w: null }).get(t);
      for (const b of this.buckets.values()) row(b.start).b = b;
      for (const w of windows) if (w.end >= oldest || this.buckets.size === 0) row(w.end).w = w;
      const sorted = [...rows.values()].sort((a, b) => a.t - b.t);
      // A bucket with under a tenth of the rows of a busy one (the 90th percentile) is made of
      // stragglers (late or out-of-order records, e.g. the minutes before a pipeline started):
      // its price and mean are not the market's at that time, so the lines skip it and its
      // price is drawn as a dot.
      const dense = (count) => {
        const least = Math.max(1, quantile([...this.buckets.values()].map(count).filter((c) => c > 0), 0.9) / 10);
        return new Set(sorted.filter((r) => r.b && count(r.b) >= least).map((r) => r.t));
      };
      const isDenseTicks = dense((b) => b.ticks);
      const isDenseTweets = dense((b) => b.tweets);
      const trailing = [];
      let sum = 0;
      let n = 0;
      const smoothed = sorted.map((r) => {
        if (!isDenseTweets.has(r.t)) return null;
        trailing.push(r.b);
        sum += r.b.sentimentSum;
        n += r.b.tweets;
        while (trailing[0].start <= r.b.start - SMOOTH_MS) {
          const old = trailing.shift();
          sum -= old.sentimentSum;
          n -= old.tweets;
        }
        return n > 0 ? sum / n : null;
      });
      return {
        xs: sorted.map((r) => r.t / 1000),
        price: spanShortGaps(sorted, sorted.map((r) => (isDenseTicks.has(r.t) ? vwap(r.b) : null))),
        sparsePrice: sorted.map((r) => (r.b && r.b.ticks > 0 && !isDenseTicks.has(r.t) ? vwap(r.b) : null)),
        tweetMean: spanShortGaps(sorted, smoothed),
        windowMean: spanShortGaps(sorted, sorted.map((r) => r.w?.mean ?? null), WINDOW_GAP_MS),
        // A bucket with tweets but no trade yet traded nothing: 0, not a gap (the legend says 0).
        volume: sorted.map((r) => (r.b ? r.b.volume : null)),
        tweets: sorted.map((r) => (r.b ? r.b.tweets : null)),
      };
    }
  }

  globalThis.cashtagSeries = { Series };
})();
