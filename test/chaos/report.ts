// The chaos harness's printed tables.
import { EXCLUDED_COLUMN, snapshotDiffCount } from './lake-compare.js';
import { embeddedPassed, type EmbeddedResult } from './embedded.js';
import { scenarioPassed, scenarioProblems, type ScenarioResult } from './stack.js';
import type { Tally } from './stack-counts.js';

export const fmt = (n: number) => n.toLocaleString('en-US');

/** A plain-text table: a header row, a rule, the rows; columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)];
}

const diffCell = (d: { onlyFirst: number; onlyOther: number }, other: string) =>
  d.onlyFirst + d.onlyOther === 0 ? '0' : `${fmt(d.onlyFirst + d.onlyOther)} (${fmt(d.onlyFirst)} only in A, ${fmt(d.onlyOther)} only in ${other})`;

export function embeddedReport(r: EmbeddedResult): string[] {
  const rows = r.tables.map((t) => {
    const same = t.rows[0] === t.rows[1] && t.rows[0] === t.rows[2] && t.diffs.every((d) => d.onlyFirst + d.onlyOther === 0);
    return [t.table.path, fmt(t.rows[0]), fmt(t.rows[1]), fmt(t.rows[2]), diffCell(t.diffs[0], 'B'), diffCell(t.diffs[1], 'killed'), same ? (t.rows[0] === 0 ? 'identical, but EMPTY (compares nothing)' : 'identical') : 'DIFFERENT'];
  });
  const d = r.restartOfFinished;
  const out = [
    ...formatTable(['table', 'run A rows', 'run B rows', 'killed run rows', 'A≠B rows', 'A≠killed rows', 'verdict'], rows),
    '',
    `Equality: the row multisets are identical (EXCEPT ALL in both directions empty, counts equal) over every column except ${EXCLUDED_COLUMN}`,
    `(processing time: when the source read the record; the only column allowed to differ). Hive partition columns come from the paths.`,
    `Killed run: ${r.kills.filter((k) => k.killed).length} of ${r.kills.length} SIGKILLs delivered (at ${r.kills.map((k) => `${k.afterSeconds} s${k.killed ? '' : ' (finished before)'}`).join(', ')} after each start), ${r.starts} starts.`,
    `Restart of the finished killed run: ${snapshotDiffCount(d) === 0 ? 'rewrote nothing (no lake file added, removed, changed or rewritten)' : `REWROTE ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed, ${d.rewritten.length} rewritten with the same bytes`}.`,
  ];
  for (const [what, files] of [['added', d.added], ['removed', d.removed], ['changed', d.changed], ['rewritten', d.rewritten]] as const) {
    if (files.length) out.push(`  ${what}: ${files.slice(0, 5).join(', ')}${files.length > 5 ? `, ... (${files.length})` : ''}`);
  }
  for (const t of r.tables) {
    t.diffs.forEach((x, i) => x.samples.forEach((s) => out.push(`  ${t.table.path} (A vs ${i === 0 ? 'B' : 'killed'}) ${s}`)));
  }
  out.push(`Embedded verdict: ${embeddedPassed(r) ? 'PASS' : 'FAIL'}`);
  return out;
}

const tallyCell = (t: Tally) => `${fmt(t.found)} of ${fmt(t.expected)} (${fmt(t.lost)}/${fmt(t.dup)})`;

export function stackReport(results: ScenarioResult[]): string[] {
  const rows = results.map((r) => {
    const p = r.produced;
    const of = (n: number, asked: number) => (n === asked ? fmt(n) : `${fmt(n)} of ${fmt(asked)}`);
    const produced = `${of(p.tweets, r.requested.tweets)} tweets + ${of(p.prices, r.requested.prices)} prices (${fmt(p.malformed)} malformed)${p.lost || p.dup ? ` [vs generator: ${p.lost} lost, ${p.dup} dup]` : ''}`;
    const problems = scenarioProblems(r);
    return [r.label, produced, tallyCell(r.bronze), tallyCell(r.cassandra), tallyCell(r.dlq), scenarioPassed(r) ? 'PASS' : `FAIL: ${problems.join('; ')}`];
  });
  const out = [
    ...formatTable(['fault', 'produced', 'bronze rows (lost/dup)', 'Cassandra rows (lost/dup)', 'DLQ messages (lost/dup)', 'verdict'], rows),
    '',
    'Each store is counted record by record against the input topics (key: input topic, partition, offset): bronze = tweets_v2 (one row per',
    'cashtag, topic=NONE without one) + stock_prices + dead_letters, read from S3 with DuckDB; Cassandra = tweets (per cashtag) + market_data;',
    'DLQ = the tweets.dlq and stock-prices.dlq topics, read with a separate consumer. dup counts extra copies and rows no input explains.',
  ];
  for (const r of results) {
    for (const f of r.producerFailures) out.push(`  ${r.label}: ${f}`);
    // Each distinct reason cashtag gave for an exit nobody asked for, with how often.
    const reasons = new Map<string, number>();
    for (const e of r.unexpectedExits) {
      const why = `exit ${e.exit.code ?? e.exit.signal}: ${e.reason}`;
      reasons.set(why, (reasons.get(why) ?? 0) + 1);
    }
    for (const [why, n] of reasons) out.push(`  ${r.label}: cashtag ${n}x ${why}`);
    if (!r.drained) out.push(`  ${r.label}: logs in ${r.logs}`);
  }
  out.push(`Stack verdict: ${results.every(scenarioPassed) ? 'PASS' : 'FAIL'}`);
  return out;
}
