// GET /api/stream?symbol=SYM: server-sent events from the live feed. Events:
//   windows  {items: Window[]}   new 5-minute windows of every symbol (oldest first)
//   alerts   {items: Alert[]}    new alerts (newest first)
//   tweets   {symbol, items}     new tweets of the followed symbol (newest first)
//   prices   {symbol, items}     new price ticks of the followed symbol (newest first)
// plus a comment line every 15 s so proxies keep the connection open. A client that cannot
// keep up (more than 1 MiB unsent) is disconnected; EventSource reconnects by itself.
import type { FastifyInstance } from 'fastify';
import type { ServerResponse } from 'node:http';
import * as S from '../io/http/api-schemas.js';
import { ProblemError } from '../io/http/problem.js';
import type { LiveEvent, LiveFeed } from './serving-live.js';
import { reading } from './serving-routes.js';
import { apiAlert, apiPrice, apiTweet, apiWindow } from './serving-rows.js';

const MAX_BUFFERED = 1 << 20;

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

export function registerStreamRoute(app: FastifyInstance, deps: { live: LiveFeed; knownSymbols: (symbol?: string) => Promise<Set<string> | null> }): void {
  const open = new Set<ServerResponse>();
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
        produces: 'text/event-stream',
        querystring: S.streamQuery,
        response: { 200: { type: 'string', description: 'events windows, alerts, tweets, prices; data is JSON' }, 400: S.problem, 404: S.problem },
      },
    },
    async (req, reply) => {
      const symbol = req.query.symbol ?? null;
      if (symbol !== null) {
        const known = await reading('the serving store', deps.knownSymbols(symbol));
        if (known !== null && !known.has(symbol)) throw new ProblemError('notFound', `no data for symbol ${symbol}: the serving store has never seen it (GET /api/symbols lists the known ones)`);
      }
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      res.write(`retry: 2000\n: following ${symbol ?? 'windows and alerts'}\n\n`);
      open.add(res);
      const unsubscribe = deps.live.subscribe({
        symbol,
        send(e) {
          if (res.writableLength > MAX_BUFFERED) return void res.destroy();
          res.write(encode(e));
        },
      });
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
      res.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
      });
    },
  );
}
