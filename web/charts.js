// cashtag dashboard: the selected symbol's two charts on one time axis.
//
//   price & sentiment: the price (VWAP of each bucket's ticks) on the left axis; on the right axis the
//                      mean sentiment of each bucket's tweets and of each 5-minute window
//   volume:            traded volume per bucket (bars) and tweets per bucket (line)
//
// Both share the x scale: a range picked, a drag-zoom on either chart or a double click (back
// to the range) moves both, and the cursor is synced. Axes fit the data in view (the sentiment
// axis is not fixed at -1..1). Legends show the values under the cursor, or the latest ones
// when there is no cursor. The containers carry data-* attributes (points, x range, sentiment
// range and extent) so a browser test can read what is drawn without running script in the page.
/* global uPlot */
'use strict';

(() => {
  const SYNC_KEY = 'cashtag-detail';
  const HEIGHTS = { overlay: 260, volume: 130 };
  const axis = { stroke: '#8a99a8', grid: { stroke: '#2a3541', width: 1 }, ticks: { stroke: '#2a3541' } };
  const hms = (sec) => new Date(sec * 1000).toISOString().slice(11, 19);
  /** Time axis labels in UTC, as the header's event time: seconds only when the view is short. */
  const timeValues = (u, splits) => {
    const span = u.scales.x.max - u.scales.x.min;
    return splits.map((v) => new Date(v * 1000).toISOString().slice(11, span < 600 ? 19 : 16));
  };
  const compact = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)}k` : String(Math.round(x)));
  const signed = (x) => (x >= 0 ? '+' : '') + x.toFixed(3);

  /**
   * A legend value: the series' value at the cursor, or at the newest point without a cursor;
   * where a series has no point (a window mean between window ends), the one before it, as the
   * line is drawn.
   */
  const legendValue = (format, carry = true) => (u, raw, sidx, idx) => {
    const data = u.data[sidx];
    let i = idx ?? data.length - 1;
    if (i < 0) return '–';
    if (carry) while (i > 0 && data[i] == null) i--;
    const v = data[i];
    return v == null ? '–' : format(v);
  };

  /** [min, max] of the finite values of `ys` whose x is in [x0, x1]. */
  function extent(xs, ys, x0, x1) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < xs.length; i++) {
      const y = ys[i];
      if (y == null || xs[i] < x0 || xs[i] > x1) continue;
      if (y < lo) lo = y;
      if (y > hi) hi = y;
    }
    return lo <= hi ? [lo, hi] : null;
  }

  /**
   * Sentiment: the data's extent plus 12 % each side, at least 0.2 wide (so noise of a few
   * hundredths does not fill the chart), within -1..1.
   */
  function sentimentRange(u, dmin, dmax) {
    if (dmin == null || dmax == null) return [-0.1, 0.1];
    const pad = Math.max((dmax - dmin) * 0.12, (0.2 - (dmax - dmin)) / 2);
    return [Math.max(-1, dmin - pad), Math.min(1, dmax + pad)];
  }

  /** Price: the data's extent plus 8 %, at least 0.1 % of the price. */
  function priceRange(u, dmin, dmax) {
    if (dmin == null || dmax == null) return [0, 1];
    const pad = Math.max((dmax - dmin) * 0.08, Math.abs(dmax) * 0.001);
    return [dmin - pad, dmax + pad];
  }

  /** Drag zooms x on either chart; a double click goes back to the picked range (not to all the data). */
  const cursorOptions = (onReset) => ({ sync: { key: SYNC_KEY, setSeries: false }, drag: { x: true, y: false }, bind: { dblclick: () => () => (onReset(), null) } });

  function overlayOptions(width, onReset) {
    return {
      width, height: HEIGHTS.overlay,
      cursor: cursorOptions(onReset),
      scales: { x: { time: true }, usd: { auto: true, range: priceRange }, s: { auto: true, range: sentimentRange } },
      axes: [
        { ...axis, values: timeValues },
        { ...axis, scale: 'usd', label: 'price (USD)', size: 64, values: (u, vals) => vals.map((v) => v.toFixed(2)) },
        { ...axis, scale: 's', side: 1, label: 'sentiment', size: 56, grid: { show: false }, values: (u, vals) => vals.map((v) => v.toFixed(2)) },
      ],
      series: [
        { label: 'UTC', value: legendValue(hms, false) },
        { label: 'price', scale: 'usd', stroke: '#d29922', width: 2, spanGaps: false, points: { show: false }, value: legendValue((v) => `$${v.toFixed(2)}`) },
        { label: 'sparse ticks', scale: 'usd', stroke: '#d29922', width: 0, paths: () => null, points: { show: true, size: 4, fill: '#d29922' }, value: legendValue((v) => `$${v.toFixed(2)}`, false) },
        { label: 'tweet sentiment (1 min)', scale: 's', stroke: '#58a6ff', width: 1.5, spanGaps: false, points: { show: false }, value: legendValue(signed) },
        { label: '5-min window sentiment', scale: 's', stroke: '#bc8cff', width: 2.5, spanGaps: false, points: { show: true, size: 5 }, value: legendValue(signed) },
      ],
    };
  }

  function volumeOptions(width, onReset) {
    const bars = uPlot.paths.bars({ size: [0.8, 40], align: 1 });
    return {
      width, height: HEIGHTS.volume,
      cursor: cursorOptions(onReset),
      scales: { x: { time: true }, vol: { auto: true, range: (u, dmin, dmax) => [0, Math.max(1, dmax ?? 1) * 1.1] }, n: { auto: true, range: (u, dmin, dmax) => [0, Math.max(1, dmax ?? 1) * 1.1] } },
      axes: [
        { ...axis, values: timeValues },
        { ...axis, scale: 'vol', label: 'volume', size: 64, values: (u, vals) => vals.map(compact) },
        { ...axis, scale: 'n', side: 1, label: 'tweets', size: 56, grid: { show: false } },
      ],
      series: [
        { label: 'UTC', value: legendValue(hms, false) },
        { label: 'volume', scale: 'vol', stroke: '#3fb950', fill: 'rgba(63,185,80,0.45)', width: 1, paths: bars, points: { show: false }, value: legendValue(compact, false) },
        { label: 'tweets', scale: 'n', stroke: '#8b949e', width: 1, spanGaps: false, points: { show: false }, value: legendValue((v) => String(v), false) },
      ],
    };
  }

  /** The two charts in their containers; returns the handle app.js drives. */
  function makeDetailCharts(overlayBox, volumeBox, { onZoom, onReset }) {
    const width = (box) => Math.max(300, box.clientWidth);
    // The x range last applied to both charts. uPlot fires setScale hooks after the call that
    // set the scale (batched), so a hook tells a user's zoom from our own change by its range.
    let applied = null;
    let data = { xs: [] };
    const charts = [];
    const describe = (u, box) => {
      const { min, max } = u.scales.x;
      box.dataset.xMin = String(Math.round(min ?? 0));
      box.dataset.xMax = String(Math.round(max ?? 0));
    };
    // After every redraw: what is drawn, for tests and for the curious.
    const onDraw = (box) => (u) => {
      describe(u, box);
      if (box !== overlayBox) return;
      const s = u.scales.s;
      const found = [extent(data.xs, data.tweetMean ?? [], u.scales.x.min, u.scales.x.max), extent(data.xs, data.windowMean ?? [], u.scales.x.min, u.scales.x.max)].filter(Boolean);
      box.dataset.sentimentRange = `${s.min},${s.max}`;
      box.dataset.sentimentExtent = found.length ? `${Math.min(...found.map((a) => a[0]))},${Math.max(...found.map((a) => a[1]))}` : '';
    };
    // A zoom on one chart moves the other; a change not made by setRange is a user's zoom.
    const onScale = (u, key) => {
      const { min, max } = u.scales.x;
      if (key !== 'x' || min == null || max == null) return;
      if (applied && Math.abs(min - applied[0]) < 1e-6 && Math.abs(max - applied[1]) < 1e-6) return;
      applied = [min, max];
      for (const other of charts) if (other !== u) other.setScale('x', { min, max });
      onZoom(min, max);
    };
    charts.push(new uPlot({ ...overlayOptions(width(overlayBox), onReset), hooks: { setScale: [onScale], draw: [onDraw(overlayBox)] } }, [[], [], [], [], []], overlayBox));
    charts.push(new uPlot({ ...volumeOptions(width(volumeBox), onReset), hooks: { setScale: [onScale], draw: [onDraw(volumeBox)] } }, [[], [], []], volumeBox));
    const [overlay, volume] = charts;

    return {
      resize() {
        overlay.setSize({ width: width(overlayBox), height: HEIGHTS.overlay });
        volume.setSize({ width: width(volumeBox), height: HEIGHTS.volume });
      },
      /** New data (x in seconds), keeping the x range; then `range` = [min, max] is applied to both. */
      setData(next, range) {
        data = next;
        overlay.setData([next.xs, next.price, next.sparsePrice, next.tweetMean, next.windowMean], false);
        volume.setData([next.xs, next.volume, next.tweets], false);
        overlayBox.dataset.points = String(next.xs.length);
        overlayBox.dataset.windows = String(next.windowMean.filter((v) => v != null).length);
        volumeBox.dataset.points = String(next.xs.length);
        volumeBox.dataset.bars = String(next.volume.filter((v) => v != null && v > 0).length);
        this.setRange(range);
      },
      /** Both charts to [min, max] seconds without counting it as a user's zoom. */
      setRange([min, max]) {
        applied = [min, max];
        for (const u of charts) u.setScale('x', { min, max });
        // setScale redraws the legend only with a cursor: show the latest values otherwise.
        for (const u of charts) if (u.cursor.idx == null) u.setLegend({ idx: null });
      },
    };
  }

  globalThis.cashtagCharts = { makeDetailCharts, extent };
})();
