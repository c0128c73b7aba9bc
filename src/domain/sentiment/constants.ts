// The rule constants and word lists of VADER, copied from vaderSentiment 3.3.2
// (vaderSentiment/vaderSentiment.py, MIT licence, C.J. Hutto). Values and spellings are the
// reference's; changing any of them changes scores.

/** Booster increment (empirical mean intensity increase of a degree adverb). */
export const B_INCR = 0.293;
export const B_DECR = -0.293;
/** ALL-CAPS emphasis of a word when only some words are in capitals. */
export const C_INCR = 0.733;
/** Multiplier applied to a negated valence. */
export const N_SCALAR = -0.74;
/** Normalisation constant of `compound` (score / sqrt(score² + alpha)). */
export const NORMALIZE_ALPHA = 15;

export const NEGATE: readonly string[] = [
  'aint', 'arent', 'cannot', 'cant', 'couldnt', 'darent', 'didnt', 'doesnt',
  "ain't", "aren't", "can't", "couldn't", "daren't", "didn't", "doesn't",
  'dont', 'hadnt', 'hasnt', 'havent', 'isnt', 'mightnt', 'mustnt', 'neither',
  "don't", "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't",
  'neednt', "needn't", 'never', 'none', 'nope', 'nor', 'not', 'nothing', 'nowhere',
  'oughtnt', 'shant', 'shouldnt', 'uhuh', 'wasnt', 'werent',
  "oughtn't", "shan't", "shouldn't", 'uh-uh', "wasn't", "weren't",
  'without', 'wont', 'wouldnt', "won't", "wouldn't", 'rarely', 'seldom', 'despite',
];

const BOOSTERS_UP = [
  'absolutely', 'amazingly', 'awfully', 'completely', 'considerable', 'considerably', 'decidedly',
  'deeply', 'effing', 'enormous', 'enormously', 'entirely', 'especially', 'exceptional',
  'exceptionally', 'extreme', 'extremely', 'fabulously', 'flipping', 'flippin', 'frackin',
  'fracking', 'fricking', 'frickin', 'frigging', 'friggin', 'fully', 'fuckin', 'fucking', 'fuggin',
  'fugging', 'greatly', 'hella', 'highly', 'hugely', 'incredible', 'incredibly', 'intensely',
  'major', 'majorly', 'more', 'most', 'particularly', 'purely', 'quite', 'really', 'remarkably',
  'so', 'substantially', 'thoroughly', 'total', 'totally', 'tremendous', 'tremendously', 'uber',
  'unbelievably', 'unusually', 'utter', 'utterly', 'very',
];
const BOOSTERS_DOWN = [
  'almost', 'barely', 'hardly', 'just enough', 'kind of', 'kinda', 'kindof', 'kind-of', 'less',
  'little', 'marginal', 'marginally', 'occasional', 'occasionally', 'partly', 'scarce', 'scarcely',
  'slight', 'slightly', 'somewhat', 'sort of', 'sorta', 'sortof', 'sort-of',
];

/** BOOSTER_DICT: degree adverbs (one word) and dampening bigrams ("kind of"). */
export const BOOSTER_DICT: ReadonlyMap<string, number> = new Map([
  ...BOOSTERS_UP.map((w) => [w, B_INCR] as const),
  ...BOOSTERS_DOWN.map((w) => [w, B_DECR] as const),
]);

/** SPECIAL_CASES of vaderSentiment 3.3.2 as published on PyPI (the default). */
export const SPECIAL_CASES_3_3_2: Readonly<Record<string, number>> = {
  'the shit': 3, 'the bomb': 3, 'bad ass': 1.5, 'badass': 1.5, 'bus stop': 0.0,
  'yeah right': -2, 'kiss of death': -1.5, 'to die for': 3, 'beating heart': 3.5,
};

/**
 * SPECIAL_CASES of upstream commit 44fc044 (2026-03), which produced the scores of an earlier
 * copy of the shared ICWSM-2014 reference corpus (it now holds 3.3.2's): "beating heart" is 3.1
 * and "broken heart" is added. Everything else that affects scores is identical to 3.3.2.
 */
export const SPECIAL_CASES_UPSTREAM_44FC044: Readonly<Record<string, number>> = {
  'the shit': 3, 'the bomb': 3, 'bad ass': 1.5, 'badass': 1.5, 'bus stop': 0.0,
  'yeah right': -2, 'kiss of death': -1.5, 'to die for': 3,
  'beating heart': 3.1, 'broken heart': -2.9,
};

// Words the rules compare tokens with. Each gets a small id so that the hot path compares
// integers; phrase words of SPECIAL_CASES and booster bigrams get ids after these at compile time.
export const RULE_WORDS = [
  'no', 'kind', 'of', 'or', 'nor', 'never', 'so', 'this', 'without', 'doubt', 'least', 'at',
  'very', 'but',
] as const;
export const W_NO = 1;
export const W_KIND = 2;
export const W_OF = 3;
export const W_OR = 4;
export const W_NOR = 5;
export const W_NEVER = 6;
export const W_SO = 7;
export const W_THIS = 8;
export const W_WITHOUT = 9;
export const W_DOUBT = 10;
export const W_LEAST = 11;
export const W_AT = 12;
export const W_VERY = 13;
export const W_BUT = 14;
