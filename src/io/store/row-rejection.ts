// A serving store tells a row it refuses for its content apart from a failing server: the first
// is a user error (domain 'user', not retriable), which the store sink turns into a dead letter;
// the second stays external and is retried. Only errors that are certainly about a row's values
// are classified as rejections here: when in doubt an error is an outage, because a dead letter
// cannot be undone while a retry only waits.

import { ActorError } from '../../runtime/errors.js';

/** The error a store throws for a row (or a batch holding a row) it will never accept. */
export const rowRejected = (message: string, cause: unknown): ActorError => new ActorError(message, 'user', false, { cause });

/** True for an error a store classified as a row rejection. */
export const isRowRejection = (e: unknown): e is ActorError => e instanceof ActorError && e.domain === 'user';
