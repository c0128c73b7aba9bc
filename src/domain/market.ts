// The generator's market: for each symbol, a price path and a news mood, both functions of
// event time only (and the seed), so any tick or tweet can be regenerated on its own.
//
// Event time is cut into 2-minute episodes, counted from the generator's epoch floored to the
// minute (so episode edges fall on the 1-minute slides of the 5-minute windows). Each
// (symbol, episode) draws a regime:
// - crash (CRASH_P): the price falls 3-5 % across the episode, and bad news (tweets that
//   VADER scores around -0.8) starts NEWS_LEAD (3 min) before the fall and lasts until it ends,
//   so the 5-minute window from the first bad news to the bottom has a mean sentiment near -0.7
//   and a drop past 2 %: the default alert rule fires;
// - rally (RALLY_P): the mirror image, with good news;
// - calm: a small drift (+-0.4 %) and news tilted a little towards its sign.
// A move fades with a time constant of DECAY (the price reverts towards its base), on top of
// noise at every scale from a second to a day and a half (about 0.25 % over 5 minutes).
//
// Guarantee: price(symbol, t) and news(symbol, t) depend on (seed, symbol, epoch, t) alone: no
// state, no call-order effects (the per-episode sums are memoised, but always computed in full).

import { hashString, mix, rng } from './random.js';

export const EPISODE_MS = 2 * 60_000;
export const NEWS_LEAD_MS = 3 * 60_000;
const DECAY_MS = 30 * 60_000;
export const CRASH_P = 0.15;
export const RALLY_P = 0.15;
/** Episodes a move is remembered for (e^-14 of it is left after that). */
const HISTORY = Math.ceil((14 * DECAY_MS) / EPISODE_MS);
/** Noise amplitude per sqrt(second) of scale (one uniform draw per level). */
const NOISE = 0.00015;
const NOISE_LEVELS = 18;

export type Regime = 'crash' | 'rally' | 'calm';

export interface News {
  regime: Regime;
  /** Calm episodes: the drift's sign and size in -1..1; +-1 for a rally or a crash. */
  tilt: number;
}

interface Episode {
  regime: Regime;
  /** Log-return over the episode. */
  move: number;
  tilt: number;
}

export class Market {
  private readonly anchor: number;
  /** Per symbol, the last episode's carried-over log drift: [episode, value]. */
  private readonly carried = new Map<string, [number, number]>();

  constructor(private readonly seed: number, epochMs: number) {
    this.anchor = Math.floor(epochMs / 60_000) * 60_000;
  }

  episodeOf(t: number): number {
    return Math.floor((t - this.anchor) / EPISODE_MS);
  }

  episode(symbol: string, k: number): Episode {
    const r = rng(mix(this.seed, hashString(symbol), 0x6e657773, k));
    const u = r(), v = r();
    if (u < CRASH_P) return { regime: 'crash', move: -(0.03 + 0.02 * v), tilt: -1 };
    if (u < CRASH_P + RALLY_P) return { regime: 'rally', move: 0.025 + 0.02 * v, tilt: 1 };
    const tilt = 2 * v - 1;
    return { regime: 'calm', move: 0.004 * tilt, tilt };
  }

  /** The news about a symbol at event time t: a crash or rally from NEWS_LEAD before it to its end. */
  news(symbol: string, t: number): News {
    const k = this.episodeOf(t);
    let rally = false;
    // The episodes under way at t and those starting within NEWS_LEAD after it; a crash wins.
    for (let j = k; j <= this.episodeOf(t + NEWS_LEAD_MS); j++) {
      const regime = this.episode(symbol, j).regime;
      if (regime === 'crash') return { regime, tilt: -1 };
      rally ||= regime === 'rally';
    }
    return rally ? { regime: 'rally', tilt: 1 } : { regime: 'calm', tilt: this.episode(symbol, k).tilt };
  }

  /** Price of a symbol at event time t, in whole cents. */
  price(symbol: string, t: number): number {
    const h = hashString(symbol);
    const base = 20 + (h % 480);
    const k = this.episodeOf(t);
    const start = this.anchor + k * EPISODE_MS;
    const into = t - start;
    const drift = Math.exp(-into / DECAY_MS) * this.carriedInto(symbol, k) + this.episode(symbol, k).move * (into / EPISODE_MS);
    return Math.round(base * Math.exp(drift + this.noise(h, (t - this.anchor) / 1000)) * 100) / 100;
  }

  /** The sum of the earlier episodes' moves, each faded by its age, at the start of episode k. */
  private carriedInto(symbol: string, k: number): number {
    const memo = this.carried.get(symbol);
    if (memo && memo[0] === k) return memo[1];
    let sum = 0;
    // Oldest first, always the same terms in the same order: the value is a pure function of k.
    for (let j = k - HISTORY; j < k; j++) sum += this.episode(symbol, j).move * Math.exp(-((k - j - 1) * EPISODE_MS) / DECAY_MS);
    this.carried.set(symbol, [k, sum]);
    return sum;
  }

  /** Smooth noise at dyadic scales from 1 s to 2^17 s, linearly interpolated within each. */
  private noise(h: number, seconds: number): number {
    let x = 0;
    for (let j = 0; j < NOISE_LEVELS; j++) {
      const scale = 2 ** j;
      const k = Math.floor(seconds / scale);
      const f = seconds / scale - k;
      const a = rng(mix(this.seed, h, j, k))() - 0.5;
      const b = rng(mix(this.seed, h, j, k + 1))() - 0.5;
      x += NOISE * Math.sqrt(scale) * (a + (b - a) * f);
    }
    return x;
  }
}
