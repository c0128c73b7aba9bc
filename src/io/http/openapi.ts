// The OpenAPI 3.2 document of an API, built from the routes fastify registered (their JSON
// schemas are the ones fastify validates and serialises with), so the document cannot drift
// from what the server enforces. OpenAPI 3.1+ takes JSON Schema as is; 3.2 types an event
// stream per event (`itemSchema` of text/event-stream). Every operation has an operationId and
// at least one response, as the specification requires (make test-api validates the document).
import type { RouteOptions } from 'fastify';
import { PROBLEM_TYPE } from './problem.js';

interface ObjectSchema {
  properties?: Record<string, { description?: string } & Record<string, unknown>>;
  required?: readonly string[];
}

export interface DocumentedRoute {
  method: string;
  url: string;
  summary: string;
  description?: string;
  params?: ObjectSchema;
  querystring?: ObjectSchema;
  response?: Record<string, unknown>;
  /** Content type of the 200 response when it is not JSON. */
  produces?: string;
  /** Schema of one event, for a text/event-stream route. */
  events?: Record<string, unknown>;
  /** Extensions (`x-...`) of the operation. */
  extensions?: Record<string, unknown>;
}

// The documentation fields a route schema may carry (fastify passes them through unused).
declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    /** Content type of the 200 response when it is not JSON. */
    produces?: string;
    /** Schema of one server-sent event: the 200 response is a text/event-stream of them. */
    events?: Record<string, unknown>;
    /** Specification extensions of the operation, e.g. `x-max-range`. */
    extensions?: Record<string, unknown>;
    /** Left out of the document. */
    hide?: boolean;
  }
}

type RouteSchema = NonNullable<RouteOptions['schema']>;

export function documentedRoute(route: RouteOptions): DocumentedRoute | null {
  const schema = route.schema as RouteSchema | undefined;
  if (!schema?.summary || schema.hide) return null;
  const method = Array.isArray(route.method) ? route.method[0] : route.method;
  if (method === 'HEAD') return null;
  const { summary, description, produces, events, extensions } = schema;
  return { method, url: route.url, summary, description, params: schema.params as ObjectSchema, querystring: schema.querystring as ObjectSchema, response: schema.response as Record<string, unknown>, produces, events, extensions };
}

/** Headers some answers carry, by status. */
const RESPONSE_HEADERS: Record<string, Record<string, unknown>> = {
  401: { 'WWW-Authenticate': { description: 'Bearer realm="cashtag"', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'seconds until the limit resets', schema: { type: 'integer', minimum: 0 } } },
  503: { 'Retry-After': { description: 'seconds to wait before trying again (sent when the cause is a limit)', schema: { type: 'integer', minimum: 0 } } },
};

const DESCRIPTIONS: Record<string, string> = { 401: 'no or a wrong bearer token', 404: 'not found', 429: 'too many requests from this address', 503: 'unavailable for now' };

function responsesOf(r: DocumentedRoute): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r.events) out[200] = { description: 'a stream of server-sent events', content: { 'text/event-stream': { itemSchema: r.events } } };
  for (const [code, schema] of Object.entries(r.response ?? {})) {
    const error = Number(code) >= 400;
    const type = error ? PROBLEM_TYPE : (r.produces ?? 'application/json');
    out[code] = { description: error ? `${DESCRIPTIONS[code] ?? 'bad request'}: problem details (RFC 9457)` : 'success', ...(RESPONSE_HEADERS[code] ? { headers: RESPONSE_HEADERS[code] } : {}), content: { [type]: { schema } } };
  }
  if (Object.keys(out).length === 0) throw new Error(`${r.method} ${r.url} declares no response: give its route schema a response`);
  return out;
}

/** getApiTweetsSymbol for GET /api/tweets/:symbol. */
const operationId = (r: DocumentedRoute) =>
  r.method.toLowerCase() +
  (r.url
    .split(/[/:.]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('') || 'Root');

export interface DocumentOptions {
  /** Whether a path needs the bearer token (omitted: none does). */
  needsToken?: (url: string) => boolean;
}

const parameters = (where: 'path' | 'query', s: ObjectSchema | undefined) =>
  Object.entries(s?.properties ?? {}).map(([name, schema]) => ({ name, in: where, required: where === 'path' || (s?.required ?? []).includes(name), description: schema.description, schema }));

export function openApiDocument(info: { title: string; version: string; description: string }, routes: DocumentedRoute[], opts: DocumentOptions = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  let secured = false;
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const needsToken = opts.needsToken?.(r.url) ?? false;
    secured ||= needsToken;
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      operationId: operationId(r),
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      parameters: [...parameters('path', r.params), ...parameters('query', r.querystring)],
      responses: responsesOf(r),
      ...(needsToken ? { security: [{ bearer: [] }] } : {}),
      ...r.extensions,
    };
  }
  const components = secured ? { components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API_TOKEN' } } } } : {};
  return { openapi: '3.2.0', info, paths, ...components };
}
