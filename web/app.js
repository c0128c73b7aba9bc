// cashtag live dashboard: plain JavaScript, no build step. Initial state from the JSON API,
// then increments from the server-sent events of /api/stream. Tweet text is untrusted and is
// only ever set as textContent.
/* global uPlot, document, CSS, ResizeObserver, AbortController, cashtag, history, location, setTimeout */
'use strict';

const MINUTES = Number(document.querySelector('meta[name="cashtag-minutes"]').content) || 30;
const SPAN_MS = MINUTES * 60_000;
const MAX_TWEETS = 50;
const MAX_ALERTS = 30;

const state = {
  symbols: [], // sorted
  windows: new Map(), // symbol -> windows oldest first (ms times)
  latestPrice: new Map(), // symbol -> close price
  selected: null,
  tweets: [], // newest first
  ticks: [], // selected symbol's ticks, oldest first: [tMs, close]
  alerts: [],
  newestEvent: 0,
  stream: null,
  charts: { sentiment: null, price: null, sparks: new Map() },
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

// ---- detail charts -------------------------------------------------------------------------

const axisStyle = { stroke: '#8a99a8', grid: { stroke: '#2a3541', width: 1 }, ticks: { stroke: '#2a3541' } };

function makeCharts() {
  const width = (id) => Math.max(300, $(id).clientWidth);
  state.charts.sentiment = new uPlot({
    width: width('#sentiment-chart'), height: 220,
    scales: { x: { time: true }, y: { range: [-1, 1] }, n: {} },
    axes: [{ ...axisStyle }, { ...axisStyle, label: 'mean sentiment' }, { ...axisStyle, scale: 'n', side: 1, grid: { show: false }, label: 'tweets / window' }],
    series: [{}, { label: 'mean sentiment', stroke: '#58a6ff', width: 2, fill: 'rgba(88,166,255,0.08)' }, { label: 'tweets', scale: 'n', stroke: '#6e7681', width: 1, dash: [4, 4] }],
  }, [[], [], []], $('#sentiment-chart'));
  state.charts.price = new uPlot({
    width: width('#price-chart'), height: 220,
    scales: { x: { time: true }, y: {} },
    axes: [{ ...axisStyle }, { ...axisStyle, label: 'USD' }],
    series: [{}, { label: 'tick close', stroke: '#d29922', width: 1, spanGaps: true, points: { show: false } }, { label: 'window VWAP', stroke: '#3fb950', width: 2, spanGaps: true }],
  }, [[], [], []], $('#price-chart'));
  new ResizeObserver(() => {
    state.charts.sentiment.setSize({ width: width('#sentiment-chart'), height: 220 });
    state.charts.price.setSize({ width: width('#price-chart'), height: 220 });
  }).observe($('main'));
}

function renderDetail() {
  const ws = state.windows.get(state.selected) ?? [];
  state.charts.sentiment.setData([ws.map((w) => w.end / 1000), ws.map((w) => w.mean), ws.map((w) => w.tweets)]);
  $('#sentiment-chart').dataset.points = String(ws.length);
  // Ticks and window VWAPs on one time axis (uPlot wants one x array): nulls where a series has no point.
  const newest = Math.max(state.newestEvent, ...state.ticks.map((t) => t[0]));
  state.ticks = state.ticks.filter((t) => t[0] > newest - SPAN_MS);
  const points = [...state.ticks.map(([t, c]) => [t, c, null]), ...ws.map((w) => [w.end, null, w.vwap])].sort((a, b) => a[0] - b[0]);
  state.charts.price.setData([points.map((p) => p[0] / 1000), points.map((p) => p[1]), points.map((p) => p[2])]);
  $('#price-chart').dataset.points = String(points.length);
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
    renderDetail();
  },
  tweets({ symbol, items }) {
    if (symbol !== state.selected) return;
    const known = new Set(state.tweets.map((t) => t.id));
    const fresh = items.filter((t) => !known.has(t.id));
    state.tweets = [...fresh, ...state.tweets].sort((a, b) => ms(b.created_at) - ms(a.created_at)).slice(0, MAX_TWEETS);
    for (const t of fresh) noteEventTime(ms(t.created_at));
    renderTweets(new Set(fresh.map((t) => t.id)));
  },
  prices({ symbol, items }) {
    if (symbol !== state.selected) return;
    for (const p of items) state.ticks.push([ms(p.trade_timestamp), p.close_price]);
    state.ticks.sort((a, b) => a[0] - b[0]);
    if (items.length) state.latestPrice.set(symbol, items[0].close_price);
    renderDetail();
    renderCards();
  },
  alerts({ items }) {
    state.alerts = [...items, ...state.alerts].slice(0, MAX_ALERTS);
    renderAlerts();
  },
};

/** Follows the selected symbol's stream, reconnecting 2 s after it drops, until another is selected. */
function connect() {
  state.stream?.abort();
  const stream = new AbortController();
  state.stream = stream;
  const symbol = state.selected;
  const status = (s, text) => {
    document.body.dataset.live = s;
    $('#live-text').textContent = text;
  };
  const follow = async () => {
    while (!stream.signal.aborted) {
      try {
        await cashtag.readEvents(`/api/stream?symbol=${encodeURIComponent(symbol)}`, stream.signal, () => status('live', `live · ${symbol}`), (name, data) => Object.hasOwn(handlers, name) && handlers[name](JSON.parse(data)));
      } catch (e) {
        if (stream.signal.aborted) return;
        if (e.status === 401) return status('error', e.message);
      }
      status('error', 'reconnecting…');
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

async function select(symbol) {
  state.selected = symbol;
  history.replaceState(null, '', `#${symbol}`);
  $('#symbol-picker').value = symbol;
  $('#detail-symbol').textContent = symbol;
  const ws = state.windows.get(symbol) ?? [];
  const anchor = ws.length ? ws[ws.length - 1].end : state.newestEvent || Date.now();
  const [tweets, prices] = await Promise.all([api(`/api/tweets/${encodeURIComponent(symbol)}?limit=${MAX_TWEETS}`), api(`/api/prices/${encodeURIComponent(symbol)}?limit=1000&since=${new Date(anchor - SPAN_MS).toISOString()}`)]);
  if (state.selected !== symbol) return; // picked another meanwhile
  state.tweets = tweets.items;
  state.ticks = prices.items.map((p) => [ms(p.trade_timestamp), p.close_price]).reverse();
  if (prices.items.length) state.latestPrice.set(symbol, prices.items[0].close_price);
  renderTweets();
  renderDetail();
  renderCards();
  connect();
}

async function loadSymbols() {
  const { symbols } = await api('/api/symbols');
  state.symbols = symbols.map((s) => s.symbol).sort();
  await Promise.all(symbols.map(async (s) => {
    if (s.latest_price) state.latestPrice.set(s.symbol, s.latest_price.close_price);
    if (!s.latest_window) return;
    const end = ms(s.latest_window.window_end);
    const r = await api(`/api/windows/${encodeURIComponent(s.symbol)}?from=${new Date(end - SPAN_MS).toISOString()}&to=${new Date(end + 1).toISOString()}`);
    addWindows(s.symbol, r.items.map(toWindow));
  }));
}

async function start() {
  document.querySelectorAll('.minutes').forEach((e) => (e.textContent = String(MINUTES)));
  makeCharts();
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
  renderAlerts();
  const wanted = decodeURIComponent(location.hash.slice(1));
  await select(state.symbols.includes(wanted) ? wanted : state.symbols[0]);
  const { items } = await api(`/api/alerts?limit=${MAX_ALERTS}`);
  state.alerts = items;
  renderAlerts();
}

void start();
