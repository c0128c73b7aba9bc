// rowRefusal is the encoder's own judgement, asked in advance: for any cells of any column type,
// it returns null exactly when ParquetEncoder writes the row without an error. Store rejections:
// only errors certainly about a row's values are rejections; an outage never is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errors, types } from 'cassandra-driver';
import fc from 'fast-check';
import { writeFindingRefused } from '../../src/actors/store-sink/refused-rows.js';
import type { Cell } from '../../src/io/parquet/parquet-file-writer.js';
import { encodeParquet, type ColumnSpec, type ColumnType } from '../../src/io/parquet/parquet-write.js';
import { rowRefusal } from '../../src/io/parquet/row-refusal.js';
import { isCassandraRowRejection } from '../../src/io/store/cassandra-client.js';
import { isRowRejection, rowRejected } from '../../src/io/store/row-rejection.js';
import { ActorError } from '../../src/runtime/errors.js';

const TYPES: ColumnType[] = ['double', 'int32', 'int64', 'timestamp_millis', 'utf8', 'binary'];
const cell: fc.Arbitrary<Cell> = fc.oneof(
  fc.constantFrom(null, NaN, Infinity, -0, 0.5, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 2 ** 53, 2 ** 53 - 1, -(2 ** 53), 1e308, '', '\ud800', '🚀'),
  fc.double(),
  fc.integer(),
  fc.string(),
);

test('rowRefusal returns null exactly for the rows the Parquet encoder writes', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...TYPES), fc.boolean(), cell), { minLength: 1, maxLength: 6 }), async (cols) => {
      const specs: ColumnSpec[] = cols.map(([type, optional], i) => ({ name: `c${i}`, type, optional }));
      const row = cols.map(([, , v]) => v);
      let encoded = true;
      try {
        // The writer's column buffers: numbers as a Float64Array (null as NaN), strings as is.
        await encodeParquet(specs.map((s, i) => ({ ...s, values: s.type === 'utf8' || s.type === 'binary' ? [row[i] as string | null] : Float64Array.of(row[i] === null ? NaN : (row[i] as number)) })));
      } catch {
        encoded = false;
      }
      const typed = specs.every((s, i) => row[i] === null || (s.type === 'utf8' || s.type === 'binary' ? typeof row[i] === 'string' : typeof row[i] === 'number'));
      // A cell of the wrong JS type is garbage to the encoder's buffers, so only typed rows compare.
      if (typed) assert.equal(rowRefusal(specs, row) === null, encoded, `${JSON.stringify(specs)} ${String(row)}: ${rowRefusal(specs, row)}`);
      else assert.notEqual(rowRefusal(specs, row), null);
    }),
    { numRuns: 500 },
  );
});

test('Cassandra: encoding errors and Invalid answers about values are row rejections; outages and schema problems are not', () => {
  const invalid = (msg: string) => new errors.ResponseError(types.responseErrorCodes.invalid, msg);
  assert.equal(isCassandraRowRejection(new TypeError('Not a valid bigint, expected Long/Number/String/Buffer, obtained 1e+308')), true);
  assert.equal(isCassandraRowRejection(invalid('Key length of 70000 is longer than maximum of 65535')), true);
  assert.equal(isCassandraRowRejection(invalid('unconfigured table tweets')), false);
  assert.equal(isCassandraRowRejection(invalid("Keyspace 'twitter' does not exist")), false);
  assert.equal(isCassandraRowRejection(new errors.NoHostAvailableError({})), false);
  assert.equal(isCassandraRowRejection(new errors.OperationTimedOutError('timed out')), false);
  assert.equal(isCassandraRowRejection(new errors.ResponseError(types.responseErrorCodes.unavailableException, 'not enough replicas')), false);
  assert.equal(isRowRejection(rowRejected('x', null)), true);
  assert.equal(isRowRejection(new ActorError('down', 'external', true)), false);
});

test('writing row by row: refused rows are returned with the reason; an outage propagates and dead-letters nothing', async () => {
  const refused = await writeFindingRefused([1, 2, 3], async (n) => {
    if (n === 2) throw rowRejected('row 2 is too large', null);
  });
  assert.deepEqual(refused, [{ row: 2, why: 'row 2 is too large' }]);
  const seen: number[] = [];
  await assert.rejects(
    writeFindingRefused([1, 2, 3], async (n) => {
      seen.push(n);
      if (n === 2) throw new ActorError('Cassandra at 127.0.0.1:9042 is down', 'external', true);
    }),
    /is down/,
  );
  assert.deepEqual(seen, [1, 2], 'nothing after the outage is written or judged');
});
