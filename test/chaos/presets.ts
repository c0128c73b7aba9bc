// Sizes of the chaos harness: the full form (`make chaos`) and the short form (`make chaos
// ARGS=--short`, and the tests `make test` runs), so both say the same thing at two sizes.

export interface ChaosSizes {
  events: number;
  rate: number;
  eventRate: number;
  partitions: number;
  outOfOrder: number;
  late: number;
  malformed: number;
  epoch: string;
  seed: number;
  checkpointInterval: number;
  /**
   * Alert thresholds of the embedded runs: milder than cashtag's defaults (-0.5, 2 %), which the
   * generator's windows never meet, so the alerts table is compared on real rows.
   */
  alertSentimentBelow: number;
  alertPriceDrop: number;
  kills: number;
  killSeed: number;
  killMin: number;
  /** Stack profile: tweets each producer scenario sends (prices: PRICES_PER_TWEET of that). */
  stackTweets: number;
  stackRate: number;
  /** Seconds after the producers start when the fault is injected. */
  faultAt: number;
  /** Seconds Cassandra or S3 stays down. */
  outage: number;
  /** Seconds Kafka stays stopped before it is started again. */
  kafkaDown: number;
  scenarios: string;
}

export const FULL: ChaosSizes = {
  events: 120_000,
  rate: 1_500,
  eventRate: 20,
  partitions: 4,
  outOfOrder: 0.05,
  late: 0.01,
  malformed: 0.01,
  epoch: '2026-01-05T14:00:00Z',
  seed: 42,
  checkpointInterval: 5,
  alertSentimentBelow: -0.05,
  alertPriceDrop: 0.01,
  kills: 6,
  killSeed: 1,
  killMin: 3,
  stackTweets: 9_000,
  stackRate: 100,
  faultAt: 20,
  outage: 60,
  kafkaDown: 10,
  scenarios: 'kill,kafka,cassandra,s3',
};

/** A few minutes on 2 cores: one scenario, two kills, checkpoints often enough that kills land between them. */
export const SHORT: ChaosSizes = {
  ...FULL,
  events: 30_000,
  rate: 2_000,
  checkpointInterval: 2,
  kills: 2,
  killMin: 4,
  stackTweets: 3_000,
  faultAt: 10,
  scenarios: 'kill',
};

/** Latest moment of a kill after a (re)start, by default: the kills together take at most 80 % of an uninterrupted run. */
export const defaultKillMax = (s: Pick<ChaosSizes, 'events' | 'rate' | 'kills' | 'killMin'>): number =>
  Math.round(Math.max(s.killMin + 2, (0.8 * s.events) / Math.max(1, s.rate) / Math.max(1, s.kills)) * 10) / 10;
