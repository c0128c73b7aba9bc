// The compaction worker thread: one pass over the lake (compaction.ts), then it exits. It runs at
// a low priority so that merging files yields the CPU to the pipeline; a 'stop' message ends the
// pass after the merge in progress.
import { parentPort, workerData } from 'node:worker_threads';
import { openLake } from '../io/lake/open.js';
import { setThreadNice } from '../runtime/thread-priority.js';
import { compactionLease, compactLake, type CompactionReply, type CompactionTask } from './compaction.js';

const task = workerData as CompactionTask;
let stopping = false;
parentPort!.on('message', (m: unknown) => {
  if (m === 'stop') stopping = true;
});
// The listener must not keep the thread alive once the pass is over.
parentPort!.unref();
setThreadNice(task.nice);

const lake = openLake(task.lake);
const { results, busy } = await compactLake(lake, task.tables, task.policy, { stopping: () => stopping }, compactionLease(lake, `${task.pipeline} pipeline`));
const reply: CompactionReply = { kind: 'done', results: [...results], busy };
parentPort!.postMessage(reply);
