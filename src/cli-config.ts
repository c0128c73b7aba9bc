// The CLI's one way to load configuration: a bad setting prints the problems and exits 2.
import { accessSync, constants, mkdirSync } from 'node:fs';
import { ConfigError, loadConfig, type Config, type SettingName } from './config.js';

export function configOrExit(command: string, flags: Partial<Record<SettingName, string>>): Config {
  try {
    return loadConfig(flags);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${command}: ${e.message}\n`);
      process.exit(2);
    }
    throw e;
  }
}

/**
 * DATA_DIR must be a directory this process can write, or one it can create: checked before
 * anything starts, so a bad path names the setting instead of surfacing as ENOTDIR from a sink.
 */
export function usableDataDirOrExit(command: string, dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch (e) {
    const why = e instanceof Error && 'code' in e ? `${String(e.code)}: ${e.message.replace(/^[A-Z]+: /, '')}` : String(e);
    process.stderr.write(`${command}: DATA_DIR (--data-dir) = ${JSON.stringify(dataDir)}: expected a directory cashtag can create and write (${why})\n`);
    process.exit(2);
  }
}
