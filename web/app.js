// cashtag live dashboard: plain JavaScript, no build step. The last state from the JSON API,
// drawn before the live stream connects, then increments from the server-sent events of
// /api/stream. Tweet text is untrusted and is only ever set as textContent.
/* global uPlot, document, CSS, ResizeObserver, AbortController, cashtag, cashtagCharts, cashtagSeries, history, location, setTimeout */
'use strict';

const MINUTES = Number(document.querySelector('meta[name="cashtag-minutes"]').content) || 30;
const SPAN_MS = MINUTES * 60_000;
// Buckets of 10 s up to an hour shown (360 points), wider beyond.
const STEP_MS = Math.max(10, Math.ceil((MINUTES * 60) / 360 / 10) * 10) * 1000;
const MAX_TWEETS = 50;
const MAX_ALERTS = 30;

const state = {
  symbols: [], // sorted
  windows: new Map(), // symbol -> windows oldest first (ms times)
  latestPrice: new Map(), // symbol -> close price
  latestTick: new Map(), // symbol -> event time of its newest tick (ms)
  latestWindowEnd: new Map(), // symbol -> end of its newest window (ms), from /api/symbols
  selected: null,
  series: null, // the selected symbol's buckets (series.js)
  view: { range: '15m', zoom: null }, // the picked range; zoom: [min, max] s after a drag-zoom
  tweets: [], // newest first
  alerts: [],
  newestEvent: 0,
  stream: null,
  charts: { detail: null, sparks: new Map() },
};

const $ = (sel) => document.querySelector(sel);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};
const ms = (iso) => Date.parse(iso);
const hhmmss = (t) => new Date(t).toISOString().slice(11, 19);
const label = (s) => (s >= 0.05 ? 'positive' : s <= -0.05 ? 'negative' : 'neutral');
const fmt = (x, d = 2) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));

const { api } = cashtag; // live.js: the API token and the stream reader
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function noteEventTime(t) {
  if (t > state.newestEvent) {
    state.newestEvent = t;
    $('#event-time').textContent = new Date(t).toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  }
}

function toWindow(w) {
  return { end: ms(w.window_end), mean: w.mean_sentiment, close: w.close_price, vwap: w.vwap, tweets: w.tweet_count };
}

function addWindows(symbol, items) {
  const list = state.windows.get(symbol) ?? [];
  const byEnd = new Map(list.map((w) => [w.end, w]));
  for (const w of items) byEnd.set(w.end, w);
  const merged = [...byEnd.values()].sort((a, b) => a.end - b.end);
  const newest = merged.length ? merged[merged.length - 1].end : 0;
  state.windows.set(symbol, merged.filter((w) => w.end > newest - SPAN_MS));
  if (newest) noteEventTime(newest);
}

// ---- symbol cards --------------------------------------------------------------------------

function sparkOptions(width) {
  return {
    width, height: 50, legend: { show: false }, cursor: { show: false },
    scales: { x: { time: true }, s: {}, p: {} },
    axes: [{ show: false }, { show: false, scale: 's' }, { show: false, scale: 'p' }],
    series: [{}, { scale: 's', stroke: '#58a6ff', width: 1.5 }, { scale: 'p', stroke: '#d29922', width: 1 }],
  };
}

