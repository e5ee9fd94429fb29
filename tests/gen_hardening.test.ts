/**
 * What keeps the deployed stack safe and steady, checked on the rendered
 * manifests: production exposure (no anonymous Grafana behind the Ingress,
 * its public URL, secure cookies, NetworkPolicies that admit only the
 * Ingress controller's namespace), Grafana's plugin settings, memory
 * limits the Go servers know about, probes, replica ownership, and the
 * alerting file's routing and folder.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { STACK } from "../gen/stack.config.ts";
import { override, type Patch } from "../gen/override.ts";
import type { StackConfig } from "../gen/types.ts";
import { generate } from "../gen/generate.ts";
import { writeTree } from "../gen/tree.ts";
import { kustomize, requireOrSkip } from "./_validators.ts";

type Obj = Record<string, unknown>;

function patched(o: Patch<StackConfig>): StackConfig {
  return override(STACK, o);
}

/** The objects `kubectl kustomize` renders for one overlay of a config. */
async function rendered(
  t: Deno.TestContext,
  config: StackConfig,
  overlay: "local" | "production",
): Promise<Obj[] | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "gen-hardening-" });
  try {
    await writeTree(dir, generate(config, "tests"), { check: false });
    const built = requireOrSkip(
      await kustomize(`${dir}/k8s/overlays/${overlay}`),
      t,
    );
    if (!built) return undefined;
    if (!built.ok) assert.fail(built.errors.join("\n"));
    return built.objects;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function find(objects: Obj[], kind: string, name: string): Obj {
  const found = objects.find((o) =>
    o.kind === kind && (o.metadata as Obj).name === name
  );
  assert.ok(found, `${kind}/${name} is rendered`);
  return found;
}

function container(objects: Obj[], name: string): Obj {
  const d = find(objects, "Deployment", name);
  return ((((d.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[
    0
  ];
}

function envOf(c: Obj): Record<string, unknown> {
  return Object.fromEntries(
    ((c.env as Obj[] | undefined) ?? []).map((e) => [
      e.name,
      e.value ?? e.valueFrom,
    ]),
  );
}

const files = new Map(
  generate(STACK, "tests").map((f) => [f.path, f.content]),
);
const compose = parse(files.get("compose/compose.yaml")!) as {
  services: Record<string, Obj>;
};

Deno.test("production: Grafana is never anonymous, knows its public URL and sends secure cookies", async (t) => {
  const objects = await rendered(t, STACK, "production");
  if (!objects) return;
  const env = envOf(container(objects, "grafana"));
  assert.equal(env.GF_AUTH_ANONYMOUS_ENABLED, "false");
  assert.equal(env.GF_SERVER_ROOT_URL, "https://grafana.example.com/");
  assert.equal(env.GF_SECURITY_COOKIE_SECURE, "true");
  // Compose and the local cluster keep anonymous viewing (loopback only).
  const local = await rendered(t, STACK, "local");
  if (!local) return;
  assert.equal(
    envOf(container(local, "grafana")).GF_AUTH_ANONYMOUS_ENABLED,
    "true",
  );
});

Deno.test("production: only the Ingress controller's namespace reaches the app and Grafana", async (t) => {
  const config = patched({
    overlays: { production: { ingressNamespace: "traefik" } },
  });
  const objects = await rendered(t, config, "production");
  if (!objects) return;
  for (const name of ["space-app-ingress", "grafana-ingress"]) {
    const policy = find(objects, "NetworkPolicy", name);
    const sources = ((policy.spec as Obj).ingress as Obj[]).flatMap((r) =>
      r.from as Obj[]
    );
    const outside = sources.filter((s) => s.namespaceSelector);
    assert.deepEqual(outside, [{
      namespaceSelector: {
        matchLabels: { "kubernetes.io/metadata.name": "traefik" },
      },
    }], name);
  }
});

Deno.test("production: autoscaled Deployments carry no replica count", async (t) => {
  const objects = await rendered(t, STACK, "production");
  if (!objects) return;
  const scaled = objects.filter((o) => o.kind === "HorizontalPodAutoscaler")
    .map((o) => ((o.spec as Obj).scaleTargetRef as Obj).name).sort();
  assert.deepEqual(scaled, ["otelcol", "space-app"]);
  for (const name of scaled) {
    const spec = find(objects, "Deployment", String(name)).spec as Obj;
    assert.equal(spec.replicas, undefined, `${name} replicas`);
  }
});

Deno.test("Grafana keeps the plugins its image bundles and runs read-only", () => {
  for (const target of ["compose", "k8s"]) {
    const env = target === "compose"
      ? compose.services.grafana.environment as Obj
      : Object.fromEntries(
        ((parse(files.get("k8s/base/grafana.yaml")!.split("\n---\n")[0]) as {
          spec: { template: { spec: { containers: Obj[] } } };
        }).spec.template.spec.containers[0].env as Obj[]).map((e) => [
          e.name,
          e.value,
        ]),
      );
    assert.equal(env.GF_PLUGINS_PREINSTALL_AUTO_UPDATE, "false", target);
    assert.equal(env.GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES, "false", target);
  }
  assert.equal(compose.services.grafana.read_only, true);
});

Deno.test("Go servers know their memory limit: GOMEMLIMIT at 80% of each target's limit", async (t) => {
  assert.equal(
    (compose.services.otelcol.environment as Obj).GOMEMLIMIT,
    "409MiB",
  );
  for (const name of ["tempo", "loki", "grafana"]) {
    assert.equal(
      (compose.services[name].environment as Obj).GOMEMLIMIT,
      "819MiB",
      name,
    );
  }
  const objects = await rendered(t, STACK, "production");
  if (!objects) return;
  assert.equal(envOf(container(objects, "otelcol")).GOMEMLIMIT, "819MiB");
});

Deno.test("Tempo and Loki: checked by their own -health in Compose, dependants wait; liveness is TCP", async (t) => {
  assert.deepEqual(
    (compose.services.tempo.healthcheck as Obj).test,
    ["CMD", "/tempo", "-health"],
  );
  assert.equal(
    ((compose.services.loki.healthcheck as Obj).test as string[])[1],
    "/usr/bin/loki",
  );
  for (const dependant of ["otelcol", "grafana"]) {
    const deps = compose.services[dependant].depends_on as Obj;
    for (const backend of ["tempo", "loki"]) {
      assert.deepEqual(deps[backend], { condition: "service_healthy" });
    }
  }
  const objects = await rendered(t, STACK, "production");
  if (!objects) return;
  for (const name of ["tempo", "loki"]) {
    const c = container(objects, name);
    assert.ok((c.livenessProbe as Obj).tcpSocket, `${name} liveness is TCP`);
    assert.ok((c.readinessProbe as Obj).httpGet, `${name} readiness is /ready`);
  }
  // Production budgets survive a WAL replay: minutes, not one.
  const budget = (name: string) => {
    const p = container(objects, name).startupProbe as Obj;
    return Number(p.periodSeconds) * Number(p.failureThreshold);
  };
  assert.equal(budget("prometheus"), 600);
  assert.equal(budget("loki"), 300);
  assert.equal(budget("space-app"), 10);
});

Deno.test("alerting: own folder, no `$` anywhere, routing only with a notifier", () => {
  const text = files.get("k8s/base/config/grafana/alerting/alerting.yaml")!;
  const body = text.split("\n").filter((l) => !l.startsWith("#")).join("\n");
  // Grafana reads rule models raw: an escaped `$$` would reach Prometheus.
  assert.doesNotMatch(body, /\$/);
  const alerting = parse(text) as Obj;
  const provider = parse(
    files.get("k8s/base/config/grafana/dashboard-provider/dashboards.yaml")!,
  ) as { providers: Obj[] };
  const folder = (alerting.groups as Obj[])[0].folder;
  assert.notEqual(folder, provider.providers[0].folder);
  assert.equal(alerting.contactPoints, undefined);
  assert.equal(alerting.policies, undefined, "the default routing tree stays");

  const hooked = new Map(
    generate(
      patched({
        components: {
          grafana: {
            notify: { kind: "webhook", url: "https://hooks.example.org/a" },
          },
        },
      }),
      "tests",
    ).map((f) => [f.path, f.content]),
  );
  const routed = parse(
    hooked.get("k8s/base/config/grafana/alerting/alerting.yaml")!,
  ) as Obj;
  const receiver = ((routed.contactPoints as Obj[])[0].receivers as Obj[])[0];
  assert.equal(receiver.type, "webhook");
  assert.equal((receiver.settings as Obj).url, "https://hooks.example.org/a");
  assert.equal(
    (routed.policies as Obj[])[0].receiver,
    (routed.contactPoints as Obj[])[0].name,
  );
});
