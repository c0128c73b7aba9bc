// The OpenAPI 3.1 document of an API, built from the routes fastify registered (their JSON
// schemas are the ones fastify validates and serialises with), so the document cannot drift
// from what the server enforces. OpenAPI 3.1 takes JSON Schema as is.
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
}

// The documentation fields a route schema may carry (fastify passes them through unused).
declare module 'fastify' {
  interface FastifySchema {
    summary?: string;
    description?: string;
    /** Content type of the 200 response when it is not JSON. */
    produces?: string;
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
  return { method, url: route.url, summary: schema.summary, description: schema.description, params: schema.params as ObjectSchema, querystring: schema.querystring as ObjectSchema, response: schema.response as Record<string, unknown>, produces: schema.produces };
}

const parameters = (where: 'path' | 'query', s: ObjectSchema | undefined) =>
  Object.entries(s?.properties ?? {}).map(([name, schema]) => ({ name, in: where, required: where === 'path' || (s?.required ?? []).includes(name), description: schema.description, schema }));

export function openApiDocument(info: { title: string; version: string; description: string }, routes: DocumentedRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    for (const [code, schema] of Object.entries(r.response ?? {})) {
      const type = Number(code) >= 400 ? PROBLEM_TYPE : (r.produces ?? 'application/json');
      responses[code] = { description: Number(code) >= 400 ? 'problem details (RFC 9457)' : 'success', content: { [type]: { schema } } };
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      parameters: [...parameters('path', r.params), ...parameters('query', r.querystring)],
      responses,
    };
  }
  return { openapi: '3.1.0', info, paths };
}
