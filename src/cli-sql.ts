// `cashtag sql "SELECT ..."`: DuckDB over the local lake, for the seed's second use case (data
// scientists querying the lake). Every table the pipeline writes is a view under its own name:
//   bronze: tweets (tweets_v2), stock_prices, dead_letters
//   silver: tweet_prices, late_events
//   gold:   sentiment_windows_5m, alerts, and the batch reports batch_topic_statistics,
//           batch_sentiment_pivot, batch_trend_analysis (one file per topic, each replaced
//           atomically by `cashtag batch`: docs/architecture.md, "Gold reports").
// Each view is a plain glob over the table's Hive partitions (`<table>/*=*/*.parquet`) or, for an
// unpartitioned table, its files (`<table>/*.parquet`); `_`-prefixed entries (an older layout's
// `_v/` and `_current.json`) match neither. Hive partition columns (topic=, symbol=) come from
// the paths. Tables not written yet are absent (`SHOW TABLES` lists what there is). A batch
// report whose files are not one whole version (a publication in progress or interrupted) gets a
// warning on stderr (`reportChecks`).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { SETTINGS, type SettingName } from './config.js';
import { configOrExit } from './cli-config.js';
import { BRONZE_BUCKET } from './io/parquet/bronze-schemas.js';
import { GOLD_BUCKET, REPORTS } from './io/parquet/gold-schemas.js';
import { PARTITIONS_KEY, VERSION_KEY } from './pipelines/batch-publish.js';

const SQL_SETTINGS: SettingName[] = ['dataDir', 'lakeBucketPrefix'];
const SILVER_BUCKET = 'twitter-silver';

/** View name -> [bucket, table directory]. */
const TABLES: Record<string, [string, string]> = {
  tweets: [BRONZE_BUCKET, 'tweets_v2'],
  stock_prices: [BRONZE_BUCKET, 'stock_prices'],
  dead_letters: [BRONZE_BUCKET, 'dead_letters'],
  tweet_prices: [SILVER_BUCKET, 'tweet_prices'],
  late_events: [SILVER_BUCKET, 'late_events'],
  sentiment_windows_5m: [GOLD_BUCKET, 'sentiment_windows_5m'],
  alerts: [GOLD_BUCKET, 'alerts'],
  [REPORTS.statistics]: [GOLD_BUCKET, REPORTS.statistics],
  [REPORTS.pivot]: [GOLD_BUCKET, REPORTS.pivot],
  [REPORTS.trend]: [GOLD_BUCKET, REPORTS.trend],
};

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** The CREATE VIEW statements for what the lake under `lakeDir` holds. */
export function lakeViews(lakeDir: string, bucketPrefix = ''): string[] {
  const views: string[] = [];
  for (const [name, [bucket, table]] of Object.entries(TABLES)) {
    const dir = join(lakeDir, bucketPrefix + bucket, table);
    if (!existsSync(dir)) continue;
    const entries = readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('_') && !e.name.startsWith('.'));
    const partitioned = entries.some((e) => e.isDirectory() && e.name.includes('='));
    const files = partitioned ? entries.filter((e) => e.isDirectory() && e.name.includes('=')).some((d) => readdirSync(join(dir, d.name)).some((f) => f.endsWith('.parquet'))) : entries.some((e) => e.isFile() && e.name.endsWith('.parquet'));
    if (!files) continue;
    const glob = partitioned ? join(dir, '*=*', '*.parquet') : join(dir, '*.parquet');
    views.push(`CREATE VIEW ${ident(name)} AS SELECT * FROM read_parquet(${quote(glob)}, hive_partitioning = true)`);
  }
  return views;
}

/**
 * Checks of the batch reports a glob reads: every file of one version, and as many topic files
 * as that version has (their `cashtag.batch.version` / `cashtag.batch.partitions` metadata).
 * Anything else means a `cashtag batch` is publishing the report or was stopped while publishing
 * (docs/architecture.md, "Gold reports"), and a query may mix two runs' topics.
 */
export function reportChecks(lakeDir: string, bucketPrefix = ''): { table: string; sql: string }[] {
  const checks: { table: string; sql: string }[] = [];
  const views = lakeViews(lakeDir, bucketPrefix);
  for (const table of [REPORTS.statistics, REPORTS.trend]) {
    if (!views.some((v) => v.startsWith(`CREATE VIEW ${ident(table)} `))) continue;
    const dir = join(lakeDir, bucketPrefix + GOLD_BUCKET, table);
    const glob = quote(join(dir, '*=*', '*.parquet'));
    checks.push({
      table,
      sql: `WITH kv AS (SELECT file_name, decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${glob}))
        SELECT count(DISTINCT v) FILTER (WHERE k = '${VERSION_KEY}') AS versions, count(DISTINCT file_name) AS files,
               max(v) FILTER (WHERE k = '${PARTITIONS_KEY}') AS partitions FROM kv`,
    });
  }
  return checks;
}