function renderCards() {
  const cards = $('#cards');
  for (const symbol of state.symbols) {
    let card = cards.querySelector(`[data-symbol="${CSS.escape(symbol)}"]`);
    if (!card) {
      card = el('div', 'card');
      card.dataset.symbol = symbol;
      const top = el('div', 'top');
      top.append(el('span', 'sym', symbol), el('span', 'px', '–'));
      card.append(top, el('div', 'sent', ''), el('div', 'spark'));
      card.addEventListener('click', () => select(symbol));
      // Keep the cards in symbol order.
      const after = [...cards.children].find((c) => c.dataset.symbol > symbol);
      cards.insertBefore(card, after ?? null);
    }
    card.classList.toggle('selected', symbol === state.selected);
    const ws = state.windows.get(symbol) ?? [];
    const last = ws[ws.length - 1];
    const price = state.latestPrice.get(symbol) ?? last?.close;
    card.querySelector('.px').textContent = price === undefined || price === null ? '–' : `$${fmt(price)}`;
    const sent = card.querySelector('.sent');
    sent.textContent = last ? `sentiment ${fmt(last.mean, 3)} · ${last.tweets} tweets / 5 min` : 'no windows yet';
    sent.className = `sent score ${last && last.mean !== null ? label(last.mean) : 'neutral'}`;
    const data = [ws.map((w) => w.end / 1000), ws.map((w) => w.mean), ws.map((w) => w.close)];
    let spark = state.charts.sparks.get(symbol);
    const box = card.querySelector('.spark');
    if (!spark) {
      spark = new uPlot(sparkOptions(Math.max(100, box.clientWidth)), data, box);
      state.charts.sparks.set(symbol, spark);
    } else {
      spark.setData(data);
    }
    box.dataset.points = String(ws.length);
  }
}

// ---- detail charts: price & sentiment, volume, one time axis (charts.js, series.js) --------

const RANGES = { '5m': 5 * 60, '15m': 15 * 60, '1h': 3600, all: Infinity }; // seconds

/** The x range of the picked range (or the zoom), ending at the newest point. */
function viewRange(xs) {
  if (state.view.zoom) return state.view.zoom;
  const stepS = STEP_MS / 1000;
  if (xs.length === 0) return [Date.now() / 1000 - RANGES['15m'], Date.now() / 1000];
  const newest = xs[xs.length - 1] + stepS;
  const span = RANGES[state.view.range];
  return [Number.isFinite(span) ? newest - span : xs[0], newest];
}

function makeCharts() {
  state.charts.detail = cashtagCharts.makeDetailCharts($('#overlay-chart'), $('#volume-chart'), {
    onZoom(min, max) {
      state.view.zoom = [min, max];
      renderRangePicker();
    },
    onReset() {
      state.view.zoom = null;
      renderDetail();
      renderRangePicker();
    },
  });
  new ResizeObserver(() => state.charts.detail.resize()).observe($('main'));
}

function renderRangePicker() {
  for (const b of document.querySelectorAll('#range-picker button')) b.setAttribute('aria-pressed', String(!state.view.zoom && b.dataset.range === state.view.range));
  document.body.dataset.range = state.view.zoom ? 'zoom' : state.view.range;
}

function pickRange(range) {
  state.view = { range, zoom: null };
  renderRangePicker();
  renderDetail();
}

let renderQueued = false;
/** Redraws the detail charts at most every 250 ms however fast the stream pushes. */
function renderDetailSoon() {
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(() => {
    renderQueued = false;
    renderDetail();
  }, 250);
}

function renderDetail() {
  if (!state.series) return;
  const cols = state.series.columns(state.windows.get(state.selected) ?? []);
  state.charts.detail.setData(cols, viewRange(cols.xs));
}

// ---- tweets and alerts ---------------------------------------------------------------------

function tweetItem(t, fresh) {
  const li = el('li', fresh ? 'fresh' : '');
  li.dataset.id = t.id;
  li.append(el('time', '', hhmmss(ms(t.created_at))), el('span', `score ${t.sentiment}`, (t.sentiment_score >= 0 ? '+' : '') + t.sentiment_score.toFixed(3)), el('span', 'text', t.text));
  return li;
}

function renderTweets(fresh = new Set()) {
  const list = $('#tweets');
  list.replaceChildren(...state.tweets.map((t) => tweetItem(t, fresh.has(t.id))));
  $('#tweet-count').textContent = `${state.selected ?? ''} · newest first`;
}

