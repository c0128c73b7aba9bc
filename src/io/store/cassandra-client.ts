// The Cassandra connection of the stack profile: settings, the driver options built from them,
// the start-up connection with bounded retries, and the one retry wrapper every statement goes
// through. A call that finally fails names the contact points and the setting that points at them.
//
// Routing is the driver's default load-balancing policy (token-aware over DC-aware round robin
// in `localDataCenter`): with prepared statements the driver knows each partition key, so a
// statement goes straight to a replica of its partition.

import { Client, errors, policies, types, type ClientOptions } from 'cassandra-driver';
import { retry, type BackoffOptions } from '../../runtime/backoff.js';
import { ActorError, errorMessage } from '../../runtime/errors.js';
import { rowRejected } from './row-rejection.js';

/** Plain data (it crosses threads inside actor options). */
export interface CassandraSettings {
  /** `host` or `host:port` entries (CASSANDRA_CONTACT_POINTS); `[v6addr]:port` for IPv6. */
  contactPoints: string[];
  /** The data centre the driver routes to (CASSANDRA_LOCAL_DC); `datacenter1` on the local stack. */
  localDc: string;
  /** Keyspace of the serving tables, `twitter` by default in the configuration. */
  keyspace: string;
  /** SimpleStrategy replication factor used when the keyspace is created. Default 1. */
  replicationFactor?: number;
  /** Rows expire this many seconds after they are written (`USING TTL`); 0 or unset = never. */
  ttlSeconds?: number;
  /** Statements in flight per store. Default 32. */
  concurrency?: number;
  /** Connection attempts at start-up. Default 5. */
  connectAttempts?: number;
  /**
   * Attempts per statement (1 = no retry). Default 15: about 80 s of backoff, so an outage of a
   * minute stalls the sink (and, through credits, the sources) instead of failing it over.
   */
  attempts?: number;
  /**
   * Attempts per write statement; default `attempts`. The store sink sets a few: it retries
   * whole batches itself within SINK_RETRY_BUDGET and logs the outage while it lasts.
   */
  writeAttempts?: number;
  backoff?: BackoffOptions;
  /** Create the keyspace and tables when the store opens (idempotent). Default true. */
  provision?: boolean;
}

export const DEFAULT_KEYSPACE = 'twitter';
const DEFAULT_ATTEMPTS = 15;
const CONNECT_BACKOFF: BackoffOptions = { minMs: 500, maxMs: 5_000, jitter: 0.2 };

/** Where the operator looks when a call fails: the contact points and the setting naming them. */
export const describeTarget = (s: Pick<CassandraSettings, 'contactPoints'>): string => `Cassandra at ${s.contactPoints.join(',')} (CASSANDRA_CONTACT_POINTS)`;

interface ContactPoint {
  host: string;
  port?: number;
}

/** Split `host`, `host:port`, `[v6]:port` or a bare IPv6 address. Throws a message naming the setting. */
export function parseContactPoint(entry: string): ContactPoint {
  const bad = (why: string) => new Error(`CASSANDRA_CONTACT_POINTS entry ${JSON.stringify(entry)}: ${why}; expected host or host:port, e.g. 127.0.0.1:9042`);
  const e = entry.trim();
  if (!e) throw bad('empty');
  let host = e;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(e);
  if (v6) [, host, port] = v6;
  else if (e.indexOf(':') === e.lastIndexOf(':') && e.includes(':')) [host, port] = e.split(':');
  if (!host) throw bad('no host');
  if (port === undefined) return { host };
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65_535) throw bad(`port ${JSON.stringify(port)} is not 1-65535`);
  return { host, port: n };
}

/** Driver options for these settings (pure). */
export function cassandraClientOptions(s: CassandraSettings): ClientOptions {
  if (s.contactPoints.length === 0) throw new Error('CASSANDRA_CONTACT_POINTS is empty; expected host[:port] entries separated by commas, e.g. 127.0.0.1:9042');
  if (!s.localDc.trim()) throw new Error('CASSANDRA_LOCAL_DC is empty; expected the data centre name of the contact points, e.g. datacenter1');
  const points = s.contactPoints.map(parseContactPoint);
  const ports = new Set(points.map((p) => p.port));
  // One explicit port for all: it becomes the native port, which the driver also uses for the
  // peers it discovers. Otherwise each entry keeps its own port (the driver parses host:port).
  const [port] = ports;
  const uniform = ports.size === 1 && port !== undefined;
  return {
    contactPoints: uniform ? points.map((p) => p.host) : s.contactPoints.map((c) => c.trim()),
    localDataCenter: s.localDc,
    ...(uniform ? { protocolOptions: { port } } : {}),
    // LOCAL_QUORUM reads see acknowledged writes at any replication factor (one node: one replica).
    queryOptions: { consistency: types.consistencies.localQuorum, prepare: true },
    // The driver's default waits up to 10 minutes between reconnections to a node that went
    // down; statements retry for about 80 s, so look for the node again at least every 5 s.
    policies: { reconnection: new policies.reconnection.ExponentialReconnectionPolicy(500, 5_000, false) },
  };
}

