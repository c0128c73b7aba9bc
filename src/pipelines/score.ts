// `cashtag score`: the scorer alone, as a filter. Reads lines from `input`, each either plain
// text or a JSON object with a string `text` field, and writes one JSON line per input line,
// in input order: {"text":...,"neg":...,"neu":...,"pos":...,"compound":...}.
// Guarantees: one output line per input line (blank lines score as empty text); output
// backpressure is respected; `output` is not ended (it is usually stdout).
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { defaultVader } from '../io/vader-lexicons.js';

export async function runScore(input: Readable, output: Writable): Promise<{ lines: number }> {
  const vader = defaultVader();
  const lines = createInterface({ input, crlfDelay: Infinity });
  let count = 0;
  for await (const line of lines) {
    const text = textOf(line);
    const s = vader.polarityScores(text);
    const out = JSON.stringify({ text, neg: s.neg, neu: s.neu, pos: s.pos, compound: s.compound }) + '\n';
    count++;
    if (!output.write(out)) await once(output, 'drain');
  }
  return { lines: count };
}

/** The `text` of a JSON object line, else the line itself. */
export function textOf(line: string): string {
  if (line.trimStart().startsWith('{')) {
    try {
      const value: unknown = JSON.parse(line);
      if (typeof value === 'object' && value !== null && !Array.isArray(value) &&
          typeof (value as { text?: unknown }).text === 'string') {
        return (value as { text: string }).text;
      }
    } catch {
      // Not JSON: a plain-text line that starts with '{'.
    }
  }
  return line;
}
