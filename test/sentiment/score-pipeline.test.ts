// `cashtag score`: lines in (plain or JSONL with `text`), one JSON line of scores out per line.
// Expected compounds are vaderSentiment 3.3.2's (printed by Python for these exact texts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { runScore, textOf } from '../../src/pipelines/score.js';

async function score(input: string[]): Promise<{ lines: number; out: Array<Record<string, unknown>> }> {
  const output = new PassThrough();
  const chunks: Buffer[] = [];
  output.on('data', (c: Buffer) => chunks.push(c));
  const { lines } = await runScore(Readable.from(input), output);
  output.end();
  const text = Buffer.concat(chunks).toString('utf8');
  assert.ok(text.endsWith('\n'));
  return { lines, out: text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

void test('scores plain and JSONL lines in order, one output line each', async () => {
  const { lines, out } = await score([
    'Not bad at all\n',
    '{"id": 7, "text": "No problems with $AAPL today"}\n',
    '{"id": 8}\n',
    '\n',
    '{not json but great\r\n',
    '$TSLA to the moon 🚀🚀🚀 😁',
  ]);
  assert.equal(lines, 6);
  assert.deepEqual(out.map((o) => o.text), [
    'Not bad at all', 'No problems with $AAPL today', '{"id": 8}', '', '{not json but great', '$TSLA to the moon 🚀🚀🚀 😁',
  ]);
  assert.deepEqual(out.map((o) => o.compound), [0.431, 0.3089, 0, 0, -0.6642, 0.4588]);
  assert.deepEqual(Object.keys(out[0]), ['text', 'neg', 'neu', 'pos', 'compound']);
  assert.deepEqual(out[3], { text: '', neg: 0, neu: 0, pos: 0, compound: 0 });
});

void test('a line is JSON only when it is an object with a string text', () => {
  assert.equal(textOf('{"text": "x"}'), 'x');
  assert.equal(textOf('{"text": 1}'), '{"text": 1}');
  assert.equal(textOf('["text"]'), '["text"]');
  assert.equal(textOf('"text"'), '"text"');
  assert.equal(textOf('{bad'), '{bad');
});

void test('waits for a slow output (backpressure) and still writes every line', async () => {
  const output = new PassThrough({ highWaterMark: 16 });
  const input = Readable.from(Array.from({ length: 200 }, (_, i) => `line ${i} is good\n`));
  const done = runScore(input, output);
  let received = '';
  for await (const chunk of output) {
    received += String(chunk);
    if (received.split('\n').length > 200) break;
  }
  assert.equal((await done).lines, 200);
  assert.equal(received.trimEnd().split('\n').length, 200);
});
