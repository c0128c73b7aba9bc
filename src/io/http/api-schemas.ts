// JSON schemas of the query API: fastify validates every request against them (ajv) and
// serialises every response with them, and /openapi.json is generated from the same objects.
// Every string parameter has a maxLength, so a huge value is rejected before any pattern runs.

export const SYMBOL_PATTERN_SOURCE = '^[A-Z][A-Z0-9.]{0,9}$';
export const MAX_LIMIT = 1_000;
export const DEFAULT_LIMIT = 50;

const symbol = { type: 'string', minLength: 1, maxLength: 10, pattern: SYMBOL_PATTERN_SOURCE, description: 'ticker symbol, e.g. AAPL or BRK.B' } as const;
const time = (description: string) => ({ type: 'string', minLength: 1, maxLength: 40, format: 'date-time', description }) as const;
const limit = (dflt: number) => ({ type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: dflt, description: `most items returned (1..${MAX_LIMIT})` }) as const;
const ts = { type: 'string', format: 'date-time' } as const;
const nullableNumber = { type: ['number', 'null'] } as const;

export const symbolParams = { type: 'object', required: ['symbol'], additionalProperties: false, properties: { symbol } } as const;

export const sinceLimitQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { since: time('only items with event time at or after this (ISO-8601)'), limit: limit(DEFAULT_LIMIT) },
} as const;

export const windowsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: time('windows ending at or after this; default: `to` minus one hour; at most 7 days before `to` (an earlier one is cut to that)'),
    to: time("windows ending before this; default: just after the symbol's newest window"),
    limit: limit(MAX_LIMIT),
  },
} as const;

export const historyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: time('rows at or after this; default: `to` minus 7 days; at most 90 days before `to` (an earlier one is cut to that)'),
    to: time('rows before this; default: now'),
    report: { type: 'string', enum: ['stats', 'trend'], default: 'stats', maxLength: 5, description: 'stats: hourly statistics (batch_topic_statistics); trend: every tweet with its moving average (batch_trend_analysis)' },
    limit: limit(MAX_LIMIT),
  },
} as const;

export const seriesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: time('buckets of rows at or after this; default: `to` minus 30 minutes; at most 24 hours before `to` (an earlier one is cut to that)'),
    to: time("rows before this; default: just after the symbol's newest tick or tweet"),
    step: { type: 'integer', minimum: 1, maximum: 3_600, default: 10, description: 'bucket width in seconds (1..3600)' },
  },
} as const;

export const alertsQuery = sinceLimitQuery;

export const streamQuery = { type: 'object', additionalProperties: false, properties: { symbol } } as const;

export const tweet = {
  type: 'object',
  required: ['id', 'symbol', 'created_at', 'ingest_timestamp', 'text', 'user_id', 'sentiment_score', 'sentiment'],
  properties: {
    id: { type: 'string' },
    symbol: { type: 'string' },
    created_at: ts,
    ingest_timestamp: ts,
    text: { type: 'string' },
    user_id: { type: 'string' },
    sentiment_score: { type: 'number', description: 'VADER compound score, -1..1' },
    sentiment: { type: 'string', enum: ['positive', 'neutral', 'negative'], description: 'compound >= 0.05 positive, <= -0.05 negative' },
  },
} as const;

export const price = {
  type: 'object',
  required: ['id', 'symbol', 'trade_timestamp', 'ingest_timestamp', 'open_price', 'close_price', 'volume'],
  properties: { id: { type: 'string' }, symbol: { type: 'string' }, trade_timestamp: ts, ingest_timestamp: ts, open_price: { type: 'number' }, close_price: { type: 'number' }, volume: { type: 'number' } },
} as const;

export const window = {
  type: 'object',
  required: ['symbol', 'window_start', 'window_end', 'tweet_count', 'tick_count', 'volume'],
  properties: {
    symbol: { type: 'string' },
    window_start: ts,
    window_end: ts,
    tweet_count: { type: 'integer' },
    mean_sentiment: nullableNumber,
    min_sentiment: nullableNumber,
    max_sentiment: nullableNumber,
    positive_count: { type: 'integer' },
    negative_count: { type: 'integer' },
    tick_count: { type: 'integer' },
    open_price: nullableNumber,
    close_price: nullableNumber,
    high_price: nullableNumber,
    low_price: nullableNumber,
    volume: { type: 'number' },
    vwap: nullableNumber,
  },
} as const;

