// Lint = type-aware checks that catch real bugs (floating promises, unsafe switch), not style.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Layers (docs/architecture.md, "Layers of code"): runtime -> domain -> io -> actors -> pipelines
// -> cli/config. A folder never imports one to its right. Relative paths are matched by the
// folder name they pass through, so `../../io/x.js` from src/actors is allowed and from
// src/domain is not. The one upward arrow is a type-only `Config` in src/pipelines (the settings
// translators take the validated configuration).
const IO_CLIENTS = ['kafkajs', 'cassandra-driver', 'minio', 'lmdb', 'fastify', '@fastify/*', '@duckdb/*', '@dsnp/parquetjs', '@dsnp/parquetjs/*', 'pino', 'pino-*'];
const NODE_IO = ['node:fs', 'node:fs/*', 'node:net', 'node:http', 'node:https', 'node:http2', 'node:dgram', 'node:child_process', 'node:cluster', 'node:worker_threads', 'node:os', 'node:stream', 'node:stream/*', 'fs', 'fs/*', 'net', 'http', 'https', 'child_process', 'worker_threads', 'os'];
const up = (...folders) => folders.map((f) => `**/${f}/**`);
const TOP = ['**/config.js', '**/cli.js', '**/cli-*.js'];
const layer = (files, groups, extra = []) => ({
  files,
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...groups.map((g) => ({ group: g.group, message: g.message, ...(g.allowTypeImports ? { allowTypeImports: true } : {}) })), ...extra] }],
  },
});
const layerRules = [
  layer(['src/runtime/**/*.ts'], [
    { group: [...up('domain', 'io', 'actors', 'pipelines'), ...TOP], message: 'src/runtime knows nothing of the domain, adapters, actors or pipelines (docs/architecture.md, layers).' },
    { group: IO_CLIENTS, message: 'src/runtime uses Node, msgpackr, piscina and prom-client only; client libraries belong in src/io.' },
  ]),
  layer(['src/domain/**/*.ts'], [
    { group: [...up('runtime', 'io', 'actors', 'pipelines'), ...TOP], message: 'src/domain is pure logic: no runtime, adapters, actors or pipelines (docs/architecture.md, layers).' },
    { group: [...IO_CLIENTS, ...NODE_IO, 'piscina', 'prom-client', 'msgpackr'], message: 'src/domain does no I/O and knows no threads.' },
  ]),
  layer(['src/io/**/*.ts'], [
    { group: [...up('actors', 'pipelines'), ...TOP], message: 'src/io adapts the outside world for actors and pipelines and imports neither (docs/architecture.md, layers).' },
  ]),
  layer(['src/actors/**/*.ts'], [
    { group: [...up('pipelines'), ...TOP], message: 'src/actors may import runtime, domain and io only (docs/architecture.md, layers).' },
  ]),
  layer(['src/pipelines/**/*.ts'], [
    { group: ['**/cli.js', '**/cli-*.js'], message: 'src/pipelines is imported by the CLI, never the other way (docs/architecture.md, layers).' },
    { group: ['**/config.js'], allowTypeImports: true, message: 'src/pipelines may take the validated Config as a type only; the CLI loads it.' },
  ]),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'deploy/local/.cache/**', '.stack/**', '.tools/**', 'demo-data/**', 'data/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.cts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // node:test's test()/describe() promises are tracked by the runner itself.
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  ...layerRules,
  // Pipelines read top to bottom (issue 17): no function over 80 lines of code (blank lines and
  // comments not counted; nested functions count towards the one holding them).
  { files: ['src/pipelines/**/*.ts'], rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }] } },
);
