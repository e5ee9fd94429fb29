/**
 * YAML text from plain data with a comment above chosen keys: the
 * backend configs explain each non-obvious choice where it is made.
 *
 * @module
 */
import { Document, isMap, isScalar } from "yaml";

/** Key path (`a.b.c`) to the comment written above that key. */
export type Comments = Readonly<Record<string, string>>;

/** Serializes `data`, putting each comment on the line(s) before its key. */
export function commentedYaml(data: unknown, comments: Comments = {}): string {
  const doc = new Document(data, { aliasDuplicateObjects: false });
  for (const [path, text] of Object.entries(comments)) {
    const keys = path.split(".");
    const last = keys.pop()!;
    const parent = keys.length === 0 ? doc.contents : doc.getIn(keys, true);
    if (!isMap(parent)) throw new Error(`comment: no map at ${keys.join(".")}`);
    const pair = parent.items.find((p) =>
      isScalar(p.key) && p.key.value === last
    );
    if (!pair || !isScalar(pair.key)) {
      throw new Error(`comment: no key ${path}`);
    }
    pair.key.commentBefore = text.split("\n").map((l) => ` ${l}`).join("\n");
  }
  return doc.toString({ lineWidth: 0 });
}
