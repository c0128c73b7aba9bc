// src/domain/sentiment is pure: no I/O, threads or runtime layers, so it can run anywhere and be
// tested without them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './paths.js';

const FORBIDDEN = /from '(node:(fs|net|http|https|worker_threads|child_process)|[./]+\/(io|actors|runtime)\/[^']*)'/;

void test('the sentiment domain imports nothing impure', () => {
  const dir = path.join(projectRoot, 'src/domain/sentiment');
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length > 0);
  for (const f of files) {
    const source = readFileSync(path.join(dir, f), 'utf8');
    const imports = source.split('\n').filter((l) => /^\s*(import|export) .* from '/.test(l));
    for (const line of imports) assert.doesNotMatch(line, FORBIDDEN, `${f}: ${line}`);
    assert.ok(source.split('\n').length < 300, `${f} stays under 300 lines`);
  }
});
