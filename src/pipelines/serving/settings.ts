// The serving layer's settings (HTTP_PORT, HTTP_HOST, SERVE, DASHBOARD_MINUTES, API_TOKEN,
// CORS_ORIGINS, the HTTP limits) live in SETTINGS (src/config.ts) with every other setting; this
// is the part of a Config the server reads.
import type { Config } from '../../config.js';
import type { HttpSettings } from './guards.js';

export const HTTP_SETTING_NAMES = ['apiToken', 'corsOrigins', 'httpRateLimit', 'httpHeadersTimeout', 'httpRequestTimeout', 'httpKeepaliveTimeout', 'sseMaxClients', 'sseMaxPerClient'] as const;
export type ServeSettingName = 'httpPort' | 'httpHost' | 'serve' | 'dashboardMinutes' | (typeof HTTP_SETTING_NAMES)[number];
export type ServeSettings = Pick<Config, ServeSettingName>;

/** The server's HTTP settings from the configuration (seconds to milliseconds). */
export function httpSettings(s: ServeSettings): HttpSettings {
  return {
    apiToken: s.apiToken,
    corsOrigins: s.corsOrigins,
    rateLimitPerMinute: s.httpRateLimit,
    headersTimeoutMs: Math.round(s.httpHeadersTimeout * 1000),
    requestTimeoutMs: Math.round(s.httpRequestTimeout * 1000),
    keepAliveTimeoutMs: Math.round(s.httpKeepaliveTimeout * 1000),
    sseMaxClients: s.sseMaxClients,
    sseMaxPerClient: s.sseMaxPerClient,
  };
}
