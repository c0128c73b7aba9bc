// Pure VADER sentiment analysis (vaderSentiment 3.3.2 semantics). See vader.ts.
export { compileVader, type PolarityScores, type VaderAnalyzer, type VaderData } from './vader.js';
export { SPECIAL_CASES_3_3_2, SPECIAL_CASES_UPSTREAM_44FC044 } from './constants.js';
