// vader-sentiment 1.1.3 ships no types; this is the part of its API cashtag uses.
declare module 'vader-sentiment' {
  export interface PolarityScores { neg: number; neu: number; pos: number; compound: number }
  export const SentimentIntensityAnalyzer: { polarity_scores(text: string): PolarityScores };
  const vader: { SentimentIntensityAnalyzer: typeof SentimentIntensityAnalyzer };
  export default vader;
}
