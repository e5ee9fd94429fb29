/**
 * The one command-line parser of every entry point (`node:util` parseArgs)
 * with its errors turned into one line naming the bad argument and what is
 * allowed.
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";

/** A bad command line: the message is the one line to print (exit 2). */
export class FlagError extends Error {
  override name = "FlagError";
}

/** The name of every option, as typed on the command line. */
function names(options: ParseArgsOptionsConfig): string {
  return Object.entries(options).map(([name, o]) =>
    `--${name}${o.type === "string" ? " VALUE" : ""}`
  ).join(", ");
}

/**
 * Parses `args` against `options`; throws {@link FlagError} for an unknown
 * option, a missing or empty value, a value given to a switch, or (unless
 * `positionals`) a stray argument.
 */
export function parseFlags<T extends ParseArgsOptionsConfig>(
  args: readonly string[],
  options: T,
  positionals = false,
) {
  try {
    const parsed = parseArgs({
      args: [...args],
      options,
      allowPositionals: positionals,
      tokens: true,
    });
    const seen = new Set<string>();
    for (const token of parsed.tokens) {
      if (token.kind !== "option") continue;
      if (seen.has(token.name)) {
        throw new FlagError(
          `--${token.name} is given twice: expected it at most once`,
        );
      }
      seen.add(token.name);
      if (token.value === "") {
        throw new FlagError(`--${token.name} needs a value`);
      }
    }
    return parsed;
  } catch (error) {
    if (error instanceof FlagError) throw error;
    const message = (error as Error).message;
    const option = /'(-[^' ]+)/.exec(message)?.[1] ?? "";
    switch ((error as { code?: string }).code) {
      case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
        throw new FlagError(
          `unknown argument ${JSON.stringify(option)}: expected ${
            names(options)
          }`,
        );
      case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
        throw new FlagError(
          message.includes("does not take")
            ? `${option} takes no value`
            : message.includes("ambiguous")
            ? `${option} needs a value (one that starts with - is written ${option}=VALUE)`
            : `${option} needs a value`,
        );
      case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
        throw new FlagError(
          `unexpected argument ${
            JSON.stringify(/'([^']*)'/.exec(message)?.[1])
          }: expected ${names(options)}`,
        );
    }
    throw error;
  }
}
