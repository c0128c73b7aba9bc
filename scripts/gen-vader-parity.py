#!/usr/bin/env python3
"""Generate test/fixtures/sentiment/parity.jsonl: texts and their expected VADER scores.

Every expected value is produced here by the reference implementation itself,
vaderSentiment==3.3.2 from PyPI (pip install vaderSentiment==3.3.2), run on CPython <= 3.11.
(CPython 3.12 changed sum() over floats to compensated summation, which moves the last digit of
a few scores; the shared reference corpus was also produced with plain left-to-right summation.)

Usage: python3.11 scripts/gen-vader-parity.py [out.jsonl]   (deterministic: fixed seed)
"""
import json
import random
import sys
from importlib.metadata import version

from vaderSentiment.vaderSentiment import (BOOSTER_DICT, NEGATE, SPECIAL_CASES,
                                           SentimentIntensityAnalyzer)

assert version('vaderSentiment') == '3.3.2', version('vaderSentiment')
assert sys.version_info < (3, 12), 'run on CPython <= 3.11 (see docstring)'

OUT = sys.argv[1] if len(sys.argv) > 1 else 'test/fixtures/sentiment/parity.jsonl'
analyzer = SentimentIntensityAnalyzer()
rng = random.Random(20141)
cases = []  # (tag, text)


def add(tag, *texts):
    for t in texts:
        cases.append((tag, t))


# The reference's own demo sentences.
add('demo',
    "VADER is smart, handsome, and funny.", "VADER is smart, handsome, and funny!",
    "VADER is very smart, handsome, and funny.", "VADER is VERY SMART, handsome, and FUNNY.",
    "VADER is VERY SMART, handsome, and FUNNY!!!",
    "VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!",
    "VADER is not smart, handsome, nor funny.", "The book was good.",
    "At least it isn't a horrible book.", "The book was only kind of good.",
    "The plot was good, but the characters are uncompelling and the dialog is not great.",
    "Today SUX!", "Today only kinda sux! But I'll get by, lol", "Make sure you :) or :D today!",
    "Catch utf-8 emoji such as 💘 and 💋 and 😁", "Not bad at all",
    "Sentiment analysis has never been good.", "Sentiment analysis has never been this good!",
    "Most automated sentiment analysis tools are shit.", "With VADER, sentiment analysis is the shit!",
    "Other sentiment analysis tools can be quite bad.", "On the other hand, VADER is quite bad ass",
    "VADER is such a badass!", "Without a doubt, excellent idea.",
    "Roger Dodger is one of the most compelling variations on this theme.",
    "Roger Dodger is at least compelling as a variation on the theme.",
    "Roger Dodger is one of the least compelling variations on this theme.",
    "Not such a badass after all.", "Without a doubt, an excellent idea.")

# The examples.
add('issue', "$TSLA to the moon 🚀🚀🚀 😁", "No problems with $AAPL today",
    "The earnings were good. But the guidance is terrible.", "Not bad at all",
    "Without a doubt the best trade I made")

# The three corpus texts that 3.3.2 and upstream 44fc044 (an earlier copy of the corpus) score differently.
add('corpus-divergent',
    "Not too far below the gloss you can still feel director Denis Villeneuve's beating heart and the fondness he has for his characters.",
    "Roman Polanski directs The Pianist like a surgeon mends a broken heart; very meticulously but without any passion.",
    "Ultimately, Sarah's dedication to finding her husband seems more psychotic than romantic, and nothing in the movie makes a convincing case that one woman's broken heart outweighs all the loss we witness.")

# Emojis: alone, in runs, glued to words and punctuation, skin tones, ZWJ, flags, keycaps, VS16.
singles = [k for k in analyzer.emojis if len(k) == 1]
for e in rng.sample(singles, 60):
    add('emoji-alone', e)
add('emoji-run', '🚀🚀🚀', '😁😁', '😡😡😡😡', '🚀 🚀 🚀', '📉📉📉 $SPY', '💎🙌💎🙌', '🔥' * 30)
add('emoji-glued', 'moon🚀', '🚀moon', 'to the moon🚀🚀', 'great😁', '😁great', 'bad😡!!', '!😁!',
    '$TSLA🚀', '🚀$TSLA', 'no😁', 'not😁', 'not 😁', 'but😁 bad', 'good 😁but bad', '(😁)', '😁.', ':😁:',
    'a\t😁', 'a\n😁b', 'a😁\tb', 'x 😁 y', 'love❤it', 'love ❤️ it', '😀good😀bad😀')
