// Loads the VADER lexicons shipped in lexicons/vader/ and compiles them, once per thread
// (module state is per worker thread). Synchronous on first use: a few hundred KB read locally,
// no network. The folder is found relative to this module: compiled code runs from
// dist/src/io/vader-lexicons.js, so the project root is three levels up.
import { readFileSync } from 'node:fs';
import { compileVader, type VaderAnalyzer } from '../domain/sentiment/index.js';

const LEXICON_DIR = new URL('../../../lexicons/vader/', import.meta.url);

let cached: VaderAnalyzer | undefined;

/** The thread's VADER analyzer, compiled from the shipped lexicons on first call. */
export function defaultVader(): VaderAnalyzer {
  cached ??= compileVader(readVaderData());
  return cached;
}

/** The raw lexicon texts, for callers that compile a variant (e.g. other special cases). */
export function readVaderData(): { lexicon: string; emojiLexicon: string } {
  return {
    lexicon: readFileSync(new URL('vader_lexicon.txt', LEXICON_DIR), 'utf8'),
    emojiLexicon: readFileSync(new URL('emoji_utf8_lexicon.txt', LEXICON_DIR), 'utf8'),
  };
}
