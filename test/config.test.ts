// Configuration is validated once, with messages that name the setting and the expected form.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig, SETTINGS } from '../src/config.js';

test('defaults are valid and typed', () => {
  const cfg = loadConfig({}, {});
  assert.equal(cfg.rate, 1000);
  assert.equal(cfg.partitions, 4);
  assert.deepEqual(cfg.symbols.slice(0, 2), ['AAPL', 'TSLA']);
  assert.equal(cfg.epoch, null);
  assert.equal(cfg.sentimentEngine, 'vader');
});

test('a flag wins over its environment variable, which wins over the default', () => {
  assert.equal(loadConfig({ rate: '7' }, { RATE: '9' }).rate, 7);
  assert.equal(loadConfig({}, { RATE: '9' }).rate, 9);
});

test('KAFKA_TOPIC_PREFIX also prefixes the default consumer group; an explicit KAFKA_GROUP_ID is kept', () => {
  assert.equal(loadConfig({}, {}).kafkaGroupId, 'cashtag-speed');
  assert.equal(loadConfig({}, { KAFKA_TOPIC_PREFIX: 'team-a.' }).kafkaGroupId, 'team-a.cashtag-speed');
  assert.equal(loadConfig({ kafkaTopicPrefix: 'b-' }, {}).kafkaGroupId, 'b-cashtag-speed');
  assert.equal(loadConfig({}, { KAFKA_TOPIC_PREFIX: 'team-a.', KAFKA_GROUP_ID: 'shared' }).kafkaGroupId, 'shared');
  assert.equal(loadConfig({ kafkaGroupId: 'cashtag-speed' }, { KAFKA_TOPIC_PREFIX: 'x-' }).kafkaGroupId, 'cashtag-speed');
});

test('SPEEDUP sets event time to x times the wall clock; with EVENT_RATE or RATE 0 it is refused', () => {
  assert.equal(loadConfig({ rate: '500', speedup: '10' }, {}).eventRate, 50);
  assert.equal(loadConfig({}, { SPEEDUP: '4' }).eventRate, 250);
  assert.equal(loadConfig({}, {}).eventRate, 0);
  assert.throws(() => loadConfig({ speedup: '10', eventRate: '5000' }, {}), /SPEEDUP \(--speedup\) and EVENT_RATE \(--event-rate\) are both set/);
  assert.throws(() => loadConfig({ speedup: '10', rate: '0' }, {}), /expected a RATE > 0/);
});

test('symbols are normalised: $ and case', () => {
  assert.deepEqual(loadConfig({ symbols: '$aapl, brk.b ,TSLA' }, {}).symbols, ['AAPL', 'BRK.B', 'TSLA']);
});

test('every bad value is reported at once, naming variable, flag, value, origin and expected form', () => {
  try {
    loadConfig({ rate: 'fast' }, { PARTITIONS: '0', SYMBOLS: 'AAPL,not a symbol!', SENTIMENT_ENGINE: 'bert', MALFORMED_FRACTION: '1.5', GENERATOR_EPOCH: 'yesterday' });
    assert.fail('expected a ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.problems.length, 6);
    const msg = e.message;
    assert.match(msg, /RATE \(--rate\) = "fast" from --rate: expected tweets per second >= 0/);
    assert.match(msg, /PARTITIONS \(--partitions\) = "0" from PARTITIONS: expected a whole number 1\.\.256/);
    assert.match(msg, /SYMBOLS .* expected a comma-separated list/);
    assert.match(msg, /SENTIMENT_ENGINE .* expected one of vader, vader-sentiment/);
    assert.match(msg, /MALFORMED_FRACTION .* expected a fraction 0\.\.1/);
    assert.match(msg, /GENERATOR_EPOCH .* expected an ISO-8601 time/);
  }
});

test('every setting has an environment variable, a flag and a description', () => {
  const envs = new Set<string>();
  for (const s of Object.values(SETTINGS)) {
    assert.match(s.env, /^[A-Z][A-Z0-9_]+$/);
    // A value, or an optional one for a switch (`--until-drained [on|off]`: the flag alone is on).
    assert.match(s.flag, /^--[a-z0-9-]+ (<[^>]+>|\[[^\]]+\])$/);
    assert.ok(s.description.length > 10);
    assert.ok(!envs.has(s.env), `duplicate ${s.env}`);
    envs.add(s.env);
  }
});

