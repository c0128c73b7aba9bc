// Turns a text into VADER's tokens (`words_and_emoticons`) in one pass over its characters,
// writing what the rules need about each token into reusable typed arrays:
// - emojis with a single-code-point entry are replaced by their description first, with the
//   reference's spacing (a space before unless the previous character was ' ', none after);
// - split on Python whitespace; strip string.punctuation from both ends unless that leaves
//   two code points or fewer (then the token is kept whole: ":)", "!!");
// - per token: lexicon valence, booster scalar, rule-word id, negation (NEGATE or "n't"),
//   ALL-CAPS; per text: '!' and '?' counts, the first "but".
import { W_BUT } from './constants.js';
import {
  codePointLength, isAsciiPunct, isHighSurrogate, isLowSurrogate, isPySpace, isUpperUnicode,
} from './chars.js';
import type { CompiledLexicon } from './lexicon.js';

export class Tokens {
  count = 0;
  upperCount = 0;
  firstBut = -1;
  exclamations = 0;
  questions = 0;
  /** Inner-loop steps of the last tokenization (characters visited, tokens), for cost tests. */
  work = 0;
  valence = new Float64Array(64);
  booster = new Float64Array(64);
  ruleWord = new Uint8Array(64);
  negated = new Uint8Array(64);
  upper = new Uint8Array(64);

  reset(): void {
    this.count = 0;
    this.upperCount = 0;
    this.firstBut = -1;
    this.exclamations = 0;
    this.questions = 0;
    this.work = 0;
  }

  /** Index of a new token slot, growing the arrays by doubling. */
  push(): number {
    const k = this.count++;
    if (k === this.valence.length) {
      const size = k * 2;
      this.valence = grow(this.valence, new Float64Array(size));
      this.booster = grow(this.booster, new Float64Array(size));
      this.ruleWord = grow(this.ruleWord, new Uint8Array(size));
      this.negated = grow(this.negated, new Uint8Array(size));
      this.upper = grow(this.upper, new Uint8Array(size));
    }
    return k;
  }
}

function grow<T extends Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

export function tokenize(raw: string, lex: CompiledLexicon, t: Tokens): void {
  t.reset();
  const firstEmoji = findEmoji(raw, lex);
  const text = firstEmoji < 0 ? raw : replaceEmojis(raw, firstEmoji, lex);
  const len = text.length;
  let bangs = 0;
  let questions = 0;
  let i = 0;
  while (i < len) {
    let c = text.charCodeAt(i);
    if (isPySpace(c)) {
      i++;
      continue;
    }
    const start = i;
    do {
      if (c === 0x21) bangs++;
      else if (c === 0x3f) questions++;
      i++;
    } while (i < len && !isPySpace((c = text.charCodeAt(i))));
    addToken(text, start, i, lex, t);
  }
  t.exclamations = bangs;
  t.questions = questions;
  t.work += raw.length + len;
}

function addToken(text: string, start: number, end: number, lex: CompiledLexicon, t: Tokens): void {
  let a = start;
  let b = end;
  while (a < b && isAsciiPunct(text.charCodeAt(a))) a++;
  while (b > a && isAsciiPunct(text.charCodeAt(b - 1))) b--;
  if (b - a <= 2 || (b - a <= 4 && codePointLength(text, a, b) <= 2)) {
    a = start;
    b = end;
  }
  let lowerAscii = false;
  let upperAscii = false;
  let nonAscii = false;
  let nt = false;
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) lowerAscii = true;
    else if (c >= 0x41 && c <= 0x5a) upperAscii = true;
    else if (c >= 0x80) nonAscii = true;
    // "n't" in token.lower(): only ASCII letters lower-case to n and t.
    if ((c | 0x20) === 0x74 && i - a >= 2 && text.charCodeAt(i - 1) === 0x27 &&
        (text.charCodeAt(i - 2) | 0x20) === 0x6e) nt = true;
  }
  const upper = nonAscii ? isUpperUnicode(text.slice(a, b)) : upperAscii && !lowerAscii;
  let entry = -1;
  if (b - a <= lex.maxWordLength) {
    const token = text.slice(a, b);
    entry = lex.entries.get(upperAscii || nonAscii ? token.toLowerCase() : token) ?? -1;
  }
  const k = t.push();
  t.work += (end - start) + (b - a) + 1;
  t.upper[k] = upper ? 1 : 0;
  if (upper) t.upperCount++;
  if (entry < 0) {
    t.valence[k] = NaN;
    t.booster[k] = 0;
    t.ruleWord[k] = 0;
    t.negated[k] = nt ? 1 : 0;
    return;
  }
  t.valence[k] = lex.valence[entry];
  t.booster[k] = lex.booster[entry];
  t.ruleWord[k] = lex.ruleWord[entry];
  t.negated[k] = nt || lex.negator[entry] === 1 ? 1 : 0;
  if (t.firstBut < 0 && t.ruleWord[k] === W_BUT) t.firstBut = k;
}

/** Index of the first character the reference would replace, or -1 (the common case). */
function findEmoji(text: string, lex: CompiledLexicon): number {
  const min = lex.minEmojiCodePoint;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < min) continue;
    let cp = c;
    if (isHighSurrogate(c) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      cp = (c - 0xd800) * 0x400 + (text.charCodeAt(i + 1) - 0xdc00) + 0x10000;
      if (lex.emojis.has(cp)) return i;
      i++;
    } else if (lex.emojis.has(cp)) {
      return i;
    }
  }
  return -1;
}

/** The reference's emoji loop, from `from` (the first emoji) on: description, space before it
 *  unless the previous character was ' '. Multi-code-point sequences are visited per code point. */
function replaceEmojis(text: string, from: number, lex: CompiledLexicon): string {
  const parts: string[] = [];
  const min = lex.minEmojiCodePoint;
  let last = 0;
  let prevSpace = from === 0 || text.charCodeAt(from - 1) === 0x20;
  for (let i = from; i < text.length;) {
    const c = text.charCodeAt(i);
    let cp = c;
    let width = 1;
    if (isHighSurrogate(c) && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1))) {
      cp = (c - 0xd800) * 0x400 + (text.charCodeAt(i + 1) - 0xdc00) + 0x10000;
      width = 2;
    }
    const description = cp >= min ? lex.emojis.get(cp) : undefined;
    if (description !== undefined) {
      if (i > last) parts.push(text.slice(last, i));
      parts.push(prevSpace ? description : ' ' + description);
      prevSpace = false;
      last = i + width;
    } else {
      prevSpace = c === 0x20;
    }
    i += width;
  }
  parts.push(text.slice(last));
  return parts.join('');
}
