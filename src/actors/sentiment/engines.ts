// The sentiment engines a Piscina worker can run. Each returns VADER's `compound` in [-1, 1].
// Engines are built once per thread (lexicons compiled on first use), never per call.
// 'vader' (the default) is cashtag's own engine, equal to Python vaderSentiment 3.3.2;
// 'vader-sentiment' is the npm port of VADER 2.5, kept for users who need its scores.
import vaderSentiment from 'vader-sentiment';
import { defaultVader } from '../../io/vader-lexicons.js';
import type { SentimentEngineName } from './protocol.js';

export { SENTIMENT_ENGINES, type SentimentEngineName } from './protocol.js';
export type CompoundScorer = (text: string) => number;

export function createScorer(name: SentimentEngineName): CompoundScorer {
  switch (name) {
    case 'vader': {
      const vader = defaultVader();
      return (text) => vader.compound(text);
    }
    case 'vader-sentiment':
      return (text) => vaderSentiment.SentimentIntensityAnalyzer.polarity_scores(text).compound;
    default: {
      const never: never = name;
      throw new Error(`unknown sentiment engine ${String(never)}`);
    }
  }
}
