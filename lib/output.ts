/**
 * Plain text output for command-line messages (usage, errors), kept apart
 * from the JSON logger so scripts can tell them apart.
 *
 * @module
 */
const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string) {
  const bytes = encoder.encode(text.endsWith("\n") ? text : text + "\n");
  let written = 0;
  while (written < bytes.length) {
    written += stream.writeSync(bytes.subarray(written));
  }
}

/** Writes text and a newline to stdout. */
export function printOut(text: string): void {
  writeAll(Deno.stdout, text);
}

/** Writes text and a newline to stderr. */
export function printErr(text: string): void {
  writeAll(Deno.stderr, text);
}

/** Right-aligned columns (the first left-aligned), two spaces apart; `rule` draws dashes under the headers. */
export function table(headers: string[], rows: string[][], rule = true) {
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length))
  );
  const line = (cells: string[]) =>
    cells.map((c, i) => i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))
      .join("  ").trimEnd();
  const dashes = rule ? [widths.map((w) => "-".repeat(w))] : [];
  return [headers, ...dashes, ...rows].map(line).join("\n");
}
