/**
 * Parsers for the notations the config uses: durations (`30s`, `336h`,
 * `15d`, whole numbers: `lib/duration.ts`), Kubernetes quantities
 * (`512Mi`, `250m`) and image references. Each returns `undefined` for a
 * malformed value so the validator can name it.
 *
 * @module
 */
import { parseDuration } from "../lib/duration.ts";

/**
 * A duration in Go's `time.ParseDuration` notation, which has no days or
 * weeks (Tempo's block retention is one): `14d` -> `336h`.
 */
export function goDuration(text: string): string {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`malformed duration ${text}`);
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/** Whole seconds of a duration (rounded up), for health-check fields. */
export function durationSeconds(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new Error(`malformed duration ${text}`);
  return Math.ceil(ms / 1000);
}

const MEMORY_FACTORS: Readonly<Record<string, number>> = {
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

/** Bytes of a memory or storage quantity (`512Mi`, `10Gi`, `1G`); undefined if malformed. */
export function parseBytes(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(text);
  if (!match) return undefined;
  const bytes = Number(match[1]) * MEMORY_FACTORS[match[2] ?? ""];
  return bytes > 0 ? bytes : undefined;
}

/**
 * A memory quantity in the notation Compose accepts. Compose reads sizes
 * with docker/go-units `RAMInBytes`, which takes `512m`, `1GiB` or a byte
 * count but rejects the Kubernetes suffixes (`1Gi`: "invalid suffix"), so
 * the size is written in the largest binary unit that divides it exactly.
 */
export function composeBytes(quantity: string): string {
  const bytes = parseBytes(quantity);
  if (bytes === undefined || !Number.isInteger(bytes)) {
    throw new Error(`malformed memory quantity ${quantity}`);
  }
  for (
    const [unit, factor] of [["TiB", 2 ** 40], ["GiB", 2 ** 30], [
      "MiB",
      2 ** 20,
    ], ["KiB", 2 ** 10]] as const
  ) {
    if (bytes % factor === 0) return `${bytes / factor}${unit}`;
  }
  return String(bytes);
}

/** Millicores of a CPU quantity (`250m`, `1`, `0.5`); undefined if malformed. */
export function parseMillicores(text: string): number | undefined {
  const milli = /^(\d+)m$/.exec(text);
  if (milli) return Number(milli[1]) || undefined;
  if (!/^\d+(\.\d{1,3})?$/.test(text)) return undefined;
  const value = Math.round(Number(text) * 1000);
  return value > 0 ? value : undefined;
}

/** The parts of an image reference. */
export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `registry/repo:tag@sha256:...`; undefined if malformed. */
export function parseImage(text: string): ImageRef | undefined {
  const match =
    /^([a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/
      .exec(text);
  if (!match) return undefined;
  return { repository: match[1], tag: match[2], digest: match[3] };
}

/** The version an image's tag names, without a leading `v` (`v3.14.0` -> `3.14.0`). */
export function imageVersion(image: string): string {
  const tag = parseImage(image)?.tag;
  if (!tag) throw new Error(`image ${image} names no version tag`);
  return tag.replace(/^v/, "");
}

/** True when an image names an exact version: a digest, or a tag other than `latest`. */
export function isPinned(image: ImageRef): boolean {
  return image.digest !== undefined ||
    (image.tag !== undefined && image.tag !== "latest");
}
