// Settings of the serving layer, shaped like SETTINGS entries in src/config.ts so they can be
// merged there (the lead owns config.ts). Until then `cashtag serve` parses them itself with
// `loadServeSettings`, which resolves flag, then environment variable, then default, exactly
// as loadConfig does.
import { z } from 'zod';
import { ConfigError } from '../config.js';

const port = z.coerce.number({ error: 'a whole number' }).int('a whole number').min(0, 'a TCP port 0..65535').max(65_535, 'a TCP port 0..65535');

export const SERVE_SETTINGS = {
  httpPort: { env: 'HTTP_PORT', flag: '--http-port <port>', description: 'port of the query API and live dashboard (cashtag serve, and cashtag run unless SERVE=off); 0 picks a free port', default: '8080', schema: port, form: 'a TCP port 0..65535' },
  httpHost: { env: 'HTTP_HOST', flag: '--http-host <address>', description: 'address the query API listens on', default: '0.0.0.0', schema: z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/), form: 'an IP address or host name' },
  serve: { env: 'SERVE', flag: '--serve <on|off>', description: '`cashtag run`: also serve the query API and dashboard on HTTP_PORT', default: 'on', schema: z.enum(['on', 'off']).transform((v) => v === 'on'), form: 'on or off' },
  dashboardMinutes: { env: 'DASHBOARD_MINUTES', flag: '--dashboard-minutes <n>', description: 'minutes of event time the dashboard charts show', default: '30', schema: z.coerce.number({ error: 'a whole number' }).int('a whole number').min(1, 'a whole number 1..1440').max(1440, 'a whole number 1..1440'), form: 'a whole number 1..1440' },
} as const;

export type ServeSettingName = keyof typeof SERVE_SETTINGS;
export type ServeSettings = { [K in ServeSettingName]: z.output<(typeof SERVE_SETTINGS)[K]['schema']> };

/** Resolve the serving settings (flag, else environment, else default); throws naming every bad one. */
export function loadServeSettings(flags: Partial<Record<ServeSettingName, string>>, env: NodeJS.ProcessEnv = process.env): ServeSettings {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, s] of Object.entries(SERVE_SETTINGS) as [ServeSettingName, (typeof SERVE_SETTINGS)[ServeSettingName]][]) {
    const fromFlag = flags[name];
    const raw = fromFlag ?? env[s.env] ?? s.default;
    const where = fromFlag !== undefined ? s.flag.split(' ')[0] : env[s.env] !== undefined ? s.env : `default of ${s.env}`;
    const r = s.schema.safeParse(raw);
    if (r.success) out[name] = r.data;
    else problems.push(`${s.env} (${s.flag.split(' ')[0]}) = ${JSON.stringify(raw)} from ${where}: expected ${s.form}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ServeSettings;
}
