// Errors carry a domain and a retry hint, so the runtime decides without parsing messages.
//   user     - bad data: goes to dead letters, never retried
//   external - a server or resource failed: retry with backoff
//   internal - a bug or broken invariant: crash the actor, the supervisor decides

export type ErrorDomain = 'user' | 'external' | 'internal';

export class ActorError extends Error {
  constructor(
    message: string,
    readonly domain: ErrorDomain,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ActorError';
  }
}

export class PipelineFailedError extends Error {
  constructor(
    readonly instance: string,
    readonly reason: string,
  ) {
    super(`pipeline stopped: actor ${instance} failed and exhausted its restarts: ${reason}`);
    this.name = 'PipelineFailedError';
  }
}

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));
