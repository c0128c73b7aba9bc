// A benchmark's command line: node's parseArgs, plus `--help` (what the benchmark measures, its
// flags with their defaults, and the environment it reads) and, for a flag it does not know, a
// message with that list instead of a stack trace.
import { parseArgs } from 'node:util';

type Flag = { type: 'string'; default?: string; describe: string } | { type: 'boolean'; default: boolean; describe: string };
type Values<F extends Record<string, Flag>> = { [K in keyof F]: F[K] extends { type: 'boolean' } ? boolean : F[K] extends { default: string } ? string : string | undefined };

export function benchFlags<F extends Record<string, Flag>>(about: string, flags: F, env: Record<string, string> = {}): Values<F> {
  const table = (rows: [string, string][]) => {
    const width = Math.max(...rows.map(([left]) => left.length));
    return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
  };
  const usage = () =>
    [
      about,
      ...(Object.keys(flags).length ? ['', 'flags:'] : []),
      ...table(Object.entries(flags).map(([name, f]) => [`--${name}${f.type === 'string' ? ' <value>' : ''}`, `${f.describe}${f.default === undefined ? '' : ` (default ${f.default})`}`])),
      ...(Object.keys(env).length ? ['', 'environment:'] : []),
      ...table(Object.entries(env)),
    ].join('\n');
  const options = Object.fromEntries(Object.entries(flags).map(([name, f]) => [name, f.default === undefined ? { type: f.type } : { type: f.type, default: f.default }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${usage()}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(usage());
    process.exit(0);
  }
  return values as Values<F>;
}
