/**
 * The stack on Kubernetes: the generated local overlay applied to whatever
 * cluster the current kubeconfig points at (kind, k3d, minikube...), every
 * rollout awaited, each service reached through `kubectl port-forward` on a
 * free local port, the same checks as under Compose, and the overlay
 * deleted afterwards unless asked to keep it.
 *
 * @module
 */
import { type Background, type CommandRunner, firstLine } from "./commands.ts";
import {
  endpointsOf,
  readinessTargets,
  skip,
  type StackDeps,
  usableTargets,
} from "./flow.ts";
import type { StackOptions } from "./flags.ts";
import { waitAllReady } from "./ready.ts";
import {
  allPassed,
  type CheckResult,
  formatResult,
  summarize,
} from "./report.ts";
import { runChecks } from "./run.ts";
import {
  DEFAULT_READY_TIMEOUT_MS,
  type ServiceTarget,
  type StackTargets,
} from "./targets.ts";
import { k8sTargets } from "./targets_k8s.ts";

/** Whether a cluster answers, and if not why. */
export type ClusterStatus =
  | { readonly ok: true; readonly context: string }
  | { readonly ok: false; readonly reason: string };

/** Asks kubectl for the current context and whether its API server answers. */
export async function detectCluster(
  runner: CommandRunner,
  timeoutMs = 20_000,
): Promise<ClusterStatus> {
  const context = await runner.output(
    ["kubectl", "config", "current-context"],
    {
      timeoutMs,
    },
  );
  if (context.notFound) {
    return { ok: false, reason: "kubectl is not installed (not on PATH)" };
  }
  if (context.code !== 0) {
    return {
      ok: false,
      reason: `no current kubeconfig context: ${firstLine(context)}`,
    };
  }
  const name = context.stdout.trim();
  const info = await runner.output(
    ["kubectl", "cluster-info", "--request-timeout=10s"],
    { timeoutMs },
  );
  if (info.timedOut) {
    return {
      ok: false,
      reason: `the cluster of context "${name}" did not answer within ${
        timeoutMs / 1000
      } s`,
    };
  }
  if (info.code !== 0) {
    const lines = `${info.stderr}\n${info.stdout}`.split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("To further debug"));
    return {
      ok: false,
      reason: `the cluster of context "${name}" does not answer: ${
        lines.at(-1) ?? `exit code ${info.code}`
      }`,
    };
  }
  return { ok: true, context: name };
}

/** A local TCP port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** How the locally built space-app image reaches a cluster. */
export type ImagePlan =
  | { readonly build: string[]; readonly load?: string[] }
  | { readonly note: string };

/**
 * Build with docker, then load into the cluster of `context`: kind and k3d
 * import images, minikube loads them, Docker Desktop, Rancher Desktop and
 * OrbStack share the engine's images. An image from a registry is pulled by
 * the cluster itself; other clusters get a note.
 */
export function imagePlan(context: string, image: string): ImagePlan {
  const first = image.split("/")[0];
  if ((image.includes("/") && /[.:]/.test(first)) || first === "localhost") {
    return { note: `the cluster pulls ${image} from its registry` };
  }
  const build = ["docker", "build", "-t", image, "."];
  if (context.startsWith("kind-")) {
    return {
      build,
      load: ["kind", "load", "docker-image", image, "--name", context.slice(5)],
    };
  }
  if (context.startsWith("k3d-")) {
    return {
      build,
      load: ["k3d", "image", "import", image, "-c", context.slice(4)],
    };
  }
  if (context === "minikube") {
    return { build, load: ["minikube", "image", "load", image] };
  }
  if (["docker-desktop", "rancher-desktop", "orbstack"].includes(context)) {
    return { build };
  }
  return {
    note:
      `context "${context}" is not kind, k3d, minikube or Docker Desktop: make sure it can pull ${image} (push it to a registry it reads)`,
  };
}

/** Builds and loads the app image as planned; false (after printing why) on failure. */
async function prepareImage(
  deps: StackDeps,
  context: string,
  image: string | undefined,
): Promise<boolean> {
  if (!image) return true;
  const plan = imagePlan(context, image);
  if ("note" in plan) {
    deps.print(`image: ${plan.note}`);
    return true;
  }
  for (const argv of [plan.build, plan.load ?? []]) {
    if (argv.length === 0) continue;
    deps.print(`$ ${argv.join(" ")}`);
    const code = await deps.runner.inherit(argv, { cwd: deps.root });
    if (code !== 0) {
      deps.print(
        `✘ ${
          argv.slice(0, 2).join(" ")
        } exited with ${code}: the overlay's image ${image} must be in the cluster`,
      );
      return false;
    }
  }
  return true;
}

/** One service forwarded to local ports: Service port -> local port. */
interface Forward {
  readonly service: ServiceTarget;
  readonly local: ReadonlyMap<number, number>;
  readonly process: Background;
}

/** `kubectl -n <ns>`, the prefix of every namespaced command. */
export function kubectl(targets: StackTargets): string[] {
  return ["kubectl", "-n", targets.k8sNamespace];
}

