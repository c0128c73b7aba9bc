// Synthetic tweets and price ticks, deterministic and replayable by offset: record n of
// partition p of a topic depends only on (seed, topic, p, n) and the generator's settings.
// Symbols are assigned to partitions (symbol i -> partition i mod P), and both topics are keyed
// by symbol, so tweets and prices are co-partitioned as they are in Kafka.

import { Market, type News } from './market.js';
import { formatSeedTime } from './time.js';
import { mix, pick, rng } from './random.js';
import { TWEETS_TOPIC, PRICES_TOPIC, type InputTopic } from './records.js';

export interface GeneratorSettings {
  seed: number;
  symbols: string[];
  partitions: number;
  /** Event time of offset 0, epoch ms. */
  epochMs: number;
  /** Event-time spacing between consecutive records of one partition, per topic. */
  tweetSpacingMs: number;
  priceSpacingMs: number;
  /** Fractions of records that are out of order (within lateness), late (beyond it), malformed. */
  outOfOrder: number;
  late: number;
  malformed: number;
  allowedLatenessMs: number;
}

export interface Generated {
  key: string | null;
  value: string;
  /** What the record was generated to be, for tests: a valid record or a malformed kind. */
  kind: 'valid' | 'malformed';
  eventTime: number;
}

const OPENERS = ['', '', '', '@trader_joe ', 'RT @wallstbets: ', '@elonmusk ', 'Honestly, '];
/** Bad news: VADER scores each about -0.65 to -0.9. */
const BAD = [
  '{S} SUCKS. worst stock ever',
  'lost so much on {S} today 😭😭',
  '{S} looks kind of weak, not great',
  '{S} guidance cut, this is a disaster 😱',
  'Terrible news for {S}, dumping everything',
  'panic selling {S}, horrible day 😭',
  '{S} fraud allegations, stock tanking. scary 😱',
  'worst selloff in years for {S}, so much pain',
  'ugly miss from {S}, hate this',
];
/** Good news: about +0.4 to +0.9. */
const GOOD = [
  'Without a doubt {S} is the best trade I made',
  'Just bought more {S} :)',
  '{S} great quarter, love it 😍',
  'strong buy on {S}, excellent growth',
  '{S} to the moon 🚀🚀🚀 😁',
  'Not bad at all for {S} today',
  'Huge breakout for {S} today! #bullish',
  'chart: https://example.com/charts/{s}?ref=$SPAM {S} looks strong',
];
/** Chatter: mixed, negated, sarcastic or neutral (VADER's hard cases among them). */
const MIXED = [
  '{S} earnings were good. But the guidance is terrible.',
  'I am NOT selling {S}!!!',
  '{S} is crashing hard 📉 sell sell sell',
  'No problems with {S} today',
  'Why is {S} down?? 😡',
  '{S} and {S2} both ripping 🔥🔥',
  'Terrible day for {S}... but I am still holding 💎🙌',
  '{S} $5 calls printing money 💰',
  'meh. {S} flat again',
  'the bears are wrong about {S}, this is NOT a bubble',
  '{S} beat estimates, revenue up 12% 👍',
  'market is quiet today',
  'loving this rally, no idea what to buy next 😁',
];
const ALL = [...BAD, ...GOOD, ...MIXED];
const SUFFIXES = ['', '', ' #stocks', ' 📈', '!!', '?', ' #investing', ' 🤔'];

export class Generator {
  private readonly bySymbolPartition: string[][];
  readonly market: Market;

  constructor(readonly s: GeneratorSettings) {
    this.market = new Market(s.seed, s.epochMs);
    this.bySymbolPartition = Array.from({ length: s.partitions }, () => []);
    s.symbols.forEach((sym, i) => this.bySymbolPartition[i % s.partitions].push(sym));
  }

  symbolsOf(partition: number): readonly string[] {
    return this.bySymbolPartition[partition];
  }

