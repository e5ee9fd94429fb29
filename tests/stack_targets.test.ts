/**
 * How the stack test reads its targets from generated deploy assets: a
 * hand-written sample tree (tests/fixtures/stack/sample-root) and a sample
 * rendered overlay, plus the committed deploy/ that `deno task gen` writes.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { SERVICE_DEFAULTS } from "../main.ts";
import type { CommandRunner } from "../stack/commands.ts";
import {
  composePorts,
  durationMs,
  healthcheckBudgetMs,
  interpolate,
  roleOf,
} from "../stack/discover.ts";
import {
  composeTargets,
  dotenv,
  MIN_READY_TIMEOUT_MS,
  SERVICE_NAME,
  SERVICE_NAMESPACE,
  type StackTargets,
} from "../stack/targets.ts";
import { k8sTargets } from "../stack/targets_k8s.ts";
import { denoRunner } from "../stack/commands.ts";
import { requireOrSkip } from "./_validators.ts";
import { ROOT } from "./_helpers.ts";

const SAMPLE_ROOT = fileURLToPath(
  new URL("./fixtures/stack/sample-root", import.meta.url),
);
const RENDERED = Deno.readTextFileSync(
  new URL("./fixtures/stack/k8s_rendered.yaml", import.meta.url),
);
const noEnv = () => undefined;

function ok(result: ReturnType<typeof composeTargets>): StackTargets {
  if (!result.ok) assert.fail(result.problems.join("\n"));
  return result.targets;
}

/** A runner whose `kubectl kustomize` prints `stdout` (or fails with `stderr`). */
function kustomize(stdout: string, code = 0, stderr = ""): CommandRunner {
  return {
    output: (argv) => {
      assert.deepEqual(argv, [
        "kubectl",
        "kustomize",
        "deploy/k8s/overlays/local",
      ]);
      return Promise.resolve({ code, stdout, stderr });
    },
    inherit: () => Promise.reject(new Error("not in this test")),
    spawn: () => {
      throw new Error("not in this test");
    },
  };
}

Deno.test("defaults agree with the service's own resource defaults", () => {
  assert.equal(SERVICE_NAME, SERVICE_DEFAULTS.serviceName);
  assert.equal(SERVICE_NAMESPACE, SERVICE_DEFAULTS.serviceNamespace);
});

Deno.test("discover: roles by image and command", () => {
  assert.equal(
    roleOf("otel/opentelemetry-collector-contrib:0.159.0", [], "c"),
    "collector",
  );
  assert.equal(roleOf("prom/prometheus:v3.14.0", [], "metrics"), "prometheus");
  assert.equal(roleOf("grafana/tempo:3.0.3", [], "traces"), "tempo");
  assert.equal(roleOf("grafana/loki:3.7.6", [], "logs"), "loki");
  assert.equal(roleOf("grafana/grafana:13.2.0", [], "ui"), "grafana");
  assert.equal(roleOf("space-app:dev", ["serve"], "api"), "app");
  assert.equal(roleOf("space-app:dev", ["loadgen"], "load"), "loadgen");
  assert.equal(roleOf("", [], "loadgen"), "loadgen");
  assert.equal(roleOf("busybox:1.37", [], "init"), undefined);
});

Deno.test("discover: durations, interpolation, ports, health check budget", () => {
  assert.equal(durationMs("1m30s"), 90_000);
  assert.equal(durationMs("500ms"), 500);
  assert.equal(durationMs("10"), undefined);
  assert.equal(durationMs("soon"), undefined);
  const env = (n: string) =>
    ({ SET: "x", EMPTY: "" } as Record<string, string>)[n];
  assert.equal(
    interpolate("${SET}-${UNSET:-d}-${EMPTY:-e}-${EMPTY-f}-$$", env),
    "x-d-e--$",
  );
  assert.deepEqual(
    composePorts(
      ["3000", "8000:8000", "127.0.0.1:9090:9090/tcp", {
        target: 3100,
        published: "${P:-3101}",
      }],
      noEnv,
    ),
    [
      { container: 3000, exposed: undefined },
      { container: 8000, exposed: 8000 },
      { container: 9090, exposed: 9090 },
      { container: 3100, exposed: 3101 },
    ],
  );
  assert.equal(
    healthcheckBudgetMs({
      interval: "5s",
      timeout: "2s",
      retries: 6,
      start_period: "10s",
    }),
    52_000,
  );
  assert.equal(healthcheckBudgetMs({}), 180_000, "Compose defaults");
  assert.equal(healthcheckBudgetMs({ disable: true }), undefined);
  assert.deepEqual(dotenv("# c\nA=1\nB = 'two'\n"), { A: "1", B: "two" });
});

