// Parity with values produced by the real vaderSentiment 3.3.2 (scripts/gen-vader-parity.py,
// fixture test/fixtures/sentiment/parity.jsonl; its first line records the source): emojis,
// cashtags, capitals, negations, "but", punctuation, idioms, boosters, URLs, edge inputs,
// rounding ties and randomized stock-tweet-like texts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultVader } from '../../src/io/vader-lexicons.js';
import { polarityScores } from '../../src/index.js';
import { differingKeys, parityFixture, readJsonl, type ScoredText } from './paths.js';

interface Case extends ScoredText { tag: string }

const [header, ...cases] = readJsonl<Case & { source?: string }>(parityFixture);

void test('the fixture records that its values came from vaderSentiment 3.3.2', () => {
  assert.match(header.source ?? '', /^vaderSentiment==3\.3\.2/);
  assert.ok(cases.length >= 500, `${cases.length} cases`);
  const tags = new Set(cases.map((c) => c.tag));
  for (const tag of ['emoji-alone', 'emoji-run', 'emoji-glued', 'emoji-sequence', 'cashtag', 'mention-url',
    'caps', 'negate', 'negate-case', 'negate-no', 'but', 'but-quirk', 'punct', 'idiom', 'booster', 'least',
    'edge', 'rounding', 'random']) {
    assert.ok(tags.has(tag), `fixture covers ${tag}`);
  }
});

void test('every fixture text scores exactly as vaderSentiment 3.3.2', () => {
  const vader = defaultVader();
  const failures = cases
    .map((c) => ({ c, got: vader.polarityScores(c.text) }))
    .filter(({ c, got }) => differingKeys(got, c).length > 0)
    .map(({ c, got }) => `${c.tag} ${JSON.stringify(c.text.slice(0, 60))}: got ${JSON.stringify(got)}, ` +
      `want ${JSON.stringify({ neg: c.neg, neu: c.neu, pos: c.pos, compound: c.compound })}`);
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} differ`);
});

void test('compound() equals polarityScores().compound, and the package entry uses the same analyzer', () => {
  const vader = defaultVader();
  for (const c of cases) {
    assert.ok(Object.is(vader.compound(c.text), c.compound), c.text);
    assert.deepEqual(polarityScores(c.text), vader.polarityScores(c.text));
  }
});

void test('the issue\'s examples', () => {
  assert.equal(polarityScores('$TSLA to the moon 🚀🚀🚀 😁').compound, 0.4588);
  assert.equal(polarityScores('No problems with $AAPL today').compound, 0.3089);
  assert.equal(polarityScores('The earnings were good. But the guidance is terrible.').compound, -0.4939);
  assert.equal(polarityScores('Not bad at all').compound, 0.431);
  assert.equal(polarityScores('Without a doubt the best trade I made').compound, 0.7438);
});
