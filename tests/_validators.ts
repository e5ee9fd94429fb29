/**
 * Validators for generated files: the Compose Specification's JSON
 * schema, the Kubernetes models of a current release (1.34), `kubectl
 * kustomize`, and the pinned Prometheus' `promtool`. A validator that is not available returns a
 * skip with its reason; {@link requireOrSkip} turns that into a failure
 * when `CI=true`.
 *
 * @module
 */
import Ajv from "ajv";
import { BACKEND_VERSIONS, defaultCacheDir } from "../stack/native/build.ts";
import { parseAllDocuments } from "yaml";

/** A validator's verdict. */
export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly errors: readonly string[] }
  | { readonly skipped: string };

/** True in CI, where a missing validator is a failure. */
export const IN_CI = Deno.env.get("CI") === "true";

/**
 * For a test: a skip (with its reason) stays a skip on a workstation and
 * fails in CI; otherwise the verdict is returned.
 */
export function requireOrSkip<V extends Verdict>(
  verdict: V,
  t: { name: string },
): Exclude<V, { skipped: string }> | undefined {
  if ("skipped" in verdict) {
    if (IN_CI) {
      throw new Error(`${t.name}: validator missing in CI: ${verdict.skipped}`);
    }
    // deno-lint-ignore no-console
    console.warn(`skipped ${t.name}: ${verdict.skipped}`);
    return undefined;
  }
  return verdict as Exclude<V, { skipped: string }>;
}

/** Runs a command; undefined when it is not installed. */
async function run(
  cmd: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string } | undefined> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = (b: Uint8Array) => new TextDecoder().decode(b);
    return {
      code: out.code,
      stdout: text(out.stdout),
      stderr: text(out.stderr),
    };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

let composeValidator: ((doc: unknown) => string[]) | undefined;

/** The current Compose Specification schema, as shipped in dclint's npm package. */
async function loadComposeValidator(): Promise<(doc: unknown) => string[]> {
  if (composeValidator) return composeValidator;
  const entry = new URL(import.meta.resolve("dclint"));
  const schemaUrl = new URL("../schemas/compose.schema.json", entry);
  const schema = JSON.parse(await Deno.readTextFile(schemaUrl));
  // deno-lint-ignore no-explicit-any
  const ajv = new (Ajv as any)({
    strict: false,
    allErrors: true,
    validateSchema: false,
  });
  const validate = ajv.compile(schema);
  composeValidator = (doc) =>
    validate(doc) ? [] : (validate.errors ?? []).map((
      e: { instancePath: string; message?: string; params: unknown },
    ) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
  return composeValidator;
}

/** Validates a parsed Compose document against the Compose Specification schema. */
export async function validateCompose(doc: unknown): Promise<Verdict> {
  let validator;
  try {
    validator = await loadComposeValidator();
  } catch (error) {
    return {
      skipped: `Compose schema unavailable: ${(error as Error).message}`,
    };
  }
  const errors = validator(doc);
  return errors.length === 0 ? { ok: true } : { ok: false, errors };
}

/** Module of kubernetes-models for an apiVersion (`apps/v1` -> `apps/v1`, `v1` -> `v1`). */
const K8S_GROUPS: Readonly<
  Record<string, () => Promise<Record<string, unknown>>>
> = {
  "v1": () => import("kubernetes-models/v1"),
  "apps/v1": () => import("kubernetes-models/apps/v1"),
  "autoscaling/v2": () => import("kubernetes-models/autoscaling/v2"),
  "policy/v1": () => import("kubernetes-models/policy/v1"),
  "networking.k8s.io/v1": () =>
    import("kubernetes-models/networking.k8s.io/v1"),
};

/**
 * Validates one Kubernetes object against the models of Kubernetes 1.34
 * (kubernetes-models 5.1.0: types, required fields, formats). An object of
 * a group this project does not use is an error, not a skip.
 */
export async function validateK8sObject(
  obj: Record<string, unknown>,
): Promise<Verdict> {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  const load = K8S_GROUPS[apiVersion];
  if (!load) {
    return {
      ok: false,
      errors: [`unexpected apiVersion ${apiVersion} (${kind})`],
    };
  }
  let group;
  try {
    group = await load();
  } catch (error) {
    return {
      skipped: `kubernetes-models unavailable: ${(error as Error).message}`,
    };
  }
  const Model = group[kind] as
    | (new (data: unknown) => { validate(): void })
    | undefined;
  if (!Model) {
    return { ok: false, errors: [`${apiVersion} has no kind ${kind}`] };
  }
  try {
    new Model(obj).validate();
    return { ok: true };
  } catch (error) {
    return { ok: false, errors: [(error as Error).message] };
  }
}

/** `kubectl kustomize DIR`: the rendered objects, or the error. */
export async function kustomize(
  dir: string,
): Promise<
  | { readonly skipped: string }
  | { readonly ok: false; readonly errors: readonly string[] }
  | { readonly ok: true; readonly objects: Record<string, unknown>[] }
> {
  const out = await run("kubectl", ["kustomize", dir]);
  if (!out) return { skipped: "kubectl is not installed" };
  if (out.code !== 0) return { ok: false, errors: [out.stderr.trim()] };
  const objects = parseAllDocuments(out.stdout).map((d) =>
    d.toJS() as Record<string, unknown>
  );
  return { ok: true, objects };
}

/**
 * promtool of the pinned Prometheus (3.14), built by the native stack's
 * build step: `$PROMTOOL`, else the newest build in the backend cache. An
 * older promtool (Debian's 2.42) would reject keys only version 3 knows.
 */
export function builtPromtool(): string | undefined {
  const explicit = Deno.env.get("PROMTOOL");
  if (explicit) return explicit;
  let dir: string;
  try {
    dir = defaultCacheDir((name) => Deno.env.get(name));
  } catch {
    return undefined;
  }
  const prefix = `prometheus-${BACKEND_VERSIONS.prometheus}-`;
  try {
    const builds = [...Deno.readDirSync(dir)]
      .filter((e) => e.isDirectory && e.name.startsWith(prefix))
      .map((e) => `${dir}/${e.name}/promtool`)
      .filter((p) => {
        try {
          return Deno.statSync(p).isFile;
        } catch {
          return false;
        }
      })
      .sort((a, b) =>
        Deno.statSync(b).mtime!.getTime() - Deno.statSync(a).mtime!.getTime()
      );
    return builds[0];
  } catch {
    return undefined;
  }
}

/** `promtool check config|rules FILE` with the pinned version's promtool. */
export async function promtool(
  what: "config" | "rules",
  file: string,
): Promise<Verdict> {
  const tool = builtPromtool();
  if (!tool) {
    return {
      skipped:
        `no promtool ${BACKEND_VERSIONS.prometheus} built: run deno task build:native (or set PROMTOOL)`,
    };
  }
  const out = await run(tool, ["check", what, file]);
  if (!out) return { skipped: `${tool} is missing` };
  if (out.code !== 0) {
    return { ok: false, errors: [`${out.stdout}${out.stderr}`.trim()] };
  }
  return { ok: true };
}
