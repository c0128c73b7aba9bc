// Limits that keep a slow or greedy client from holding the HTTP servers (the query API and
// /metrics), and where they listen. Node's own defaults are too lax for a server on a network:
// fastify sets `requestTimeout: 0`, which also let a client that trickles one header line every
// few seconds hold its connection for ever (Slowloris), and Node checks the timeouts only every
// 30 s.
//
// Guarantee: a connection that has not sent a request's headers within `headersTimeoutMs` is
// answered 408 and closed within `headersTimeoutMs` + `checkIntervalMs(...)`; one that has not
// sent its whole request within `requestTimeoutMs` likewise. Answers are not limited: a live
// stream stays open as long as its client reads it.
import type { ServerOptions } from 'node:http';

export interface HttpLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Requests per minute per client address; 0 = no limit. */
  rateLimitPerMinute: number;
  /** Live streams open at once, in all and per client address. */
  sseMaxClients: number;
  sseMaxPerClient: number;
}

/** The defaults of the settings (src/config.ts) and of servers started without them (tests). */
export const HTTP_DEFAULTS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  rateLimitPerMinute: 600,
  sseMaxClients: 100,
  sseMaxPerClient: 10,
};

/** How often Node looks for connections past their timeouts: often enough to honour short ones. */
export const checkIntervalMs = (l: Pick<HttpLimits, 'headersTimeoutMs'>) => Math.max(50, Math.min(1_000, Math.floor(l.headersTimeoutMs / 2)));

/** `http.createServer` options enforcing the limits. */
export function nodeServerOptions(l: Pick<HttpLimits, 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'>): ServerOptions {
  return { headersTimeout: l.headersTimeoutMs, requestTimeout: l.requestTimeoutMs, keepAliveTimeout: l.keepAliveTimeoutMs, connectionsCheckingInterval: checkIntervalMs(l) };
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/i;

export const isLoopback = (host: string) => LOOPBACK.test(host);

/** A URL host that reaches a server listening on `host` from this machine. */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || isLoopback(host)) return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
