// Cashtag extraction: `$AAPL`, `$brk.b` -> BRK.B. Not `$5` or `$5.99` (a price), not inside a
// word (`abc$DEF`), not inside a URL (`https://x.com/$AAPL`). Each symbol is reported once, in
// order of first appearance.

export const SYMBOL_PATTERN = /^[A-Z][A-Z0-9.]{0,9}$/;
export const UNTAGGED_TOPIC = 'NONE';

const URL_LIKE = /\b(?:https?:\/\/|www\.)\S*/gi;
// A `$` at the start or after a character that cannot continue a word, URL path or amount.
const CASHTAG = /(?<![\p{L}\p{N}_$/\\.=&?#@-])\$([A-Za-z][A-Za-z0-9]{0,5}(?:\.[A-Za-z]{1,2})?)(?![\p{L}\p{N}_$])/gu;

export function extractCashtags(text: string): string[] {
  if (text.indexOf('$') < 0) return [];
  const cleaned = text.indexOf('http') >= 0 || text.indexOf('www.') >= 0 ? text.replace(URL_LIKE, ' ') : text;
  const found: string[] = [];
  for (const m of cleaned.matchAll(CASHTAG)) {
    const sym = m[1].toUpperCase();
    if (!found.includes(sym)) found.push(sym);
  }
  return found;
}

export const isValidSymbol = (s: string): boolean => SYMBOL_PATTERN.test(s);
