/**
 * The typed config: the defaults are valid, every rule names the field,
 * the bad value and what is allowed, and a JSON override is merged
 * strictly.
 */
import assert from "node:assert/strict";
import { STACK } from "../gen/stack.config.ts";
import { override, type Patch } from "../gen/override.ts";
import type { StackConfig } from "../gen/types.ts";
import {
  goDuration,
  isPinned,
  parseBytes,
  parseImage,
  parseMillicores,
} from "../gen/units.ts";
import { parseDuration } from "../lib/duration.ts";
import { validateConfig } from "../gen/validate.ts";

/** The config with some fields changed (deliberately bad ones included). */
function withOverride(patch: unknown): StackConfig {
  return override(STACK, patch as Patch<StackConfig>);
}

/** Asserts exactly one problem, starting with `path` and mentioning `text`. */
function assertProblem(config: StackConfig, path: string, text: string) {
  const problems = validateConfig(config);
  const matching = problems.filter((p) => p.startsWith(`${path}:`));
  assert.equal(
    matching.length,
    1,
    `expected a problem at ${path}, got ${JSON.stringify(problems)}`,
  );
  assert.match(matching[0], new RegExp(text));
}

Deno.test("the default config is valid", () => {
  assert.deepEqual(validateConfig(STACK), []);
});

Deno.test("units: durations, quantities, images", () => {
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("15d"), 15 * 86_400_000);
  assert.equal(parseDuration("15 days"), undefined);
  assert.equal(parseDuration("10"), undefined);
  assert.equal(goDuration("14d"), "336h");
  assert.equal(goDuration("90s"), "90s");
  assert.equal(parseBytes("512Mi"), 512 * 2 ** 20);
  assert.equal(parseBytes("1G"), 1e9);
  assert.equal(parseBytes("10GB"), undefined);
  assert.equal(parseBytes("0"), undefined);
  assert.equal(parseMillicores("250m"), 250);
  assert.equal(parseMillicores("1.5"), 1500);
  assert.equal(parseMillicores("two"), undefined);
  assert.deepEqual(parseImage("grafana/tempo:3.0.3"), {
    repository: "grafana/tempo",
    tag: "3.0.3",
    digest: undefined,
  });
  assert.equal(
    parseImage("localhost:5000/space-app:1")?.repository,
    "localhost:5000/space-app",
  );
  assert.equal(parseImage("Bad Image"), undefined);
  assert.equal(isPinned(parseImage("space-app")!), false);
  assert.equal(isPinned(parseImage("space-app:latest")!), false);
  assert.equal(
    isPinned(parseImage(`space-app@sha256:${"a".repeat(64)}`)!),
    true,
  );
});

Deno.test("port collisions are named with both fields", () => {
  const config = withOverride({ components: { grafana: { port: 9090 } } });
  assertProblem(
    config,
    "components.grafana.port",
    "collides with components.prometheus.port",
  );
  const inCollector = withOverride({
    components: { collector: { ports: { selfMetrics: 13133 } } },
  });
  assertProblem(
    inCollector,
    "components.collector.ports.healthCheck",
    "collides with components.collector.ports.selfMetrics",
  );
  assertProblem(
    withOverride({ components: { tempo: { grpcPort: 4318 } } }),
    "components.tempo.otlpHttpPort",
    "collides with components.tempo.grpcPort",
  );
  assertProblem(
    withOverride({ components: { app: { port: 70000 } } }),
    "components.app.port",
    "expected a port number 1-65535",
  );
});

Deno.test("ports that fetch refuses are refused where loadgen, the health check or the exporters call them", () => {
  assertProblem(
    withOverride({ components: { app: { port: 6000 } } }),
    "components.app.port",
    "expected another port: port 6000 is one fetch refuses",
  );
  assertProblem(
    withOverride({ components: { collector: { ports: { otlpHttp: 6666 } } } }),
    "components.collector.ports.otlpHttp",
    "expected another port: port 6666 is one fetch refuses",
  );
});

Deno.test("malformed durations and quantities are refused", () => {
  assertProblem(
    withOverride({ components: { prometheus: { retention: "15 days" } } }),
    "components.prometheus.retention",
    '"15 days" is invalid: expected a positive duration',
  );
  assertProblem(
    withOverride({ components: { loki: { storage: "10GB" } } }),
    "components.loki.storage",
    '"10GB" is invalid: expected a quantity',
  );
  assertProblem(
    withOverride({
      components: {
        tempo: { resources: { requests: { cpu: "lots", memory: "1Gi" } } },
      },
    }),
    "components.tempo.resources.requests.cpu",
    "expected a CPU quantity",
  );
  assertProblem(
    withOverride({
      components: {
        tempo: { resources: { requests: { cpu: "1", memory: "2Gi" } } },
      },
    }),
    "components.tempo.resources.requests.memory",
    "must not exceed limits.memory",
  );
});

