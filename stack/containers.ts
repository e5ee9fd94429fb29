/**
 * The stack on a container host: Docker Compose with the generated Compose
 * file, or the local Kustomize overlay on the current kubeconfig context.
 * Which services to wait for, on which ports and for how long, and what
 * the suite expects, come from the typed config's component model, the
 * one that generated those files. Without an engine or cluster each mode
 * skips (fails with `--require`).
 *
 * @module
 */
import * as path from "node:path";
import { buildComponents } from "../gen/components/mod.ts";
import { credentialsOf } from "../gen/components/grafana.ts";
import { NAMES } from "../gen/names.ts";
import type { StackConfig } from "../gen/types.ts";
import { PATHS } from "../gen/generate.ts";
import type { Component } from "../gen/model.ts";
import {
  type Background,
  type Finished,
  run as runProcess,
  start,
} from "../lib/process.ts";
import { expectations } from "./expect.ts";
import { waitReady } from "./poll.ts";
import type { Report } from "./report.ts";
import {
  getter,
  lokiSource,
  prometheusSource,
  tempoSource,
} from "./sources.ts";
import { runSuite } from "./suite.ts";

/** The repository root. */
const ROOT = path.resolve(new URL("..", import.meta.url).pathname);

/** The Compose project the test uses, so a user's own stack is never touched. */
export const TEST_PROJECT = "space-app-stack-test";

/** Options of a container run. */
export interface ContainerOptions {
  readonly report: Report;
  readonly timeoutS: number;
  readonly keep: boolean;
  /** No engine or cluster is a failure, not a skip. */
  readonly require: boolean;
  readonly log: (line: string) => void;
  /** Runs a command to completion (tests pass a fake). */
  readonly run?: (argv: string[]) => Promise<Finished>;
  readonly env?: (name: string) => string | undefined;
}

/** Reports a missing engine or cluster: skip, or a failure under `--require`. */
function unavailable(o: ContainerOptions, what: string, reason: string) {
  if (o.require) {
    o.report.add({ name: what, outcome: "FAIL", detail: reason });
  } else o.report.skip(what, `${reason} (--require makes this a failure)`);
}

/** The first line a failed command printed. */
function said(out: Finished): string {
  return `${out.stderr}\n${out.stdout}`.trim().split("\n")[0] ||
    `exit ${out.code}`;
}

/** Where the suite reaches each service, given its port on this host. */
function suiteTargets(
  config: StackConfig,
  target: "compose" | "local",
  local: (service: string, port: number) => string,
  env: (name: string) => string | undefined,
) {
  const c = config.components;
  const get = getter(fetch);
  const creds = credentialsOf(config, target);
  if (creds.kind !== "literal") {
    throw new Error(`${target}: no literal credentials`);
  }
  return {
    app: local(NAMES.app, c.app.port),
    prometheus: prometheusSource(
      local(NAMES.prometheus, c.prometheus.port),
      get,
    ),
    traces: tempoSource(local(NAMES.tempo, c.tempo.port), get),
    logs: lokiSource(local(NAMES.loki, c.loki.port), get),
    grafana: {
      base: local(NAMES.grafana, c.grafana.port),
      user: env("STACK_GRAFANA_USER") ?? creds.user,
      password: env("STACK_GRAFANA_PASSWORD") ?? creds.password,
    },
  };
}

/** Waits for every component's readiness endpoint, within its start-up budget. */
async function allReady(
  components: readonly Component[],
  local: (service: string, port: number) => string,
  report: Report,
): Promise<boolean> {
  await Promise.all(components.map((c) => {
    if (!c.health) return;
    const url = `${local(c.name, c.health.ready.port)}${c.health.ready.path}`;
    return report.check(`ready: ${c.name}`, async () => {
      const budget = (c.health!.startSeconds + 60) * 1000;
      const r = await waitReady({ name: c.name, url, timeoutMs: budget });
      return `${url} after ${r.attempts} attempts`;
    });
  }));
  return !report.failed;
}

function components(config: StackConfig, target: "compose" | "local") {
  return buildComponents(config, target, "stack");
}

/** The stack under Docker Compose. */
export async function runCompose(
  config: StackConfig,
  o: ContainerOptions,
): Promise<void> {
  const run = o.run ?? ((argv) => runProcess(argv, { cwd: ROOT }));
  const info = await run(["docker", "info", "--format", "{{.ServerVersion}}"]);
  if (info.code !== 0) {
    return unavailable(o, "Docker engine", `docker info: ${said(info)}`);
  }
  const compose = [
    "docker",
    "compose",
    "-f",
    `deploy/${PATHS.compose}/compose.yaml`,
    "-p",
    TEST_PROJECT,
  ];
  const published = (_: string, port: number) => `http://127.0.0.1:${port}`;
  const down = () => run([...compose, "down", "-v", "--remove-orphans"]);
  try {
    await o.report.check("docker compose up", async () => {
      const up = await run([...compose, "up", "-d", "--build", "--wait"]);
      if (up.code !== 0) throw new Error(said(up));
      return `engine ${info.stdout.trim()}, project ${TEST_PROJECT}`;
    });
    if (o.report.failed) return;
    if (!await allReady(components(config, "compose"), published, o.report)) {
      return;
    }
    await runSuite(
      suiteTargets(config, "compose", published, o.env ?? Deno.env.get),
      expectations(config, "all"),
      {
        report: o.report,
        get: getter(fetch),
        ingestTimeoutMs: o.timeoutS * 1000,
      },
    );
  } finally {
    if (o.report.failed) {
      o.log((await run([...compose, "ps", "-a"])).stdout);
      o.log((await run([...compose, "logs", "--tail", "20"])).stdout);
    }
    if (o.keep) {
      o.log(`kept running; stop it with: ${compose.join(" ")} down -v`);
    } else await down();
  }
}

