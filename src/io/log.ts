// Structured logs on stderr (pino), one logger per process, with the runtime's Logger shape so
// actors and the supervisor log the same way. LOG_FORMAT picks JSON lines (for machines: log
// shippers, the tests) or pino-pretty's one human line per entry; `auto` is human on a terminal.
import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { Logger } from '../runtime/actor.js';

export type LogFormat = 'auto' | 'json' | 'pretty';

export type CliLogger = Logger & { child(fields: Record<string, unknown>): Logger; readonly human: boolean };

/** Whether a LOG_FORMAT means human lines on this process's stderr. */
export const isHuman = (format: LogFormat): boolean => format === 'pretty' || (format === 'auto' && process.stderr.isTTY === true);

export function createLogger(level: string, name = 'cashtag', format: LogFormat = 'json'): CliLogger {
  const human = isHuman(format);
  const destination = human
    ? pretty({ destination: 2, sync: true, colorize: process.stderr.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,name' })
    : pino.destination({ fd: 2, sync: false });
  const base = pino({ name, level, base: { pid: process.pid } }, destination);
  const wrap = (l: pino.Logger): CliLogger => ({
    info: (msg, fields) => l.info(fields ?? {}, msg),
    warn: (msg, fields) => l.warn(fields ?? {}, msg),
    error: (msg, fields) => l.error(fields ?? {}, msg),
    child: (fields) => wrap(l.child(fields)),
    human,
  });
  return wrap(base);
}
