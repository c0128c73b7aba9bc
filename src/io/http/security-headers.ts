// Response headers every answer of cashtag's HTTP servers carries, JSON and errors included:
// the page may load only its own scripts, styles and images (no inline script, no framing, no
// plugins), browsers must not guess content types, and no Referer leaves the page. Plus the
// answer to a connection Node rejects before any route runs (a malformed request, headers too
// large, a client too slow): a problem+json with the same headers, then the socket is closed.
import type { FastifyInstance } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-resource-policy': 'same-origin',
};

/** Every answer sent through fastify gets the headers (a hijacked reply sets them itself). */
export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    void reply.headers(SECURITY_HEADERS);
    done(null, payload);
  });
}

const statusOf = (code: string | undefined) => (code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : code === 'HPE_HEADER_OVERFLOW' ? 431 : 400);

/** fastify's `clientErrorHandler`: a short problem+json, then the connection is closed. */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  if (socket.writable) {
    const status = statusOf(error.code);
    const detail = status === 408 ? 'the request did not arrive in time' : status === 431 ? 'the request headers are too large' : 'the request is not valid HTTP';
    const body = JSON.stringify({ type: 'urn:cashtag:problem:bad-request', title: STATUS_CODES[status], status, detail });
    const headers = Object.entries({ ...SECURITY_HEADERS, 'content-type': 'application/problem+json', 'content-length': String(Buffer.byteLength(body)), connection: 'close' });
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers.map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroy();
}