test('the README documents every setting', async () => {
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const s of Object.values(SETTINGS)) assert.ok(readme.includes(`| \`${s.env}\` |`), `README.md has no row for ${s.env}`);
});

test('the servers listen on loopback by default; API_TOKEN, CORS_ORIGINS and the HTTP limits are checked, and a token is never echoed', () => {
  const cfg = loadConfig({}, {});
  assert.deepEqual([cfg.httpHost, cfg.metricsHost, cfg.apiToken, cfg.corsOrigins], ['127.0.0.1', '127.0.0.1', '', []]);
  assert.deepEqual(loadConfig({}, { CORS_ORIGINS: 'https://a.example, http://b.example:8080' }).corsOrigins, ['https://a.example', 'http://b.example:8080']);
  const secret = 'short secret';
  try {
    loadConfig({ apiToken: secret }, { CORS_ORIGINS: 'a.example/path', HTTP_RATE_LIMIT: '-1', SSE_MAX_CLIENTS: '0', METRICS_HOST: 'a host' });
    assert.fail('expected a ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /API_TOKEN \(--api-token\) = \(hidden, 12 characters\) from --api-token: expected empty, or 16\.\.256 printable ASCII characters without spaces/);
    assert.ok(!e.message.includes(secret), 'the token is not in the message');
    assert.match(e.message, /CORS_ORIGINS .* expected scheme:\/\/host\[:port\]/);
    assert.match(e.message, /HTTP_RATE_LIMIT .* expected a whole number 0\.\.1000000/);
    assert.match(e.message, /SSE_MAX_CLIENTS .* expected a whole number 1\.\.100000/);
    assert.match(e.message, /METRICS_HOST .* expected an IP address or host name/);
  }
  assert.throws(() => loadConfig({}, { HTTP_HEADERS_TIMEOUT: '20', HTTP_REQUEST_TIMEOUT: '10' }), /HTTP_HEADERS_TIMEOUT \(--http-headers-timeout\) = 20 is longer than HTTP_REQUEST_TIMEOUT/);
});

test('--until-drained: the flag alone is on, the variable takes on/off, and it needs Kafka input', () => {
  const kafka = { KAFKA_BROKERS: 'localhost:19092' };
  assert.equal(loadConfig({ untilDrained: true as unknown as string }, kafka).untilDrained, true);
  assert.equal(loadConfig({}, { ...kafka, UNTIL_DRAINED: 'on' }).untilDrained, true);
  assert.equal(loadConfig({}, kafka).untilDrained, false);
  assert.throws(() => loadConfig({ untilDrained: true as unknown as string }, {}), /UNTIL_DRAINED .*needs Kafka input \(KAFKA_BROKERS\)/);
  assert.throws(() => loadConfig({}, { ...kafka, UNTIL_DRAINED: 'on', ANALYTICS_SHUFFLE: 'kafka' }), /ANALYTICS_SHUFFLE=kafka/);
  assert.equal(loadConfig({}, { ...kafka, UNTIL_DRAINED: 'on', ANALYTICS_SHUFFLE: 'kafka', ANALYTICS: 'off' }).untilDrained, true);
});

test('the renamed PRODUCE_FILE is refused, naming what replaced it', () => {
  assert.throws(() => loadConfig({}, { PRODUCE_FILE: 'tweets.csv' }), /PRODUCE_FILE = "tweets\.csv" is no longer read: expected TWEETS_FILE \(--file\) for tweets and PRICES_FILE \(--prices-file\)/);
  assert.equal(loadConfig({}, { TWEETS_FILE: 'tweets.csv' }).file, 'tweets.csv');
});
