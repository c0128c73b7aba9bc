// `cashtag serve`: the query API and live dashboard alone, over the serving store and lake a
// speed layer writes (the same DATA_DIR on the embedded profile, which LMDB lets several
// processes read while one writes; Cassandra and S3 on the stack). `cashtag run` starts the
// same server in its own process unless SERVE=off: see `serverOptions`.
import { Option, type Command } from 'commander';
import { SETTINGS, type Config, type SettingName } from './config.js';
import { configOrExit } from './cli-config.js';
import { createLogger } from './io/log.js';
import type { Logger } from './runtime/actor.js';
import type { ServerOptions } from './pipelines/serving/server.js';
import { startServerThread, type ThreadServer, type ThreadServerOptions } from './pipelines/serving/thread.js';
import { HTTP_SETTING_NAMES, httpSettings, type ServeSettings } from './pipelines/serving/settings.js';
import { isLoopback } from './io/http/hardening.js';
import { lakeSettings, storeSettings } from './pipelines/speed.js';

/** The settings `cashtag serve` reads: where the data is, and how to serve it. */
const SERVE_SETTINGS: SettingName[] = ['dataDir', 'cassandraContactPoints', 'cassandraLocalDc', 'cassandraKeyspace', 's3Endpoint', 's3AccessKey', 's3SecretKey', 's3Region', 'lakeBucketPrefix', 'httpPort', 'httpHost', ...HTTP_SETTING_NAMES, 'dashboardMinutes', 'logLevel'];

/** The server of a configuration, as plain data: the profile's store and lake (as the speed layer picks them). */
export function serverSettings(cfg: Config, serve: ServeSettings): ThreadServerOptions {
  return { store: storeSettings(cfg), lake: lakeSettings(cfg), port: serve.httpPort, host: serve.httpHost, dashboardMinutes: serve.dashboardMinutes, http: httpSettings(serve) };
}

/**
 * The start-up line saying who can connect and how to change it: loopback-only servers name
 * the setting that exposes them; an exposed API without a token says so.
 */
export function accessNote(s: { httpHost?: string; metricsHost?: string; apiToken: string }): string {
  const local = [
    s.httpHost !== undefined && isLoopback(s.httpHost) ? 'HTTP_HOST=0.0.0.0 (API and dashboard; set API_TOKEN too)' : null,
    s.metricsHost !== undefined && isLoopback(s.metricsHost) ? 'METRICS_HOST=0.0.0.0 (/metrics)' : null,
  ].filter((x) => x !== null);
  const notes = local.length > 0 ? [`this machine only; to expose: ${local.join(', ')}`] : [];
  if (s.httpHost !== undefined && !isLoopback(s.httpHost)) notes.push(s.apiToken === '' ? `API open to the network on ${s.httpHost} without a token: set API_TOKEN` : `API on ${s.httpHost}, bearer token required`);
  return notes.join('; ') || 'as HTTP_HOST and METRICS_HOST say';
}

/** The same, to start the server on the calling thread (`cashtag serve`). */
export function serverOptions(cfg: Config, serve: ServeSettings, log: Logger): ServerOptions {
  return { ...serverSettings(cfg, serve), log };
}

/**
 * For `cashtag run`: the server on its own thread (it then never waits behind the pipeline's
 * main-thread work), over the store and lake the speed layer writes. Null when SERVE=off.
 */
export async function startRunServer(cfg: Config, serve: ServeSettings, log: Logger): Promise<ThreadServer | null> {
  return serve.serve ? startServerThread(serverSettings(cfg, serve), log) : null;
}

export function registerServeCommand(program: Command): Command {
  const cmd = program.command('serve').description('serve the query API (/api/..., /openapi.json) and the live dashboard (/) over the serving store and the gold lake');
  for (const name of SERVE_SETTINGS) {
    const s = SETTINGS[name];
    cmd.addOption(new Option(s.flag, `${s.description} (env ${s.env}, default ${s.default || 'empty'})`));
  }
  cmd.action(async (flags: Partial<Record<SettingName, string>>) => {
    const cfg = configOrExit('cashtag serve', flags);
    const serve: ServeSettings = cfg;
    const log = createLogger(cfg.logLevel, 'cashtag-serve');
    let server;
    try {
      // Loaded here: `cashtag run` serves from a thread of its own and never needs it on this one.
      const { startServer } = await import('./pipelines/serving/server.js');
      server = await startServer(serverOptions(cfg, serve, log));
    } catch (e) {
      log.error('serve failed to start', { error: e instanceof Error ? e.message : String(e) });
      process.stderr.write(`cashtag serve: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
      return;
    }
    const tokenHint = cfg.apiToken === '' ? '' : '#token=<API_TOKEN>';
    process.stderr.write(`cashtag serving (Ctrl-C stops)\n  dashboard: ${server.url}/${tokenHint}\n  API:       ${server.url}/openapi.json\n  access:    ${accessNote({ httpHost: cfg.httpHost, apiToken: cfg.apiToken })}\n`);
    log.info('serving', { url: server.url, store: storeSettings(cfg).kind, lake: lakeSettings(cfg).kind });
    const stop = (why: string) => {
      log.info('stopping the server', { why });
      server.close().then(
        () => (process.exitCode = 0),
        (e: unknown) => log.error('close failed', { error: e instanceof Error ? e.message : String(e) }),
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return cmd;
}
