// The CLI's one way to load configuration: a bad setting prints the problems and exits 2.
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
