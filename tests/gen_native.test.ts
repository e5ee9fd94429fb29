/**
 * The native render (plain processes on one host) comes from the same typed
 * config and model as Compose, and differs from it only in addresses, ports
 * and data paths.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { STACK } from "../gen/stack.config.ts";
import { override, type Patch } from "../gen/override.ts";
import type { StackConfig } from "../gen/types.ts";
import { collectorConfig } from "../gen/components/collector.ts";
import { lokiConfig } from "../gen/components/loki.ts";
import { prometheusConfig } from "../gen/components/prometheus.ts";
import { tempoConfig } from "../gen/components/tempo.ts";
import type { Placement } from "../gen/placement.ts";
import { portFields, renderNative, withPorts } from "../gen/native.ts";
import { CONTAINERS, IMAGE_DATA_DIRS } from "../gen/placement.ts";
import { collectorData } from "../gen/components/collector.ts";
import { builderManifest } from "../gen/components/collector_builder.ts";

const ROOT = "/run/native";
const BACKENDS = ["collector", "prometheus", "tempo", "loki"] as const;

/** Distinct native ports: 20000 + the field's position. */
function nativePorts(config: StackConfig): Map<string, number> {
  return new Map(
    [...portFields(config).keys()].map((path, i) => [path, 20000 + i]),
  );
}

/** How one placement names things, for {@link normalize}. */
interface Naming {
  /** The address servers bind to. */
  readonly bind: string;
  /** Port field of `host:port` (a bound address resolves in `own`). */
  field(host: string, port: number, own: string): string | undefined;
  /** Data directory per component. */
  readonly dataDirs: Readonly<Record<string, string>>;
}

/**
 * Rewrites a rendered file of component `own` so that addresses, ports and
 * data paths read the same whichever placement produced it: `host:port`
 * becomes `ADDR:<port field>`, a port number under a port key its field, the
 * bind address `BIND`, a data directory `DATA/<component>`.
 */
function normalize(text: string, own: string, naming: Naming): unknown {
  const address = (s: string) =>
    s.replace(/\b([a-z][a-z0-9-]*|\d+\.\d+\.\d+\.\d+):(\d{2,5})\b/g, (
      whole,
      host,
      port,
    ) => {
      const field = naming.field(host, Number(port), own);
      return field ? `ADDR:${field}` : whole;
    });
  const walk = (value: unknown, key = ""): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v, key));
    if (value && typeof value === "object") {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, walk(v, k)]),
      );
    }
    if (typeof value === "number" && /port/i.test(key)) {
      return naming.field(naming.bind, value, own) ?? value;
    }
    if (typeof value !== "string") return value;
    if (value === naming.bind && /^host$|listen_address$/.test(key)) {
      return "BIND";
    }
    for (const [component, dir] of Object.entries(naming.dataDirs)) {
      if (value === dir || value.startsWith(`${dir}/`)) {
        return `DATA/${component}${value.slice(dir.length)}`;
      }
    }
    return address(value);
  };
  return walk(parse(text));
}

/** Port fields of one component, by port. */
function fieldsOf(
  config: StackConfig,
  component: string,
): Map<number, string> {
  return new Map(
    [...portFields(config)].filter(([path]) =>
      path.startsWith(`components.${component}.`)
    ).map(([path, port]) => [port, path]),
  );
}

/** The component whose host name is `host` (Compose service names). */
const BY_HOST: Readonly<Record<string, string>> = {
  otelcol: "collector",
  prometheus: "prometheus",
  tempo: "tempo",
  loki: "loki",
  "space-app": "app",
  grafana: "grafana",
};

function containerNaming(config: StackConfig): Naming {
  return {
    bind: "0.0.0.0",
    field: (host, port, own) =>
      fieldsOf(config, host === "0.0.0.0" ? own : BY_HOST[host] ?? "")
        .get(port),
    dataDirs: IMAGE_DATA_DIRS,
  };
}

function nativeNaming(config: StackConfig, root: string): Naming {
  const all = new Map(
    [...portFields(config)].map(([path, port]) => [port, path]),
  );
  return {
    bind: "127.0.0.1",
    field: (host, port) => host === "127.0.0.1" ? all.get(port) : undefined,
    dataDirs: Object.fromEntries(
      Object.keys(IMAGE_DATA_DIRS).map((c) => [c, `${root}/data/${c}`]),
    ),
  };
}

/** Each backend's config file for a placement. */
function configsFor(config: StackConfig, placement: Placement) {
  return {
    collector: collectorConfig(config, placement),
    prometheus: prometheusConfig(config, placement),
    tempo: tempoConfig(config, placement),
    loki: lokiConfig(config, placement),
  };
}

