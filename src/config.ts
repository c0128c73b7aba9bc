// Configuration: every setting has a flag, an environment variable, a default and a
// description, declared once in SETTINGS. Values are validated at start-up; a bad value stops
// the program with a message naming the setting and the form it expects.

import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { SENTIMENT_ENGINES } from './actors/sentiment/protocol.js';
import { SYMBOL_PATTERN } from './domain/cashtags.js';
import { parseColumnsSpec } from './domain/file-shapes.js';
import { PRICES_TOPIC, TWEETS_TOPIC, type InputTopic } from './domain/records.js';
import { HTTP_DEFAULTS } from './io/http/hardening.js';

const cores = availableParallelism();

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.coerce.number({ error: `a whole number` }).int(`a whole number`).min(min, `a whole number >= ${min}`).max(max, `a whole number <= ${max}`);
const num = (min: number, max: number) => z.coerce.number({ error: 'a number' }).min(min, `a number >= ${min}`).max(max, `a number <= ${max}`);
const fraction = num(0, 1);
const symbols = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim().replace(/^\$/, '').toUpperCase()).filter(Boolean))
  .refine((xs) => xs.length > 0 && xs.every((x) => SYMBOL_PATTERN.test(x)), 'a comma-separated list of symbols like AAPL,TSLA,BRK.B');

