// extractCashtags / isValidSymbol: what counts as a cashtag in tweet text.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SYMBOL_PATTERN, UNTAGGED_TOPIC, extractCashtags, isValidSymbol } from '../../src/domain/cashtags.js';

void test('a plain cashtag', () => {
  assert.deepEqual(extractCashtags('$AAPL'), ['AAPL']);
  assert.deepEqual(extractCashtags('Huge breakout for $TSLA today! #bullish'), ['TSLA']);
  assert.deepEqual(extractCashtags('$A'), ['A']);
  assert.deepEqual(extractCashtags('$A1'), ['A1']);
});

void test('a share-class suffix is part of the symbol', () => {
  assert.deepEqual(extractCashtags('$BRK.B'), ['BRK.B']);
  assert.deepEqual(extractCashtags('long $BRK.B and $BF.A'), ['BRK.B', 'BF.A']);
});

void test('lower and mixed case are normalised to upper case', () => {
  assert.deepEqual(extractCashtags('$aapl'), ['AAPL']);
  assert.deepEqual(extractCashtags('$brk.b'), ['BRK.B']);
  assert.deepEqual(extractCashtags('$TsLa'), ['TSLA']);
});

void test('each symbol once, in order of first appearance', () => {
  assert.deepEqual(extractCashtags('$MSFT $AAPL $msft $AAPL $NVDA $Aapl'), ['MSFT', 'AAPL', 'NVDA']);
  assert.deepEqual(extractCashtags('$AAPL $AAPL $AAPL'), ['AAPL']);
});

void test('several symbols with assorted separators', () => {
  assert.deepEqual(extractCashtags('$AAPL,$MSFT;$GOOG/($AMZN) [$META]'), ['AAPL', 'MSFT', 'GOOG', 'AMZN', 'META']);
  assert.deepEqual(extractCashtags('$AAPL, $MSFT; ($AMZN) [$META]'), ['AAPL', 'MSFT', 'AMZN', 'META']);
  assert.deepEqual(extractCashtags('$TSLA\n$GME\t$AMC'), ['TSLA', 'GME', 'AMC']);
  assert.deepEqual(extractCashtags('"$AAPL" vs \'$MSFT\''), ['AAPL', 'MSFT']);
});

void test('text without a cashtag yields nothing', () => {
  assert.deepEqual(extractCashtags(''), []);
  assert.deepEqual(extractCashtags('market is quiet today'), []);
  assert.deepEqual(extractCashtags('AAPL without a dollar sign'), []);
  assert.deepEqual(extractCashtags('a lone $ sign'), []);
  assert.deepEqual(extractCashtags('$'), []);
});

void test('prices are not cashtags', () => {
  assert.deepEqual(extractCashtags('$5'), []);
  assert.deepEqual(extractCashtags('$5.99'), []);
  assert.deepEqual(extractCashtags('calls at $150 on $AAPL'), ['AAPL']);
  assert.deepEqual(extractCashtags('$1B deal'), []);
  assert.deepEqual(extractCashtags('$AAPL $5 calls printing money'), ['AAPL']);
});

void test('not inside a word', () => {
  assert.deepEqual(extractCashtags('abc$DEF'), []);
  assert.deepEqual(extractCashtags('US$AAPL'), []);
  assert.deepEqual(extractCashtags('9$AAPL'), []);
  assert.deepEqual(extractCashtags('é$AAPL'), []);
  assert.deepEqual(extractCashtags('$$AAPL'), []);
  assert.deepEqual(extractCashtags('$AAPL_X'), []);
  assert.deepEqual(extractCashtags('$AAPLé'), []);
});

