// The entry module of cashtag's Piscina pools, in CommonJS on purpose. Piscina loads a pool's
// module with require() first; Node 20.19+ require()s an ES module synchronously, and a thread
// terminated inside that synchronous instantiation (a pool destroyed while its threads still
// load: a batch run with nothing left to do, a stop during start-up) aborts the whole process
// with V8's "IsGraphAsync must be used on an instantiated module". require() of this file loads
// no ES module; the task module is import()ed, which a termination interrupts safely.
//
// The task module's URL comes in workerData (TASK_MODULE_KEY in task-pool.ts); its default
// export gets every task.
import { workerData } from 'node:worker_threads';

type Handler = (task: unknown) => unknown;

const url = (workerData as Record<string, unknown> | null)?.cashtagTaskModule;
if (typeof url !== 'string') throw new Error('pool-entry: workerData.cashtagTaskModule (the task module URL) is missing');
const handler: Promise<Handler> = import(url).then((m: { default: Handler }) => m.default);
// Piscina gets no unhandled rejection at start-up: a module that fails to load fails each task.
handler.catch(() => undefined);

export = async function run(task: unknown): Promise<unknown> {
  return (await handler)(task);
};
