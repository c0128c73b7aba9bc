// Generator: deterministic, replayable by offset, co-partitioned by symbol, with controlled
// fractions of out-of-order, late and malformed records, and smooth positive prices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractCashtags, isValidSymbol } from '../../src/domain/cashtags.js';
import { Generator, type Generated, type GeneratorSettings } from '../../src/domain/generator.js';
import { validatePrice, validateTweet } from '../../src/domain/payloads.js';
import { PRICES_TOPIC, TWEETS_TOPIC, type InputTopic } from '../../src/domain/records.js';

const SYMBOLS = ['AAPL', 'MSFT', 'TSLA', 'NVDA', 'AMZN', 'GOOG', 'META', 'BRK.B', 'AMD', 'GME'];
const TOPICS: InputTopic[] = [TWEETS_TOPIC, PRICES_TOPIC];

function settings(over: Partial<GeneratorSettings> = {}): GeneratorSettings {
  return {
    seed: 42,
    symbols: SYMBOLS,
    partitions: 3,
    epochMs: Date.parse('2025-12-18T14:30:00Z'),
    tweetSpacingMs: 250,
    priceSpacingMs: 1_000,
    outOfOrder: 0,
    late: 0,
    malformed: 0,
    allowedLatenessMs: 5_000,
    ...over,
  };
}

const spacing = (s: GeneratorSettings, topic: InputTopic): number => (topic === TWEETS_TOPIC ? s.tweetSpacingMs : s.priceSpacingMs);
const nominal = (s: GeneratorSettings, topic: InputTopic, n: number): number => s.epochMs + Math.floor(n * spacing(s, topic));
const validate = (topic: InputTopic, g: Generated) => (topic === TWEETS_TOPIC ? validateTweet(g.value) : validatePrice(g.value));

function records(gen: Generator, topic: InputTopic, partition: number, count: number): Generated[] {
  return Array.from({ length: count }, (_, n) => gen.generate(topic, partition, n));
}

void test('record n of partition p is the same across instances and call orders', () => {
  const s = settings({ outOfOrder: 0.2, late: 0.05, malformed: 0.1 });
  const a = new Generator(s), b = new Generator({ ...s, symbols: [...s.symbols] });
  for (const topic of TOPICS) {
    for (let p = 0; p < s.partitions; p++) {
      const forward = records(a, topic, p, 300);
      // Backwards on another instance, interleaved with the other topic and other partitions.
      for (let n = 299; n >= 0; n--) {
        b.generate(topic === TWEETS_TOPIC ? PRICES_TOPIC : TWEETS_TOPIC, (p + 1) % s.partitions, n * 7);
        assert.deepEqual(b.generate(topic, p, n), forward[n], `${topic}/${p}/${n}`);
      }
      // Replaying from an offset on the same instance gives the same records again.
      for (let n = 150; n < 300; n++) assert.deepEqual(a.generate(topic, p, n), forward[n]);
    }
  }
});

void test('a single far offset can be regenerated on its own', () => {
  const s = settings({ malformed: 0.1, late: 0.05, outOfOrder: 0.2 });
  const warm = new Generator(s);
  for (let n = 0; n < 1000; n++) warm.generate(TWEETS_TOPIC, 1, n);
  assert.deepEqual(new Generator(s).generate(TWEETS_TOPIC, 1, 999), warm.generate(TWEETS_TOPIC, 1, 999));
  assert.deepEqual(new Generator(s).generate(PRICES_TOPIC, 2, 1_000_000), new Generator(s).generate(PRICES_TOPIC, 2, 1_000_000));
});

void test('different seeds give different records', () => {
  const a = new Generator(settings({ seed: 1 })), b = new Generator(settings({ seed: 2 }));
  for (const topic of TOPICS) {
    let differ = 0;
    for (let n = 0; n < 200; n++) if (a.generate(topic, 0, n).value !== b.generate(topic, 0, n).value) differ++;
    assert.ok(differ > 180, `${topic}: only ${differ}/200 records differ between seeds`);
  }
});

void test('different partitions and topics are different streams', () => {
  const g = new Generator(settings());
  const p0 = records(g, TWEETS_TOPIC, 0, 100).map((r) => r.value);
  const p1 = records(g, TWEETS_TOPIC, 1, 100).map((r) => r.value);
  assert.ok(p0.filter((v, i) => v !== p1[i]).length > 90);
});

