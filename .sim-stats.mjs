// Usage: node .sim-stats.mjs <lake root>: files, MB, median/max file size, max files per writer (and hour of ingest), rows, duplicates.
import { LocalLake } from '/work/wt-compact/dist/src/io/lake/local-lake.js';
import { lakeFile, supersededKeys } from '/work/wt-compact/dist/src/io/parquet/compaction.js';
import { DuckDBInstance } from '@duckdb/node-api';
const root = process.argv[2];
const lake = new LocalLake(root);
const tables = [['twitter-bronze', 'tweets_v2', 'record_id, topic'], ['twitter-bronze', 'stock_prices', 'record_id'], ['twitter-bronze', 'dead_letters', 'topic, source_partition, source_offset'], ['twitter-silver', 'tweet_prices', 'record_id, topic'], ['twitter-silver', 'late_events', 'stage, record_id, topic'], ['twitter-gold', 'sentiment_windows_5m', 'topic, window_start'], ['twitter-gold', 'alerts', 'topic, window_start']];
const db = await (await DuckDBInstance.create(':memory:')).connect();
console.log('table | files | MB | median KB | max MB | writers | max files/writer | superseded | rows | distinct keys');
for (const [b, t, key] of tables) {
  const objs = (await lake.list(b, `${t}/`)).filter((o) => o.key.endsWith('.parquet'));
  if (!objs.length) { console.log(`${t} | 0`); continue; }
  const sizes = objs.map((o) => o.size).sort((x, y) => x - y);
  const writers = new Map();
  for (const o of objs) { const f = lakeFile(o); const w = `${f.dir}/${f.tag}/${f.partition}`; writers.set(w, (writers.get(w) ?? 0) + 1); }
  const glob = `${root}/${b}/${t}/${t === 'alerts' || t === 'late_events' ? '' : '*/'}*.parquet`;
  const r = (await db.runAndReadAll(`SELECT count(*) AS n, count(DISTINCT (${key})) AS d FROM read_parquet('${glob}', hive_partitioning = true)`)).getRowObjects()[0];
  console.log(`${t} | ${objs.length} | ${(sizes.reduce((a, x) => a + x, 0) / 1048576).toFixed(1)} | ${(sizes[sizes.length >> 1] / 1024).toFixed(0)} | ${(sizes[sizes.length - 1] / 1048576).toFixed(2)} | ${writers.size} | ${Math.max(...writers.values())} | ${supersededKeys(objs).size} | ${r.n} | ${r.d}`);
}