add('emoji-sequence', '👍🏽', '👍🏽👍🏽', 'great 👍🏿', '👨‍👩‍👧', '👩‍💻 coding', '🏳️‍🌈', '🇺🇸', '🇺🇸 stocks up',
    '#️⃣', '1️⃣ good', '❤️', '☺️', '♥', '✌🏼 peace', '🤦‍♂️', '🤷🏻‍♀️ whatever', '🧑🏽‍🚀 launch',
    '👁‍🗨', '👍🏻👎🏻', '🔛 going up', '🆙 stock', '🆙🆙', 'market 🔛🔛!', '©', '® brand', '™ great')

# Cashtags, mentions, URLs, hashtags.
add('cashtag', '$TSLA', '$AAPL up', '$GME to the moon!!!', '$$$ great', 'buy $NVDA now, great earnings',
    '$AMC is garbage', 'Long $MSFT, bullish', '$SPY puts printing 🤑', '$BTC.X dumping, terrible')
add('mention-url', '@elonmusk you are great', '@jack terrible service', 'Check https://example.com/good',
    'http://t.co/AbC123 :)', 'great read http://bit.ly/x?a=1&b=2', 'www.bad.com is bad',
    '#bullish #winning', '#fail', 'RT @user: awesome $AAPL call https://t.co/z', 'mailto:good@example.com')

# ALL CAPS and the capital differential.
add('caps', 'GREAT', 'GOOD', 'This is GREAT', 'THIS IS GREAT', 'this is GREAT news', 'VERY good', 'very GOOD',
    'VERY GOOD stock', 'The stock is VERY BAD today', 'KIND OF good', 'Kind Of Good', 'NO GOOD', 'NO good',
    'not GOOD', 'NOT good', 'NOT GOOD', 'Good', 'GOOD!!!', 'BAD BAD bad', 'I LOVE $TSLA', 'I love $TSLA',
    'ÉNORME success', 'CAFÉ great', 'İSTANBUL good', 'STRASSE great ß', 'Ωμέγα good', 'ǅ good')

# Negations: every NEGATE word at distance 1, 2 and 3, in lower, Title and UPPER case.
for w in NEGATE:
    add('negate', f'{w} good', f'{w} very good', f'{w} really a good', f'{w} a bad', f'{w} so bad thing')
    add('negate-case', f'{w.capitalize()} good', f'{w.upper()} good', f'it {w.upper()} bad')
add('negate-nt', "mayn't good", "MAYN'T good", "Ain't bad", "isn'T good", "it wouldn't be so bad",
    "don't ever lose", "cant complain", "can't complain", "I don't hate it", "don't")
add('negate-no', 'no good', 'no', 'No', 'NO', 'no problem', 'no problems', 'no no good', 'no good no bad',
    'no, good', 'no worries at all', 'no problem or issue', 'no fear nor hate', 'no way or good',
    'there is no bad news', 'No one is good', 'no good bad', 'good no', 'no!')
add('negate-special', 'never so good', 'never this good', 'never been so good', 'never been this good',
    'never good', 'without a doubt good', 'without doubt good', 'without any doubt good', 'without good',
    'not so bad', 'not this bad', 'never so much good', 'nope bad', 'nothing good', 'seldom good',
    'despite good reviews', 'uh-uh good', 'uhuh good')

# "but" in every case, and the reference's list.index() quirk with equal valences.
for b in ['but', 'But', 'BUT', 'bUt', 'but,', 'but...', '(but)', 'BUT!']:
    add('but', f'good {b} bad', f'{b} good', f'good {b}', f'bad movie {b} great acting and good cast')
add('but-quirk', 'good good but good good', 'good bad good but bad good bad', 'great, good, but great',
    'love love love but hate hate', 'good but good but bad', 'nice nice nice nice but', 'but but good',
    'good but great but good', 'okay, fine, but okay and fine', 'hope hope hope hope but hope hope')

# Punctuation emphasis.
for p in ['!', '!!', '!!!', '!!!!', '!!!!!!!!', '?', '??', '???', '????', '?!?!', '!?', '?!?!?!?!']:
    add('punct', f'good{p}', f'bad{p}', f'the stock{p}', f'great {p} news')
add('punct', '!', '!!!', '???', '?', '!?', '! ! ! ! !', 'good ! ! ! ! ! !', '...', ':)', ':(', ':D', ':-)',
    ';)', '</3', '<3', ':P')

# Idioms, special cases, boosters and dampeners, "least".
idioms = list(SPECIAL_CASES) + ['broken heart', 'kind of', 'sort of', 'just enough']
for ph in idioms:
    add('idiom', ph, f'this is {ph}', f'it was {ph} good', f'{ph} really', f'wow the {ph} thing',
        f'a b c {ph}', f'one two three {ph} four five')
add('idiom', 'the shit is the bomb', 'yeah right, great', 'that is the bomb dot com', 'to die for food',
    'a kiss of death move', 'beating heart good', 'upper hand', 'in the red', 'cut the mustard')
