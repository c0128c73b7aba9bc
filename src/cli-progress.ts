// `cashtag run`'s progress: every PROGRESS_INTERVAL a sample of the merged metrics page becomes
// one human line (rates in and out, the slowest watermark's lag, the last checkpoint's age, dead
// letters) or, with LOG_FORMAT=json, one `progress` log entry with the same fields.
import { metricSum } from './runtime/metrics.js';

export interface ProgressSample {
  /** Clock time of the sample, ms. */
  at: number;
  tweetsIn: number;
  /** Rows that reached the bronze sinks (written at the next commit). */
  toBronze: number;
  /** Rows the bronze sinks committed. */
  bronzeRows: number;
  storeRows: number;
  deadLetters: number;
  lateRecords: number;
  windows: number;
  alerts: number;
  /** The largest watermark lag of any stage, seconds (null before any stage has a watermark). */
  watermarkLagS: number | null;
}

/** The largest sample of a gauge in a text page (null when it has none). */
export function metricMax(text: string, name: string): number | null {
  let max: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const v = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(v)) max = max === null ? v : Math.max(max, v);
  }
  return max;
}

export function sample(text: string, at: number): ProgressSample {
  return {
    at,
    tweetsIn: metricSum(text, 'cashtag_source_records_total', 'topic="tweets"'),
    toBronze: metricSum(text, 'cashtag_records_in_total', 'actor="bronze-sink"'),
    bronzeRows: metricSum(text, 'cashtag_sink_rows_written_total', 'sink="bronze"'),
    storeRows: metricSum(text, 'cashtag_sink_rows_written_total', 'sink="store"'),
    deadLetters: metricSum(text, 'cashtag_dead_letters_total'),
    lateRecords: metricSum(text, 'cashtag_late_records_total'),
    windows: metricSum(text, 'cashtag_windows_emitted_total'),
    alerts: metricSum(text, 'cashtag_alerts_total'),
    watermarkLagS: metricMax(text, 'cashtag_watermark_lag_seconds'),
  };
}

export interface Progress {
  tweetsPerS: number;
  toBronzePerS: number;
  bronzeRows: number;
  watermarkLagS: number | null;
  /** Seconds since the last checkpoint was saved (null: none yet in this process). */
  checkpointAgeS: number | null;
  /** The last checkpoint's id (restored or saved). */
  checkpoint: number;
  deadLetters: number;
  newDeadLetters: number;
  lateRecords: number;
  windows: number;
  alerts: number;
}

/** Rates between two samples and the state at the second; checkpoint `at` 0 = none saved yet by this process. */
export function progress(prev: ProgressSample, cur: ProgressSample, checkpoint: { id: number; at: number }): Progress {
  const s = Math.max(cur.at - prev.at, 1) / 1000;
  return {
    tweetsPerS: Math.round((cur.tweetsIn - prev.tweetsIn) / s),
    toBronzePerS: Math.round((cur.toBronze - prev.toBronze) / s),
    bronzeRows: cur.bronzeRows,
    watermarkLagS: cur.watermarkLagS === null ? null : Math.round(cur.watermarkLagS),
    checkpointAgeS: checkpoint.at > 0 ? Math.max(0, Math.round((cur.at - checkpoint.at) / 1000)) : null,
    checkpoint: checkpoint.id,
    deadLetters: cur.deadLetters,
    newDeadLetters: cur.deadLetters - prev.deadLetters,
    lateRecords: cur.lateRecords,
    windows: cur.windows,
    alerts: cur.alerts,
  };
}

const count = (n: number): string => (n >= 10_000 ? `${(n / 1000).toFixed(n >= 100_000 ? 0 : 1)}k` : n.toLocaleString('en-US'));

/** 75 -> "1m 15s", 93784 -> "1d 2h", 7 -> "7s". */
export function duration(seconds: number): string {
  const s = Math.round(Math.abs(seconds));
  const sign = seconds < 0 ? '-' : '';
  if (s < 60) return `${sign}${s}s`;
  if (s < 3600) return `${sign}${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${sign}${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${sign}${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** One line for a person watching the run. */
export function progressLine(p: Progress): string {
  return [
    `tweets in ${count(p.tweetsPerS)}/s`,
    `to bronze ${count(p.toBronzePerS)} rows/s (${count(p.bronzeRows)} committed)`,
    `watermark lag ${p.watermarkLagS === null ? '-' : duration(p.watermarkLagS)}`,
    `checkpoint ${p.checkpointAgeS === null ? 'none yet' : `#${p.checkpoint} ${duration(p.checkpointAgeS)} ago`}`,
    `dead letters ${count(p.deadLetters)}${p.newDeadLetters > 0 ? ` (+${count(p.newDeadLetters)})` : ''}`,
    `late ${count(p.lateRecords)}`,
    `windows ${count(p.windows)}`,
    `alerts ${count(p.alerts)}`,
  ].join(' · ');
}
