/**
 * The Compose and Kubernetes flows end to end with a fake command runner and
 * the fake stack: the order of docker/kubectl commands, readiness, the shared
 * checks, teardown (or not, with --keep) and exit codes. No engine, cluster or
 * network is used.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import type { CommandResult, CommandRunner } from "../stack/commands.ts";
import type { StackDeps } from "../stack/flow.ts";
import type { StackOptions } from "../stack/flags.ts";
import { freePort, imagePlan } from "../stack/k8s.ts";
import { runStack } from "../stack/main.ts";
import type { StackTargets } from "../stack/targets.ts";
import {
  fakeClock,
  fakeStack,
  type Route,
} from "./fixtures/stack/fake_stack.ts";

const SAMPLE_ROOT = fileURLToPath(
  new URL("./fixtures/stack/sample-root", import.meta.url),
);
const RENDERED = Deno.readTextFileSync(
  new URL("./fixtures/stack/k8s_rendered.yaml", import.meta.url),
);

/** A runner that records every command and answers from `answer`. */
function recordingRunner(
  answer: (argv: string) => Partial<CommandResult> | undefined,
) {
  const calls: string[] = [];
  const result = (argv: readonly string[]): CommandResult => {
    const key = argv.join(" ");
    calls.push(key);
    return { code: 0, stdout: "", stderr: "", ...answer(key) };
  };
  const runner: CommandRunner = {
    output: (argv) => Promise.resolve(result(argv)),
    inherit: (argv) => Promise.resolve(result(argv).code),
    spawn: (argv) => {
      calls.push(argv.join(" "));
      return {
        output: () => "Forwarding from 127.0.0.1:1 -> 1",
        exited: Promise.resolve(0),
        stop: () => {
          calls.push(`stop ${argv.join(" ")}`);
          return Promise.resolve();
        },
      };
    },
  };
  return { runner, calls };
}

function options(extra: Partial<StackOptions> = {}): StackOptions {
  return {
    mode: "compose",
    require: true,
    keep: false,
    timeoutS: 30,
    ...extra,
  };
}

/** Compose targets on free local ports (so the busy-port check passes). */
function composeTargets(): StackTargets {
  const svc = (role: StackTargets["services"]["app"]["role"], path: string) => {
    const port = freePort();
    return {
      role,
      name: role,
      port,
      ready: { port, path },
      readyTimeoutMs: 10_000,
    };
  };
  return {
    composeFile: "deploy/compose/compose.yaml",
    composeProject: "space-app-stack-test",
    k8sOverlay: "deploy/k8s/overlays/local",
    k8sNamespace: "",
    services: {
      app: svc("app", "/readyz"),
      collector: {
        role: "collector",
        name: "otel-collector",
        readyTimeoutMs: 10_000,
      },
      prometheus: svc("prometheus", "/-/ready"),
      tempo: svc("tempo", "/ready"),
      loki: svc("loki", "/ready"),
      grafana: svc("grafana", "/api/health"),
    },
    extraWorkloads: [],
    expectations: {
      service: "space-app",
      namespace: "demo",
      loadgen: "loadgen",
      grafanaUser: "admin",
      grafanaPassword: "s3cret",
      datasources: ["prometheus", "tempo", "loki"],
      dashboards: [{ uid: "space-app-red", title: "space-app: RED by route" }],
      alertRules: [{ uid: "space-app-error-rate", title: "x" }],
    },
    ingestTimeoutMs: 30_000,
    credentialsSource: "test",
  };
}

const COMPOSE =
  "docker compose -f deploy/compose/compose.yaml -p space-app-stack-test";

function deps(
  runner: CommandRunner,
  lines: string[],
  extra: Partial<StackDeps> = {},
  route?: Route,
  password?: string,
): StackDeps {
  return {
    runner,
    fetch: fakeStack(route, password).fetch,
    clock: fakeClock(),
    wallNow: () => 1_795_996_900_000,
    print: (line) => lines.push(line),
    root: SAMPLE_ROOT,
    env: () => undefined,
    ...extra,
  };
}

const engine = (argv: string): Partial<CommandResult> | undefined => {
  if (argv === "docker info --format {{.ServerVersion}}") {
    return { stdout: "28.2.2" };
  }
  if (argv === "docker compose version --short") return { stdout: "2.39.1" };
  return undefined;
};

Deno.test("compose flow: up, ready, checks, down; exit 0", async () => {
  const { runner, calls } = recordingRunner(engine);
  const lines: string[] = [];
  const code = await runStack(
    options(),
    deps(runner, lines, { targets: composeTargets() }),
  );
  assert.equal(code, 0, lines.join("\n"));
  assert.deepEqual(calls, [
    "docker info --format {{.ServerVersion}}",
    "docker compose version --short",
    `${COMPOSE} ps -q`,
    `${COMPOSE} up -d --build`,
    `${COMPOSE} down -v --remove-orphans`,
  ]);
  assert.ok(lines.some((l) => /^✔ ready: grafana /.test(l)));
  assert.ok(!lines.some((l) => l.startsWith("✘")), lines.join("\n"));
  assert.equal(lines.at(-1), "✔ all 20 checks passed");
});

Deno.test("compose flow: --keep leaves the stack up and says how to stop it", async () => {
  const { runner, calls } = recordingRunner(engine);
  const lines: string[] = [];
  const code = await runStack(
    options({ keep: true }),
    deps(runner, lines, { targets: composeTargets() }),
  );
  assert.equal(code, 0);
  assert.ok(!calls.some((c) => c.includes(" down ")));
  assert.ok(lines.includes(
    `stack kept running (--keep); stop it with: ${COMPOSE} down -v`,
  ));
});

