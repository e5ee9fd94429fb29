/**
 * Turns rendered data into file text: YAML documents with the generated
 * header, deterministic key order as built, no line folding.
 *
 * @module
 */
import { stringify } from "yaml";
import { type GeneratedFile, generatedHeader } from "./header.ts";
import type { Rendered } from "./render/rendered.ts";

/** YAML text of one or more documents, without a header. */
export function yamlText(docs: readonly unknown[]): string {
  return docs
    .map((doc) =>
      stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })
    )
    .join("---\n");
}

/** A header line followed by the YAML text. */
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
    content: f.kind === "yaml"
      ? withHeader(source, yamlText(f.docs))
      : f.content,
  }));
}
