// The sentiment engines a Piscina worker can run. Each returns VADER's `compound` in [-1, 1].
// Engines are built once per thread (lexicons compiled on first use), never per call.
import vaderSentiment from 'vader-sentiment';

export const SENTIMENT_ENGINES = ['vader-sentiment'] as const;
export type SentimentEngineName = (typeof SENTIMENT_ENGINES)[number];
export type CompoundScorer = (text: string) => number;

export function createScorer(name: SentimentEngineName): CompoundScorer {
  switch (name) {
    case 'vader-sentiment':
      return (text) => vaderSentiment.SentimentIntensityAnalyzer.polarity_scores(text).compound;
    default: {
      const never: never = name;
      throw new Error(`unknown sentiment engine ${String(never)}`);
    }
  }
}