/** A switch: on/off (or true/false, 1/0) from the environment; a flag given alone is `true`. */
const onOffOrFlag = z
  .union([z.literal(true), z.enum(['on', 'off', 'true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'on' || v === 'true' || v === '1');

const host = z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/);
const origins = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .refine((xs) => xs.every((x) => /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(x)), 'scheme://host[:port] entries');

/** `field=Column,...` for one topic's payload fields (domain/file-shapes.ts). */
const columnsSpec = (topic: InputTopic) =>
  z.string().transform((s, c) => {
    const r = parseColumnsSpec(s, topic);
    if (r.ok) return r.columns;
    c.addIssue({ code: 'custom', message: r.problem });
    return z.NEVER;
  });

const hostList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .refine((xs) => xs.every((x) => /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(x)), 'host:port entries');

interface Setting {
  env: string;
  flag: string;
  description: string;
  default: string;
  schema: z.ZodType;
  /** The form shown in errors and --help. */
  form: string;
  /** Never echoed in an error message (a typo would print the secret). */
  secret?: boolean;
}

export const SETTINGS = {
  dataDir: { env: 'DATA_DIR', flag: '--data-dir <dir>', description: 'where the lake, serving store and checkpoints live', default: './data', schema: z.string().min(1).transform((d) => resolve(d)), form: 'a directory path' },
  duration: { env: 'DURATION', flag: '--duration <seconds>', description: 'stop (cleanly) after this many seconds; 0 runs until Ctrl-C', default: '0', schema: num(0, 1e9), form: 'seconds >= 0' },
  untilDrained: { env: 'UNTIL_DRAINED', flag: '--until-drained [on|off]', description: 'Kafka input: stop (cleanly, exit 0) once every assigned partition of tweets and stock-prices is read up to the end offsets it had at start-up: the streams end as at the end of a bounded run (windows and joins up to the last watermark are emitted, later ones wait in the final checkpoint), sinks are flushed and a final checkpoint is committed, so running it again writes nothing new. Not with ANALYTICS_SHUFFLE=kafka', default: 'off', schema: onOffOrFlag, form: 'on or off (the flag alone: on)' },
  rate: { env: 'RATE', flag: '--rate <tweets/s>', description: 'tweets per second offered by the generator (all partitions); 0 = as fast as the pipeline goes. With --file/--prices-file: records per second read from the files, and unset means 0', default: '1000', schema: num(0, 1e7), form: 'tweets per second >= 0' },
  eventRate: { env: 'EVENT_RATE', flag: '--event-rate <tweets/s>', description: 'tweets per second of event time (how fast event time advances per record); 0 = same as RATE (1000 when RATE is 0)', default: '0', schema: num(0, 1e7), form: 'tweets per second >= 0' },
  speedup: { env: 'SPEEDUP', flag: '--speedup <x>', description: 'event time runs x times as fast as the wall clock (EVENT_RATE = RATE / x); 0 = as EVENT_RATE says', default: '0', schema: num(0, 1e6), form: 'a number >= 0 (x times the wall clock)' },
  events: { env: 'EVENTS', flag: '--events <n>', description: 'stop the generator after n tweets (split over partitions); -1 = unbounded', default: '-1', schema: int(-1), form: 'a whole number >= -1' },
  symbols: { env: 'SYMBOLS', flag: '--symbols <list>', description: 'symbols the generator tweets about', default: 'AAPL,TSLA,MSFT,AMZN,NVDA,GOOGL,META,BRK.B', schema: symbols, form: 'a comma-separated list like AAPL,TSLA,BRK.B' },
  partitions: { env: 'PARTITIONS', flag: '--partitions <n>', description: 'input partitions (generator partitions, or Kafka partitions to create)', default: '4', schema: int(1, 256), form: 'a whole number 1..256' },
  seed: { env: 'SEED', flag: '--seed <n>', description: 'generator seed: the same seed gives the same records', default: '42', schema: int(0, 2 ** 31), form: 'a whole number >= 0' },
  epoch: { env: 'GENERATOR_EPOCH', flag: '--epoch <time>', description: "event time of the generator's first record (ISO-8601); empty = the first run's start, kept in checkpoints", default: '', schema: z.string().refine((s) => s === '' || !Number.isNaN(Date.parse(s)), 'an ISO-8601 time').transform((s) => (s === '' ? null : Date.parse(s))), form: 'an ISO-8601 time such as 2025-12-18T14:30:00Z, or empty' },
  pricesPerTweet: { env: 'PRICES_PER_TWEET', flag: '--prices-per-tweet <x>', description: 'price ticks generated per tweet', default: '0.2', schema: num(0, 100), form: 'a number 0..100' },
  outOfOrder: { env: 'OUT_OF_ORDER_FRACTION', flag: '--out-of-order <fraction>', description: 'fraction of records out of order within the allowed lateness', default: '0.05', schema: fraction, form: 'a fraction 0..1' },
  late: { env: 'LATE_FRACTION', flag: '--late <fraction>', description: 'fraction of records later than the allowed lateness', default: '0.01', schema: fraction, form: 'a fraction 0..1' },
  malformed: { env: 'MALFORMED_FRACTION', flag: '--malformed <fraction>', description: 'fraction of malformed records (they go to dead letters)', default: '0.01', schema: fraction, form: 'a fraction 0..1' },
  allowedLateness: { env: 'ALLOWED_LATENESS', flag: '--allowed-lateness <seconds>', description: 'watermark = max event time seen minus this', default: '120', schema: num(0, 86_400), form: 'seconds 0..86400' },
  analytics: { env: 'ANALYTICS', flag: '--analytics <on|off>', description: 'event-time analytics: 5-minute sliding windows, tweet-price join, alerts', default: 'on', schema: z.enum(['on', 'off']).transform((v) => v === 'on'), form: 'on or off' },
  workerNice: { env: 'WORKER_NICE', flag: '--worker-nice <n>', description: "nice value of the pipeline's worker threads (actor hosts, sentiment pool), so the API server's thread and the sources get the CPU first on a busy node; 0 = same priority", default: '5', schema: int(0, 19), form: 'a whole number 0..19' },
  workerYoungGenerationMb: { env: 'WORKER_YOUNG_GENERATION_MB', flag: '--worker-young-generation-mb <MB>', description: "young-generation size of each actor-host thread's heap: room for window and join state to die young (it lives for the allowed lateness) instead of being promoted; 0 = V8's default (a few tens of MB); auto = 192 with analytics on, 0 with analytics off (no such state: a 300,000-tweet Kafka drain peaked at 690 MB RSS instead of 810 MB, as fast)", default: 'auto', schema: z.union([z.literal('auto').transform(() => null), int(0, 4096)]), form: 'auto, or megabytes 0..4096' },
  watermarkAlignment: { env: 'WATERMARK_ALIGNMENT', flag: '--watermark-alignment <seconds>', description: 'with analytics: the most one input partition\'s watermark may run ahead of the slowest active one before its source pauses (bounds window and join state when partitions run at different speeds); 0 = off', default: '120', schema: num(0, 86_400), form: 'seconds 0..86400' },
  watermarkInterval: { env: 'WATERMARK_INTERVAL', flag: '--watermark-interval <ms>', description: 'a stage that generates watermarks sends them at most this often (the newest one); 0 = after every batch', default: '200', schema: int(0, 60_000), form: 'milliseconds 0..60000' },
  idleTimeout: { env: 'IDLE_TIMEOUT', flag: '--idle-timeout <seconds>', description: 'a Kafka topic partition with nothing to read for this long (all of it read) stops holding the watermark back until it has records again; 0 = never', default: '30', schema: num(0, 86_400), form: 'seconds 0..86400' },
  joinLookback: { env: 'JOIN_LOOKBACK', flag: '--join-lookback <hours>', description: 'longest a tweet looks back for its price tick', default: '24', schema: num(0, 24 * 365), form: 'hours >= 0' },
  alertSentimentBelow: { env: 'ALERT_SENTIMENT_BELOW', flag: '--alert-sentiment-below <x>', description: 'alert when a window\'s mean sentiment is below this ...', default: '-0.5', schema: num(-1, 1), form: 'a number -1..1' },
  alertPriceDrop: { env: 'ALERT_PRICE_DROP', flag: '--alert-price-drop <fraction>', description: '... and its close is this fraction or more below its open', default: '0.02', schema: num(0, 1), form: 'a fraction 0..1' },
  actorThreads: { env: 'ACTOR_THREADS', flag: '--actor-threads <n>', description: 'worker threads hosting actors (the main thread supervises)', default: String(cores), schema: int(0, 64), form: 'a whole number 0..64' },
  scoreThreads: { env: 'SCORE_THREADS', flag: '--score-threads <n>', description: 'threads in the Piscina sentiment pool', default: String(cores), schema: int(1, 64), form: 'a whole number 1..64' },
  batchThreads: { env: 'BATCH_THREADS', flag: '--batch-threads <n>', description: '`cashtag batch`: batch actor threads (one lake partition at a time on each)', default: String(cores), schema: int(1, 64), form: 'a whole number 1..64' },
  sentimentEngine: { env: 'SENTIMENT_ENGINE', flag: '--sentiment-engine <name>', description: `sentiment scorer: ${SENTIMENT_ENGINES.join(' | ')}`, default: SENTIMENT_ENGINES[0], schema: z.enum(SENTIMENT_ENGINES), form: `one of ${SENTIMENT_ENGINES.join(', ')}` },
  batchSize: { env: 'BATCH_SIZE', flag: '--batch-size <n>', description: 'records per batch between actors', default: '512', schema: int(1, 100_000), form: 'a whole number 1..100000' },
  lingerMs: { env: 'LINGER_MS', flag: '--linger-ms <ms>', description: 'longest a partial batch waits before it is sent', default: '20', schema: int(0, 60_000), form: 'milliseconds 0..60000' },
  compactInterval: { env: 'COMPACT_INTERVAL', flag: '--compact-interval <seconds>', description: 'seconds between compaction passes merging small lake files the last checkpoint covers (0: off)', default: '300', schema: num(0, 86_400), form: 'seconds >= 0' },
  compactTargetMb: { env: 'COMPACT_TARGET_MB', flag: '--compact-target-mb <MB>', description: 'compaction merges small lake files of one writer into files of up to this many MB', default: '64', schema: num(0.001, 4_096), form: 'megabytes > 0' },
  compactMinFiles: { env: 'COMPACT_MIN_FILES', flag: '--compact-min-files <n>', description: 'compaction merges this many consecutive lake files of one size tier into one (tiers grow by this factor), so a row is rewritten once per tier', default: '10', schema: int(2, 100_000), form: 'a whole number >= 2' },
  checkpointInterval: { env: 'CHECKPOINT_INTERVAL', flag: '--checkpoint-interval <seconds>', description: 'seconds between checkpoints (lake files are committed at each)', default: '30', schema: num(0.1, 86_400), form: 'seconds > 0' },
  fileMaxRows: { env: 'FILE_MAX_ROWS', flag: '--file-max-rows <n>', description: 'roll a lake file after this many rows', default: '250000', schema: int(1), form: 'a whole number >= 1' },
  fileMaxAge: { env: 'FILE_MAX_AGE', flag: '--file-max-age <seconds>', description: 'roll a lake file after this many seconds', default: '300', schema: num(0.1, 86_400), form: 'seconds > 0' },
  storeRetention: { env: 'STORE_RETENTION', flag: '--store-retention <minutes>', description: 'embedded serving-store rows older than this (event time) are expired; 0 keeps all (Cassandra: see CASSANDRA_TTL)', default: '15', schema: num(0, 1e7), form: 'minutes >= 0' },
  storeMaxRows: { env: 'STORE_MAX_ROWS', flag: '--store-max-rows <n>', description: 'newest rows kept per symbol and table in the serving store; 0 = no cap', default: '50000', schema: int(0), form: 'a whole number >= 0' },
  sinkRetryBudget: { env: 'SINK_RETRY_BUDGET', flag: '--sink-retry-budget <seconds>', description: 'how long a sink retries a failing store (Cassandra, the S3 lake) while holding the sources back, before the pipeline fails over', default: '300', schema: num(0, 86_400), form: 'seconds 0..86400' },
  metricsPort: { env: 'METRICS_PORT', flag: '--metrics-port <port>', description: 'Prometheus /metrics port; 0 disables', default: '9464', schema: int(0, 65_535), form: 'a TCP port 0..65535' },
  metricsHost: { env: 'METRICS_HOST', flag: '--metrics-host <address>', description: 'address /metrics listens on (cashtag run and cashtag produce): loopback only by default; 0.0.0.0 lets a Prometheus on another host scrape it', default: '127.0.0.1', schema: host, form: 'an IP address or host name' },
  kafkaBrokers: { env: 'KAFKA_BROKERS', flag: '--kafka-brokers <list>', description: 'Kafka bootstrap servers (host:port,...); set = read topics tweets and stock-prices instead of the generator', default: '', schema: hostList, form: 'host:port[,host:port...], or empty' },
  kafkaGroupId: { env: 'KAFKA_GROUP_ID', flag: '--kafka-group-id <id>', description: 'consumer group of the speed layer (replicas share it); unset, KAFKA_TOPIC_PREFIX + cashtag-speed', default: 'cashtag-speed', schema: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/), form: 'letters, digits, . _ -' },
  kafkaTopicPrefix: { env: 'KAFKA_TOPIC_PREFIX', flag: '--kafka-topic-prefix <prefix>', description: 'prefix of every Kafka topic name (tweets, stock-prices, *.dlq, alerts), to share a cluster', default: '', schema: z.string().regex(/^[A-Za-z0-9._-]{0,100}$/), form: 'letters, digits, . _ - (or empty)' },
  kafkaPartitions: { env: 'KAFKA_PARTITIONS', flag: '--kafka-partitions <n>', description: 'partitions of the topics cashtag creates', default: '6', schema: int(1, 1024), form: 'a whole number 1..1024' },
  analyticsShuffle: { env: 'ANALYTICS_SHUFFLE', flag: '--analytics-shuffle <local|kafka>', description: "how windows and the join get each symbol's records (Kafka input): local = between this process's threads (one replica only); kafka = through the speed-analytics-repartition topic, keyed by symbol, so several replicas can share the consumer group", default: 'local', schema: z.enum(['local', 'kafka']), form: 'local or kafka' },
  kafkaSessionTimeout: { env: 'KAFKA_SESSION_TIMEOUT', flag: '--kafka-session-timeout <seconds>', description: "how long the group waits for a silent replica before its partitions move to the others", default: '30', schema: num(6, 300), form: 'seconds 6..300' },
  kafkaReplicationFactor: { env: 'KAFKA_REPLICATION_FACTOR', flag: '--kafka-replication-factor <n>', description: 'replication factor of the topics cashtag creates', default: '1', schema: int(1, 16), form: 'a whole number 1..16' },
  kafkaRetentionHours: { env: 'KAFKA_RETENTION_HOURS', flag: '--kafka-retention-hours <h>', description: 'retention of the topics cashtag creates', default: '168', schema: num(1, 1e6), form: 'hours >= 1' },
  cassandraContactPoints: { env: 'CASSANDRA_CONTACT_POINTS', flag: '--cassandra-contact-points <list>', description: 'Cassandra nodes (host:port,...); set = serving store in Cassandra instead of LMDB', default: '', schema: hostList, form: 'host[:port][,host[:port]...], or empty' },
  cassandraLocalDc: { env: 'CASSANDRA_LOCAL_DC', flag: '--cassandra-local-dc <dc>', description: 'Cassandra local data centre (token-aware routing)', default: 'datacenter1', schema: z.string().min(1), form: 'a data-centre name' },
  cassandraKeyspace: { env: 'CASSANDRA_KEYSPACE', flag: '--cassandra-keyspace <name>', description: 'keyspace of the tweets and market_data tables', default: 'twitter', schema: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,47}$/), form: 'a CQL identifier' },
  cassandraTtl: { env: 'CASSANDRA_TTL', flag: '--cassandra-ttl <hours>', description: 'time to live of rows written to Cassandra; 0 keeps them', default: '0', schema: num(0, 1e6), form: 'hours >= 0' },
  s3Endpoint: { env: 'S3_ENDPOINT', flag: '--s3-endpoint <url>', description: 'S3-compatible object store (http://host:port); set = lake and checkpoints in S3', default: '', schema: z.string().refine((s) => s === '' || /^https?:\/\/[^/\s]+\/?$/.test(s), 'a URL'), form: 'http(s)://host:port, or empty' },
  lakeBucketPrefix: { env: 'LAKE_BUCKET_PREFIX', flag: '--lake-bucket-prefix <prefix>', description: 'prefix of the lake bucket names (twitter-bronze, ..., checkpoints), to share an object store', default: '', schema: z.string().regex(/^[a-z0-9.-]{0,30}$/), form: 'lower-case letters, digits, . - (or empty)' },
  s3AccessKey: { env: 'S3_ACCESS_KEY', flag: '--s3-access-key <key>', description: 'S3 access key', default: '', schema: z.string(), form: 'a string' },
  s3SecretKey: { env: 'S3_SECRET_KEY', flag: '--s3-secret-key <secret>', description: 'S3 secret key', default: '', schema: z.string(), form: 'a string', secret: true },
  s3Region: { env: 'S3_REGION', flag: '--s3-region <region>', description: 'S3 signing region (S3Proxy and MinIO accept us-east-1)', default: 'us-east-1', schema: z.string().min(1), form: 'a region name' },
  producerMetricsPort: { env: 'PRODUCER_METRICS_PORT', flag: '--producer-metrics-port <port>', description: '`cashtag produce`: Prometheus /metrics port; 0 disables', default: '9465', schema: int(0, 65_535), form: 'a TCP port 0..65535' },
  produceRetryBudget: { env: 'PRODUCE_RETRY_BUDGET', flag: '--produce-retry-budget <seconds>', description: '`cashtag produce`: how long a send keeps retrying a broker that went away (a restart) before the producer exits with an error', default: '120', schema: num(1, 86_400), form: 'seconds 1..86400' },
  file: { env: 'TWEETS_FILE', flag: '--file <path>', description: 'replay tweets from this JSONL or CSV file instead of the generator or Kafka (`run`: partition 0, record ids t0-<row>; the run ends, with a final checkpoint, when the files are read; `produce`: sends them to Kafka). CSV shapes: the seed\'s field names, the Kaggle stock-tweets file (Date,Tweet,Stock Name,...), or any header with FILE_COLUMNS', default: '', schema: z.string(), form: 'a file path, or empty' },
  pricesFile: { env: 'PRICES_FILE', flag: '--prices-file <path>', description: 'replay price ticks from this JSONL or CSV file (record ids p0-<row>); CSV shapes: the seed\'s field names, Yahoo Finance history (Date,Open,High,Low,Close,Adj Close,Volume; symbol from PRICES_SYMBOL or a file name like AAPL.csv), or any header with PRICES_FILE_COLUMNS', default: '', schema: z.string(), form: 'a file path, or empty' },
  columns: { env: 'FILE_COLUMNS', flag: '--columns <field=Column,...>', description: 'which column of the tweets file holds each payload field, e.g. text=Tweet,created_at=Date,symbol=Ticker,user_id=Author (fields: created_at, text, user_id, symbol; the symbol is used when the text names no $CASHTAG); unnamed fields come from the detected shape or a column named like the field', default: '', schema: columnsSpec(TWEETS_TOPIC), form: 'field=Column pairs separated by commas, fields among created_at, text, user_id, symbol' },
  priceColumns: { env: 'PRICES_FILE_COLUMNS', flag: '--price-columns <field=Column,...>', description: 'which column of the prices file holds each payload field, e.g. trade_timestamp=Date,open_price=Open,close_price=Adj Close,volume=Volume,symbol=Ticker', default: '', schema: columnsSpec(PRICES_TOPIC), form: 'field=Column pairs separated by commas, fields among symbol, trade_timestamp, open_price, close_price, volume' },
  symbol: { env: 'PRICES_SYMBOL', flag: '--symbol <symbol>', description: 'the symbol of every tick of a prices file without a symbol column (default: the file name, e.g. AAPL.csv)', default: '', schema: z.string().transform((s) => s.trim().replace(/^\$/, '').toUpperCase()).refine((s) => s === '' || SYMBOL_PATTERN.test(s)).transform((s) => (s === '' ? null : s)), form: 'a symbol like AAPL or BRK.B, or empty' },
  httpPort: { env: 'HTTP_PORT', flag: '--http-port <port>', description: 'port of the query API and live dashboard (cashtag serve, and cashtag run unless SERVE=off); 0 picks a free port', default: '8080', schema: int(0, 65_535), form: 'a TCP port 0..65535' },
  httpHost: { env: 'HTTP_HOST', flag: '--http-host <address>', description: 'address the query API and dashboard listen on: loopback only by default; 0.0.0.0 (with API_TOKEN) exposes them', default: '127.0.0.1', schema: host, form: 'an IP address or host name' },
  apiToken: { env: 'API_TOKEN', flag: '--api-token <token>', description: 'bearer token every /api/ request must carry (Authorization: Bearer <token>); /healthz, /readyz, /openapi.json and the dashboard page stay open; empty = no authentication', default: '', schema: z.string().regex(/^$|^[\x21-\x7e]{16,256}$/), form: 'empty, or 16..256 printable ASCII characters without spaces', secret: true },
  corsOrigins: { env: 'CORS_ORIGINS', flag: '--cors-origins <list>', description: 'origins whose pages may call the API from a browser (CORS); empty = same origin only', default: '', schema: origins, form: 'scheme://host[:port][,scheme://host[:port]...], or empty' },
  httpRateLimit: { env: 'HTTP_RATE_LIMIT', flag: '--http-rate-limit <n>', description: 'requests per minute a client address may make (429 with Retry-After beyond); /healthz and /readyz are exempt; 0 = no limit', default: String(HTTP_DEFAULTS.rateLimitPerMinute), schema: int(0, 1_000_000), form: 'a whole number 0..1000000' },
  httpHeadersTimeout: { env: 'HTTP_HEADERS_TIMEOUT', flag: '--http-headers-timeout <seconds>', description: "a client that has not sent a request's headers within this long is answered 408 and disconnected (slow-header attacks)", default: String(HTTP_DEFAULTS.headersTimeoutMs / 1000), schema: num(0.1, 600), form: 'seconds 0.1..600' },
  httpRequestTimeout: { env: 'HTTP_REQUEST_TIMEOUT', flag: '--http-request-timeout <seconds>', description: 'a client that has not sent a whole request within this long is answered 408 and disconnected (not the answer: live streams stay open)', default: String(HTTP_DEFAULTS.requestTimeoutMs / 1000), schema: num(0.1, 3_600), form: 'seconds 0.1..3600, at least HTTP_HEADERS_TIMEOUT' },
  httpKeepaliveTimeout: { env: 'HTTP_KEEPALIVE_TIMEOUT', flag: '--http-keepalive-timeout <seconds>', description: 'an idle keep-alive connection is closed after this long', default: String(HTTP_DEFAULTS.keepAliveTimeoutMs / 1000), schema: num(0.1, 600), form: 'seconds 0.1..600' },
  sseMaxClients: { env: 'SSE_MAX_CLIENTS', flag: '--sse-max-clients <n>', description: 'live streams (/api/stream) open at once; one more is answered 503 with Retry-After', default: String(HTTP_DEFAULTS.sseMaxClients), schema: int(1, 100_000), form: 'a whole number 1..100000' },
  sseMaxPerClient: { env: 'SSE_MAX_PER_CLIENT', flag: '--sse-max-per-client <n>', description: 'live streams one client address may hold open at once (503 beyond)', default: String(HTTP_DEFAULTS.sseMaxPerClient), schema: int(1, 100_000), form: 'a whole number 1..100000' },
  serve: { env: 'SERVE', flag: '--serve <on|off>', description: '`cashtag run`: also serve the query API and dashboard on HTTP_PORT', default: 'on', schema: z.enum(['on', 'off']).transform((v) => v === 'on'), form: 'on or off' },
  dashboardMinutes: { env: 'DASHBOARD_MINUTES', flag: '--dashboard-minutes <n>', description: 'minutes of event time the dashboard charts show', default: '30', schema: int(1, 1440), form: 'a whole number 1..1440' },
  logFormat: { env: 'LOG_FORMAT', flag: '--log-format <format>', description: 'auto | json | pretty: JSON lines, or one human line per entry and a progress line every PROGRESS_INTERVAL; auto = human on a terminal', default: 'auto', schema: z.enum(['auto', 'json', 'pretty']), form: 'one of auto, json, pretty' },
  progressInterval: { env: 'PROGRESS_INTERVAL', flag: '--progress-interval <seconds>', description: 'seconds between progress lines (rates, watermark lag, checkpoint age, dead letters); 0 = none', default: '5', schema: num(0, 86_400), form: 'seconds 0..86400' },
  logLevel: { env: 'LOG_LEVEL', flag: '--log-level <level>', description: 'trace | debug | info | warn | error', default: 'info', schema: z.enum(['trace', 'debug', 'info', 'warn', 'error']), form: 'one of trace, debug, info, warn, error' },
} satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
export type Config = { [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']> };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Resolve every setting: command-line flag, else environment variable, else default.
 * `flags` holds commander's parsed options (camelCase keys), as strings.
 */
export function loadConfig(flags: Partial<Record<SettingName, string>>, env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, s] of Object.entries(SETTINGS) as [SettingName, Setting][]) {
    const fromFlag = flags[name];
    const raw = fromFlag ?? env[s.env] ?? s.default;
    const where = fromFlag !== undefined ? s.flag.split(' ')[0] : env[s.env] !== undefined ? s.env : `default of ${s.env}`;
    const r = s.schema.safeParse(raw);
    if (r.success) out[name] = r.data;
    else problems.push(`${s.env} (${s.flag.split(' ')[0]}) = ${s.secret ? `(hidden, ${raw.length} characters)` : JSON.stringify(raw)} from ${where}: expected ${s.form}`);
  }
  // A renamed setting still set would be ignored without a word (produce would send generator data).
  if (env.PRODUCE_FILE !== undefined) problems.push(`PRODUCE_FILE = ${JSON.stringify(env.PRODUCE_FILE)} is no longer read: expected TWEETS_FILE (--file) for tweets and PRICES_FILE (--prices-file) for prices`);
  if (problems.length === 0 && out.s3Endpoint !== '' && (out.s3AccessKey === '' || out.s3SecretKey === '')) {
    problems.push('S3_ACCESS_KEY and S3_SECRET_KEY (--s3-access-key, --s3-secret-key): expected both to be set when S3_ENDPOINT is');
  }
  if (problems.length === 0 && (out.httpHeadersTimeout as number) > (out.httpRequestTimeout as number)) {
    problems.push(`HTTP_HEADERS_TIMEOUT (--http-headers-timeout) = ${String(out.httpHeadersTimeout)} is longer than HTTP_REQUEST_TIMEOUT (--http-request-timeout) = ${String(out.httpRequestTimeout)}: expected headers timeout <= request timeout`);
  }
  if (problems.length === 0 && (out.speedup as number) > 0) {
    if ((out.eventRate as number) > 0) problems.push('SPEEDUP (--speedup) and EVENT_RATE (--event-rate) are both set: expected one of them (SPEEDUP sets EVENT_RATE = RATE / SPEEDUP)');
    else if ((out.rate as number) === 0) problems.push('SPEEDUP (--speedup) is set with RATE (--rate) = 0: expected a RATE > 0 (at full speed event time has no wall clock to follow; use --event-rate)');
    else out.eventRate = (out.rate as number) / (out.speedup as number);
  }
  if (problems.length === 0 && out.untilDrained === true && (out.kafkaBrokers as string[]).length === 0) {
    problems.push('UNTIL_DRAINED (--until-drained) needs Kafka input (KAFKA_BROKERS): the embedded generator has no end unless EVENTS (--events) bounds it');
  }
  if (problems.length === 0 && out.untilDrained === true && out.analytics === true && out.analyticsShuffle === 'kafka') {
    problems.push('UNTIL_DRAINED (--until-drained) with ANALYTICS_SHUFFLE=kafka: expected ANALYTICS_SHUFFLE=local or ANALYTICS=off (the repartition topic has no end of its own)');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // A file replays as fast as the pipeline goes unless a rate is asked for.
  if ((out.file !== '' || out.pricesFile !== '') && flags.rate === undefined && env.RATE === undefined) out.rate = 0;
  // Pipelines sharing a cluster under different topic prefixes must not share a consumer group
  // by accident: the default group id takes the prefix too (an explicit KAFKA_GROUP_ID is kept).
  if (flags.kafkaGroupId === undefined && env.KAFKA_GROUP_ID === undefined) out.kafkaGroupId = `${String(out.kafkaTopicPrefix)}${String(out.kafkaGroupId)}`;
  return out as Config;
}

/** The environment-variable table for --help and the README. */
export function settingsTable(): string {
  return (Object.values(SETTINGS) as Setting[]).map((s) => `  ${s.env.padEnd(22)} ${s.flag.padEnd(32)} ${s.description} (default ${s.default})`).join('\n');
}