Deno.test("unpinned images are refused outside the local overlay", () => {
  assertProblem(
    withOverride({ components: { loki: { image: "grafana/loki:latest" } } }),
    "components.loki.image",
    "expected a pinned tag or digest",
  );
  assertProblem(
    withOverride({
      overlays: { production: { appImage: "registry.example.com/space-app" } },
    }),
    "overlays.production.appImage",
    "expected a pinned tag",
  );
  const local = withOverride({
    overlays: { local: { appImage: "space-app:latest" } },
  });
  assert.deepEqual(validateConfig(local), []);
});

Deno.test("production needs ingress hosts, a storage class and a Grafana credentials source", () => {
  assertProblem(
    withOverride({
      overlays: { production: { ingress: { app: { host: "" } } } },
    }),
    "overlays.production.ingress.app.host",
    "expected a DNS name",
  );
  assertProblem(
    withOverride({ overlays: { production: { storageClass: "" } } }),
    "overlays.production.storageClass",
    "production needs a storage class",
  );
  assertProblem(
    withOverride({
      overlays: {
        production: {
          credentials: { kind: "literal", user: "admin", password: "admin" },
        },
      },
    }),
    "overlays.production.credentials.kind",
    "production needs a credentials source",
  );
});

Deno.test("cross-field rules: tail sampling, work range, drain, credentials, notifier", () => {
  assertProblem(
    withOverride({ components: { app: { shutdownDrainMs: 10_000 } } }),
    "components.app.shutdownDrainMs",
    "expected an integer 0-9999",
  );
  assertProblem(
    withOverride({
      components: {
        grafana: { notify: { kind: "webhook", url: "hooks.example.com" } },
      },
    }),
    "components.grafana.notify.url",
    "expected an http\\(s\\) URL",
  );
  assertProblem(
    withOverride({
      overlays: { production: { ingressNamespace: "Ingress_NGINX" } },
    }),
    "overlays.production.ingressNamespace",
    "the Ingress controller's namespace",
  );
  assertProblem(
    withOverride({
      components: { collector: { tailSampling: { enabled: true } } },
    }),
    "components.collector.tailSampling.enabled",
    "every span of a trace at one collector",
  );
  assertProblem(
    withOverride({ components: { loadgen: { workMs: "500-100" } } }),
    "components.loadgen.workMs",
    "MIN <= MAX",
  );
  assertProblem(
    withOverride({
      components: {
        grafana: {
          credentials: { kind: "literal", user: "admin", password: "admin" },
        },
      },
    }),
    "components.grafana.credentials.password",
    "at least 8 characters",
  );
});

Deno.test("a config of the wrong shape: unknown keys and wrong types are refused with their path", () => {
  assert.deepEqual(
    validateConfig(
      withOverride({ components: { prometheus: { retension: "1d" } } }),
    ),
    [
      'components.prometheus.retension: "1d" is invalid: unknown key: expected one of image, resources, storage, retention, port, scrapeInterval',
    ],
  );
  assert.deepEqual(
    validateConfig(withOverride({ components: { app: { port: "8080" } } })),
    ['components.app.port: "8080" is invalid: expected a number'],
  );
  assert.deepEqual(validateConfig({ namespace: "x" }).slice(0, 2), [
    "environment: undefined is invalid: expected an object",
    "components: undefined is invalid: expected an object",
  ]);
  const secret = withOverride({
    overlays: {
      production: {
        credentials: { kind: "secret", secretName: "ops-grafana" },
      },
    },
  });
  assert.deepEqual(validateConfig(secret), []);
  assert.deepEqual(secret.overlays.production.credentials, {
    kind: "secret",
    secretName: "ops-grafana",
  });
  assert.equal(STACK.components.app.port, 8000, "the config is not mutated");
  assert.match(
    validateConfig(
      withOverride({
        components: {
          grafana: {
            credentials: { kind: "literal", user: "a", password: "short" },
          },
        },
      }),
    ).join("\n"),
    /password: "<hidden>" is invalid: expected at least 8 characters/,
  );
});
