/**
 * The stack is wired as designed, in the generated files themselves:
 * traces to Tempo, logs to Loki, metrics pushed by the collector to
 * Prometheus' OTLP receiver; every address names a real service
 * and port; the backends get the keys and flags of the pinned versions;
 * one changed value reaches every file that depends on it.
 */
import assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { STACK } from "../gen/stack.config.ts";
import { override, type Patch } from "../gen/override.ts";
import type { StackConfig } from "../gen/types.ts";
import { generate } from "../gen/generate.ts";

type Obj = Record<string, unknown>;

function tree(config: StackConfig): Map<string, string> {
  return new Map(generate(config, "tests").map((f) => [f.path, f.content]));
}

function yamlOf(files: Map<string, string>, path: string): Obj {
  const text = files.get(path);
  assert.ok(text, `${path} is generated`);
  return parse(text) as Obj;
}

function patched(o: Patch<StackConfig>): StackConfig {
  return override(STACK, o);
}

const files = tree(STACK);
const compose = yamlOf(files, "compose/compose.yaml") as {
  services: Record<string, Obj>;
};
const collector = yamlOf(files, "k8s/base/config/otelcol/config.yaml");
const prometheus = yamlOf(files, "k8s/base/config/prometheus/prometheus.yml");
const tempo = yamlOf(files, "k8s/base/config/tempo/tempo.yaml");
const loki = yamlOf(files, "k8s/base/config/loki/loki.yaml");
const pipelines = (collector.service as Obj).pipelines as Record<string, Obj>;
const exporters = collector.exporters as Record<string, Obj>;

/** Container ports a Compose service listens on (published or exposed). */
function portsOf(service: string): number[] {
  const svc = compose.services[service];
  assert.ok(svc, `${service} is a service`);
  return [
    ...((svc.ports as string[] | undefined) ?? []).map((p) =>
      Number(p.split(":").at(-1))
    ),
    ...((svc.expose as string[] | undefined) ?? []).map(Number),
  ];
}

/** Asserts `url` names a service of the stack and a port it listens on. */
function assertReachable(url: string) {
  const u = new URL(url);
  const service = Object.entries(compose.services).find(([name, svc]) =>
    name === u.hostname ||
    ((svc.networks as Obj | undefined)?.default as Obj | undefined)?.aliases
      ?.toString().split(",").includes(u.hostname)
  );
  assert.ok(service, `${url}: ${u.hostname} is a service or alias`);
  assert.ok(
    portsOf(service[0]).includes(Number(u.port)),
    `${url}: ${service[0]} listens on ${u.port}`,
  );
}

Deno.test("collector: traces to Tempo, logs to Loki's OTLP endpoint, metrics to Prometheus' OTLP receiver", () => {
  const only = (signal: string) => (pipelines[signal].exporters as string[]);
  assert.deepEqual(only("traces"), ["otlp_http/tempo"]);
  assert.deepEqual(only("logs"), ["otlp_http/loki"]);
  assert.deepEqual(only("metrics"), ["otlp_http/prometheus"]);
  assert.equal(exporters["otlp_http/tempo"].endpoint, "http://tempo:4318");
  assert.equal(exporters["otlp_http/loki"].endpoint, "http://loki:3100/otlp");
  assert.equal(
    exporters["otlp_http/prometheus"].endpoint,
    "http://prometheus:9090/api/v1/otlp",
  );
  for (const name of ["tempo", "loki", "prometheus"]) {
    assertReachable(String(exporters[`otlp_http/${name}`].endpoint));
  }
  assert.equal(exporters.prometheus, undefined, "no exporter to scrape");
  for (const [name, p] of Object.entries(pipelines)) {
    assert.deepEqual(p.receivers, ["otlp"], name);
    assert.equal(
      (p.processors as string[])[0],
      "memory_limiter",
      `${name}: memory_limiter first`,
    );
    assert.equal(
      (p.processors as string[]).at(-1),
      "batch",
      `${name}: batch last`,
    );
  }
  const limiter = (collector.processors as Obj).memory_limiter as Obj;
  assert.equal(
    limiter.limit_percentage,
    80,
    "follows each target's container limit",
  );
  assert.equal(limiter.limit_mib, undefined);
});