void test('symbol i is assigned to partition i mod P', () => {
  for (const partitions of [1, 2, 3, 4, 10]) {
    const g = new Generator(settings({ partitions }));
    const all: string[] = [];
    for (let p = 0; p < partitions; p++) {
      assert.deepEqual(g.symbolsOf(p), SYMBOLS.filter((_, i) => i % partitions === p));
      all.push(...g.symbolsOf(p));
    }
    assert.deepEqual(all.sort(), [...SYMBOLS].sort());
  }
});

void test('keys are symbols assigned to the record’s partition, for both topics', () => {
  const s = settings({ partitions: 4, malformed: 0.2 });
  const g = new Generator(s);
  for (const topic of TOPICS) {
    for (let p = 0; p < s.partitions; p++) {
      const own = g.symbolsOf(p);
      const keys = new Set<string>();
      for (const r of records(g, topic, p, 500)) {
        assert.ok(r.key !== null && own.includes(r.key), `${topic}/${p}: key ${r.key} not in ${own.join(',')}`);
        keys.add(r.key);
      }
      assert.equal(keys.size, own.length, `${topic}/${p}: every assigned symbol should occur`);
    }
  }
});

void test('a valid price carries its key as its symbol; a tagged valid tweet names its key', () => {
  const g = new Generator(settings());
  for (let p = 0; p < 3; p++) {
    for (const r of records(g, PRICES_TOPIC, p, 300)) {
      const v = validatePrice(r.value);
      assert.ok(v.ok);
      assert.equal(v.value.symbol, r.key);
    }
    for (const r of records(g, TWEETS_TOPIC, p, 300)) {
      const tags = extractCashtags(JSON.parse(r.value).text as string);
      for (const t of tags) assert.ok(SYMBOLS.includes(t), `unexpected cashtag ${t} in ${r.value}`);
      if (tags.length > 0) assert.equal(tags[0], r.key, r.value);
    }
  }
});

void test('a partition with no symbols produces untagged tweets with a null key', () => {
  const g = new Generator(settings({ symbols: ['AAPL', 'MSFT'], partitions: 4 }));
  assert.deepEqual(g.symbolsOf(3), []);
  for (const r of records(g, TWEETS_TOPIC, 3, 200)) {
    assert.equal(r.key, null);
    const v = validateTweet(r.value);
    assert.ok(v.ok, r.value);
    assert.deepEqual(extractCashtags(v.value.text), []);
  }
});

void test('with malformed = 0 every record is valid and passes validation', () => {
  const s = settings({ partitions: 2, outOfOrder: 0.3, late: 0.1 });
  const g = new Generator(s);
  for (const topic of TOPICS) {
    for (let p = 0; p < s.partitions; p++) {
      for (const r of records(g, topic, p, 2_000)) {
        assert.equal(r.kind, 'valid');
        const v = validate(topic, r);
        assert.ok(v.ok, `${topic}/${p}: ${v.ok ? '' : v.detail}: ${r.value}`);
        // The payload carries whole seconds of the generated event time.
        assert.equal(v.eventTime, Math.floor(r.eventTime / 1000) * 1000);
      }
    }
  }
});

void test('with malformed = 0.2 about a fifth fail, exactly the malformed ones', () => {
  const g = new Generator(settings({ malformed: 0.2, partitions: 1 }));
  for (const topic of TOPICS) {
    const reasons = new Set<string>();
    let failed = 0;
    const count = 5_000;
    for (const r of records(g, topic, 0, count)) {
      const v = validate(topic, r);
      if (r.kind === 'malformed') {
        assert.equal(v.ok, false, `${topic}: malformed record passed: ${r.value}`);
        if (!v.ok) reasons.add(v.reason);
      } else {
        assert.ok(v.ok, `${topic}: valid record failed: ${v.ok ? '' : v.detail}`);
      }
      if (!v.ok) failed++;
    }
    const fraction = failed / count;
    assert.ok(Math.abs(fraction - 0.2) <= 0.05, `${topic}: ${fraction} of records failed`);
    // The malformed kinds cover several dead-letter reasons, not one.
    assert.ok(reasons.size >= 4, `${topic}: only ${[...reasons].join(', ')}`);
  }
});

void test('late records are older than nominal time minus the allowed lateness', () => {
  const s = settings({ late: 0.1, partitions: 1 });
  const g = new Generator(s);
  for (const topic of TOPICS) {
    let late = 0;
    const count = 5_000;
    for (let n = 0; n < count; n++) {
      const r = g.generate(topic, 0, n);
      const due = nominal(s, topic, n);
      if (r.eventTime === due) continue;
      assert.ok(r.eventTime < due - s.allowedLatenessMs, `${topic}/${n}: ${due - r.eventTime} ms behind is neither on time nor late`);
      // The payload says so too, not only the generator's bookkeeping.
      const v = validate(topic, r);
      assert.ok(v.ok && v.eventTime < due - s.allowedLatenessMs);
      late++;
    }
    assert.ok(Math.abs(late / count - 0.1) <= 0.03, `${topic}: ${late / count} late`);
  }
});

