/**
 * The targets of the local Kustomize overlay, read from what
 * `kubectl kustomize` renders: namespace, Services by role, probe budgets,
 * workloads to wait for, the app image to load, Grafana's credentials.
 *
 * @module
 */
import { parseAllDocuments } from "yaml";
import { asArray, asRecord, asString } from "./checks.ts";
import { type CommandRunner, firstLine } from "./commands.ts";
import {
  k8sGrafanaCredentials,
  k8sNamespace,
  k8sServices,
  k8sWorkloadsOf,
} from "./discover_k8s.ts";
import {
  COMPOSE_FILES,
  COMPOSE_PROJECT,
  credentialsWithOverrides,
  DEPLOY_DIR,
  documentsUnder,
  type Env,
  expectations,
  INGEST_TIMEOUT_MS,
  K8S_OVERLAY,
  servicesFrom,
  type TargetsResult,
} from "./targets.ts";

/** The first container of the workload `kind/name` in rendered documents. */
function firstContainer(
  docs: readonly unknown[],
  workloadRef: string | undefined,
): Record<string, unknown> | undefined {
  const [kind, name] = (workloadRef ?? "/").split("/");
  for (const d of docs) {
    const o = asRecord(d);
    if (
      asString(o?.kind).toLowerCase() !== kind ||
      asString(asRecord(o?.metadata)?.name) !== name
    ) continue;
    const pod = asRecord(asRecord(asRecord(o?.spec)?.template)?.spec);
    return asRecord(asArray(pod?.containers)[0]);
  }
  return undefined;
}

function workloadImage(
  docs: readonly unknown[],
  workloadRef: string | undefined,
): string | undefined {
  return asString(firstContainer(docs, workloadRef)?.image) || undefined;
}

/** Plain `value` environment variables of a workload's first container. */
function containerEnv(
  docs: readonly unknown[],
  workloadRef: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of asArray(firstContainer(docs, workloadRef)?.env)) {
    const env = asRecord(e);
    if (typeof env?.name === "string" && typeof env.value === "string") {
      out[env.name] = env.value;
    }
  }
  return out;
}

/** The targets of the local overlay, rendered with `kubectl kustomize`. */
export async function k8sTargets(
  root: string,
  env: Env,
  runner: CommandRunner,
): Promise<TargetsResult> {
  const rendered = await runner.output(
    ["kubectl", "kustomize", K8S_OVERLAY],
    { cwd: root, timeoutMs: 60_000 },
  );
  if (rendered.code !== 0) {
    return {
      ok: false,
      problems: [
        `kubectl kustomize ${K8S_OVERLAY} failed: ${
          firstLine(rendered)
        } (run \`deno task gen\` to write deploy/)`,
      ],
    };
  }
  const docs = parseAllDocuments(rendered.stdout).map((d) => d.toJS());
  const found = k8sServices(docs);
  const { services, problems } = servicesFrom(found, K8S_OVERLAY);
  const namespace = k8sNamespace(docs);
  if (!namespace) problems.push(`${K8S_OVERLAY}: no namespace set`);
  if (problems.length > 0) return { ok: false, problems };
  const loadgen = k8sWorkloadsOf(docs, "loadgen");
  const credentials = credentialsWithOverrides(
    k8sGrafanaCredentials(docs),
    env,
  );
  return {
    ok: true,
    targets: {
      composeFile: COMPOSE_FILES[0],
      composeProject: COMPOSE_PROJECT,
      k8sOverlay: K8S_OVERLAY,
      k8sNamespace: namespace!,
      services,
      extraWorkloads: loadgen,
      expectations: expectations(
        documentsUnder(`${root}/${DEPLOY_DIR}`),
        containerEnv(docs, services.app.workload),
        containerEnv(docs, loadgen[0]),
        credentials,
      ),
      ingestTimeoutMs: INGEST_TIMEOUT_MS,
      credentialsSource: credentials.source,
      appImage: workloadImage(docs, services.app.workload),
    },
  };
}
