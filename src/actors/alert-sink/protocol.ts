// alert-sink (stack profile): accepts AlertRows; publishes each to the `alerts` topic.
import type { AlertRow } from '../../domain/records.js';

export type AlertSinkMessage = AlertRow;

export interface AlertSinkOptions {
  pipeline: string;
  brokers: string[];
  topicPrefix: string;
}