Deno.test("compose flow: a service never ready fails, shows diagnostics, still tears down", async () => {
  const { runner, calls } = recordingRunner((argv) =>
    engine(argv) ??
      (argv.endsWith(" ps -a")
        ? { stdout: "NAME   STATUS\nloki   Up 2 minutes (unhealthy)" }
        : undefined)
  );
  const lines: string[] = [];
  const code = await runStack(
    options(),
    deps(
      runner,
      lines,
      { targets: composeTargets() },
      (url) =>
        url.pathname === "/ready" ? [503, "Ingester not ready"] : undefined,
    ),
  );
  assert.equal(code, 1);
  assert.ok(
    lines.some((l) =>
      /^✘ ready: loki .*last status 503: Ingester not ready$/.test(l)
    ),
    lines.join("\n"),
  );
  assert.ok(lines.includes("NAME   STATUS\nloki   Up 2 minutes (unhealthy)"));
  assert.ok(calls.includes(`${COMPOSE} logs --no-color --tail 20`));
  assert.equal(calls.at(-1), `${COMPOSE} down -v --remove-orphans`);
  assert.match(
    lines.at(-1)!,
    /^✘ 2 of 5 checks failed: ready: tempo; ready: loki$/,
  );
});

Deno.test("compose flow: up failing exits 1 and still tears down", async () => {
  const { runner, calls } = recordingRunner((argv) =>
    engine(argv) ?? (argv.endsWith("up -d --build") ? { code: 17 } : undefined)
  );
  const lines: string[] = [];
  const code = await runStack(
    options(),
    deps(runner, lines, { targets: composeTargets() }),
  );
  assert.equal(code, 1);
  assert.ok(lines.includes("✘ docker compose up exited with 17"));
  assert.equal(calls.at(-1), `${COMPOSE} down -v --remove-orphans`);
});

Deno.test("k8s flow: image to kind, apply, rollouts, port-forwards, checks, delete", async () => {
  const { runner, calls } = recordingRunner((argv) => {
    if (argv === "kubectl config current-context") {
      return { stdout: "kind-space\n" };
    }
    if (argv === "kubectl kustomize deploy/k8s/overlays/local") {
      return { stdout: RENDERED };
    }
    if (argv.includes(" rollout status ")) {
      return { stdout: 'deployment "x" successfully rolled out\n' };
    }
    return undefined;
  });
  const lines: string[] = [];
  const code = await runStack(
    options({ mode: "k8s" }),
    deps(runner, lines, {}, undefined, "k8s-local"),
  );
  assert.equal(code, 0, lines.join("\n"));
  const ns = "kubectl -n space-app-local";
  const rollouts = calls.filter((c) => c.includes(" rollout status "));
  assert.deepEqual(rollouts.map((c) => c.split(" ")[5]), [
    "deployment/space-app",
    "deployment/otel-collector",
    "statefulset/prometheus",
    "statefulset/tempo",
    "statefulset/loki",
    "deployment/grafana",
    "deployment/loadgen",
  ]);
  assert.ok(rollouts[2].endsWith("--timeout=310s"), "probe budget");
  assert.deepEqual(calls.slice(0, 6), [
    "kubectl config current-context",
    "kubectl cluster-info --request-timeout=10s",
    "kubectl kustomize deploy/k8s/overlays/local",
    "docker build -t space-app:dev .",
    "kind load docker-image space-app:dev --name space",
    "kubectl apply -k deploy/k8s/overlays/local",
  ]);
  const forwards = calls.filter((c) =>
    c.startsWith("kubectl") && c.includes(" port-forward ")
  );
  assert.equal(forwards.length, 6);
  assert.match(
    forwards.find((c) => c.includes("service/otel-collector"))!,
    /^kubectl -n space-app-local port-forward service\/otel-collector \d+:4318 \d+:13133$/,
  );
  assert.match(
    forwards.find((c) => c.includes("service/space-app"))!,
    new RegExp(`^${ns} port-forward service/space-app \\d+:80$`),
  );
  assert.equal(calls.filter((c) => c.startsWith("stop ")).length, 6);
  assert.equal(
    calls.at(-1),
    "kubectl delete -k deploy/k8s/overlays/local --ignore-not-found --wait=true",
  );
  assert.equal(lines.at(-1), "✔ all 28 checks passed");
});

Deno.test("k8s: how the app image reaches each kind of cluster", () => {
  const build = ["docker", "build", "-t", "space-app:dev", "."];
  assert.deepEqual(imagePlan("kind-kind", "space-app:dev"), {
    build,
    load: ["kind", "load", "docker-image", "space-app:dev", "--name", "kind"],
  });
  assert.deepEqual(imagePlan("k3d-dev", "space-app:dev"), {
    build,
    load: ["k3d", "image", "import", "space-app:dev", "-c", "dev"],
  });
  assert.deepEqual(imagePlan("minikube", "space-app:dev"), {
    build,
    load: ["minikube", "image", "load", "space-app:dev"],
  });
  assert.deepEqual(imagePlan("docker-desktop", "space-app:dev"), { build });
  assert.deepEqual(imagePlan("kind-x", "ghcr.io/acme/space-app:1.0.0"), {
    note: "the cluster pulls ghcr.io/acme/space-app:1.0.0 from its registry",
  });
  assert.match(
    "note" in imagePlan("gke_acme_prod", "space-app:dev")
      ? (imagePlan("gke_acme_prod", "space-app:dev") as { note: string }).note
      : "",
    /^context "gke_acme_prod" is not kind, k3d, minikube or Docker Desktop/,
  );
});
