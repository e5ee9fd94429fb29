/**
 * `OTEL_*` environment parsing: defaults, precedence, and one-line errors.
 */
import assert from "node:assert/strict";
import { ConfigError, recordEnv } from "../lib/env.ts";
import { readTelemetryConfig, signalUrl } from "../telemetry/config.ts";
import { readServerConfig } from "../server/config.ts";

const DEFAULTS = {
  serviceName: "space-app",
  serviceVersion: "1.2.3",
  serviceNamespace: "demo",
  environment: "development",
};

const read = (env: Record<string, string>) =>
  readTelemetryConfig(recordEnv(env), DEFAULTS);

Deno.test("defaults", () => {
  const c = read({});
  assert.equal(c.disabled, false);
  assert.equal(c.serviceName, "space-app");
  assert.deepEqual(c.resourceAttributes, {
    "service.name": "space-app",
    "service.namespace": "demo",
    "service.version": "1.2.3",
    "deployment.environment.name": "development",
  });
  assert.equal(c.traces.endpoint, "http://localhost:4318/v1/traces");
  assert.equal(c.metrics.endpoint, "http://localhost:4318/v1/metrics");
  assert.equal(c.logs.endpoint, "http://localhost:4318/v1/logs");
  assert.equal(c.traces.protocol, "http/protobuf");
  assert.equal(c.traces.exporter, "otlp");
  assert.equal(c.traces.timeoutMs, 10_000);
  assert.equal(c.sampler, "parentbased_always_on");
  assert.deepEqual(c.propagators, ["tracecontext", "baggage"]);
  assert.equal(c.metricExportIntervalMs, 60_000);
  assert.ok(
    c.spanBatch.maxQueueSize >= 10_000,
    "queue holds a second of 10k req/s",
  );
});

Deno.test("service name and resource attributes", () => {
  const c = read({
    OTEL_RESOURCE_ATTRIBUTES:
      "service.name=from-attrs,deployment.environment.name=prod,team=a%20b",
  });
  assert.equal(c.serviceName, "from-attrs");
  assert.equal(c.resourceAttributes["deployment.environment.name"], "prod");
  assert.equal(c.resourceAttributes["team"], "a b");
  assert.equal(
    read({ OTEL_SERVICE_NAME: "x", OTEL_RESOURCE_ATTRIBUTES: "service.name=y" })
      .serviceName,
    "x",
  );
});

Deno.test("endpoints: base gets /v1/<signal>, per-signal is used as is", () => {
  const c = read({
    OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/prefix/",
    OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: "http://loki:3100/otlp/v1/logs",
  });
  assert.equal(c.traces.endpoint, "http://collector:4318/prefix/v1/traces");
  assert.equal(c.logs.endpoint, "http://loki:3100/otlp/v1/logs");
  assert.equal(
    signalUrl(new URL("http://c:4318"), "metrics"),
    "http://c:4318/v1/metrics",
  );
});

Deno.test("headers, timeout, protocol, exporters, sampler, batch sizes", () => {
  const c = read({
    OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20t,x-a=1",
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-a=2",
    OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
    OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: "700",
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_LOGS_EXPORTER: "console",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: "0.25",
    OTEL_BSP_MAX_QUEUE_SIZE: "100",
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "10",
    OTEL_BLRP_SCHEDULE_DELAY: "50",
    OTEL_METRIC_EXPORT_INTERVAL: "1000",
    OTEL_SDK_DISABLED: "TRUE",
  });
  assert.deepEqual(c.traces.headers, { authorization: "Bearer t", "x-a": "2" });
  assert.deepEqual(c.metrics.headers, {
    authorization: "Bearer t",
    "x-a": "1",
  });
  assert.equal(c.traces.timeoutMs, 2500);
  assert.equal(c.metrics.timeoutMs, 700);
  assert.equal(c.logs.protocol, "http/json");
  assert.equal(c.logs.exporter, "console");
  assert.equal(c.metrics.exporter, "none");
  assert.equal(c.sampler, "parentbased_traceidratio");
  assert.equal(c.samplerArg, 0.25);
  assert.deepEqual(c.spanBatch, {
    maxQueueSize: 100,
    maxExportBatchSize: 10,
    scheduleDelayMs: 1000,
    exportTimeoutMs: 10_000,
  });
  assert.equal(c.logBatch.scheduleDelayMs, 50);
  assert.equal(c.metricExportIntervalMs, 1000);
  assert.equal(c.metricExportTimeoutMs, 1000);
  assert.equal(c.disabled, true);
});

