// The one way every npm script reads its command line and ends:
//   --help (or -h) anywhere: the usage on stdout (its first line starts "Usage:"), exit 0, nothing done;
//   a flag or argument it does not take, or a missing one: the message and the usage on stderr, exit 2;
//   a failure while working: one line on stderr ("Error: …", with its cause), exit 1, never a stack.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in the command line: exit 2, the usage follows the message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandLine<O extends Options> {
  /** Starts "Usage: npm run <name> …". */
  usage: string;
  options?: O;
  /** How many positional arguments it takes (default none). */
  positionals?: { min: number; max: number; name?: string };
  /** The arguments (default: the process's). */
  argv?: string[];
}

function usageExit(usage: string, message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

/** The parsed command line, or the process ends (help: 0; a usage error: 2). */
export function commandLine<const O extends Options>(spec: CommandLine<O>) {
  if (!spec.usage.startsWith('Usage: ')) throw new Error('a usage text starts "Usage: "');
  const args = spec.argv ?? process.argv.slice(2);
  // Before parsing: `--help` with a wrong flag still helps, and acts on nothing.
  if (args.includes('--help') || args.includes('-h')) {
    console.log(spec.usage);
    process.exit(0);
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: (spec.options ?? {}) as O, allowPositionals: true, strict: true });
  } catch (err) {
    usageExit(spec.usage, err instanceof Error ? err.message : String(err));
  }
  const { min, max, name = 'argument' } = spec.positionals ?? { min: 0, max: 0 };
  const count = parsed.positionals.length;
  if (count < min) usageExit(spec.usage, `missing ${name}`);
  if (count > max) usageExit(spec.usage, max === 0 ? `unexpected argument "${parsed.positionals[0]}"` : `too many arguments (at most ${max})`);
  return parsed;
}

/**
 * For a command whose arguments go on to another program (npm run dev to
 * wrangler dev): --help is answered here, everything else passes through.
 */
export function helpOrPassThrough(usage: string, args = process.argv.slice(2)): string[] {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(usage);
    process.exit(0);
  }
  return args;
}

/** One line for a failure: its message and its causes', never a stack. */
export function oneLine(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 3; depth++) {
    if (e instanceof Error) {
      parts.push(e.message);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.filter(Boolean).join(': ').replace(/\s*\n\s*/g, ' ');
}

/** Runs the script's work and ends the process by the rules above. */
export async function runScript(usage: string, work: () => Promise<void> | void): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (err instanceof UsageError) usageExit(usage, err.message);
    console.error(`Error: ${oneLine(err)}`);
    process.exit(1);
  }
}