/**
 * How the local image reaches a cluster: kind and k3d import it, minikube
 * loads it, Docker Desktop and its kin share the engine's images.
 */
export function loadImage(
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
  return undefined;
}

/** A free TCP port of this host. */
function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** The stack as the local Kustomize overlay on the current kubeconfig context. */
export async function runK8s(
  config: StackConfig,
  o: ContainerOptions,
): Promise<void> {
  const run = o.run ?? ((argv) => runProcess(argv, { cwd: ROOT }));
  const context = await run(["kubectl", "config", "current-context"]);
  const reach = context.code === 0
    ? await run(["kubectl", "cluster-info", "--request-timeout=10s"])
    : context;
  if (reach.code !== 0) {
    return unavailable(o, "Kubernetes cluster", `kubectl: ${said(reach)}`);
  }
  const ctx = context.stdout.trim();
  const overlay = `deploy/${PATHS.local}`;
  const ns = ["kubectl", "-n", config.namespace];
  const list = components(config, "local");
  const image = config.overlays.local.appImage;
  const forwards: Background[] = [];
  const ports = new Map<string, number>();
  const local = (service: string, port: number) => {
    const key = `${service}:${port}`;
    if (!ports.has(key)) ports.set(key, freePort());
    return `http://127.0.0.1:${ports.get(key)}`;
  };
  try {
    await o.report.check(`image ${image} in context ${ctx}`, async () => {
      const built = await run(["docker", "build", "-t", image, "."]);
      if (built.code !== 0) throw new Error(`docker build: ${said(built)}`);
      const load = loadImage(ctx, image);
      if (load) {
        const loaded = await run(load);
        if (loaded.code !== 0) throw new Error(said(loaded));
      }
      return load ? load.join(" ") : "the cluster shares the engine's images";
    });
    await o.report.check(`kubectl apply -k ${overlay}`, async () => {
      const applied = await run(["kubectl", "apply", "-k", overlay]);
      if (applied.code !== 0) throw new Error(said(applied));
      return `namespace ${config.namespace}`;
    });
    for (const c of list) {
      await o.report.check(`rollout: ${c.name}`, async () => {
        const timeout = (c.health?.startSeconds ?? 60) + 120;
        const out = await run([
          ...ns,
          "rollout",
          "status",
          `deployment/${c.name}`,
          `--timeout=${timeout}s`,
        ]);
        if (out.code !== 0) throw new Error(said(out));
        return out.stdout.trim().split("\n").at(-1) ?? "";
      });
    }
    if (o.report.failed) return;
    const services = [
      [NAMES.app, config.components.app.port],
      [NAMES.prometheus, config.components.prometheus.port],
      [NAMES.tempo, config.components.tempo.port],
      [NAMES.loki, config.components.loki.port],
      [NAMES.grafana, config.components.grafana.port],
    ] as const;
    for (const c of list) {
      const wanted = [
        ...new Set([
          ...services.filter(([s]) => s === c.name).map(([, p]) => p),
          ...(c.health ? [c.health.ready.port] : []),
        ]),
      ];
      if (wanted.length === 0) continue;
      forwards.push(start(`port-forward ${c.name}`, [
        ...ns,
        "port-forward",
        `service/${c.name}`,
        ...wanted.map((p) => `${new URL(local(c.name, p)).port}:${p}`),
      ]));
    }
    if (!await allReady(list, local, o.report)) return;
    await runSuite(
      suiteTargets(config, "local", local, o.env ?? Deno.env.get),
      expectations(config, "all"),
      {
        report: o.report,
        get: getter(fetch),
        ingestTimeoutMs: o.timeoutS * 1000,
      },
    );
  } finally {
    for (const f of forwards) await f.stop(2_000);
    if (o.report.failed) {
      o.log((await run([...ns, "get", "pods", "-o", "wide"])).stdout);
      o.log(
        (await run([...ns, "get", "events", "--sort-by=.lastTimestamp"]))
          .stdout,
      );
    }
    if (o.keep) {
      o.log(`kept running; remove it with: kubectl delete -k ${overlay}`);
    } else {await run([
        "kubectl",
        "delete",
        "-k",
        overlay,
        "--ignore-not-found",
      ]);}
  }
}