void test('out-of-order records stay within the allowed lateness', () => {
  const s = settings({ outOfOrder: 0.3, partitions: 1 });
  const g = new Generator(s);
  for (const topic of TOPICS) {
    let behind = 0, inversions = 0, maxSoFar = -Infinity;
    const count = 5_000;
    for (let n = 0; n < count; n++) {
      const r = g.generate(topic, 0, n);
      const due = nominal(s, topic, n);
      assert.ok(r.eventTime <= due && r.eventTime >= due - s.allowedLatenessMs, `${topic}/${n}: ${due - r.eventTime} ms behind`);
      // Never behind the watermark a source with this lateness would have emitted.
      assert.ok(r.eventTime >= maxSoFar - s.allowedLatenessMs);
      if (r.eventTime < due) behind++;
      if (r.eventTime < maxSoFar) inversions++;
      maxSoFar = Math.max(maxSoFar, r.eventTime);
    }
    assert.ok(Math.abs(behind / count - 0.3) <= 0.05, `${topic}: ${behind / count} behind`);
    assert.ok(inversions > 0, `${topic}: nothing actually out of order`);
  }
});

void test('with no disorder event times are exactly epoch + n * spacing', () => {
  const s = settings({ tweetSpacingMs: 333.5 });
  const g = new Generator(s);
  for (const topic of TOPICS) for (let n = 0; n < 500; n++) assert.equal(g.generate(topic, 1, n).eventTime, nominal(s, topic, n));
});

void test('realistic tweets: emojis, negations, "but", capitals, URLs, mentions, hashtags', () => {
  const g = new Generator(settings());
  const texts: string[] = [];
  for (let p = 0; p < 3; p++) for (const r of records(g, TWEETS_TOPIC, p, 700)) texts.push(JSON.parse(r.value).text as string);
  const share = (re: RegExp) => texts.filter((t) => re.test(t)).length / texts.length;
  const features: [string, RegExp][] = [
    ['emoji', /\p{Extended_Pictographic}/u],
    ['negation', /\b(not|no|never|without)\b/i],
    ['but', /\bbut\b/i],
    ['capitalised word', /(?<![$\w])[A-Z]{3,}\b/],
    ['URL', /https?:\/\//],
    ['mention', /(?<!\w)@\w+/],
    ['hashtag', /(?<!\w)#\w+/],
    ['lower-case cashtag', /\$[a-z]{2,}\b(?![^ ]*\/)/],
    ['no cashtag', /^[^$]*$/],
    ['exclamation', /!/],
  ];
  for (const [name, re] of features) {
    const f = share(re);
    assert.ok(f > 0.005, `${name}: only ${f} of ${texts.length} tweets`);
  }
  assert.ok(new Set(texts).size > texts.length * 0.5, 'tweets should vary');
  assert.ok(texts.some((t) => extractCashtags(t).length >= 2), 'some tweets name two symbols');
});

void test('generated tweets have plausible user ids', () => {
  const g = new Generator(settings());
  const users = new Set<string>();
  for (const r of records(g, TWEETS_TOPIC, 0, 500)) {
    const v = validateTweet(r.value);
    assert.ok(v.ok);
    assert.match(v.value.user_id, /^user_\d+$/);
    users.add(v.value.user_id);
  }
  assert.ok(users.size > 400);
});

void test('generated prices: valid symbols, whole volumes, open at the price one tick before, close at the tick\'s', () => {
  const s = settings();
  const g = new Generator(s);
  for (let p = 0; p < 3; p++) {
    for (let n = 0; n < 300; n++) {
      const v = validatePrice(g.generate(PRICES_TOPIC, p, n).value);
      assert.ok(v.ok);
      assert.ok(isValidSymbol(v.value.symbol));
      assert.ok(Number.isInteger(v.value.volume) && v.value.volume >= 100 && v.value.volume < 5_000);
      const t = nominal(s, PRICES_TOPIC, n);
      assert.equal(v.value.close_price, g.market.price(v.value.symbol, t));
      assert.equal(v.value.open_price, g.market.price(v.value.symbol, t - s.priceSpacingMs));
    }
  }
});
