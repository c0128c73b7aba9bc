// The Prometheus scrape endpoint: GET /metrics answers with every thread's metrics merged.
import { createServer, type Server } from 'node:http';

export async function startMetricsServer(port: number, render: () => Promise<string>, contentType: string): Promise<Server & { url: string }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url !== '/metrics' && !req.url?.startsWith('/metrics?'))) {
      res.writeHead(req.url === '/' ? 302 : 404, req.url === '/' ? { location: '/metrics' } : { 'content-type': 'text/plain' }).end(req.url === '/' ? '' : 'not found: try /metrics\n');
      return;
    }
    render().then(
      (text) => res.writeHead(200, { 'content-type': contentType }).end(text),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics unavailable: ${e instanceof Error ? e.message : String(e)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new Error(`METRICS_PORT ${port} is already in use: choose another with --metrics-port or METRICS_PORT (0 disables)`) : e));
    server.listen(port, '0.0.0.0', resolve);
  });
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  return Object.assign(server, { url: `http://127.0.0.1:${actual}/metrics` });
}
