// Character classes exactly as CPython 3 defines them for the operations VADER uses:
// str.split()/str.strip() whitespace, string.punctuation, str.isupper(). Char-code tests, no
// regular expressions on the ASCII path.

/** Python's str.isspace(): Unicode category Zs or bidi class WS, B or S. */
export function isPySpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return c === 0x85 || c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** string.punctuation: !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~ */
export function isAsciiPunct(c: number): boolean {
  return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) ||
    (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
}

export function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

export function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Python len() of text[start, end): code points, a surrogate pair counting once. */
export function codePointLength(text: string, start: number, end: number): number {
  let n = end - start;
  for (let i = start + 1; i < end; i++) {
    if (isLowSurrogate(text.charCodeAt(i)) && isHighSurrogate(text.charCodeAt(i - 1))) n--;
  }
  return n;
}

// CPython's isupper(): no character with the Lowercase property or category Lt, and at least
// one with the Uppercase property. Used only for tokens with non-ASCII characters.
const LOWER_OR_TITLE = /[\p{Lowercase}\p{Lt}]/u;
const UPPER = /\p{Uppercase}/u;

export function isUpperUnicode(token: string): boolean {
  return !LOWER_OR_TITLE.test(token) && UPPER.test(token);
}

/** Python str.strip() with no argument. */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPySpace(text.charCodeAt(start))) start++;
  while (end > start && isPySpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}
