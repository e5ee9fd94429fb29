/**
 * Rendered files and their text: YAML in key order as built, unfolded.
 * @module
 */
import { Document, isMap, isScalar, type Pair, type Scalar } from "yaml";
import { type GeneratedFile, generatedHeader } from "./header.ts";

/** A file as YAML documents, or as text in its final form (config files). */
export type Rendered =
  | { readonly path: string; readonly docs: unknown[] }
  | { readonly path: string; readonly content: string };

export const yamlFile = (path: string, ...docs: unknown[]) => ({ path, docs });

/** The head of a Kubernetes object: its type, name and labels if any. */
export const named = <A extends string, K extends string>(
  apiVersion: A,
  kind: K,
  name: string,
  labels?: Record<string, string>,
) => ({ apiVersion, kind, metadata: { name, ...(labels && { labels }) } });

/** YAML text of one or more documents, without a header. */
export function yamlText(docs: readonly unknown[]): string {
  return docs.map((doc) => commentedYaml(doc)).join("---\n");
}

export function withHeader(source: string, yaml: string): string {
  return `${generatedHeader(source)}\n${yaml}`;
}

/** Rendered files under `prefix`, serialized. */
export function serialize(
  source: string,
  prefix: string,
  files: readonly Rendered[],
): GeneratedFile[] {
  return files.map((f) => ({
    path: `${prefix}/${f.path}`,
    content: "docs" in f ? withHeader(source, yamlText(f.docs)) : f.content,
  }));
}

/** YAML of `data` with each comment on the line(s) above its key path (`a.b`). */
export function commentedYaml(
  data: unknown,
  comments: Readonly<Record<string, string>> = {},
): string {
  const doc = new Document(data, { aliasDuplicateObjects: false });
  for (const [path, text] of Object.entries(comments)) {
    const keys = path.split(".");
    const last = keys.pop()!;
    const parent = keys.length === 0 ? doc.contents : doc.getIn(keys, true);
    if (!isMap(parent)) throw new Error(`comment: no map at ${keys.join(".")}`);
    const pair = parent.items.find((p): p is Pair<Scalar> =>
      isScalar(p.key) && p.key.value === last
    );
    if (!pair) throw new Error(`comment: no key ${path}`);
    pair.key.commentBefore = text.split("\n").map((l) => ` ${l}`).join("\n");
  }
  return doc.toString({ lineWidth: 0 });
}
