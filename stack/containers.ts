/**
 * The stack under Docker Compose, or as the local Kustomize overlay on the
 * current kubeconfig context; what to wait for comes from the component
 * model that generated those files.
 *
 * @module
 */
import { credentialsOf } from "../gen/components/grafana.ts";
import { buildComponents } from "../gen/components/mod.ts";
import { PATHS } from "../gen/generate.ts";
import { NAMES } from "../gen/names.ts";
import type { StackConfig } from "../gen/types.ts";
import * as proc from "../lib/process.ts";
import { expectations } from "./expect.ts";
import { ROOT } from "./native.ts";
import { allReady, loopback } from "./poll.ts";
import type { RunOptions } from "./report.ts";
import { lokiSource, prometheusSource, tempoSource } from "./sources.ts";
import { runSuite } from "./suite.ts";

/** The Compose project the test uses, so a user's own stack is never touched. */
const TEST_PROJECT = "space-app-stack-test";

/** The first line a failed command printed. */
function said(out: proc.Finished): string {
  return `${out.stderr}\n${out.stdout}`.trim().split("\n")[0] ||
    `exit ${out.code}`;
}

/**
 * `o.run` (or a real run in the repository); `ok` throws with the first line
 * a failed command printed, else returns its last; `show` logs its output.
 */
function runner(o: RunOptions) {
  const run = o.run ?? ((argv) => proc.run(argv, { cwd: ROOT }));
  const ok = async (argv: string[], what = "") => {
    const out = await run(argv);
    if (out.code !== 0) throw new Error(`${what}${said(out)}`);
    return out.stdout.trim().split("\n").at(-1) ?? "";
  };
  const show = async (argv: string[]) => o.log((await run(argv)).stdout);
  return { run, ok, show };
}

/** Waits for every component, then runs the suite; `url(service, port)` reaches each. */
async function check(
  config: StackConfig,
  target: "compose" | "local",
  url: (service: string, port: number) => string,
  o: RunOptions,
): Promise<void> {
  const components = buildComponents(config, target, "stack");
  if (!await allReady(components, url, o.report)) return;
  const c = config.components;
  const creds = credentialsOf(config, target);
  if (creds.kind !== "literal") {
    throw new Error(`${target}: no literal credentials`);
  }
  await runSuite(
    {
      app: url(NAMES.app, c.app.port),
      prometheus: prometheusSource(url(NAMES.prometheus, c.prometheus.port)),
      traces: tempoSource(url(NAMES.tempo, c.tempo.port)),
      logs: lokiSource(url(NAMES.loki, c.loki.port)),
      grafana: {
        base: url(NAMES.grafana, c.grafana.port),
        user: Deno.env.get("STACK_GRAFANA_USER") ?? creds.user,
        password: Deno.env.get("STACK_GRAFANA_PASSWORD") ?? creds.password,
      },
    },
    expectations(config, "all"),
    o,
  );
}

export async function runCompose(config: StackConfig, o: RunOptions) {
  const { run, ok, show } = runner(o);
  const info = await run(["docker", "info", "--format", "{{.ServerVersion}}"]);
  const why = `docker info: ${said(info)}`;
  if (info.code !== 0) return o.report.missing("Docker engine", why, o.require);
  const file = `deploy/${PATHS.compose}/compose.yaml`;
  const compose = ["docker", "compose", "-f", file, "-p", TEST_PROJECT];
  try {
    await o.report.check("docker compose up", async () => {
      await ok([...compose, "up", "-d", "--build", "--wait"]);
      return `engine ${info.stdout.trim()}, project ${TEST_PROJECT}`;
    });
    if (!o.report.failed) await check(config, "compose", loopback, o);
  } finally {
    if (o.report.failed) {
      await show([...compose, "ps", "-a"]);
      await show([...compose, "logs", "--tail", "20"]);
    }
    if (o.keep) {
      o.log(`kept running; stop it with: ${compose.join(" ")} down -v`);
    } else await run([...compose, "down", "-v", "--remove-orphans"]);
  }
}

/**
 * How the local image reaches a cluster: kind and k3d import it, minikube
 * loads it, Docker Desktop and its kin share the engine's images.
 */
function loadImage(
  context: string,
  image: string,
): string[] | undefined {
  if (context.startsWith("kind-")) {
    return ["kind", "load", "docker-image", image, "--name", context.slice(5)];
  }
  if (context.startsWith("k3d-")) {
    return ["k3d", "image", "import", image, "-c", context.slice(4)];
  }
  if (context === "minikube") return ["minikube", "image", "load", image];
}

export async function runK8s(config: StackConfig, o: RunOptions) {
  const { run, ok, show } = runner(o);
  const context = await run(["kubectl", "config", "current-context"]);
  const reach = context.code === 0
    ? await run(["kubectl", "cluster-info", "--request-timeout=10s"])
    : context;
  const why = `kubectl: ${said(reach)}`;
  if (reach.code !== 0) {
    return o.report.missing("Kubernetes cluster", why, o.require);
  }
  const ctx = context.stdout.trim();
  const overlay = `deploy/${PATHS.local}`;
  const ns = ["kubectl", "-n", config.namespace];
  const image = config.overlays.local.appImage;
  const forwards: proc.Background[] = [];
  const ports = new Map<string, number>();
  const local = (service: string, port: number) => {
    const key = `${service}:${port}`;
    return loopback(service, ports.getOrInsertComputed(key, proc.freePort));
  };
  try {
    await o.report.check(`image ${image} in context ${ctx}`, async () => {
      await ok(["docker", "build", "-t", image, "."], "docker build: ");
      const load = loadImage(ctx, image);
      if (load) await ok(load);
      return load?.join(" ") ?? "the cluster shares the engine's images";
    });
    await o.report.check(`kubectl apply -k ${overlay}`, async () => {
      await ok(["kubectl", "apply", "-k", overlay]);
      return `namespace ${config.namespace}`;
    });
    const list = buildComponents(config, "local", "stack");
    for (const { name, health } of list) {
      const timeout = `--timeout=${(health?.startSeconds ?? 60) + 120}s`;
      await o.report.check(
        `rollout: ${name}`,
        () => ok([...ns, "rollout", "status", `deployment/${name}`, timeout]),
      );
    }
    if (o.report.failed) return;
    const services: Record<string, number> = Object.fromEntries(
      (["app", "prometheus", "tempo", "loki", "grafana"] as const)
        .map((k) => [NAMES[k], config.components[k].port]),
    );
    for (const { name, health } of list) {
      const wanted = [...new Set([services[name], health?.ready.port])]
        .filter((p) => p !== undefined);
      if (wanted.length === 0) continue;
      const pairs = wanted.map((p) => `${new URL(local(name, p)).port}:${p}`);
      const argv = [...ns, "port-forward", `service/${name}`, ...pairs];
      forwards.push(proc.start(`port-forward ${name}`, argv));
    }
    await check(config, "local", local, o);
  } finally {
    for (const f of forwards) await f.stop(2_000);
    if (o.report.failed) {
      await show([...ns, "get", "pods", "-o", "wide"]);
      await show([...ns, "get", "events", "--sort-by=.lastTimestamp"]);
    }
    const remove = ["kubectl", "delete", "-k", overlay];
    if (o.keep) o.log(`kept running; remove it with: ${remove.join(" ")}`);
    else await run([...remove, "--ignore-not-found"]);
  }
}