function configsOf(patch: Patch<StackConfig>) {
  const variant = override(STACK, patch);
  const ports = nativePorts(variant);
  const native = renderNative(
    variant,
    ROOT,
    (path) => ports.get(path)!,
    "tests",
  );
  return {
    native,
    container: configsFor(variant, CONTAINERS),
    nativeContents: configsFor(native.config, native.placement),
    containerNaming: containerNaming(variant),
    nativeNaming: nativeNaming(native.config, ROOT),
  };
}

for (
  const [name, patch] of [
    ["defaults", {}],
    ["tail sampling", {
      components: { collector: { tailSampling: { enabled: true } } },
      overlays: {
        production: { collector: { minReplicas: 1, maxReplicas: 1 } },
      },
    }],
  ] as const
) {
  Deno.test(`native render (${name}): only addresses, ports and data paths differ from Compose`, () => {
    const r = configsOf(patch);
    for (const backend of BACKENDS) {
      const a = normalize(r.container[backend], backend, r.containerNaming);
      const b = normalize(r.nativeContents[backend], backend, r.nativeNaming);
      if (backend === "prometheus") {
        // Scrape targets: DNS A records of every collector vs the one address.
        const jobs = (x: unknown) =>
          (x as { scrape_configs: Record<string, unknown>[] }).scrape_configs;
        for (const job of [...jobs(a), ...jobs(b)]) {
          delete job.dns_sd_configs;
          delete job.static_configs;
        }
      }
      assert.deepEqual(b, a, `${backend} config`);
      assert.notEqual(r.container[backend], r.nativeContents[backend]);
    }
  });
}

Deno.test("native render: every server on loopback, ports all distinct, files under the root", () => {
  const r = configsOf({});
  for (const backend of BACKENDS) {
    const text = r.nativeContents[backend];
    assert.doesNotMatch(text, /0\.0\.0\.0/, `${backend} binds loopback only`);
    for (const host of ["otelcol", "tempo", "loki", "prometheus"]) {
      assert.doesNotMatch(
        text,
        new RegExp(`//${host}:|^\\s*- ${host}:`, "m"),
        `${backend} names no container host ${host}`,
      );
    }
  }
  const ports = [...portFields(r.native.config).values()];
  assert.equal(new Set(ports).size, ports.length, "no two servers share one");
  const args = (name: string) =>
    r.native.components.find((c) => c.name === name)!.args;
  assert.deepEqual(args("tempo"), [
    `-config.file=${ROOT}/config/tempo/tempo.yaml`,
  ]);
  assert.ok(
    args("prometheus").includes(`--storage.tsdb.path=${ROOT}/data/prometheus`),
  );
  // The native components are the Compose ones with native args.
  const collector = r.native.components.find((c) => c.name === "otelcol")!;
  assert.deepEqual(collector.args, [
    `--config=${ROOT}/config/otelcol/config.yaml`,
  ]);
});

Deno.test("withPorts refuses a field the config does not have", () => {
  assert.throws(
    () => withPorts(STACK, new Map([["components.app.nope", 1]])),
    /no port field components\.app\.nope/,
  );
});

Deno.test("collector builder manifest: one module per component type the configs use", () => {
  const tail = override(STACK, {
    components: { collector: { tailSampling: { enabled: true } } },
    overlays: { production: { collector: { minReplicas: 1, maxReplicas: 1 } } },
  });
  const modules = (m: Record<string, unknown>, section: string) =>
    ((m[section] ?? []) as { gomod: string }[]).map((x) =>
      x.gomod.split("/").at(-1)
    );
  const plain = builderManifest(
    [collectorData(STACK, CONTAINERS)],
    "0.159.0",
  );
  assert.deepEqual(modules(plain, "connectors"), []);
  assert.deepEqual(modules(plain, "exporters"), ["otlphttpexporter v0.159.0"]);
  const union = builderManifest([
    collectorData(STACK, CONTAINERS),
    collectorData(tail, CONTAINERS),
  ], "0.159.0");
  assert.deepEqual(modules(union, "connectors"), [
    "forwardconnector v0.159.0",
    "servicegraphconnector v0.159.0",
    "spanmetricsconnector v0.159.0",
  ]);
  assert.ok(
    modules(union, "processors").includes("tailsamplingprocessor v0.159.0"),
  );
  assert.throws(
    () => builderManifest([{ exporters: { kafka: {} } }], "0.159.0"),
    /no Go module known for exporters type kafka/,
  );
});
