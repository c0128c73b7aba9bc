// The Prometheus scrape endpoint: GET (or HEAD) /metrics answers with every thread's metrics
// merged. It listens on `host`, 127.0.0.1 unless METRICS_HOST says otherwise, with the same
// slow-client timeouts and security headers as the query API; another method is a 405.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { HTTP_DEFAULTS, nodeServerOptions, reachableHost } from './hardening.js';
import { SECURITY_HEADERS } from './security-headers.js';

const text = (res: ServerResponse, status: number, body: string, extra: Record<string, string> = {}) => res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...extra }).end(body);

export interface MetricsServer extends Server {
  url: string;
  /**
   * Stop listening and end every connection, a scrape in flight included. `close()` alone
   * waits for keep-alive connections: a scraper polling more often than the keep-alive timeout
   * would hold the process open at shutdown for as long as it polls.
   */
  stop(): Promise<void>;
}

export async function startMetricsServer(port: number, render: () => Promise<string>, contentType: string, host = '127.0.0.1'): Promise<MetricsServer> {
  const server = createServer(nodeServerOptions(HTTP_DEFAULTS), (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') return void res.writeHead(302, { ...SECURITY_HEADERS, location: '/metrics' }).end();
    if (path !== '/metrics') return void text(res, 404, 'not found: try /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void text(res, 405, `${String(req.method).slice(0, 20)} is not allowed: GET or HEAD /metrics\n`, { allow: 'GET, HEAD' });
    render().then(
      (body) => res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': contentType }).end(req.method === 'HEAD' ? undefined : body),
      (e: unknown) => text(res, 500, `metrics unavailable: ${e instanceof Error ? e.message : String(e)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new Error(`METRICS_PORT ${port} is already in use: choose another with --metrics-port or METRICS_PORT (0 disables)`) : e));
    server.listen(port, host, resolve);
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return Object.assign(server, { url: `http://${reachableHost(host)}:${actual}/metrics`, stop });
}
