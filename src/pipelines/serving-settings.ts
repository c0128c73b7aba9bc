// The serving layer's settings (HTTP_PORT, HTTP_HOST, SERVE, DASHBOARD_MINUTES) live in SETTINGS
// (src/config.ts) with every other setting; this is the part of a Config the server reads.
import type { Config } from '../config.js';

export type ServeSettingName = 'httpPort' | 'httpHost' | 'serve' | 'dashboardMinutes';
export type ServeSettings = Pick<Config, ServeSettingName>;