const RETRIABLE_CODES = new Set<number>([
  types.responseErrorCodes.unavailableException,
  types.responseErrorCodes.writeTimeout,
  types.responseErrorCodes.readTimeout,
  types.responseErrorCodes.overloaded,
  types.responseErrorCodes.isBootstrapping,
  types.responseErrorCodes.truncateError,
]);

/** Worth retrying: no host reachable, a client-side timeout, or the server saying it is busy. */
export function isRetriableCassandraError(e: unknown): boolean {
  if (e instanceof errors.OperationTimedOutError) return true;
  if (e instanceof errors.ResponseError) return RETRIABLE_CODES.has(e.code);
  if (e instanceof errors.NoHostAvailableError) {
    // Every host refused our credentials or our settings (e.g. a data centre it does not
    // have): no backoff will fix that.
    const inner = Object.values((e.innerErrors ?? {}) as Record<string, unknown>);
    return inner.length === 0 || !inner.every((x) => x instanceof errors.AuthenticationError || x instanceof errors.ArgumentError);
  }
  return false;
}

/** An external error for the runtime: the message (naming the target) plus what to check. */
export function cassandraFailure(e: unknown, hint = '; is Cassandra running there?'): ActorError {
  const cause = e instanceof Error && e.cause !== undefined ? e.cause : e;
  const retriable = isRetriableCassandraError(cause);
  return new ActorError(`${errorMessage(e)}${retriable ? hint : ''}`, 'external', retriable, { cause });
}

/**
 * Connect, retrying with backoff while no host answers. Fails with an error that names the
 * contact points and both settings (a wrong data centre is not retried: the node told us its DC).
 */
export async function connectCassandra(s: CassandraSettings): Promise<Client> {
  const options = cassandraClientOptions(s);
  const what = `${describeTarget(s)}, local data centre ${JSON.stringify(s.localDc)} (CASSANDRA_LOCAL_DC)`;
  try {
    return await retry(
      `connecting to ${what}`,
      async () => {
        const client = new Client(options);
        try {
          await client.connect();
          return client;
        } catch (e) {
          await closeFailedClient(client);
          throw e;
        }
      },
      { attempts: s.connectAttempts ?? 5, backoff: s.backoff ?? CONNECT_BACKOFF, isRetriable: isRetriableCassandraError },
    );
  } catch (e) {
    throw cassandraFailure(e, '; is Cassandra running there, and are CASSANDRA_CONTACT_POINTS and CASSANDRA_LOCAL_DC right?');
  }
}

/**
 * shutdown() is a no-op on a client that never connected, and the driver (4.x) leaves the control
 * connection's socket open when a contact point answered but the topology refresh failed (e.g. a
 * wrong data centre): that socket would keep the process alive. Close it by hand.
 */
async function closeFailedClient(client: Client): Promise<void> {
  await client.shutdown().catch(() => undefined);
  const cc = (client as unknown as { controlConnection?: { connection?: { closeAsync?: () => Promise<void> } | null } }).controlConnection;
  await cc?.connection?.closeAsync?.().catch(() => undefined);
}

/** Run one statement (prepared, idempotent) with retries; a final failure names the target. */
export async function cassandraCall<T>(s: Pick<CassandraSettings, 'contactPoints' | 'attempts' | 'backoff'>, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await retry(`${what} at ${describeTarget(s)}`, fn, { attempts: s.attempts ?? DEFAULT_ATTEMPTS, backoff: s.backoff, isRetriable: isRetriableCassandraError });
  } catch (e) {
    // The statement's values, not the server: a user error the store sink dead-letters.
    if (e instanceof Error && isCassandraRowRejection(e.cause)) throw rowRejected(`Cassandra refused the statement's values: ${errorMessage(e)}`, e.cause);
    throw cassandraFailure(e);
  }
}

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
