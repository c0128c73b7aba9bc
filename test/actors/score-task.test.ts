// The scoring pool's task: texts packed as UTF-8 come back exactly, and its buffers are its own
// (transferring them must not detach Node's shared Buffer pool).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { packTexts, taskBuffers, unpackTexts } from '../../src/actors/sentiment/score-task.js';

test('score task: texts of every kind round-trip through their UTF-8 packing', () => {
  const texts = ['', '$AAPL to the moon 🚀🚀', 'naïve café — “quotes”', '𝐁𝐨𝐥𝐝 $TSLA', 'a'.repeat(10_000), '', '中文 $BABA', '\u0000nul'];
  const task = packTexts(texts);
  assert.equal(task.ends.length, texts.length);
  assert.equal(task.utf8.byteLength, texts.reduce((n, t) => n + Buffer.byteLength(t), 0));
  assert.deepEqual(unpackTexts(task), texts);
  assert.deepEqual(unpackTexts(packTexts([])), []);
});

test('score task: its buffers transfer without detaching anything else', async () => {
  const before = Buffer.from('pooled'); // a small Buffer lives in Node's shared pool
  const task = packTexts(['one', 'two 🚀']);
  const { port1, port2 } = new MessageChannel();
  const got = new Promise<unknown>((r) => port2.once('message', r));
  port1.postMessage(task, taskBuffers(task));
  const received = (await got) as typeof task;
  port1.close();
  port2.close();
  assert.equal(task.utf8.byteLength, 0, 'the sender no longer holds the bytes: they moved');
  assert.deepEqual(unpackTexts(received), ['one', 'two 🚀']);
  assert.equal(before.toString(), 'pooled', 'the shared pool is intact');
});
