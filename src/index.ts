// cashtag's package entry: the VADER scorer on its own. `polarityScores` equals Python
// vaderSentiment 3.3.2's polarity_scores; the analyzer behind it is compiled once per thread
// from the lexicons shipped in lexicons/vader/.
import { defaultVader } from './io/vader-lexicons.js';
import type { PolarityScores } from './domain/sentiment/index.js';

export type { PolarityScores, VaderAnalyzer, VaderData } from './domain/sentiment/index.js';
export { compileVader } from './domain/sentiment/index.js';
export { defaultVader } from './io/vader-lexicons.js';

/** VADER scores of `text`: neg/neu/pos (3 decimals) and compound (4 decimals), as the reference rounds. */
export function polarityScores(text: string): PolarityScores {
  return defaultVader().polarityScores(text);
}