function renderAlerts() {
  const list = $('#alerts');
  if (state.alerts.length === 0) return list.replaceChildren(el('li', 'empty', 'no alerts yet'));
  list.replaceChildren(...state.alerts.map((a) => {
    const li = el('li');
    li.dataset.symbol = a.symbol;
    li.title = `show ${a.symbol}`;
    li.addEventListener('click', () => void select(a.symbol));
    li.append(el('time', '', hhmmss(ms(a.window_end))), document.createTextNode(' '), el('b', '', a.symbol), document.createTextNode(` sentiment ${fmt(a.mean_sentiment, 3)}, price ${(a.price_change * 100).toFixed(2)}% (${a.tweet_count} tweets)`));
    return li;
  }));
}

// ---- live updates --------------------------------------------------------------------------

const handlers = {
  windows({ items }) {
    const bySymbol = new Map();
    for (const w of items) bySymbol.set(w.symbol, [...(bySymbol.get(w.symbol) ?? []), toWindow(w)]);
    let added = false;
    for (const [symbol, ws] of bySymbol) {
      if (!state.symbols.includes(symbol)) {
        state.symbols = [...state.symbols, symbol].sort();
        added = true;
      }
      addWindows(symbol, ws);
    }
    if (added) renderPicker();
    renderCards();
    if (bySymbol.has(state.selected)) renderDetailSoon();
  },
  tweets({ symbol, items }) {
    if (symbol !== state.selected) return;
    addTweets(items);
    noteEventTime(state.series.addTweets(items));
    renderDetailSoon();
  },
  prices({ symbol, items }) {
    if (symbol !== state.selected) return;
    noteEventTime(state.series.addTicks(items));
    if (items.length) state.latestPrice.set(symbol, items[0].close_price);
    renderDetailSoon();
    renderCards();
  },
  alerts({ items }) {
    state.alerts = [...items, ...state.alerts].slice(0, MAX_ALERTS);
    renderAlerts();
  },
};

function addTweets(items, flash = true) {
  const known = new Set(state.tweets.map((t) => t.id));
  const fresh = items.filter((t) => !known.has(t.id));
  state.tweets = [...fresh, ...state.tweets].sort((a, b) => ms(b.created_at) - ms(a.created_at)).slice(0, MAX_TWEETS);
  for (const t of fresh) noteEventTime(ms(t.created_at));
  renderTweets(flash ? new Set(fresh.map((t) => t.id)) : new Set());
}

const setStatus = (s, text) => {
  document.body.dataset.live = s;
  $('#live-text').textContent = text;
};

/**
 * Once the stream is open: what was committed while it connected (or was down) is read again,
 * since the feed pushes only what arrives after it subscribed.
 */
async function catchUp(symbol) {
  const held = state.series;
  const from = held.beginReload();
  const [series, tweets] = await Promise.all([api(`/api/series/${encodeURIComponent(symbol)}?step=${STEP_MS / 1000}${from === null ? '' : `&from=${new Date(from).toISOString()}`}`), api(`/api/tweets/${encodeURIComponent(symbol)}?limit=${MAX_TWEETS}`), loadWindows()]).catch((e) => {
    held.cancelReload();
    throw e;
  });
  if (state.selected !== symbol) return;
  state.series.load(series);
  addTweets(tweets.items, false);
  renderCards();
  renderDetail();
}

/** Follows the selected symbol's stream, reconnecting 2 s after it drops, until another is selected. */
function connect() {
  state.stream?.abort();
  const stream = new AbortController();
  state.stream = stream;
  const symbol = state.selected;
  const follow = async () => {
    while (!stream.signal.aborted) {
      try {
        const opened = () => {
          setStatus('live', `live · ${symbol}`);
          catchUp(symbol).catch(() => undefined);
        };
        await cashtag.readEvents(`/api/stream?symbol=${encodeURIComponent(symbol)}`, stream.signal, opened, (name, data) => Object.hasOwn(handlers, name) && handlers[name](JSON.parse(data)));
      } catch (e) {
        if (stream.signal.aborted) return;
        if (e.status === 401) return setStatus('error', e.message);
      }
      setStatus('error', 'reconnecting…');
      await sleep(2000);
    }
  };
  void follow();
}

