// Errors as RFC 9457 problem details (`application/problem+json`). Bad input is the caller's
// error and is answered 400 with a message naming the parameter, what it got and what it
// expects; a resource with no data is 404; only a fault of cashtag or of a server it depends on
// is 5xx (and its detail is logged, not sent).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

export const PROBLEM_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  /** One entry per rejected parameter (400 only). */
  errors?: { in: 'path' | 'query'; name: string; message: string }[];
}

export const problemTypes = {
  invalidParameter: { type: 'urn:cashtag:problem:invalid-parameter', title: 'Invalid parameter', status: 400 },
  unauthorized: { type: 'urn:cashtag:problem:unauthorized', title: 'Unauthorized', status: 401 },
  notFound: { type: 'urn:cashtag:problem:not-found', title: 'Not found', status: 404 },
  methodNotAllowed: { type: 'urn:cashtag:problem:method-not-allowed', title: 'Method not allowed', status: 405 },
  tooManyRequests: { type: 'urn:cashtag:problem:too-many-requests', title: 'Too many requests', status: 429 },
  unavailable: { type: 'urn:cashtag:problem:unavailable', title: 'Service unavailable', status: 503 },
  internal: { type: 'urn:cashtag:problem:internal', title: 'Internal error', status: 500 },
} as const;

/** Thrown by handlers for a problem the caller should see as is. */
export class ProblemError extends Error {
  constructor(
    readonly kind: keyof typeof problemTypes,
    detail: string,
    readonly errors?: Problem['errors'],
  ) {
    super(detail);
    this.name = 'ProblemError';
  }
}

export const badParameter = (where: 'path' | 'query', name: string, message: string) => new ProblemError('invalidParameter', `${where === 'path' ? 'path' : 'query'} parameter "${name}" ${message}`, [{ in: where, name, message }]);

/** What each parameter accepts, said the way a user reads it (shared by every route). */
export const PARAMETER_FORMS: Record<string, string> = {
  symbol: 'a ticker symbol: an upper-case letter, then up to 9 upper-case letters, digits or dots (e.g. AAPL, BRK.B)',
  since: 'an ISO-8601 time with a time zone, e.g. 2025-12-18T14:30:00Z',
  from: 'an ISO-8601 time with a time zone, e.g. 2025-12-18T14:30:00Z',
  to: 'an ISO-8601 time with a time zone, e.g. 2025-12-18T15:30:00Z',
  limit: 'a whole number from 1 to 1000',
  report: 'one of stats, trend',
};

/** A short, printable echo of a rejected value (never the whole of a huge one). */
export function echo(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s) + (s.length > 40 ? ` (${s.length} characters)` : '');
}

interface AjvError {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** fastify's schema-validation failure as a 400 problem naming each parameter. */
function validationProblem(error: FastifyError, request: FastifyRequest): Problem {
  const where: 'path' | 'query' = error.validationContext === 'params' ? 'path' : 'query';
  const input = (where === 'path' ? request.params : request.query) as Record<string, unknown>;
  const seen = new Set<string>();
  const errors = ((error.validation ?? []) as AjvError[]).flatMap((v) => {
    const full = v.instancePath.replace(/^\//, '') || String(v.params.missingProperty ?? v.params.additionalProperty ?? '');
    const name = full.length > 40 ? `${full.slice(0, 40)}…` : full;
    // One message per parameter: the first rule it broke (maxLength comes before pattern).
    if (seen.has(name)) return [];
    seen.add(name);
    const form = PARAMETER_FORMS[name];
    let message: string;
    if (v.keyword === 'additionalProperties') message = `is not a parameter of this endpoint`;
    else if (v.keyword === 'required') message = `is required${form ? `: expected ${form}` : ''}`;
    else message = `= ${echo(input?.[full])} ${v.message ?? 'is invalid'}${form ? `: expected ${form}` : ''}`;
    return [{ in: where, name, message }];
  });
  const detail = errors.map((e) => `${e.in} parameter "${e.name}" ${e.message}`).join('; ') || error.message;
  return { ...problemTypes.invalidParameter, detail, instance: instanceOf(request), errors };
}

const instanceOf = (request: FastifyRequest) => (request.url.length > 200 ? `${request.url.slice(0, 200)}…` : request.url);

export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_TYPE).send(problem);
}

/** The app's error handler: validation and ProblemError as themselves, client errors kept 4xx, the rest 500. */
export function errorToProblem(error: FastifyError, request: FastifyRequest): { problem: Problem; internal: boolean } {
  if (error.validation) return { problem: validationProblem(error, request), internal: false };
  if (error instanceof ProblemError) return { problem: { ...problemTypes[error.kind], detail: error.message, instance: instanceOf(request), ...(error.errors ? { errors: error.errors } : {}) }, internal: false };
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // fastify's own client errors (bad URL encoding, body too large, ...): keep the status.
    const detail = error.message.length > 300 ? `${error.message.slice(0, 300)}…` : error.message;
    return { problem: { type: problemTypes.invalidParameter.type, title: 'Bad request', status, detail, instance: instanceOf(request) }, internal: false };
  }
  // "<what> is unavailable: <cause>": the caller learns what, the log gets the cause.
  if (status === 503) return { problem: { ...problemTypes.unavailable, detail: `${error.message.split(': ')[0]}; try again shortly`, instance: instanceOf(request) }, internal: true };
  return { problem: { ...problemTypes.internal, detail: 'the request failed inside cashtag; the server log has the cause', instance: instanceOf(request) }, internal: true };
}