Deno.test("collector: every component defined is used, extensions enabled, listeners on 0.0.0.0", () => {
  const used = new Set(
    Object.values(pipelines).flatMap((p) => [
      ...(p.receivers as string[]),
      ...(p.processors as string[]),
      ...(p.exporters as string[]),
    ]),
  );
  for (const section of ["receivers", "processors", "exporters"]) {
    for (const name of Object.keys(collector[section] as Obj ?? {})) {
      assert.ok(used.has(name), `${section}.${name} is used by a pipeline`);
    }
  }
  assert.deepEqual(
    (collector.service as Obj).extensions,
    Object.keys(collector.extensions as Obj),
  );
  const text = files.get("k8s/base/config/otelcol/config.yaml")!
    .split("\n").filter((l) => !l.trim().startsWith("#")).join("\n");
  assert.doesNotMatch(text, /localhost|127\.0\.0\.1/);
  assert.doesNotMatch(
    text,
    /\botlphttp\b|\blogging\b|spanmetrics|servicegraph/,
    "current component names only",
  );
  const metrics = ((collector.service as Obj).telemetry as Obj).metrics as Obj;
  assert.equal(
    metrics.address,
    undefined,
    "the address key was removed in 0.128",
  );
  assert.ok(Array.isArray(metrics.readers));
});

Deno.test("collector: tail sampling samples only traces, after span metrics and the service graph are counted", () => {
  assert.equal((collector.processors as Obj).tail_sampling, undefined);
  assert.equal(collector.connectors, undefined);
  const on = tree(patched({
    components: {
      collector: { tailSampling: { enabled: true, keepPercent: 25 } },
    },
    overlays: { production: { collector: { minReplicas: 1, maxReplicas: 1 } } },
  }));
  const sampled = yamlOf(on, "k8s/base/config/otelcol/config.yaml");
  const p = (sampled.service as Obj).pipelines as Record<string, Obj>;
  assert.deepEqual(p.traces, {
    receivers: ["otlp"],
    processors: ["memory_limiter", "resource"],
    exporters: ["span_metrics", "service_graph", "forward/sampling"],
  });
  assert.deepEqual(p["traces/sampled"], {
    receivers: ["forward/sampling"],
    processors: ["tail_sampling", "batch"],
    exporters: ["otlp_http/tempo"],
  });
  assert.deepEqual(p.metrics.receivers, [
    "otlp",
    "span_metrics",
    "service_graph",
  ]);
  assert.deepEqual(
    p.logs.processors,
    ["memory_limiter", "resource", "batch"],
    "only traces are sampled",
  );
  // Every connector is an exporter of one pipeline and a receiver of another.
  for (const name of Object.keys(sampled.connectors as Obj)) {
    const as = (side: string) =>
      Object.values(p).some((x) => (x[side] as string[]).includes(name));
    assert.ok(as("exporters") && as("receivers"), `${name} wired both ways`);
  }
  const policies = ((sampled.processors as Obj).tail_sampling as Obj)
    .policies as Obj[];
  assert.deepEqual(policies.map((x) => x.type), [
    "status_code",
    "latency",
    "probabilistic",
  ]);
  assert.equal((policies[2].probabilistic as Obj).sampling_percentage, 25);
  // Tempo's generator is off: the metrics would describe the sample.
  const t = yamlOf(on, "k8s/base/config/tempo/tempo.yaml");
  assert.equal(t.metrics_generator, undefined);
  assert.equal(
    ((t.overrides as Obj).defaults as Obj).metrics_generator,
    undefined,
  );
  // One collector, never two at once: no autoscaler, no budget, Recreate.
  const prod = on.get("k8s/overlays/production/autoscaling.yaml")!;
  assert.doesNotMatch(prod, /name: otelcol/);
  assert.doesNotMatch(
    on.get("k8s/overlays/production/disruption-budgets.yaml")!,
    /otelcol/,
  );
  const base = parseAllDocuments(on.get("k8s/base/otelcol.yaml")!).map((d) =>
    d.toJS() as Obj
  );
  const deployment = base.find((o) => o.kind === "Deployment")!;
  assert.deepEqual((deployment.spec as Obj).strategy, { type: "Recreate" });
});

Deno.test("Prometheus: scrapes each collector instance's own metrics; nothing else of the services", () => {
  const jobs = prometheus.scrape_configs as Obj[];
  assert.deepEqual(jobs.map((j) => j.job_name), ["otelcol", "prometheus"]);
  const selfJob = jobs.find((j) => j.job_name === "otelcol")!;
  assert.equal(selfJob.honor_labels, undefined);
  const selfSd = (selfJob.dns_sd_configs as Obj[])[0];
  const reader = (((collector.service as Obj).telemetry as Obj).metrics as Obj)
    .readers as Obj[];
  const pull = (((reader[0].pull as Obj).exporter as Obj).prometheus) as Obj;
  assert.equal(selfSd.port, pull.port);
  assertReachable(`http://${(selfSd.names as string[])[0]}:${selfSd.port}`);
  // Kubernetes resolves the same name through a headless Service.
  const base = parseAllDocuments(files.get("k8s/base/otelcol.yaml")!).map((d) =>
    d.toJS() as Obj
  );
  const headless = base.find((o) =>
    o.kind === "Service" &&
    (o.metadata as Obj).name === (selfSd.names as string[])[0]
  );
  assert.equal((headless?.spec as Obj).clusterIP, "None");
});

