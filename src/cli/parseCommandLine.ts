// node:util parseArgs, with its errors turned into UsageError (exit 2) that suggest the option meant:
// `--modle` → "unknown option '--modle' (did you mean '--model'?)". Every command parses its flags through this.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { suggestionSuffix } from '../config/didYouMean.js';
import { UsageError } from '../errors.js';

/** parseArgs(config), throwing UsageError with a "did you mean" on an unknown option. */
export function parseCommandLine<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw usageErrorOf(err, Object.keys(config.options ?? {}));
  }
}

/** A parseArgs error as a UsageError; `options` are the command's option names (without dashes). */
export function usageErrorOf(err: unknown, options: readonly string[]): UsageError {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const unknown = /^Unknown option '(-{1,2}[^'=]+)/.exec(message);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== null) {
    const flag = unknown[1]!;
    return new UsageError(`unknown option '${flag}'${suggestionSuffix(flag.replace(/^-+/, ''), options).replace(/'([^']+)'\?\)$/, "'--$1'?)")}`);
  }
  return new UsageError(message.replace(/^./, (c) => c.toLowerCase()));
}
