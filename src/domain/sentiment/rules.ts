// VADER's per-token valence rules (SentimentIntensityAnalyzer.sentiment_valence and the checks
// it calls), over the token arrays. Each token looks at most three tokens back and two ahead,
// so one pass is linear in the number of tokens. Floating-point operations are done in the
// reference's order so that results are bit-identical.
import {
  C_INCR, N_SCALAR, W_AT, W_DOUBT, W_KIND, W_LEAST, W_NEVER, W_NO, W_NOR, W_OF, W_OR, W_SO,
  W_THIS, W_VERY, W_WITHOUT,
} from './constants.js';
import type { CompiledLexicon } from './lexicon.js';
import type { Tokens } from './tokens.js';

/** Writes the valence of every token into `out` (0 for tokens that carry none). */
export function scoreTokens(t: Tokens, lex: CompiledLexicon, out: Float64Array): void {
  const n = t.count;
  const capDiff = t.upperCount > 0 && t.upperCount < n;
  for (let i = 0; i < n; i++) {
    if (t.booster[i] !== 0 || Number.isNaN(t.valence[i]) ||
        (t.ruleWord[i] === W_KIND && i < n - 1 && t.ruleWord[i + 1] === W_OF)) {
      out[i] = 0;
    } else {
      out[i] = lexiconValence(t, lex, i, capDiff);
    }
  }
}

function lexiconValence(t: Tokens, lex: CompiledLexicon, i: number, capDiff: boolean): number {
  const n = t.count;
  const val = t.valence;
  const rw = t.ruleWord;
  const base = val[i];
  let v = base;
  // "no" before another lexicon word is a negator, not a sentiment of its own.
  if (rw[i] === W_NO && i !== n - 1 && !Number.isNaN(val[i + 1])) v = 0.0;
  if ((i > 0 && rw[i - 1] === W_NO) || (i > 1 && rw[i - 2] === W_NO) ||
      (i > 2 && rw[i - 3] === W_NO && (rw[i - 1] === W_OR || rw[i - 1] === W_NOR))) {
    v = base * N_SCALAR;
  }
  if (t.upper[i] === 1 && capDiff) v = v > 0 ? v + C_INCR : v - C_INCR;

  for (let back = 0; back < 3; back++) {
    const p = i - back - 1;
    if (p < 0 || !Number.isNaN(val[p])) continue;
    let s = boosterScalar(t, p, v, capDiff);
    if (back === 1 && s !== 0) s = s * 0.95;
    if (back === 2 && s !== 0) s = s * 0.9;
    v = v + s;
    v = negationCheck(t, v, back, i);
    if (back === 2) v = specialIdioms(t, lex, v, i);
  }
  return leastCheck(t, v, i);
}

/** scalar_inc_dec: a booster's scalar, signed like the valence, plus ALL-CAPS emphasis. */
function boosterScalar(t: Tokens, p: number, valence: number, capDiff: boolean): number {
  let scalar = t.booster[p];
  if (scalar === 0) return 0;
  if (valence < 0) scalar *= -1;
  if (t.upper[p] === 1 && capDiff) scalar = valence > 0 ? scalar + C_INCR : scalar - C_INCR;
  return scalar;
}

function negationCheck(t: Tokens, v: number, back: number, i: number): number {
  const rw = t.ruleWord;
  const neg = t.negated;
  if (back === 0) return neg[i - 1] === 1 ? v * N_SCALAR : v;
  if (back === 1) {
    if (rw[i - 2] === W_NEVER && (rw[i - 1] === W_SO || rw[i - 1] === W_THIS)) return v * 1.25;
    if (rw[i - 2] === W_WITHOUT && rw[i - 1] === W_DOUBT) return v;
    return neg[i - 2] === 1 ? v * N_SCALAR : v;
  }
  if ((rw[i - 3] === W_NEVER && (rw[i - 2] === W_SO || rw[i - 2] === W_THIS)) ||
      rw[i - 1] === W_SO || rw[i - 1] === W_THIS) return v * 1.25;
  if (rw[i - 3] === W_WITHOUT && (rw[i - 2] === W_DOUBT || rw[i - 1] === W_DOUBT)) return v;
  return neg[i - 3] === 1 ? v * N_SCALAR : v;
}

/** _special_idioms_check (only reached with i >= 3): SPECIAL_CASES phrases ending at, around or
 *  just before the token replace its valence; "kind of"-style bigrams before it dampen it. */
function specialIdioms(t: Tokens, lex: CompiledLexicon, valence: number, i: number): number {
  const n = t.count;
  const rw = t.ruleWord;
  const w0 = rw[i];
  const w1 = rw[i - 1];
  const w2 = rw[i - 2];
  const w3 = rw[i - 3];
  let v = valence;
  let x = bigram(lex, w1, w0);
  if (Number.isNaN(x)) x = trigram(lex, w2, w1, w0);
  if (Number.isNaN(x)) x = bigram(lex, w2, w1);
  if (Number.isNaN(x)) x = trigram(lex, w3, w2, w1);
  if (Number.isNaN(x)) x = bigram(lex, w3, w2);
  if (!Number.isNaN(x)) v = x;
  if (n - 1 > i) {
    x = bigram(lex, w0, rw[i + 1]);
    if (!Number.isNaN(x)) v = x;
  }
  if (n - 1 > i + 1) {
    x = trigram(lex, w0, rw[i + 1], rw[i + 2]);
    if (!Number.isNaN(x)) v = x;
  }
  const K = lex.ruleWordCount;
  if (w3 !== 0 && w2 !== 0 && lex.boosterBigram[w3 * K + w2] !== 0) v = v + lex.boosterBigram[w3 * K + w2];
  if (w2 !== 0 && w1 !== 0 && lex.boosterBigram[w2 * K + w1] !== 0) v = v + lex.boosterBigram[w2 * K + w1];
  return v;
}

function bigram(lex: CompiledLexicon, a: number, b: number): number {
  return a === 0 || b === 0 ? NaN : lex.specialBigram[a * lex.ruleWordCount + b];
}

function trigram(lex: CompiledLexicon, a: number, b: number, c: number): number {
  if (a === 0 || b === 0 || c === 0) return NaN;
  const K = lex.ruleWordCount;
  return lex.specialTrigram.get((a * K + b) * K + c) ?? NaN;
}

/** _least_check: "least" before a word negates it, except in "at least" and "very least". */
function leastCheck(t: Tokens, v: number, i: number): number {
  if (i === 0 || t.ruleWord[i - 1] !== W_LEAST || !Number.isNaN(t.valence[i - 1])) return v;
  if (i > 1 && (t.ruleWord[i - 2] === W_AT || t.ruleWord[i - 2] === W_VERY)) return v;
  return v * N_SCALAR;
}