Deno.test("Prometheus flags: OTLP and remote-write receivers, exemplar storage, out-of-order window, retention", () => {
  const command = compose.services.prometheus.command as string[];
  assert.ok(command.includes("--web.enable-otlp-receiver"));
  assert.ok(command.includes("--web.enable-remote-write-receiver"));
  assert.ok(command.includes("--enable-feature=exemplar-storage"));
  assert.ok(
    !command.some((a) => a.startsWith("--storage.tsdb.retention")),
    "the retention flag is deprecated in 3.x",
  );
  const tsdb = (prometheus.storage as Obj).tsdb as Obj;
  assert.equal(
    tsdb.out_of_order_time_window,
    "30m",
    "several collectors push samples slightly out of order",
  );
  assert.deepEqual(tsdb.retention, { time: "15d" });
});

Deno.test("Tempo: OTLP on 0.0.0.0, metrics generator remote-writes to Prometheus, v3 keys only", () => {
  const remote =
    (((tempo.metrics_generator as Obj).storage as Obj).remote_write as Obj[])[
      0
    ];
  assertReachable(String(remote.url));
  assert.equal(new URL(String(remote.url)).pathname, "/api/v1/write");
  assert.equal(remote.send_exemplars, true);
  const defaults = (tempo.overrides as Obj).defaults as Obj;
  assert.deepEqual((defaults.metrics_generator as Obj).processors, [
    "service-graphs",
    "span-metrics",
  ]);
  assert.equal((defaults.compaction as Obj).block_retention, "336h");
  for (const gone of ["ingester", "compactor", "ingester_client"]) {
    assert.equal(tempo[gone], undefined, `${gone} is not a Tempo 3 block`);
  }
});

Deno.test("Loki: tsdb v13 with structured metadata, retention through the compactor", () => {
  const schema = ((loki.schema_config as Obj).configs as Obj[])[0];
  assert.equal(schema.store, "tsdb");
  assert.equal(schema.schema, "v13");
  assert.equal((schema.index as Obj).period, "24h");
  const limits = loki.limits_config as Obj;
  assert.equal(limits.allow_structured_metadata, true);
  assert.equal(limits.retention_period, "14d");
  const compactor = loki.compactor as Obj;
  assert.equal(compactor.retention_enabled, true);
  assert.equal(compactor.delete_request_store, "filesystem");
  // Loki's MB is 2^20 bytes: 75% of the 1Gi limit is 768 of them.
  const wal = (loki.ingester as Obj).wal as Obj;
  assert.equal(wal.replay_memory_ceiling, "768MB");
});

Deno.test("the services export to the collector and loadgen targets the app", () => {
  for (const name of ["space-app", "loadgen"]) {
    const env = compose.services[name].environment as Record<string, string>;
    assertReachable(env.OTEL_EXPORTER_OTLP_ENDPOINT);
  }
  assert.equal(
    (compose.services.loadgen.environment as Obj).OTEL_SERVICE_NAME,
    "loadgen",
  );
  const args = compose.services.loadgen.command as string[];
  assert.equal(args[0], "loadgen");
  assertReachable(args[args.indexOf("--target") + 1]);
  assert.equal(
    compose.services.loadgen.image,
    compose.services["space-app"].image,
    "one image",
  );
});

Deno.test("one changed value reaches every file that depends on it", () => {
  const moved = tree(patched({ components: { prometheus: { port: 9191 } } }));
  const changed = [...moved.keys()].filter((p) => moved.get(p) !== files.get(p))
    .sort();
  assert.deepEqual(changed, [
    "compose/compose.yaml",
    "k8s/base/config/grafana/datasources/datasources.yaml",
    "k8s/base/config/otelcol/config.yaml",
    "k8s/base/config/prometheus/prometheus.yml",
    "k8s/base/config/tempo/tempo.yaml",
    "k8s/base/prometheus.yaml",
    "k8s/overlays/production/network-policies.yaml",
    "k8s/overlays/production/patches/prometheus.yaml",
  ]);
  for (const [path, text] of moved) {
    assert.doesNotMatch(text, /\b9090\b/, `${path} still says 9090`);
  }
});
