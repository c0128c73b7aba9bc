// A serving store tells a row it refuses for its content apart from a failing server: the first
// is a user error (domain 'user', not retriable), which the store sink turns into a dead letter;
// the second stays external and is retried. Only errors that are certainly about a row's values
// are classified as rejections here: when in doubt an error is an outage, because a dead letter
// cannot be undone while a retry only waits.

import { errors, types } from 'cassandra-driver';
import { ActorError, errorMessage } from '../../runtime/errors.js';

/** The error a store throws for a row (or a batch holding a row) it will never accept. */
export const rowRejected = (message: string, cause: unknown): ActorError => new ActorError(message, 'user', false, { cause });

/** True for an error a store classified as a row rejection. */
export const isRowRejection = (e: unknown): e is ActorError => e instanceof ActorError && e.domain === 'user';

// An Invalid response about the schema (a table dropped under a running pipeline) is the
// operator's to fix, not the row's: dead-lettering every row would hide it.
const SCHEMA_PROBLEM = /unconfigured table|keyspace|does not exist|undefined column|unknown identifier/i;

/**
 * The driver refused to encode a value (it throws TypeError before sending), or Cassandra
 * answered Invalid for the statement's values (e.g. a key over 64 KiB, a mutation over half a
 * commit-log segment).
 */
export function isCassandraRowRejection(e: unknown): boolean {
  if (e instanceof TypeError || e instanceof RangeError) return true;
  return e instanceof errors.ResponseError && e.code === types.responseErrorCodes.invalid && !SCHEMA_PROBLEM.test(errorMessage(e));
}
