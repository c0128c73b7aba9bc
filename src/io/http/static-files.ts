// The dashboard's files, read once at start and served from memory: the page (web/ in the
// source tree; tsc copies nothing that is not TypeScript, so it is read from the repository)
// and uPlot from node_modules. A fixed table of names, so no request path ever reaches the
// file system.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticFile {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
const typeOf = (name: string) => TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';

/** The files under their public names (`index.html`, `app.js`, `uplot.js`, ...). */
export function loadStaticFiles(webDir: URL): Map<string, StaticFile> {
  const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'));
  const sources: Record<string, string> = {
    'index.html': fileURLToPath(new URL('index.html', webDir)),
    'live.js': fileURLToPath(new URL('live.js', webDir)),
    'series.js': fileURLToPath(new URL('series.js', webDir)),
    'charts.js': fileURLToPath(new URL('charts.js', webDir)),
    'app.js': fileURLToPath(new URL('app.js', webDir)),
    'style.css': fileURLToPath(new URL('style.css', webDir)),
    'uplot.js': join(uplotDir, 'uPlot.iife.min.js'),
    'uplot.css': join(uplotDir, 'uPlot.min.css'),
  };
  return new Map(Object.entries(sources).map(([name, path]) => [name, { body: readFileSync(path), type: typeOf(name) }]));
}
