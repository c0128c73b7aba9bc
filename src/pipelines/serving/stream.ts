// GET /api/stream?symbol=SYM: server-sent events from the live feed. Events:
//   windows  {items: Window[]}   new 5-minute windows of every symbol (oldest first)
//   alerts   {items: Alert[]}    new alerts (newest first)
//   tweets   {symbol, items}     new tweets of the followed symbol (newest first)
//   prices   {symbol, items}     new price ticks of the followed symbol (newest first)
// plus a comment line every 15 s so proxies keep the connection open. A client that cannot
// keep up (more than 1 MiB unsent), or has not read what was sent for 30 s (a vanished or stuck
// peer), is disconnected; EventSource reconnects by itself. At most `maxClients` streams are
// open at once and `maxPerClient` per client address: one more is a 503 with Retry-After, sent
// with `connection: close` so a flood of refused attempts holds no sockets. HEAD answers the
// stream's headers and ends.
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import * as S from '../../io/http/api-schemas.js';
import { ProblemError } from '../../io/http/problem.js';
import { SECURITY_HEADERS } from '../../io/http/security-headers.js';
import type { LiveEvent, LiveFeed } from './live.js';
import { reading } from './routes.js';
import { apiAlert, apiPrice, apiTweet, apiWindow } from './rows.js';

const MAX_BUFFERED = 1 << 20;
const HEARTBEAT_MS = 15_000;
/** A client with bytes unsent for this long is not reading. */
const STALL_MS = 30_000;
const RETRY_AFTER_S = 10;
const STREAM_HEADERS = { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

/** Open streams, in all and per client address. */
export class StreamSlots {
  private readonly perClient = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: { maxClients: number; maxPerClient: number }) {}

  /** A release function, or why there is no slot. */
  take(client: string): (() => void) | string {
    const held = this.perClient.get(client) ?? 0;
    if (this.total >= this.limits.maxClients) return `${this.total} live streams are open, the most this server keeps (SSE_MAX_CLIENTS)`;
    if (held >= this.limits.maxPerClient) return `this address holds ${held} live streams, the most one client may (SSE_MAX_PER_CLIENT)`;
    this.total++;
    this.perClient.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.perClient.get(client) ?? 1) - 1;
      if (left > 0) this.perClient.set(client, left);
      else this.perClient.delete(client);
    };
  }

  get open(): number {
    return this.total;
  }
}

function encode(e: LiveEvent): string {
  switch (e.kind) {
    case 'windows':
      return `event: windows\ndata: ${JSON.stringify({ items: e.items.map(apiWindow) })}\n\n`;
    case 'alerts':
      return `event: alerts\ndata: ${JSON.stringify({ items: e.items.map(apiAlert) })}\n\n`;
    case 'tweets':
      return `event: tweets\ndata: ${JSON.stringify({ symbol: e.symbol, items: e.items.map(apiTweet) })}\n\n`;
    case 'prices':
      return `event: prices\ndata: ${JSON.stringify({ symbol: e.symbol, items: e.items.map(apiPrice) })}\n\n`;
    default: {
      const never: never = e;
      throw new Error(`unknown live event ${JSON.stringify(never)}`);
    }
  }
}

export interface StreamDeps {
  live: LiveFeed;
  knownSymbols: (symbol?: string) => Promise<Set<string> | null>;
  maxClients: number;
  maxPerClient: number;
}

/** Writes the events to an open stream until it closes; returns the clean-up. */
function pump(res: ServerResponse, deps: StreamDeps, symbol: string | null, now: () => number = Date.now): () => void {
  let unsentSince = 0;
  const write = (chunk: string) => {
    if (!res.write(chunk) && unsentSince === 0) unsentSince = now();
  };
  res.on('drain', () => (unsentSince = 0));
  const unsubscribe = deps.live.subscribe({
    symbol,
    send(e) {
      if (res.writableLength > MAX_BUFFERED) return void res.destroy();
      write(encode(e));
    },
  });
  const heartbeat = setInterval(() => {
    if (unsentSince !== 0 && now() - unsentSince > STALL_MS) return void res.destroy();
    write(': keep-alive\n\n');
  }, HEARTBEAT_MS);
  return () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
}

export function registerStreamRoute(app: FastifyInstance, deps: StreamDeps): StreamSlots {
  const open = new Set<ServerResponse>();
  const slots = new StreamSlots(deps);
  // Streams never end by themselves: close them before the server waits for its connections.
  app.addHook('preClose', (done) => {
    for (const res of open) res.end();
    done();
  });

  app.get<{ Querystring: { symbol?: string } }>(
    '/api/stream',
    {
      schema: {
        summary: 'live updates as server-sent events: windows and alerts of every symbol, tweets and price ticks of `symbol`',
        description: `At most SSE_MAX_CLIENTS streams at once (${deps.maxClients} here), SSE_MAX_PER_CLIENT per client address (${deps.maxPerClient}): beyond, 503 with Retry-After. A comment line every 15 s keeps the connection open.`,
        events: S.streamEvent,
        querystring: S.streamQuery,
        response: { 400: S.problem, 404: S.problem, 503: S.problem },
      },
    },
    async (req, reply) => {
      const symbol = req.query.symbol ?? null;
      if (symbol !== null) {
        const known = await reading('the serving store', deps.knownSymbols(symbol));
        if (known !== null && !known.has(symbol)) throw new ProblemError('notFound', `no data for symbol ${symbol}: the serving store has never seen it (GET /api/symbols lists the known ones)`);
      }
      if (req.method === 'HEAD') return reply.headers(STREAM_HEADERS).send();
      const release = slots.take(req.ip);
      if (typeof release === 'string') {
        void reply.header('retry-after', String(RETRY_AFTER_S)).header('connection', 'close');
        throw new ProblemError('unavailable', `${release}: try again in ${RETRY_AFTER_S} s`);
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { ...STREAM_HEADERS, connection: 'keep-alive' });
      res.write(`retry: 2000\n: following ${symbol ?? 'windows and alerts'}\n\n`);
      open.add(res);
      const stop = pump(res, deps, symbol);
      res.on('close', () => {
        stop();
        release();
        open.delete(res);
      });
    },
  );
  return slots;
}
