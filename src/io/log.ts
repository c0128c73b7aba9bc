// Structured logs: JSON lines on stderr (pino), one logger per process, with the runtime's
// Logger shape so actors and the supervisor log the same way.
import { pino } from 'pino';
import type { Logger } from '../runtime/actor.js';

export function createLogger(level: string, name = 'cashtag'): Logger & { child(fields: Record<string, unknown>): Logger } {
  const base = pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
  const wrap = (l: pino.Logger): Logger & { child(fields: Record<string, unknown>): Logger } => ({
    info: (msg, fields) => l.info(fields ?? {}, msg),
    warn: (msg, fields) => l.warn(fields ?? {}, msg),
    error: (msg, fields) => l.error(fields ?? {}, msg),
    child: (fields) => wrap(l.child(fields)),
  });
  return wrap(base);
}
