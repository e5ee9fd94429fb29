/**
 * The config's notations: durations, Kubernetes quantities, image references.
 * Parsers return `undefined` for a malformed value.
 * @module
 */
import { parseDuration } from "../lib/duration.ts";

function durationMs(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`malformed duration ${text}`);
  return ms;
}

/** A duration in Go's notation, which has no days or weeks: `14d` -> `336h`. */
export function goDuration(text: string): string {
  const ms = durationMs(text);
  const units = [["h", 3_600_000], ["m", 60_000], ["s", 1_000]] as const;
  const [unit, size] = units.find(([, size]) => ms % size === 0) ?? ["ms", 1];
  return `${ms / size}${unit}`;
}

/** Whole seconds of a duration, rounded up. */
export function durationSeconds(text: string): number {
  return Math.ceil(durationMs(text) / 1000);
}

const BINARY = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const FACTORS: Readonly<Record<string, number>> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  ...BINARY,
};

/** Bytes of a memory or storage quantity (`512Mi`, `10Gi`, `1G`). */
export function parseBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
  const bytes = match && Number(match[1]) * FACTORS[match[2] ?? ""];
  return bytes && bytes > 0 ? bytes : undefined;
}

/**
 * A memory quantity as Compose reads it (docker/go-units `RAMInBytes`
 * rejects `1Gi`): in the largest binary unit that divides it exactly.
 */
export function composeBytes(quantity: string): string {
  const bytes = parseBytes(quantity);
  if (bytes === undefined || !Number.isInteger(bytes)) {
    throw new Error(`malformed memory quantity ${quantity}`);
  }
  const unit = Object.entries(BINARY).reverse()
    .find(([, factor]) => bytes % factor === 0);
  return unit ? `${bytes / unit[1]}${unit[0]}B` : String(bytes);
}

/** Millicores of a CPU quantity (`250m`, `1`, `0.5`). */
export function parseMillicores(text: string): number | undefined {
  const milli = /^(\d+)m$/.exec(text);
  if (milli) return Number(milli[1]) || undefined;
  if (!/^\d+(\.\d{1,3})?$/.test(text)) return undefined;
  return Math.round(Number(text) * 1000) || undefined;
}

export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `registry/repo:tag@sha256:...`. */
export function parseImage(text: string): ImageRef | undefined {
  const match =
    /^([a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/
      .exec(text);
  return match
    ? { repository: match[1], tag: match[2], digest: match[3] }
    : undefined;
}

/** The version an image's tag names, without a leading `v`. */
export function imageVersion(image: string): string {
  const tag = parseImage(image)?.tag;
  if (!tag) throw new Error(`image ${image} names no version tag`);
  return tag.replace(/^v/, "");
}

/** True for a digest, or a tag other than `latest` (which no tag means). */
export function isPinned(image: ImageRef): boolean {
  return image.digest !== undefined || (image.tag ?? "latest") !== "latest";
}