// ---- symbol selection ----------------------------------------------------------------------

function renderPicker() {
  const picker = $('#symbol-picker');
  picker.replaceChildren(...state.symbols.map((s) => {
    const o = el('option', '', s);
    o.value = s;
    return o;
  }));
  if (state.selected) picker.value = state.selected;
}

/** The symbol's buckets and tweets from the API (no stream needed), drawn, then its stream followed. */
async function select(symbol) {
  state.selected = symbol;
  history.replaceState(null, '', `#${symbol}`);
  $('#symbol-picker').value = symbol;
  $('#detail-symbol').textContent = symbol;
  state.stream?.abort();
  const ws = state.windows.get(symbol) ?? [];
  const anchor = Math.max(ws.length ? ws[ws.length - 1].end : 0, state.latestTick.get(symbol) ?? 0, state.newestEvent);
  const from = anchor > 0 ? `&from=${new Date(anchor - SPAN_MS).toISOString()}` : '';
  const [tweets, series] = await Promise.all([api(`/api/tweets/${encodeURIComponent(symbol)}?limit=${MAX_TWEETS}`), api(`/api/series/${encodeURIComponent(symbol)}?step=${STEP_MS / 1000}${from}`)]);
  if (state.selected !== symbol) return; // picked another meanwhile
  state.tweets = [];
  addTweets(tweets.items, false);
  state.series = new cashtagSeries.Series(STEP_MS, SPAN_MS);
  state.series.load(series);
  renderTweets();
  renderDetail();
  renderCards();
  document.body.dataset.loaded = 'true';
  setStatus('connecting', `as of ${hhmmss(Date.now())} · connecting to the live stream…`);
  connect();
}

async function loadWindows() {
  await Promise.all(state.symbols.map(async (symbol) => {
    const ws = state.windows.get(symbol) ?? [];
    const end = ws.length ? ws[ws.length - 1].end : state.latestWindowEnd.get(symbol);
    if (end === undefined) return;
    const from = ws.length ? end + 1 : end - SPAN_MS;
    const r = await api(`/api/windows/${encodeURIComponent(symbol)}?from=${new Date(from).toISOString()}`);
    addWindows(symbol, r.items.map(toWindow));
  }));
}

async function loadSymbols() {
  const { symbols } = await api('/api/symbols');
  state.symbols = symbols.map((s) => s.symbol).sort();
  for (const s of symbols) {
    if (s.latest_price) {
      state.latestPrice.set(s.symbol, s.latest_price.close_price);
      state.latestTick.set(s.symbol, ms(s.latest_price.trade_timestamp));
    }
    if (s.latest_window) state.latestWindowEnd.set(s.symbol, ms(s.latest_window.window_end));
  }
  await loadWindows();
}

async function start() {
  $('#step').textContent = String(STEP_MS / 1000);
  makeCharts();
  renderRangePicker();
  for (const b of document.querySelectorAll('#range-picker button')) b.addEventListener('click', () => pickRange(b.dataset.range));
  $('#symbol-picker').addEventListener('change', (e) => void select(e.target.value));
  // An empty store (a pipeline just starting): look again until there is something to show.
  for (;;) {
    try {
      await loadSymbols();
      if (state.symbols.length) break;
      $('#live-text').textContent = 'waiting for data…';
    } catch (e) {
      $('#live-text').textContent = e.status === 401 ? e.message : 'server unreachable, retrying…';
    }
    await sleep(2000);
  }
  renderPicker();
  const wanted = decodeURIComponent(location.hash.slice(1));
  const [, alerts] = await Promise.all([select(state.symbols.includes(wanted) ? wanted : state.symbols[0]), api(`/api/alerts?limit=${MAX_ALERTS}`)]);
  state.alerts = alerts.items;
  renderAlerts();
}

void start();
