// Piscina task: score a batch of texts (packed as UTF-8: score-task.ts). Runs on the pool's
// threads; the scorer is built once per thread from workerData. Results come back as a
// transferred Float64Array in input order.
import { workerData } from 'node:worker_threads';
import { move } from 'piscina';
import { setThreadNice } from '../../runtime/thread-priority.js';
import { createScorer, type SentimentEngineName } from './engines.js';
import { unpackTexts, type ScoreTask } from './score-task.js';

const data = workerData as { engine?: SentimentEngineName; nice?: number } | undefined;
const score = createScorer(data?.engine ?? 'vader');
setThreadNice(data?.nice ?? 0);

export default function scoreBatch(task: ScoreTask): Float64Array {
  const texts = unpackTexts(task);
  const out = new Float64Array(texts.length);
  for (let i = 0; i < texts.length; i++) out[i] = score(texts[i]);
  return move(out) as unknown as Float64Array;
}