void test('not inside a URL', () => {
  assert.deepEqual(extractCashtags('https://x.com/$AAPL'), []);
  assert.deepEqual(extractCashtags('https://x.com/?q=$AAPL'), []);
  assert.deepEqual(extractCashtags('http://x.com/a?b=1&c=$AAPL#$MSFT'), []);
  assert.deepEqual(extractCashtags('www.x.com/$MSFT'), []);
  assert.deepEqual(extractCashtags('x.com/$AAPL'), []);
  assert.deepEqual(extractCashtags('see https://x.com/$AAPL then $NVDA'), ['NVDA']);
  assert.deepEqual(extractCashtags('chart: https://example.com/charts/aapl?ref=$SPAM $AAPL looks strong'), ['AAPL']);
  assert.deepEqual(extractCashtags('(https://x.com) $AAPL'), ['AAPL']);
});

void test('sentence punctuation after the symbol ends it', () => {
  assert.deepEqual(extractCashtags('I bought $AAPL.'), ['AAPL']);
  assert.deepEqual(extractCashtags('$AAPL. Then $MSFT.'), ['AAPL', 'MSFT']);
  assert.deepEqual(extractCashtags("$AAPL's earnings"), ['AAPL']);
  assert.deepEqual(extractCashtags('$AAPL’s earnings'), ['AAPL']);
  assert.deepEqual(extractCashtags('$AAPL!!! $TSLA?'), ['AAPL', 'TSLA']);
  assert.deepEqual(extractCashtags('$AAPL: up 3%'), ['AAPL']);
  assert.deepEqual(extractCashtags('$AAPL... but'), ['AAPL']);
  assert.deepEqual(extractCashtags('$AAPL-related news'), ['AAPL']);
});

void test('emoji directly around a cashtag', () => {
  assert.deepEqual(extractCashtags('🚀$TSLA🚀'), ['TSLA']);
  assert.deepEqual(extractCashtags('$GME💎🙌 $AMC📉'), ['GME', 'AMC']);
  assert.deepEqual(extractCashtags('to the moon 🚀🚀🚀 $aapl 😁'), ['AAPL']);
});

void test('mentions and hashtags are not cashtags', () => {
  assert.deepEqual(extractCashtags('@elonmusk $TSLA #TSLA #bullish'), ['TSLA']);
  assert.deepEqual(extractCashtags('@AAPL #MSFT'), []);
  assert.deepEqual(extractCashtags('#$AAPL'), []);
  assert.deepEqual(extractCashtags('@$AAPL'), []);
  assert.deepEqual(extractCashtags('RT @wallstbets: $NVDA ripping'), ['NVDA']);
});

void test('too-long symbols are not truncated into a shorter one', () => {
  assert.deepEqual(extractCashtags('$ABCDEFGH'), []);
  assert.deepEqual(extractCashtags('$ABCDEFG'), []);
  assert.deepEqual(extractCashtags('$ABCDEF'), ['ABCDEF']);
  assert.deepEqual(extractCashtags('$ABCDEFGH $AAPL'), ['AAPL']);
});

void test('every extracted symbol is a valid symbol', () => {
  const texts = ['$aapl $brk.b $A1 $ABCDEF $x.yz', '🚀$tsla🚀 $GmE.', "$nvda's $5 $5.99"];
  for (const t of texts) for (const s of extractCashtags(t)) assert.ok(isValidSymbol(s), s);
});

void test('isValidSymbol follows ^[A-Z][A-Z0-9.]{0,9}$', () => {
  assert.equal(SYMBOL_PATTERN.source, '^[A-Z][A-Z0-9.]{0,9}$');
  for (const ok of ['A', 'AAPL', 'BRK.B', 'A1', 'ABCDEFGHIJ', 'X.Y.Z', 'A0000']) assert.equal(isValidSymbol(ok), true, ok);
  for (const no of ['', 'aapl', 'Aapl', '1A', '.A', 'ABCDEFGHIJK', 'X'.repeat(50), 'BRK-B', 'AAPL ', ' AAPL', '$AAPL', 'ÄPPL', 'BRK_B', 'AAPL\n']) {
    assert.equal(isValidSymbol(no), false, JSON.stringify(no));
  }
});

void test('tweets without a symbol go to the NONE topic', () => {
  assert.equal(UNTAGGED_TOPIC, 'NONE');
});
