// VADER sentiment, bit-for-bit equal to Python vaderSentiment 3.3.2's polarity_scores (on
// CPython <= 3.11, whose sum() adds left to right; 3.12+ uses compensated summation and differs
// in the last digit for a few texts). Pure: data comes in as strings, nothing is read here.
//
// Cost per text: one pass over its characters (emoji replacement only when it has an emoji),
// one pass over its tokens, plus the "but" rule when the text has a "but". No per-call
// dictionaries or regular expressions; scratch arrays are reused. An analyzer is not re-entrant,
// which single-threaded synchronous use guarantees; build one per thread.
import { NORMALIZE_ALPHA } from './constants.js';
import { ButRule } from './but-rule.js';
import { compileLexicon, type CompiledLexicon, type VaderData } from './lexicon.js';
import { pyRound } from './round.js';
import { scoreTokens } from './rules.js';
import { Tokens, tokenize } from './tokens.js';

export type { VaderData } from './lexicon.js';

export interface PolarityScores {
  neg: number;
  neu: number;
  pos: number;
  compound: number;
}

export interface VaderAnalyzer {
  /** The reference's polarity_scores: neg/neu/pos rounded to 3 decimals, compound to 4. */
  polarityScores(text: string): PolarityScores;
  /** polarityScores(text).compound without building the result object. */
  compound(text: string): number;
  /** Inner-loop steps taken so far (characters, tokens, heap moves): a cost meter for tests. */
  readonly work: number;
}

export function compileVader(data: VaderData): VaderAnalyzer {
  return new Vader(data);
}

class Vader implements VaderAnalyzer {
  private readonly lex: CompiledLexicon;
  private readonly tokens = new Tokens();
  private readonly but = new ButRule();
  private sentiments = new Float64Array(64);
  private steps = 0;
  // Unrounded results of the last score() call.
  private neg = 0;
  private neu = 0;
  private pos = 0;
  private comp = 0;

  constructor(data: VaderData) {
    this.lex = compileLexicon(data);
  }

  get work(): number {
    return this.steps;
  }

  polarityScores(text: string): PolarityScores {
    this.score(text);
    return {
      neg: pyRound(this.neg, 3),
      neu: pyRound(this.neu, 3),
      pos: pyRound(this.pos, 3),
      compound: pyRound(this.comp, 4),
    };
  }

  compound(text: string): number {
    this.score(text);
    return pyRound(this.comp, 4);
  }

  private score(text: string): void {
    const t = this.tokens;
    tokenize(text, this.lex, t);
    const n = t.count;
    if (this.sentiments.length < n) this.sentiments = new Float64Array(t.valence.length);
    const s = this.sentiments;
    scoreTokens(t, this.lex, s);
    this.steps += t.work + n;
    if (t.firstBut >= 0) {
      this.but.apply(s, n, t.firstBut);
      this.steps += this.but.work;
    }
    this.aggregate(s, n, punctuationEmphasis(t.exclamations, t.questions));
  }

  /** score_valence, with _sift_sentiment_scores; operations in the reference's order. */
  private aggregate(s: Float64Array, n: number, punct: number): void {
    if (n === 0) {
      this.neg = this.neu = this.pos = this.comp = 0;
      return;
    }
    let sum = 0;
    let posSum = 0;
    let negSum = 0;
    let neuCount = 0;
    for (let i = 0; i < n; i++) {
      const v = s[i];
      sum += v;
      if (v > 0) posSum += v + 1;
      else if (v < 0) negSum += v - 1;
      else neuCount++;
    }
    if (sum > 0) sum += punct;
    else if (sum < 0) sum -= punct;
    this.comp = normalize(sum);
    if (posSum > Math.abs(negSum)) posSum += punct;
    else if (posSum < Math.abs(negSum)) negSum -= punct;
    const total = posSum + Math.abs(negSum) + neuCount;
    this.pos = Math.abs(posSum / total);
    this.neg = Math.abs(negSum / total);
    this.neu = Math.abs(neuCount / total);
  }
}

/** _amplify_ep + _amplify_qm: up to four '!' add 0.292 each; two or three '?' 0.18 each, more 0.96. */
function punctuationEmphasis(exclamations: number, questions: number): number {
  const ep = Math.min(exclamations, 4) * 0.292;
  const qm = questions > 1 ? (questions <= 3 ? questions * 0.18 : 0.96) : 0;
  return ep + qm;
}

function normalize(score: number): number {
  const x = score / Math.sqrt(score * score + NORMALIZE_ALPHA);
  return x < -1 ? -1 : x > 1 ? 1 : x;
}