Deno.test("compose targets: roles, published ports, budgets, credentials, provisioning", () => {
  const t = ok(composeTargets(SAMPLE_ROOT, noEnv));
  assert.equal(t.composeFile, "deploy/compose/compose.yaml");
  assert.equal(t.composeProject, "space-app-stack-test");
  const s = t.services;
  assert.deepEqual(
    Object.values(s).map((x) => [x.role, x.name, x.port, x.ready?.port]),
    [
      ["app", "space-app", 8000, 8000],
      ["collector", "otel-collector", 4318, 13133],
      ["prometheus", "prometheus", 9090, 9090],
      ["tempo", "tempo", 3200, 3200],
      ["loki", "loki", 3101, 3101], // LOKI_PORT from deploy/compose/.env
      ["grafana", "grafana", 3000, 3000],
    ],
  );
  assert.equal(
    s.app.readyTimeoutMs,
    MIN_READY_TIMEOUT_MS,
    "52 s raised to the floor",
  );
  assert.equal(
    s.prometheus.readyTimeoutMs,
    200_000,
    "20 s + (10 s + 5 s) x 12",
  );
  assert.equal(s.grafana.ready?.path, "/api/health");
  assert.equal(t.credentialsSource, "secret grafana_admin_password");
  assert.deepEqual(t.expectations, {
    service: "space-app",
    namespace: "demo",
    loadgen: "loadgen",
    grafanaUser: "admin",
    grafanaPassword: "local-only-password",
    datasources: ["prometheus", "tempo", "loki"],
    dashboards: [
      { uid: "collector-health", title: "OpenTelemetry Collector health" },
      { uid: "space-app-red", title: "space-app: RED by route" },
    ],
    alertRules: [{
      uid: "space-app-error-rate",
      title: "space-app error rate above 5%",
    }],
  });
});

Deno.test("compose targets: the environment wins over .env; credential overrides", () => {
  const env = (name: string) =>
    ({
      LOKI_PORT: "3999",
      GRAFANA_ADMIN_USER: "ops",
      STACK_GRAFANA_PASSWORD: "from-env",
    } as Record<string, string>)[name];
  const t = ok(composeTargets(SAMPLE_ROOT, env));
  assert.equal(t.services.loki.port, 3999);
  assert.equal(t.expectations.grafanaUser, "ops");
  assert.equal(t.expectations.grafanaPassword, "from-env");
  assert.equal(t.credentialsSource, "$STACK_GRAFANA_PASSWORD");
});

Deno.test("compose targets: missing file, role or port are named problems", () => {
  const empty = Deno.makeTempDirSync();
  try {
    missingPieces(empty);
  } finally {
    Deno.removeSync(empty, { recursive: true });
  }
});

