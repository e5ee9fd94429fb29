/**
 * A minimal protobuf writer for OTLP: one growable buffer, lengths
 * back-patched in place so nested messages are written in a single pass.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Hex digit values for `0-9a-fA-F`, -1 elsewhere. */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[97 + i] = 10 + i;
  HEX[65 + i] = 10 + i;
}

/** Wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

/** Writes protobuf fields into one buffer. */
export class ProtoWriter {
  buf: Uint8Array;
  pos = 0;
  #view: DataView;

  constructor(initialSize = 64 * 1024) {
    this.buf = new Uint8Array(initialSize);
    this.#view = new DataView(this.buf.buffer);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.#view = new DataView(next.buffer);
  }

  /** An unsigned varint (up to 2^53). */
  varint(value: number): void {
    this.ensure(10);
    const buf = this.buf;
    let v = value;
    while (v > 0x7f) {
      buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[this.pos++] = v;
  }

  /** A signed 64-bit integer as a varint (two's complement for negatives). */
  int64(value: number): void {
    if (value >= 0) return this.varint(value);
    // Negative int64: ten bytes of two's complement.
    let big = BigInt.asUintN(64, BigInt(value));
    this.ensure(10);
    while (big > 0x7fn) {
      this.buf[this.pos++] = Number(big & 0x7fn) | 0x80;
      big >>= 7n;
    }
    this.buf[this.pos++] = Number(big);
  }

  /** A field tag. */
  tag(field: number, wireType: number): void {
    this.varint((field << 3) | wireType);
  }

  /** A little-endian fixed32. */
  fixed32(value: number): void {
    this.ensure(4);
    this.#view.setUint32(this.pos, value >>> 0, true);
    this.pos += 4;
  }

  /** A little-endian fixed64 from an exact integer below 2^64. */
  fixed64(low: number, high: number): void {
    this.ensure(8);
    this.#view.setUint32(this.pos, low >>> 0, true);
    this.#view.setUint32(this.pos + 4, high >>> 0, true);
    this.pos += 8;
  }

  /** A double. */
  double(value: number): void {
    this.ensure(8);
    this.#view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** A length-delimited UTF-8 string. */
  string(value: string): void {
    const n = value.length;
    // Worst case three bytes per UTF-16 unit, plus the length varint.
    this.ensure(n * 3 + 5);
    const buf = this.buf;
    const lengthAt = this.pos;
    let p = lengthAt + 1;
    // Most attribute keys and values are ASCII: copy them without calling
    // into the runtime's encoder, which costs more than the copy.
    let i = 0;
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) break;
      buf[p++] = c;
    }
    if (i < n) {
      p += encoder.encodeInto(value.slice(i), buf.subarray(p)).written;
    }
    this.pos = p;
    this.#patchLength(lengthAt, p - lengthAt - 1);
  }

  /** Length-delimited bytes. */
  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Length-delimited bytes decoded from a hex string (trace and span ids). */
  hexBytes(hex: string): void {
    const n = hex.length >> 1;
    this.varint(n);
    this.ensure(n);
    const buf = this.buf;
    for (let i = 0; i < n; i++) {
      const hi = HEX[hex.charCodeAt(2 * i) & 127];
      const lo = HEX[hex.charCodeAt(2 * i + 1) & 127];
      buf[this.pos++] = (hi << 4) | lo;
    }
  }

  /** Starts a nested message: returns where its length goes. */
  begin(): number {
    this.ensure(1);
    return this.pos++;
  }

  /** Ends the nested message started at `lengthAt`. */
  end(lengthAt: number): void {
    this.#patchLength(lengthAt, this.pos - lengthAt - 1);
  }

  /** Writes `length` at `at`, where one byte was reserved, moving the body if it needs more. */
  #patchLength(at: number, length: number): void {
    if (length < 0x80) {
      this.buf[at] = length;
      return;
    }
    let extra = 0;
    for (let v = length >>> 7; v > 0; v >>>= 7) extra++;
    this.ensure(extra);
    const buf = this.buf;
    buf.copyWithin(at + 1 + extra, at + 1, at + 1 + length);
    let v = length;
    let p = at;
    while (v > 0x7f) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p] = v;
    this.pos += extra;
  }

  /** The bytes written so far (a copy, so the writer can be reused). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  /** Forgets what was written, keeping the buffer. */
  reset(): void {
    this.pos = 0;
  }
}

/** Writes an OpenTelemetry HrTime `[seconds, nanos]` as fixed64 nanoseconds, exactly. */
export function writeHrTime(
  w: ProtoWriter,
  time: readonly [number, number],
): void {
  // seconds * 1e9 + nanos can exceed 2^53: split seconds into 2^16 halves.
  const [seconds, nanos] = time;
  const secLow = seconds % 65536;
  const secHigh = Math.floor(seconds / 65536);
  const lowPart = secLow * 1e9 + nanos; // < 2^47
  const highPart = secHigh * 1e9; // multiple of 2^16 after scaling
  // total = highPart * 65536 + lowPart
  const highLow = (highPart % 65536) * 65536; // < 2^32
  const highHigh = Math.floor(highPart / 65536);
  const low = lowPart % 4294967296 + highLow;
  const carry = Math.floor(lowPart / 4294967296) + Math.floor(low / 4294967296);
  w.fixed64(low % 4294967296, highHigh + carry);
}
