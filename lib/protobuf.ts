/**
 * A minimal protobuf wire-format reader: walks the fields of one message
 * without a schema. Enough to count OTLP items; no code generation.
 *
 * @module
 */

/** Protobuf wire types. Groups (3, 4) are deprecated and rejected. */
export const WireType = {
  VARINT: 0,
  I64: 1,
  LEN: 2,
  I32: 5,
} as const;

/** One field of a message. */
export interface Field {
  readonly number: number;
  readonly wireType: number;
  /** The value of a VARINT field (exact below 2^53). */
  readonly varint: number;
  /** The bytes of a LEN field (a view, not a copy); empty otherwise. */
  readonly bytes: Uint8Array;
}

/** Malformed protobuf input. */
export class ProtobufError extends Error {
  override name = "ProtobufError";
}

const EMPTY = new Uint8Array(0);

/** Reads a varint at `pos`; returns `[value, nextPos]`. */
export function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new ProtobufError("truncated varint");
    const byte = buf[pos++];
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, pos];
    scale *= 128;
  }
  throw new ProtobufError("varint longer than 10 bytes");
}

/** Yields the fields of one message in wire order. */
export function* fields(buf: Uint8Array): Generator<Field> {
  let pos = 0;
  while (pos < buf.length) {
    const [tag, afterTag] = readVarint(buf, pos);
    pos = afterTag;
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (number === 0) throw new ProtobufError("field number 0");
    let varint = 0;
    let bytes: Uint8Array = EMPTY;
    if (wireType === WireType.VARINT) {
      [varint, pos] = readVarint(buf, pos);
    } else if (wireType === WireType.I64 || wireType === WireType.I32) {
      pos += wireType === WireType.I64 ? 8 : 4;
      if (pos > buf.length) throw new ProtobufError("truncated fixed field");
    } else if (wireType === WireType.LEN) {
      const [length, start] = readVarint(buf, pos);
      pos = start + length;
      if (pos > buf.length) {
        throw new ProtobufError("length-delimited field past the end");
      }
      bytes = buf.subarray(start, pos);
    } else {
      throw new ProtobufError(`unsupported wire type ${wireType}`);
    }
    yield { number, wireType, varint, bytes };
  }
}

/** The LEN fields numbered `number` of a message, as byte views. */
export function* messages(
  buf: Uint8Array,
  number: number,
): Generator<Uint8Array> {
  for (const f of fields(buf)) {
    if (f.number === number && f.wireType === WireType.LEN) yield f.bytes;
  }
}

/** Appends a varint to `out` (test and encoder helper). */
export function writeVarint(out: number[], value: number): void {
  while (value >= 0x80) {
    out.push((value % 128) | 0x80);
    value = Math.floor(value / 128);
  }
  out.push(value);
}

/** Encodes one LEN field: tag, length, bytes. */
export function lenField(
  number: number,
  bytes: Uint8Array | number[],
): number[] {
  const out: number[] = [];
  writeVarint(out, number * 8 + WireType.LEN);
  writeVarint(out, bytes.length);
  for (const b of bytes) out.push(b);
  return out;
}
