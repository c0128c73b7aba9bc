// Compiles VADER's data (the word lexicon, the emoji lexicon, the booster/negation lists and the
// special-case phrases) once into lookup structures the scorer reads without allocating:
// one Map from lower-case word to an entry, per-entry typed arrays, integer-keyed phrase tables.
import { BOOSTER_DICT, NEGATE, RULE_WORDS, SPECIAL_CASES_3_3_2 } from './constants.js';
import { isHighSurrogate, isLowSurrogate, pyStrip } from './chars.js';

export interface VaderData {
  /** Contents of vader_lexicon.txt: `word<TAB>mean<TAB>...` lines. */
  readonly lexicon: string;
  /** Contents of emoji_utf8_lexicon.txt: `emoji<TAB>description` lines. */
  readonly emojiLexicon: string;
  /** Phrase -> valence; defaults to vaderSentiment 3.3.2's SPECIAL_CASES. */
  readonly specialCases?: Readonly<Record<string, number>>;
}

export interface CompiledLexicon {
  /** Every word any rule looks up, lower-case, to its entry index. */
  readonly entries: ReadonlyMap<string, number>;
  /** Lexicon valence of an entry; NaN when the word is not in the lexicon. */
  readonly valence: Float64Array;
  /** BOOSTER_DICT scalar of a one-word entry; 0 when it is not a booster. */
  readonly booster: Float64Array;
  /** 1 when the entry is in NEGATE. */
  readonly negator: Uint8Array;
  /** Rule-word id of the entry (W_* in constants.ts, then phrase words); 0 for none. */
  readonly ruleWord: Uint8Array;
  /** Longest entry key; longer tokens (lower-casing never shortens) cannot match any entry. */
  readonly maxWordLength: number;
  /** Single-code-point emojis -> description; only these can match the reference's per-character lookup. */
  readonly emojis: ReadonlyMap<number, string>;
  readonly minEmojiCodePoint: number;
  /** Number of rule-word ids (+1): the stride of the phrase tables. */
  readonly ruleWordCount: number;
  /** SPECIAL_CASES bigram valence at a*ruleWordCount+b; NaN when absent. */
  readonly specialBigram: Float64Array;
  /** SPECIAL_CASES trigram valence keyed (a*K+b)*K+c. */
  readonly specialTrigram: ReadonlyMap<number, number>;
  /** BOOSTER_DICT bigram scalar ("kind of") at a*K+b; 0 when absent. */
  readonly boosterBigram: Float64Array;
}

export function compileLexicon(data: VaderData): CompiledLexicon {
  const words = parseWordLexicon(data.lexicon);
  const emojis = parseEmojiLexicon(data.emojiLexicon);
  const specialCases = data.specialCases ?? SPECIAL_CASES_3_3_2;

  const ruleIds = new Map<string, number>();
  RULE_WORDS.forEach((w, i) => ruleIds.set(w, i + 1));
  const phrases = [...Object.keys(specialCases), ...BOOSTER_DICT.keys()]
    .map((p) => p.split(' '))
    .filter((ws) => ws.length > 1);
  for (const ws of phrases) {
    if (ws.length > 3) throw new Error(`phrase of more than three words is not supported: ${ws.join(' ')}`);
    for (const w of ws) if (!ruleIds.has(w)) ruleIds.set(w, ruleIds.size + 1);
  }
  const K = ruleIds.size + 1;
  if (K > 255) throw new Error('too many rule words for a Uint8Array id');

  const keys = new Set<string>([...words.keys(), ...NEGATE, ...ruleIds.keys()]);
  for (const [k] of BOOSTER_DICT) if (!k.includes(' ')) keys.add(k);
  const entries = new Map<string, number>();
  const valence = new Float64Array(keys.size).fill(NaN);
  const booster = new Float64Array(keys.size);
  const negator = new Uint8Array(keys.size);
  const ruleWord = new Uint8Array(keys.size);
  const negate = new Set(NEGATE);
  let maxWordLength = 0;
  for (const key of keys) {
    const e = entries.size;
    entries.set(key, e);
    valence[e] = words.get(key) ?? NaN;
    booster[e] = BOOSTER_DICT.get(key) ?? 0;
    negator[e] = negate.has(key) ? 1 : 0;
    ruleWord[e] = ruleIds.get(key) ?? 0;
    maxWordLength = Math.max(maxWordLength, key.length);
  }

  const specialBigram = new Float64Array(K * K).fill(NaN);
  const specialTrigram = new Map<number, number>();
  const boosterBigram = new Float64Array(K * K);
  const idOf = (w: string): number => ruleIds.get(w) ?? 0;
  for (const [phrase, value] of Object.entries(specialCases)) {
    const ws = phrase.split(' ').map(idOf);
    // One-word entries ("badass") are never reached: the reference only joins two or three tokens.
    if (ws.length === 2) specialBigram[ws[0] * K + ws[1]] = value;
    else if (ws.length === 3) specialTrigram.set((ws[0] * K + ws[1]) * K + ws[2], value);
  }
  for (const [phrase, value] of BOOSTER_DICT) {
    const ws = phrase.split(' ').map(idOf);
    if (ws.length === 2) boosterBigram[ws[0] * K + ws[1]] = value;
    // A three-word booster would be checked by the reference; none exists, refuse rather than guess.
    else if (ws.length === 3) throw new Error(`three-word booster not supported: ${phrase}`);
  }

  let minEmojiCodePoint = Infinity;
  for (const cp of emojis.keys()) minEmojiCodePoint = Math.min(minEmojiCodePoint, cp);
  return {
    entries, valence, booster, negator, ruleWord, maxWordLength, emojis, minEmojiCodePoint,
    ruleWordCount: K, specialBigram, specialTrigram, boosterBigram,
  };
}

/** make_lex_dict: non-empty lines, stripped, first two tab fields; later duplicates win. */
function parseWordLexicon(text: string): Map<string, number> {
  const words = new Map<string, number>();
  for (const line of trimTrailingNewlines(text).split('\n')) {
    if (line === '') continue;
    const fields = pyStrip(line).split('\t');
    const value = Number(fields[1]);
    if (fields.length < 2 || fields[1].trim() === '' || !Number.isFinite(value)) {
      throw new Error(`vader lexicon: bad line ${JSON.stringify(line.slice(0, 80))}`);
    }
    words.set(fields[0], value);
  }
  return words;
}

/** make_emoji_dict, keeping the entries whose key is one code point (the only ones that match). */
function parseEmojiLexicon(text: string): Map<number, string> {
  const emojis = new Map<number, string>();
  for (const line of trimTrailingNewlines(text).split('\n')) {
    const fields = pyStrip(line).split('\t');
    if (fields.length < 2) throw new Error(`emoji lexicon: bad line ${JSON.stringify(line.slice(0, 80))}`);
    const [key, description] = fields;
    const single = key.length === 1 ||
      (key.length === 2 && isHighSurrogate(key.charCodeAt(0)) && isLowSurrogate(key.charCodeAt(1)));
    if (single) emojis.set(key.codePointAt(0) ?? 0, description);
  }
  return emojis;
}

function trimTrailingNewlines(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x0a) end--;
  return text.slice(0, end);
}