export const alert = {
  type: 'object',
  required: ['symbol', 'window_start', 'window_end', 'mean_sentiment', 'tweet_count', 'open_price', 'close_price', 'price_change'],
  properties: { symbol: { type: 'string' }, window_start: ts, window_end: ts, mean_sentiment: { type: 'number' }, tweet_count: { type: 'integer' }, open_price: { type: 'number' }, close_price: { type: 'number' }, price_change: { type: 'number', description: '(close - open) / open' } },
} as const;

export const bucket = {
  type: 'object',
  required: ['start', 'ticks', 'open', 'high', 'low', 'close', 'volume', 'vwap', 'tweets', 'mean_sentiment'],
  properties: {
    start: ts,
    ticks: { type: 'integer' },
    open: nullableNumber,
    high: nullableNumber,
    low: nullableNumber,
    close: nullableNumber,
    volume: { type: 'number', description: 'sum of the ticks\' volumes' },
    vwap: { ...nullableNumber, description: 'volume-weighted mean of the ticks\' close prices (the close when the volume is 0); null without ticks' },
    tweets: { type: 'integer' },
    mean_sentiment: { ...nullableNumber, description: 'mean VADER compound score of the tweets; null without tweets' },
  },
} as const;

const statsRow = {
  type: 'object',
  required: ['hour', 'count'],
  properties: { hour: ts, count: { type: 'integer' }, mean_sentiment: nullableNumber, stddev_sentiment: nullableNumber, p50_sentiment: nullableNumber, p95_sentiment: nullableNumber, min_sentiment: nullableNumber, max_sentiment: nullableNumber, price_volatility: nullableNumber },
} as const;

const trendRow = {
  type: 'object',
  required: ['record_id', 'created_at', 'ingest_timestamp', 'sentiment_score', 'moving_avg_10'],
  properties: { record_id: { type: 'string' }, created_at: ts, ingest_timestamp: ts, sentiment_score: { type: 'number' }, moving_avg_10: { type: 'number' } },
} as const;

const list = (item: object, extra: Record<string, object> = {}) =>
  ({
    type: 'object',
    required: ['count', 'items'],
    properties: { ...extra, count: { type: 'integer' }, truncated: { type: 'boolean', description: 'true when the limit cut the result short, or a range was cut to its longest' }, items: { type: 'array', items: item } },
  }) as const;

export const problem = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    errors: { type: 'array', items: { type: 'object', properties: { in: { type: 'string' }, name: { type: 'string' }, message: { type: 'string' } } } },
  },
} as const;

export const responses = {
  symbols: {
    type: 'object',
    required: ['symbols'],
    properties: {
      symbols: {
        type: 'array',
        items: { type: 'object', required: ['symbol'], properties: { symbol: { type: 'string' }, latest_window: { anyOf: [window, { type: 'null' }] }, latest_price: { anyOf: [price, { type: 'null' }] } } },
      },
    },
  },
  tweets: list(tweet, { symbol: { type: 'string' } }),
  prices: list(price, { symbol: { type: 'string' } }),
  windows: list(window, { symbol: { type: 'string' }, from: ts, to: ts }),
  history: list({ anyOf: [statsRow, trendRow] }, { symbol: { type: 'string' }, report: { type: 'string' }, version: { type: 'string' }, from: ts, to: ts }),
  series: list(bucket, { symbol: { type: 'string' }, from: ts, to: ts, step: { type: 'integer' }, ticks_from: ts, tweets_from: ts }),
  alerts: list(alert),
  health: { type: 'object', required: ['status'], properties: { status: { type: 'string' }, checks: { type: 'object', additionalProperties: { type: 'string' } } } },
} as const;

/** One server-sent event of /api/stream (OpenAPI 3.2 `itemSchema`): `event` names it, `data` is its JSON. */
const sse = (event: string, data: object) =>
  ({
    type: 'object',
    required: ['event', 'data'],
    properties: { event: { const: event }, data: { type: 'string', contentMediaType: 'application/json', contentSchema: data }, retry: { type: 'integer' } },
  }) as const;
const items = (item: object, extra: Record<string, object> = {}) => ({ type: 'object', required: ['items', ...Object.keys(extra)], properties: { ...extra, items: { type: 'array', items: item } } }) as const;

export const streamEvent = {
  description: 'windows: new 5-minute windows of every symbol (oldest first); alerts: new alerts (newest first); tweets and prices: new rows of the followed symbol (newest first)',
  oneOf: [sse('windows', items(window)), sse('alerts', items(alert)), sse('tweets', items(tweet, { symbol: { type: 'string' } })), sse('prices', items(price, { symbol: { type: 'string' } }))],
} as const;
