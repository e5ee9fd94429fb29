/**
 * A generic protobuf decoder for tests: turns bytes into a tree of fields
 * given which field paths are nested messages.
 *
 * @module
 */

/** A decoded field value: number, bigint (fixed64), bytes, or a nested message. */
export type Decoded = number | bigint | Uint8Array | DecodedMessage;
/** Field number -> values in order. */
export type DecodedMessage = Map<number, Decoded[]>;

/** Which fields of a message are messages themselves, recursively. */
export interface Schema {
  readonly [field: number]: Schema | undefined;
}

function readVarint(buf: Uint8Array, at: { pos: number }): number {
  let result = 0;
  let scale = 1;
  for (;;) {
    const byte = buf[at.pos++];
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return result;
    scale *= 128;
  }
}

/** Decodes `buf` as a message described by `schema`. */
export function decode(buf: Uint8Array, schema: Schema): DecodedMessage {
  const out: DecodedMessage = new Map();
  const at = { pos: 0 };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  while (at.pos < buf.length) {
    const key = readVarint(buf, at);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    let value: Decoded;
    if (wire === 0) value = readVarint(buf, at);
    else if (wire === 1) {
      value = view.getBigUint64(at.pos, true);
      at.pos += 8;
    } else if (wire === 5) {
      value = view.getUint32(at.pos, true);
      at.pos += 4;
    } else if (wire === 2) {
      const length = readVarint(buf, at);
      const bytes = buf.subarray(at.pos, at.pos + length);
      at.pos += length;
      const nested = schema[field];
      value = nested ? decode(bytes, nested) : bytes;
    } else throw new Error(`wire type ${wire} at ${at.pos}`);
    const list = out.get(field);
    if (list) list.push(value);
    else out.set(field, [value]);
  }
  return out;
}

/** A plain, comparable form: maps to sorted objects, bytes to hex. */
export function plain(value: Decoded): unknown {
  if (value instanceof Map) {
    return Object.fromEntries(
      [...value.entries()].sort(([a], [b]) => a - b).map((
        [k, v],
      ) => [k, v.map(plain)]),
    );
  }
  if (value instanceof Uint8Array) {
    return [...value].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  if (typeof value === "bigint") return value.toString();
  return value;
}

/** AnyValue: array 5 {values 1: AnyValue}, kvlist 6 {values 1: KeyValue}. */
export const ANY_VALUE: Schema = {};
/** KeyValue {key 1, value 2: AnyValue}. */
export const KEY_VALUE: Schema = { 2: ANY_VALUE };
Object.assign(ANY_VALUE, { 5: { 1: ANY_VALUE }, 6: { 1: KEY_VALUE } });
const RESOURCE: Schema = { 1: KEY_VALUE };
const SCOPE: Schema = { 3: KEY_VALUE };
const SPAN: Schema = {
  9: KEY_VALUE,
  11: { 3: KEY_VALUE },
  13: { 4: KEY_VALUE },
  15: {},
};
/** ExportTraceServiceRequest. */
export const TRACES_REQUEST: Schema = {
  1: { 1: RESOURCE, 2: { 1: SCOPE, 2: SPAN } },
};
const LOG_RECORD: Schema = { 5: ANY_VALUE, 6: KEY_VALUE };
/** ExportLogsServiceRequest. */
export const LOGS_REQUEST: Schema = {
  1: { 1: RESOURCE, 2: { 1: SCOPE, 2: LOG_RECORD } },
};