/** The warning for a check's answer, or null when the report is one whole version. */
export function reportWarning(table: string, r: { versions: number; files: number; partitions: string | null }): string | null {
  if (r.files === 0 || (r.versions === 1 && String(r.files) === r.partitions)) return null;
  const what = r.versions === 1 ? `${r.files} topic files where its version has ${r.partitions ?? '?'}` : `files of ${r.versions} versions`;
  return `cashtag sql: warning: ${table} holds ${what} (a \`cashtag batch\` is publishing it, or was stopped while publishing): results may mix two runs; query again, or run \`cashtag batch\``;
}

type Cell = string | number | boolean | null | Cell[] | { [k: string]: Cell };

/** Rows as an aligned text table, numbers right-aligned. */
export function formatTable(columns: string[], rows: Cell[][]): string {
  const text = rows.map((r) => r.map((v) => (v === null ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v))));
  const width = columns.map((c, i) => Math.max(c.length, ...text.map((r) => r[i].length)));
  const numeric = columns.map((_, i) => rows.length > 0 && rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const line = (cells: string[], header = false) => cells.map((c, i) => (numeric[i] && !header ? c.padStart(width[i]) : c.padEnd(width[i]))).join(' | ').trimEnd();
  return [line(columns, true), width.map((w) => '-'.repeat(w)).join('-|-'), ...text.map((r) => line(r)), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n');
}

export function registerSqlCommand(program: Command): Command {
  const cmd = program
    .command('sql')
    .argument('<query>', 'SQL (DuckDB dialect); several statements separated by ; run in order, the last one is printed')
    .description('query the local lake with DuckDB: views tweets, stock_prices, dead_letters, tweet_prices, late_events, sentiment_windows_5m, alerts, batch_topic_statistics, batch_sentiment_pivot, batch_trend_analysis')
    .addOption(new Option('--format <format>', 'table | csv | json (JSON lines)').choices(['table', 'csv', 'json']).default('table'));
  for (const name of SQL_SETTINGS) {
    const s = SETTINGS[name];
    cmd.addOption(new Option(s.flag, `${s.description} (env ${s.env}, default ${s.default || 'empty'})`));
  }
  cmd.action(async (query: string, flags: Partial<Record<SettingName, string>> & { format: 'table' | 'csv' | 'json' }) => {
    const { format, ...settings } = flags;
    const cfg = configOrExit('cashtag sql', settings);
    if (cfg.s3Endpoint !== '') {
      process.stderr.write('cashtag sql: reads the local lake under DATA_DIR; with S3_ENDPOINT set, point DuckDB\'s httpfs at the buckets instead\n');
      process.exit(2);
    }
    const lakeDir = join(cfg.dataDir, 'lake');
    if (!existsSync(lakeDir)) {
      process.stderr.write(`cashtag sql: DATA_DIR (--data-dir) = ${JSON.stringify(cfg.dataDir)}: expected a directory holding a lake (no ${lakeDir}; run \`cashtag run\` first)\n`);
      process.exit(2);
    }
    // Loaded here: DuckDB's native module is only needed by this command.
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      for (const v of lakeViews(lakeDir, cfg.lakeBucketPrefix)) await c.run(v);
      for (const check of reportChecks(lakeDir, cfg.lakeBucketPrefix)) {
        const [r] = (await c.runAndReadAll(check.sql)).getRowObjectsJson() as { versions: string; files: string; partitions: string | null }[];
        const warning = reportWarning(check.table, { versions: Number(r.versions), files: Number(r.files), partitions: r.partitions });
        if (warning) process.stderr.write(`${warning}\n`);
      }
      const result = await c.runAndReadAll(query);
      const columns = result.columnNames();
      const rows = result.getRowsJson() as Cell[][];
      if (format === 'json') for (const r of rows) process.stdout.write(`${JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, r[i]])))}\n`);
      else if (format === 'csv') {
        const csv = (v: Cell) => (v === null ? '' : /[",\n\r]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
        process.stdout.write(`${[columns.map(csv).join(','), ...rows.map((r) => r.map(csv).join(','))].join('\n')}\n`);
      } else process.stdout.write(`${formatTable(columns, rows)}\n`);
    } catch (e) {
      process.stderr.write(`cashtag sql: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    } finally {
      c.closeSync();
      db.closeSync();
    }
  });
  return cmd;
}
