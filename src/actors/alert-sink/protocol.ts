// alert-sink (stack profile): accepts AlertRows; publishes each to the `alerts` topic.
import { actorRef, type NoOutputs } from '../../runtime/actor.js';
import type { AlertRow } from '../../domain/records.js';

export type AlertSinkMessage = AlertRow;

export interface AlertSinkOptions {
  pipeline: string;
  brokers: string[];
  topicPrefix: string;
}

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const alertSinkActor = actorRef<AlertSinkOptions, AlertSinkMessage, NoOutputs>(new URL('./actor.js', import.meta.url).href);
