// dlq-sink: accepts DeadLetters; writes each to `<input topic>.dlq` with its raw value.
import type { DeadLetter } from '../../domain/records.js';

export type DlqSinkMessage = DeadLetter;

export interface DlqSinkOptions {
  pipeline: string;
  brokers: string[];
  topicPrefix: string;
}