function forward(
  runner: CommandRunner,
  targets: StackTargets,
  service: ServiceTarget,
): Forward | undefined {
  const ports = [
    ...new Set(
      [service.port, service.ready?.port].filter((p) => p !== undefined),
    ),
  ] as number[];
  if (ports.length === 0) return undefined;
  const local = new Map(ports.map((p) => [p, freePort()]));
  const process = runner.spawn([
    ...kubectl(targets),
    "port-forward",
    `service/${service.name}`,
    ...[...local].map(([remote, mine]) => `${mine}:${remote}`),
  ]);
  return { service, local, process };
}

/** Runs the whole Kubernetes flow; resolves with the exit code. */
export async function runK8s(
  options: StackOptions,
  deps: StackDeps,
): Promise<number> {
  const { runner, print } = deps;
  const cluster = await detectCluster(runner);
  if (!cluster.ok) return skip(cluster.reason, options, print);
  print(`cluster: context ${cluster.context}`);
  const targets = deps.targets ??
    usableTargets(await k8sTargets(deps.root, deps.env, runner), print);
  if (!targets) return 1;
  print(
    `overlay: ${targets.k8sOverlay} (namespace ${targets.k8sNamespace}); Grafana credentials from ${targets.credentialsSource}`,
  );

  if (!await prepareImage(deps, cluster.context, targets.appImage)) return 1;

  const overlay = targets.k8sOverlay;
  const forwards: Forward[] = [];
  const remove = async () => {
    print(`$ kubectl delete -k ${overlay} --ignore-not-found --wait=true`);
    const code = await runner.inherit(
      ["kubectl", "delete", "-k", overlay, "--ignore-not-found", "--wait=true"],
      { cwd: deps.root, timeoutMs: 300_000 },
    );
    if (code !== 0) print(`✘ kubectl delete exited with ${code}`);
  };
  if (!options.keep) {
    deps.onInterrupt?.(async () => {
      await Promise.all(forwards.map((f) => f.process.stop()));
      await remove();
    });
  }
  let results: CheckResult[] = [];
  try {
    print(`$ kubectl apply -k ${overlay}`);
    const applied = await runner.inherit(["kubectl", "apply", "-k", overlay], {
      cwd: deps.root,
      timeoutMs: 300_000,
    });
    if (applied !== 0) {
      print(`✘ kubectl apply exited with ${applied}`);
      return 1;
    }
    const workloads = [
      ...Object.values(targets.services).flatMap((s) =>
        s.workload ? [{ ref: s.workload, timeoutMs: s.readyTimeoutMs }] : []
      ),
      ...targets.extraWorkloads.map((ref) => ({
        ref,
        timeoutMs: DEFAULT_READY_TIMEOUT_MS,
      })),
    ];
    const rollouts = await Promise.all(workloads.map(async (w) => {
      const start = deps.clock.now();
      const out = await runner.output([
        ...kubectl(targets),
        "rollout",
        "status",
        w.ref,
        `--timeout=${Math.ceil(w.timeoutMs / 1000)}s`,
      ], { cwd: deps.root, timeoutMs: w.timeoutMs + 30_000 });
      return {
        name: `rollout: ${w.ref}`,
        ok: out.code === 0,
        detail: out.code === 0
          ? out.stdout.trim().split("\n").at(-1) ?? "rolled out"
          : firstLine(out),
        elapsedMs: deps.clock.now() - start,
      };
    }));
    for (const r of rollouts) print(formatResult(r));
    results = rollouts;
    if (!rollouts.every((r) => r.ok)) {
      await showDiagnostics(deps, targets);
      return summarize(results, print);
    }

    for (const service of Object.values(targets.services)) {
      const f = forward(runner, targets, service);
      if (f) forwards.push(f);
    }
    const url = (s: ServiceTarget, port: number) =>
      `http://127.0.0.1:${
        forwards.find((f) => f.service === s)?.local.get(port) ?? 0
      }`;
    const readiness = await waitAllReady(
      readinessTargets(Object.values(targets.services), url),
      deps,
    );
    results = [...results, ...readiness];
    if (readiness.every((r) => r.ok)) {
      results = [
        ...results,
        ...await runChecks(
          endpointsOf(targets.services, url),
          targets.expectations,
          deps,
          {
            ingestTimeoutMs: options.timeoutS !== undefined
              ? options.timeoutS * 1000
              : targets.ingestTimeoutMs,
          },
        ),
      ];
    } else {
      for (const f of forwards) {
        const out = f.process.output().trim();
        if (out) print(`port-forward ${f.service.name}: ${out}`);
      }
    }
    if (!allPassed(results)) await showDiagnostics(deps, targets);
  } finally {
    await Promise.all(forwards.map((f) => f.process.stop()));
    if (options.keep) {
      print(
        `stack kept running (--keep); remove it with: kubectl delete -k ${overlay}`,
      );
    } else {
      deps.onInterrupt?.(undefined);
      await remove();
    }
  }
  return summarize(results, print);
}

async function showDiagnostics(deps: StackDeps, targets: StackTargets) {
  deps.print("--- kubectl get pods ---");
  const pods = await deps.runner.output(
    [...kubectl(targets), "get", "pods", "-o", "wide"],
    { timeoutMs: 30_000 },
  );
  deps.print(pods.stdout.trimEnd() || firstLine(pods));
  deps.print("--- recent events ---");
  const events = await deps.runner.output(
    [...kubectl(targets), "get", "events", "--sort-by=.lastTimestamp"],
    { timeoutMs: 30_000 },
  );
  deps.print(events.stdout.trimEnd().split("\n").slice(-20).join("\n"));
}