function missingPieces(empty: string) {
  const none = composeTargets(empty, noEnv);
  assert.equal(none.ok, false);
  assert.match(
    !none.ok ? none.problems[0] : "",
    /^no Compose file \(looked for deploy\/compose\/compose\.yaml, .*\): run `deno task gen`/,
  );

  Deno.mkdirSync(`${empty}/deploy/compose`, { recursive: true });
  Deno.writeTextFileSync(
    `${empty}/deploy/compose/compose.yaml`,
    "services:\n  app: { image: 'space-app:dev' }\n  prometheus: { image: 'prom/prometheus:v3.14.0', ports: ['9090:9090'] }\n",
  );
  const partial = composeTargets(empty, noEnv);
  assert.deepEqual(!partial.ok && partial.problems, [
    "deploy/compose/compose.yaml: app does not expose port 8000, which the checks query",
    "deploy/compose/compose.yaml: no service runs the collector image",
    "deploy/compose/compose.yaml: no service runs the tempo image",
    "deploy/compose/compose.yaml: no service runs the loki image",
    "deploy/compose/compose.yaml: no service runs the grafana image",
  ]);
}

Deno.test("k8s targets: namespace, Service ports, probes, workloads, Secret credentials", async () => {
  const result = await k8sTargets(SAMPLE_ROOT, noEnv, kustomize(RENDERED));
  if (!result.ok) assert.fail(result.problems.join("\n"));
  const t = result.targets;
  assert.equal(t.k8sNamespace, "space-app-local");
  assert.deepEqual(
    Object.values(t.services).map((
      x,
    ) => [x.name, x.port, x.ready?.port, x.workload]),
    [
      ["space-app", 80, 80, "deployment/space-app"],
      ["otel-collector", 4318, 13133, "deployment/otel-collector"],
      ["prometheus", 9090, 9090, "statefulset/prometheus"],
      ["tempo", 3200, 3200, "statefulset/tempo"],
      ["loki", 3100, 3100, "statefulset/loki"],
      ["grafana", 3000, 3000, "deployment/grafana"],
    ],
  );
  assert.equal(t.services.app.readyTimeoutMs, 60_000, "startup probe 2 s x 30");
  assert.equal(t.services.prometheus.readyTimeoutMs, 310_000);
  assert.deepEqual(t.extraWorkloads, ["deployment/loadgen"]);
  assert.equal(t.expectations.grafanaUser, "admin");
  assert.equal(t.expectations.grafanaPassword, "k8s-local");
  assert.equal(t.expectations.loadgen, "loadgen");
  assert.equal(t.expectations.namespace, "demo");
});

Deno.test("k8s targets: a failing kustomize is one problem line", async () => {
  const result = await k8sTargets(
    SAMPLE_ROOT,
    noEnv,
    kustomize("", 1, "error: must build at directory: not a valid directory\n"),
  );
  assert.deepEqual(!result.ok && result.problems, [
    "kubectl kustomize deploy/k8s/overlays/local failed: error: must build at directory: not a valid directory (run `deno task gen` to write deploy/)",
  ]);
});

Deno.test("the committed deploy/ gives usable Compose targets", () => {
  const t = ok(composeTargets(ROOT, noEnv));
  assert.ok(t.expectations.dashboards.length > 0, "dashboards provisioned");
  assert.ok(t.expectations.alertRules.length > 0, "alert rules provisioned");
  assert.ok(t.expectations.datasources.length >= 3, "datasources provisioned");
});

Deno.test("the committed local overlay gives usable Kubernetes targets", async (t) => {
  const probe = await denoRunner.output(["kubectl", "version", "--client"]);
  if (probe.notFound) {
    requireOrSkip({ skipped: "kubectl is not installed" }, t);
    return;
  }
  const result = await k8sTargets(ROOT, noEnv, denoRunner);
  if (!result.ok) assert.fail(result.problems.join("\n"));
  const compose = ok(composeTargets(ROOT, noEnv));
  assert.equal(result.targets.k8sNamespace, "space-app");
  assert.deepEqual(result.targets.extraWorkloads, ["deployment/loadgen"]);
  assert.deepEqual(
    result.targets.expectations.dashboards,
    compose.expectations.dashboards,
  );
  assert.deepEqual(
    result.targets.expectations.alertRules,
    compose.expectations.alertRules,
  );
  assert.deepEqual(
    Object.keys(result.targets.services).sort(),
    Object.keys(compose.services).sort(),
  );
});
