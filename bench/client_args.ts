/**
 * Arguments of the bench's client scripts (`--name value` pairs, all
 * required), and the one JSON line they print.
 *
 * @module
 */

/** Reads `--name value` for every name in `names`; throws naming what is wrong. */
export function clientArgs<K extends string>(
  args: readonly string[],
  names: readonly K[],
): Record<K, string> {
  const out: Partial<Record<K, string>> = {};
  for (let i = 0; i < args.length; i += 2) {
    const name = args[i].replace(/^--/, "") as K;
    if (!names.includes(name) || args[i + 1] === undefined) {
      throw new Error(
        `bad argument ${JSON.stringify(args[i])}: expected ${
          names.map((n) => `--${n} VALUE`).join(" ")
        }`,
      );
    }
    out[name] = args[i + 1];
  }
  for (const name of names) {
    if (out[name] === undefined) throw new Error(`missing --${name}`);
  }
  return out as Record<K, string>;
}

/** A positive number out of a client argument. */
export function positive(name: string, value: string): number {
  const n = Number(value);
  if (!(n > 0)) {
    throw new Error(`--${name} ${value}: expected a positive number`);
  }
  return n;
}

/** Prints `value` as one JSON line on stdout. */
export function writeJsonLine(value: unknown): void {
  const bytes = new TextEncoder().encode(JSON.stringify(value) + "\n");
  let written = 0;
  while (written < bytes.length) {
    written += Deno.stdout.writeSync(bytes.subarray(written));
  }
}