Deno.test("bad values are one-line errors naming the variable, value and what is allowed", async (t) => {
  const cases: [Record<string, string>, string][] = [
    [
      { OTEL_SDK_DISABLED: "yes" },
      'OTEL_SDK_DISABLED="yes" is invalid: expected true or false',
    ],
    [
      { OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" },
      'OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318" is invalid: expected an absolute http:// or https:// URL',
    ],
    [
      { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "ftp://x" },
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="ftp://x" is invalid: expected an absolute http:// or https:// URL',
    ],
    [
      { OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" },
      'OTEL_EXPORTER_OTLP_PROTOCOL="grpc" is invalid: expected one of http/protobuf, http/json',
    ],
    [
      { OTEL_TRACES_EXPORTER: "jaeger" },
      'OTEL_TRACES_EXPORTER="jaeger" is invalid: expected one of otlp, console, none',
    ],
    [
      { OTEL_LOGS_EXPORTER: "otlp,console" },
      'OTEL_LOGS_EXPORTER="otlp,console" is invalid: expected one of otlp, console, none (a single exporter)',
    ],
    [
      { OTEL_TRACES_SAMPLER: "traceidratio", OTEL_TRACES_SAMPLER_ARG: "1.5" },
      'OTEL_TRACES_SAMPLER_ARG="1.5" is invalid: expected a number from 0 to 1',
    ],
    [
      { OTEL_TRACES_SAMPLER_ARG: "0.5" },
      'OTEL_TRACES_SAMPLER_ARG="0.5" is invalid with OTEL_TRACES_SAMPLER=parentbased_always_on: expected it only with traceidratio or parentbased_traceidratio',
    ],
    [
      { OTEL_EXPORTER_OTLP_TIMEOUT: "10s" },
      'OTEL_EXPORTER_OTLP_TIMEOUT="10s" is invalid: expected an integer from 1 to 600000',
    ],
    [
      { OTEL_BSP_MAX_QUEUE_SIZE: "10", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "20" },
      'OTEL_BSP_MAX_EXPORT_BATCH_SIZE="20" is invalid: expected at most OTEL_BSP_MAX_QUEUE_SIZE (10)',
    ],
    [
      { OTEL_METRIC_EXPORT_INTERVAL: "0" },
      'OTEL_METRIC_EXPORT_INTERVAL="0" is invalid: expected an integer from 100 to 3600000',
    ],
    [
      { OTEL_RESOURCE_ATTRIBUTES: "novalue" },
      'OTEL_RESOURCE_ATTRIBUTES="novalue" is invalid: expected comma-separated key=value pairs (bad item "novalue")',
    ],
    [
      { OTEL_PROPAGATORS: "b3" },
      'OTEL_PROPAGATORS="b3" is invalid: expected a list of tracecontext, baggage, or none',
    ],
  ];
  for (const [env, message] of cases) {
    await t.step(
      Object.entries(env).map(([k, v]) => `${k}=${v}`).join(" "),
      () => {
        assert.throws(() => read(env), (e: unknown) => {
          assert.ok(e instanceof ConfigError);
          assert.equal(e.message, message);
          assert.ok(!e.message.includes("\n"));
          return true;
        });
      },
    );
  }
});

Deno.test("server config: defaults and errors", () => {
  assert.deepEqual(readServerConfig(recordEnv({})), {
    port: 8000,
    host: "0.0.0.0",
    maxWorkMs: 10_000,
    shutdownTimeoutMs: 10_000,
    shutdownDrainMs: 1_000,
  });
  assert.equal(
    readServerConfig(recordEnv({ HOST: "::1", PORT: "9000" })).host,
    "::1",
  );
  assert.throws(
    () =>
      readServerConfig(
        recordEnv({ SHUTDOWN_DRAIN_MS: "5000", SHUTDOWN_TIMEOUT_MS: "2000" }),
      ),
    /SHUTDOWN_DRAIN_MS="5000" is invalid: expected less than SHUTDOWN_TIMEOUT_MS \(2000\)/,
  );
  assert.throws(
    () => readServerConfig(recordEnv({ PORT: "0" })),
    /PORT="0" is invalid/,
  );
  assert.throws(
    () => readServerConfig(recordEnv({ PORT: "80.5" })),
    /PORT="80.5" is invalid/,
  );
});
