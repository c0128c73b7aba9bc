// The store sink's path for a row the serving store refuses for its content (a user error from
// the store, see io/store/row-rejection.ts). A batch write fails whole, so the rows are written
// again one at a time to find the refused ones; each single write still rides out outages
// (retried within the budget, holding the sources back), so an outage is never taken for a bad row.

import { errorMessage } from '../../runtime/errors.js';
import { isRowRejection } from '../../io/store/row-rejection.js';

export interface Refused<R> {
  row: R;
  why: string;
}

/** Write each of `rows` alone with `writeOne`; the rows the store refuses, with its reason. Other errors propagate. */
export async function writeFindingRefused<R>(rows: readonly R[], writeOne: (row: R) => Promise<void>): Promise<Refused<R>[]> {
  const refused: Refused<R>[] = [];
  for (const row of rows) {
    try {
      await writeOne(row);
    } catch (e) {
      if (!isRowRejection(e)) throw e;
      refused.push({ row, why: errorMessage(e) });
    }
  }
  return refused;
}
