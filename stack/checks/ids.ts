/**
 * Trace and span ids as OTLP JSON carries them. The OTLP/JSON spec writes
 * them in hex; Tempo's protobuf-JSON marshaller writes the `bytes` fields in
 * base64. Both become lowercase hex here.
 *
 * @module
 */

const HEX = /^[0-9a-f]+$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * An id of `size` bytes (16 for traces, 8 for spans) given in hex or base64,
 * as lowercase hex; `""` for an empty or all-zero id (OTLP's "no parent");
 * `undefined` when the text is neither. The lengths never collide: 16 bytes
 * are 32 hex or 24 base64 characters, 8 bytes 16 or 12.
 */
export function normalizeId(raw: string, size: 8 | 16): string | undefined {
  const text = raw.trim();
  if (text === "") return "";
  let hex: string | undefined;
  if (text.length === size * 2 && HEX.test(text)) {
    hex = text.toLowerCase();
  } else if (text.length === Math.ceil(size / 3) * 4 && BASE64.test(text)) {
    try {
      const binary = atob(text);
      if (binary.length === size) {
        hex = bytesToHex(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
      }
    } catch {
      hex = undefined;
    }
  }
  if (hex === undefined) return undefined;
  return /^0+$/.test(hex) ? "" : hex;
}

/** A trace id (16 bytes) in hex or base64 as lowercase hex, or `undefined`. */
export function normalizeTraceId(raw: string): string | undefined {
  const id = normalizeId(raw, 16);
  return id === "" ? undefined : id;
}

/** A span id (8 bytes) in hex or base64 as lowercase hex (`""` for none). */
export function normalizeSpanId(raw: string): string | undefined {
  return normalizeId(raw, 8);
}