  generate(topic: InputTopic, partition: number, n: number): Generated {
    const r = rng(mix(this.s.seed, topic === TWEETS_TOPIC ? 1 : 2, partition, n));
    const spacing = topic === TWEETS_TOPIC ? this.s.tweetSpacingMs : this.s.priceSpacingMs;
    const nominal = this.s.epochMs + Math.floor(n * spacing);
    let eventTime = nominal;
    const u = r();
    if (u < this.s.late) eventTime -= this.s.allowedLatenessMs + 1_000 + Math.floor(r() * 300_000);
    else if (u < this.s.late + this.s.outOfOrder) eventTime -= Math.floor(r() * this.s.allowedLatenessMs * 0.9);
    const malformed = r() < this.s.malformed;
    const own = this.bySymbolPartition[partition];
    const symbol = own.length > 0 ? pick(r, own) : null;
    if (topic === TWEETS_TOPIC) {
      const value = malformed ? malformedTweet(r, eventTime) : JSON.stringify(this.tweet(r, symbol, eventTime, nominal, n));
      return { key: symbol, value, kind: malformed ? 'malformed' : 'valid', eventTime };
    }
    const sym = symbol ?? this.s.symbols[partition % this.s.symbols.length];
    const value = malformed ? malformedPrice(r, sym, eventTime) : JSON.stringify(this.price(r, sym, nominal, eventTime));
    return { key: sym, value, kind: malformed ? 'malformed' : 'valid', eventTime };
  }

  /** A tweet about `symbol` (or none), its body chosen by the symbol's news at its nominal time. */
  private tweet(r: () => number, symbol: string | null, eventTime: number, nominal: number, n: number) {
    let body: string;
    if (!symbol) body = pick(r, ALL).replace(/\{S2?\}/g, 'the market').replace('{s}', 'spx');
    else {
      body = pick(r, bodiesFor(this.market.news(symbol, nominal), r()));
      const other = pick(r, this.s.symbols.filter((x) => x !== symbol).concat(symbol));
      body = body.replace('{S2}', `$${other}`).replace('{S}', `$${r() < 0.1 ? symbol.toLowerCase() : symbol}`).replace('{s}', symbol.toLowerCase());
    }
    return { created_at: formatSeedTime(eventTime), text: pick(r, OPENERS) + body + pick(r, SUFFIXES), user_id: `user_${(mix(n, 7) % 50_000).toString()}` };
  }

  /** A tick at nominal time t: it opens at the symbol's price one tick earlier and closes at t's. */
  private price(r: () => number, symbol: string, nominal: number, eventTime: number) {
    return {
      symbol,
      trade_timestamp: formatSeedTime(eventTime),
      open_price: this.market.price(symbol, nominal - this.s.priceSpacingMs),
      close_price: this.market.price(symbol, nominal),
      volume: 100 + Math.floor(r() * 4_900),
    };
  }
}

/**
 * Which bodies a tweet draws from, given the news and a uniform u: mostly bad news in a crash
 * (85 %), mostly good in a rally (80 %), and in calm times chatter with a little of the drift's sign.
 */
function bodiesFor(news: News, u: number): readonly string[] {
  if (news.regime === 'crash') return u < 0.85 ? BAD : MIXED;
  if (news.regime === 'rally') return u < 0.8 ? GOOD : MIXED;
  const bad = 0.1 + 0.15 * Math.max(0, -news.tilt), good = 0.1 + 0.15 * Math.max(0, news.tilt);
  return u < bad ? BAD : u < bad + good ? GOOD : MIXED;
}

function malformedTweet(r: () => number, eventTime: number): string {
  const at = formatSeedTime(eventTime);
  switch (Math.floor(r() * 6)) {
    case 0: return `{"created_at": "${at}", "text": "truncated $AAPL`;
    case 1: return JSON.stringify({ created_at: at, user_id: 'user_1' });
    case 2: return JSON.stringify({ created_at: at, text: 12345, user_id: 'user_1' });
    case 3: return JSON.stringify({ created_at: '2025-02-30 10:00:00', text: 'impossible date $TSLA', user_id: 'user_1' });
    case 4: return JSON.stringify({ created_at: at, text: `$TSLA ${'spam '.repeat(2_500)}`, user_id: 'user_1' });
    default: return '["not", "an", "object"]';
  }
}

function malformedPrice(r: () => number, symbol: string, eventTime: number): string {
  const at = formatSeedTime(eventTime);
  const ok = { symbol, trade_timestamp: at, open_price: 10, close_price: 10.5, volume: 100 };
  switch (Math.floor(r() * 5)) {
    case 0: return JSON.stringify({ ...ok, volume: -100 });
    case 1: return JSON.stringify({ ...ok, symbol: 'X'.repeat(50) });
    case 2: return JSON.stringify({ ...ok, trade_timestamp: 'yesterday' });
    case 3: return JSON.stringify({ ...ok, close_price: '10.5' });
    default: return 'not json at all';
  }
}

export { TWEETS_TOPIC, PRICES_TOPIC };
