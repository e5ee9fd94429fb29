/**
 * What a renderer returns before serialization: YAML documents as plain
 * data (the serializer adds the generated-file header), or text already in
 * its final form (config files, which carry their own header when their
 * format allows one).
 *
 * @module
 */

/** A file as data, not yet serialized. */
export type Rendered =
  | {
    readonly path: string;
    readonly kind: "yaml";
    readonly docs: readonly unknown[];
  }
  | {
    readonly path: string;
    readonly kind: "text";
    readonly content: string;
  };
