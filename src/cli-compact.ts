// `cashtag compact`: one compaction pass over the speed layer's lake (src/pipelines/compaction.ts),
// merging the small files its last checkpoint covers, then a table of files and bytes per table
// before and after. Safe while `cashtag run` is running on the same lake (the running pipeline
// also compacts every COMPACT_INTERVAL seconds): passes take turns by the lake's compaction lease
// (this one waits for a pass in progress). A run with task checkpoints is not covered.
import { Option, type Command } from 'commander';
import { join } from 'node:path';
import { SETTINGS, type SettingName } from './config.js';
import { configOrExit } from './cli-config.js';
import { createLogger } from './io/log.js';
import { LakeCheckpointStore } from './io/checkpoints/lake-checkpoints.js';
import { LocalCheckpointStore } from './io/checkpoints/local-checkpoints.js';
import type { Lake } from './io/lake/lake.js';
import { openLake } from './io/lake/open.js';
import { COMPACTION_LEASE_TTL_MS, compactionBounds, compactionLease, compactLake, type TableBounds } from './pipelines/compaction.js';
import type { CompactionPolicy, CompactionResult } from './io/parquet/compaction.js';
import type { Logger } from './runtime/actor.js';
import { lakeSettings, PIPELINE, speedTopology } from './pipelines/speed.js';

const COMPACT_SETTINGS: SettingName[] = ['dataDir', 's3Endpoint', 's3AccessKey', 's3SecretKey', 's3Region', 'lakeBucketPrefix', 'compactTargetMb', 'compactMinFiles', 'logLevel'];

/** Files and bytes under each table. */
async function sizes(lake: Lake, tables: readonly TableBounds[]): Promise<Map<string, { files: number; bytes: number }>> {
  const out = new Map<string, { files: number; bytes: number }>();
  for (const { table } of tables) {
    const slash = table.indexOf('/');
    const objects = (await lake.list(table.slice(0, slash), `${table.slice(slash + 1)}/`)).filter((o) => o.key.endsWith('.parquet'));
    out.set(table, { files: objects.length, bytes: objects.reduce((n, o) => n + o.size, 0) });
  }
  return out;
}

const mb = (n: number) => (n / 1024 / 1024).toFixed(2);

/**
 * One pass, once the lake's compaction lease is free: a running pipeline holds it for its own
 * passes (seconds), a dead holder's lapses within a TTL. Waits up to two TTLs, then names the holder.
 */
async function compactWhenFree(lake: Lake, tables: readonly TableBounds[], policy: CompactionPolicy, log: Logger): Promise<Map<string, CompactionResult>> {
  const lease = compactionLease(lake, 'cashtag compact');
  const deadline = Date.now() + 2 * COMPACTION_LEASE_TTL_MS;
  for (let waited = false; ; waited = true) {
    const { results, busy } = await compactLake(lake, tables, policy, {}, lease);
    if (!busy) return results;
    if (Date.now() > deadline) throw new Error(`another compaction has held the lake's compaction lease for over ${(2 * COMPACTION_LEASE_TTL_MS) / 1000} s: ${busy.owner}, until ${new Date(busy.expiresAt).toISOString()}`);
    if (!waited) log.info('waiting for the lake\'s compaction lease', { holder: busy.owner, until: new Date(busy.expiresAt).toISOString() });
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export function registerCompactCommand(program: Command): Command {
  const cmd = program
    .command('compact')
    .description('merge the small lake files that the speed layer\'s last checkpoint covers into files of up to COMPACT_TARGET_MB, atomically and exactly once; prints files and bytes per table before and after');
  cmd.option('--major', 'bin-pack every run of two or more small files into files up to COMPACT_TARGET_MB, whatever their size tiers (as Delta\'s OPTIMIZE)');
  for (const name of COMPACT_SETTINGS) {
    const s = SETTINGS[name];
    cmd.addOption(new Option(s.flag, `${s.description} (env ${s.env}, default ${s.default || 'empty'})`));
  }
  cmd.action(async (opts: Partial<Record<SettingName, string>> & { major?: boolean }) => {
    const { major = false, ...flags } = opts;
    const cfg = configOrExit('cashtag compact', flags);
    const log = createLogger(cfg.logLevel, 'cashtag-compact');
    try {
      const lake = openLake(lakeSettings(cfg));
      const store = cfg.s3Endpoint ? new LakeCheckpointStore(lake) : new LocalCheckpointStore(join(cfg.dataDir, 'checkpoints'));
      const cp = await store.latest(PIPELINE);
      if (!cp) {
        process.stderr.write(`cashtag compact: no checkpoint of pipeline "${PIPELINE}" in ${cfg.s3Endpoint ? `${cfg.s3Endpoint} (bucket ${cfg.lakeBucketPrefix}checkpoints)` : join(cfg.dataDir, 'checkpoints')}: nothing is known to be committed, nothing compacted\n`);
        return;
      }
      const tables = compactionBounds(speedTopology(cfg, cp.meta?.epoch as number ?? 0), cp);
      const before = await sizes(lake, tables);
      const results = await compactWhenFree(lake, tables, { targetBytes: cfg.compactTargetMb * 1024 * 1024, minFiles: cfg.compactMinFiles, major }, log);
      const after = await sizes(lake, tables);
      const lines = [`checkpoint ${cp.id}; ${major ? 'major' : 'tiered'}, target ${cfg.compactTargetMb} MB, ${cfg.compactMinFiles} files at a time`, 'table                                   files before  MB before  files after  MB after  merged  written       rows'];
      for (const { table } of tables) {
        const b = before.get(table)!;
        const a = after.get(table)!;
        const r = results.get(table)!;
        lines.push(`${table.padEnd(40)}${String(b.files).padStart(12)}${mb(b.bytes).padStart(11)}${String(a.files).padStart(13)}${mb(a.bytes).padStart(10)}${String(r.filesMerged).padStart(8)}${String(r.filesWritten).padStart(9)}${String(r.rows).padStart(11)}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
    } catch (e) {
      log.error('compaction failed', { error: e instanceof Error ? e.message : String(e) });
      process.stderr.write(`cashtag compact: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    }
  });
  return cmd;
}