for bw in [k for k in BOOSTER_DICT]:
    add('booster', f'{bw} good', f'{bw} bad', f'it is {bw} good', f'{bw.upper()} good stock', f'a {bw} b good')
add('least', 'least good', 'the least good', 'at least good', 'very least good', 'at the least good',
    'LEAST good', 'least', 'not the least bit good', 'at least')

# Whitespace, empty and odd inputs.
add('edge', '', ' ', '   \t\n', 'good', ' good ', '\u00a0good\u3000bad\u2003!', 'good\u200bbad',
    'good\x1cbad', 'good\x85bad', 'good\u2028bad', 'a', 'ab', 'abc', ':)', '(:', ':))', '"good"',
    "'bad'", '--good--', '...good...', '!!!good!!!', '$', '$$', '😁' * 3, 'good\r\nbad', 'x' * 200 + ' good',
    'good ' * 2000, ('not ' * 500) + 'good', 'but ' * 300 + 'good', '!' * 1000, '?' * 1000,
    '\ud83d good', 'good \udc00')

# Rounding: exact binary ties (k/16) that Python's round() sends to even, and compounds that
# round to -0.0.
v2 = sorted(k for k, v in analyzer.lexicon.items() if v == 2.0 and k.isalpha())[:3]
v1 = sorted(k for k, v in analyzer.lexicon.items() if v == 1.0 and k.isalpha())[:2]
vm2 = sorted(k for k, v in analyzer.lexicon.items() if v == -2.0 and k.isalpha())[:5]
add('rounding', ' '.join(v2 + v2[:2]) + ' the', ' '.join(vm2) + ' the',
    ' '.join(v2 + v1[:1]) + ' the' * 5, ' '.join(v2[:1] + v1) + ' the' * 9, v2[0] + ' the' * 13,
    'is a dreadnought the tremble creditably', 'crushing devilishly tranquillizers scrumptiously safety',
    'envious expand defences very', 'beneficially it fud gagged', 'assassinations tenderest adventuresomeness')

# Randomized stock-tweet-like texts.
lexwords = rng.sample(sorted(analyzer.lexicon), 600)
boosters = [k for k in BOOSTER_DICT if ' ' not in k]
tickers = ['$TSLA', '$AAPL', '$GME', '$AMC', '$NVDA', '$SPY', '$MSFT', '$BTC', '$AMZN', '$META']
fillers = ['the', 'stock', 'is', 'to', 'a', 'earnings', 'guidance', 'today', 'market', 'calls', 'puts',
           'this', 'so', 'of', 'kind', 'sort', 'at', 'least', 'no', 'or', 'nor', 'never', 'without', 'doubt',
           'just', 'enough', 'very', 'I', 'we', 'it', 'was', 'heart', 'beating', 'broken', 'the', 'bomb']
emo = rng.sample(singles, 120) + ['👍🏽', '🇺🇸', '❤️', '👨‍👩‍👧']
punct = ['', '', '', '!', '!!', '?', '??', '...', ',', '.', '!!!', '?!']


def shape(w):
    r = rng.random()
    return w.upper() if r < 0.12 else w.capitalize() if r < 0.22 else w


for _ in range(700):
    words = []
    for _ in range(rng.randint(1, 28)):
        r = rng.random()
        if r < 0.30:
            w = rng.choice(lexwords)
        elif r < 0.42:
            w = rng.choice(boosters)
        elif r < 0.50:
            w = rng.choice(NEGATE)
        elif r < 0.56:
            w = 'but'
        elif r < 0.64:
            w = rng.choice(tickers)
        elif r < 0.74:
            w = rng.choice(emo) * rng.randint(1, 3)
        else:
            w = rng.choice(fillers)
        w = shape(w) + rng.choice(punct)
        if rng.random() < 0.05 and words:
            words[-1] += w  # glue
        else:
            words.append(w)
    add('random', ' '.join(words))

seen = set()
with open(OUT, 'w', encoding='utf-8') as f:
    f.write(json.dumps({'source': 'vaderSentiment==3.3.2 (PyPI), SentimentIntensityAnalyzer().polarity_scores',
                        'python': sys.version.split()[0], 'generator': 'scripts/gen-vader-parity.py',
                        'fields': 'tag, text, neg, neu, pos, compound'}, ensure_ascii=False) + '\n')
    n = 0
    for tag, text in cases:
        if text in seen:
            continue
        seen.add(text)
        s = analyzer.polarity_scores(text)
        lone_surrogate = any(0xd800 <= ord(c) <= 0xdfff for c in text)  # not encodable as UTF-8
        f.write(json.dumps({'tag': tag, 'text': text, **s}, ensure_ascii=lone_surrogate) + '\n')
        n += 1
print(f'{n} cases -> {OUT}', file=sys.stderr)
