// dlq-sink: accepts DeadLetters; writes each to `<input topic>.dlq` with its raw value.
import { actorRef, type NoOutputs } from '../../runtime/actor.js';
import type { DeadLetter } from '../../domain/records.js';

export type DlqSinkMessage = DeadLetter;

export interface DlqSinkOptions {
  pipeline: string;
  brokers: string[];
  topicPrefix: string;
}

/** The typed handle topologies wire (stage(), forward(), ...): module URL + these types. */
export const dlqSinkActor = actorRef<DlqSinkOptions, DlqSinkMessage, NoOutputs>(new URL('./actor.js', import.meta.url).href);
