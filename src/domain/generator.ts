// Synthetic tweets and price ticks, deterministic and replayable by offset: record n of
// partition p of a topic depends only on (seed, topic, p, n) and the generator's settings.
// Symbols are assigned to partitions (symbol i -> partition i mod P), and both topics are keyed
// by symbol, so tweets and prices are co-partitioned as they are in Kafka.

import { formatSeedTime } from './time.js';
import { hashString, mix, pick, rng } from './random.js';
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
const BODIES = [
  '{S} to the moon 🚀🚀🚀 😁',
  'Not bad at all for {S} today',
  '{S} earnings were good. But the guidance is terrible.',
  'I am NOT selling {S}!!!',
  'Huge breakout for {S} today! #bullish',
  '{S} is crashing hard 📉 sell sell sell',
  'No problems with {S} today',
  'Without a doubt {S} is the best trade I made',
  '{S} looks kind of weak, not great',
  'Why is {S} down?? 😡',
  '{S} and {S2} both ripping 🔥🔥',
  'Terrible day for {S}... but I am still holding 💎🙌',
  'chart: https://example.com/charts/{s}?ref=$SPAM {S} looks strong',
  '{S} $5 calls printing money 💰',
  'meh. {S} flat again',
  'Just bought more {S} :)',
  '{S} SUCKS. worst stock ever',
  'the bears are wrong about {S}, this is NOT a bubble',
  '{S} beat estimates, revenue up 12% 👍',
  'lost so much on {S} today 😭😭',
  'market is quiet today',
  'loving this rally, no idea what to buy next 😁',
];
const SUFFIXES = ['', '', ' #stocks', ' 📈', '!!', '?', ' #investing', ' 🤔'];

export class Generator {
  private readonly bySymbolPartition: string[][];

  constructor(readonly s: GeneratorSettings) {
    this.bySymbolPartition = Array.from({ length: s.partitions }, () => []);
    s.symbols.forEach((sym, i) => this.bySymbolPartition[i % s.partitions].push(sym));
  }

  symbolsOf(partition: number): readonly string[] {
    return this.bySymbolPartition[partition];
  }

  generate(topic: InputTopic, partition: number, n: number): Generated {
    const r = rng(mix(this.s.seed, topic === TWEETS_TOPIC ? 1 : 2, partition, n));
    const spacing = topic === TWEETS_TOPIC ? this.s.tweetSpacingMs : this.s.priceSpacingMs;
    let eventTime = this.s.epochMs + Math.floor(n * spacing);
    const u = r();
    if (u < this.s.late) eventTime -= this.s.allowedLatenessMs + 1_000 + Math.floor(r() * 300_000);
    else if (u < this.s.late + this.s.outOfOrder) eventTime -= Math.floor(r() * this.s.allowedLatenessMs * 0.9);
    const malformed = r() < this.s.malformed;
    const own = this.bySymbolPartition[partition];
    const symbol = own.length > 0 ? pick(r, own) : null;
    if (topic === TWEETS_TOPIC) {
      const value = malformed ? malformedTweet(r, eventTime) : JSON.stringify(this.tweet(r, symbol, eventTime, n));
      return { key: symbol, value, kind: malformed ? 'malformed' : 'valid', eventTime };
    }
    const sym = symbol ?? this.s.symbols[partition % this.s.symbols.length];
    const value = malformed ? malformedPrice(r, sym, eventTime) : JSON.stringify(this.price(r, sym, n, eventTime));
    return { key: sym, value, kind: malformed ? 'malformed' : 'valid', eventTime };
  }

  private tweet(r: () => number, symbol: string | null, eventTime: number, n: number) {
    let body = pick(r, BODIES);
    if (!symbol) body = body.replace(/\{S2?\}/g, 'the market').replace('{s}', 'spx');
    else {
      const other = pick(r, this.s.symbols.filter((x) => x !== symbol).concat(symbol));
      body = body.replace('{S2}', `$${other}`).replace('{S}', `$${r() < 0.1 ? symbol.toLowerCase() : symbol}`).replace('{s}', symbol.toLowerCase());
    }
    return { created_at: formatSeedTime(eventTime), text: pick(r, OPENERS) + body + pick(r, SUFFIXES), user_id: `user_${(mix(n, 7) % 50_000).toString()}` };
  }

  /** Price of a symbol at tick n: a random walk in log space built from noise at dyadic scales. */
  priceAt(symbol: string, n: number): number {
    const h = hashString(symbol);
    const base = 20 + (h % 480);
    let logp = 0;
    for (let j = 0; j < 16; j++) {
      const scale = 2 ** j;
      const k = Math.floor(n / scale);
      const f = n / scale - k;
      const a = rng(mix(this.s.seed, h, j, k))() - 0.5;
      const b = rng(mix(this.s.seed, h, j, k + 1))() - 0.5;
      logp += 0.002 * Math.sqrt(scale) * (a + (b - a) * f);
    }
    return Math.round(base * Math.exp(logp) * 100) / 100;
  }

  private price(r: () => number, symbol: string, n: number, eventTime: number) {
    return {
      symbol,
      trade_timestamp: formatSeedTime(eventTime),
      open_price: this.priceAt(symbol, Math.max(0, n - 1)),
      close_price: this.priceAt(symbol, n),
      volume: 100 + Math.floor(r() * 4_900),
    };
  }
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
