// Reading the deployment files for test/deploy: YAML via the `yaml` package, paths from the
// repository root (compiled tests run from dist/test/deploy), and cashtag's setting names.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { SETTINGS } from '../../src/config.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const repoPath = (p: string) => `${ROOT}${p}`;
export const readText = (p: string) => readFileSync(repoPath(p), 'utf8');

/** A loosely typed YAML node: the tests assert the shape they rely on. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Node = any;

export const readYaml = (p: string): Node => parse(readText(p), { merge: true });

/** Every document of a multi-document YAML file, empty ones dropped. */
export function readYamlAll(p: string): Node[] {
  return parseAllDocuments(readText(p), { merge: true })
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`${p}: ${d.errors.map((e) => e.message).join('; ')}`);
      return d.toJS() as Node;
    })
    .filter((d) => d !== null && d !== undefined);
}

export const listDir = (p: string) => readdirSync(repoPath(p)).sort();

export const packageJson = JSON.parse(readText('package.json')) as { version: string; bin: Record<string, string> };

/** Environment variable names cashtag reads (src/config.ts). */
export const SETTING_NAMES: ReadonlySet<string> = new Set(Object.values(SETTINGS).map((s) => s.env));

/**
 * Names reserved for the serving layer (issue 6), set in the manifests ahead of it: cashtag
 * ignores them until then. Drop a name here once src/config.ts declares it.
 */
export const RESERVED_FOR_SERVING_LAYER: ReadonlySet<string> = new Set(['HTTP_PORT']);

export const isKnownVariable = (name: string) => SETTING_NAMES.has(name) || RESERVED_FOR_SERVING_LAYER.has(name);

/** `repo/name:tag` or `repo@sha256:...` → the tag (or digest); undefined when unpinned. */
export function imageTag(image: string): string | undefined {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  return colon >= 0 ? last.slice(colon + 1) : undefined;
}

/** Prometheus static targets of a job in a prometheus.yml, as host:port strings. */
export function scrapeTargets(config: Node, job: string): string[] {
  const sc = (config.scrape_configs as Node[]).find((c) => c.job_name === job);
  if (!sc) throw new Error(`no scrape job ${job}`);
  return (sc.static_configs as Node[]).flatMap((s) => s.targets as string[]);
}

export const portOf = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
