// Where the sentiment tests find their data. Compiled tests run from dist/test/sentiment/, so the
// project root is three levels up; the shared corpus sits beside the clone (../shared), or where
// CASHTAG_SHARED_DIR points.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const parityFixture = path.join(projectRoot, 'test/fixtures/sentiment/parity.jsonl');

export function referenceCorpusPath(): string {
  const shared = process.env.CASHTAG_SHARED_DIR ?? path.resolve(projectRoot, '../shared');
  return path.resolve(shared, 'data/vader-icwsm2014/reference.jsonl');
}

export interface ScoredText {
  text: string;
  neg: number;
  neu: number;
  pos: number;
  compound: number;
}

export interface CorpusRow extends ScoredText {
  set: string;
  id: string;
  human: number;
}

/** The reference corpus; throws (failing the test, never skipping it) when it is not there. */
export function readReferenceCorpus(): CorpusRow[] {
  const file = referenceCorpusPath();
  if (!existsSync(file)) {
    throw new Error(`reference corpus not found at ${file}: the parity test needs ` +
      `shared/data/vader-icwsm2014/reference.jsonl beside the repository, or CASHTAG_SHARED_DIR ` +
      `set to the shared/ directory`);
  }
  return readJsonl<CorpusRow>(file);
}

export function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as T);
}

/** Keys whose values differ, compared with Object.is (so -0 and 0 differ, as Python's repr does). */
export function differingKeys(actual: ScoredText | Omit<ScoredText, 'text'>, expected: ScoredText): string[] {
  return (['neg', 'neu', 'pos', 'compound'] as const).filter((k) => !Object.is(actual[k], expected[k]));
}
