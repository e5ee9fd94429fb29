/**
 * Trace and span ids from `Math.random`, as hex, without the Node `Buffer`
 * round trip the SDK's default generator makes on every span.
 *
 * @module
 */
import type { IdGenerator } from "@opentelemetry/sdk-trace";

const HEX_BYTE: string[] = Array.from(
  { length: 256 },
  (_, i) => i.toString(16).padStart(2, "0"),
);

/** `n` random bytes as hex (never all zero: an all-zero id is invalid). */
function randomHex(bytes: number): string {
  let out = "";
  let nonZero = false;
  for (let i = 0; i < bytes; i += 4) {
    const word = (Math.random() * 4294967296) >>> 0;
    if (word !== 0) nonZero = true;
    out += HEX_BYTE[word >>> 24] + HEX_BYTE[(word >>> 16) & 255] +
      HEX_BYTE[(word >>> 8) & 255] + HEX_BYTE[word & 255];
  }
  return nonZero ? out : out.slice(0, -2) + "01";
}

/** Random W3C trace ids (16 bytes) and span ids (8 bytes). */
export class FastIdGenerator implements IdGenerator {
  generateTraceId(): string {
    return randomHex(16);
  }
  generateSpanId(): string {
    return randomHex(8);
  }
}
