// How a bench starts the CLI as users do: this Node with the flags of src/cli.ts's first line
// (`#!/usr/bin/env -S node <flags>`), so a bench measures the process `cashtag` and `make run` start.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const cliPath = fileURLToPath(new URL('../src/cli.js', import.meta.url));

/** The Node flags of the CLI's first line; null when it is not `#!/usr/bin/env -S node ...`. */
export function cliNodeFlags(): string[] | null {
  const shebang = readFileSync(cliPath, 'utf8').split('\n', 1)[0];
  return /^#!\/usr\/bin\/env -S node(.*)$/.exec(shebang)?.[1].trim().split(/\s+/).filter(Boolean) ?? null;
}

/** [command, args]: process.execPath and the shebang's flags, then the CLI, then `args`. */
export function cliCommand(args: readonly string[]): [string, string[]] {
  return [process.execPath, [...(cliNodeFlags() ?? []), cliPath, ...args]];
}
