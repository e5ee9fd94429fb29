/**
 * Every rule a config must pass before a single file is written: a schema
 * that mirrors {@link StackConfig} (types, unknown keys, value notations)
 * and a short list of rules across fields. Each problem is one line naming
 * the field, the bad value and what is allowed; all are reported together.
 *
 * @module
 */
import { blockedPortReason } from "../lib/http_url.ts";
import type { Resources, StackConfig } from "./types.ts";
import { isPinned, parseBytes, parseImage, parseMillicores } from "./units.ts";
import { parseDuration } from "../lib/duration.ts";

/** Thrown by {@link assertValid}: one line per problem. */
export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "StackConfigError";
  }
}

/** Adds `path: value is invalid: allowed` lines. */
type Add = (path: string, value: unknown, allowed: string) => void;
/** Checks one value at `path`. */
type Rule = (value: unknown, path: string, add: Add) => void;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/** A value `ok` accepts, else `allowed`. */
function when(
  ok: (v: never) => boolean,
  allowed: string,
  type: "string" | "number" | "boolean" = "string",
) {
  return ((value, path, add) => {
    const actual: string = typeof value;
    if (actual !== type) add(path, value, `expected a ${type}`);
    else if (!ok(value as never)) add(path, value, allowed);
  }) as Rule;
}

const text = (re: RegExp, allowed: string) =>
  when((v: string) => re.test(v), allowed);
const int = (min: number, max: number) =>
  when(
    (v: number) => Number.isInteger(v) && v >= min && v <= max,
    `expected an integer ${min}-${max}`,
    "number",
  );
const bool = when(() => true, "", "boolean");
const port = when(
  (v: number) => Number.isInteger(v) && v >= 1 && v <= 65535,
  "expected a port number 1-65535",
  "number",
);
/** A port the service's fetch calls go to: also not one fetch refuses. */
const fetchPort: Rule = (value, path, add) => {
  port(value, path, add);
  const blocked = typeof value === "number" && blockedPortReason(value);
  if (blocked) add(path, value, `expected another port: ${blocked}`);
};
const duration = when(
  (v: string) => (parseDuration(v) ?? 0) > 0,
  "expected a positive duration such as 30s, 5m, 12h, 14d",
);
const bytes = when(
  (v: string) => parseBytes(v) !== undefined,
  "expected a quantity such as 512Mi, 10Gi or 1G",
);
const cpu = when(
  (v: string) => parseMillicores(v) !== undefined,
  "expected a CPU quantity such as 250m, 1 or 0.5",
);
const name = text(
  /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
  "expected letters, digits, . _ -",
);
const dnsName = (what: string) =>
  when((v: string) => DNS_NAME.test(v) || DNS_LABEL.test(v), what);
const secretName = dnsName("expected a Secret name (DNS subdomain)");
const image = (allowUnpinned: boolean): Rule =>
  when(
    (v: string) => {
      const ref = parseImage(v);
      return ref !== undefined && (allowUnpinned || isPinned(ref));
    },
    allowUnpinned
      ? "expected an image reference repository:tag"
      : "expected a pinned tag or digest (no tag or :latest is allowed only in the local overlay)",
  );
const oneOf = (...values: string[]) =>
  when((v: string) => values.includes(v), `expected ${values.join(" or ")}`);

/** An object with exactly these keys (`?` suffix: optional). */
function object(shape: Record<string, Rule>): Rule {
  return (value, path, add) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      add(path, value, "expected an object");
      return;
    }
    const record = value as Record<string, unknown>;
    const keys = Object.keys(shape).map((k) => k.replace(/\?$/, ""));
    for (const key of Object.keys(record)) {
      if (!keys.includes(key)) {
        add(
          `${path}.${key}`,
          record[key],
          `unknown key: expected one of ${keys.join(", ")}`,
        );
      }
    }
    for (const [spec, rule] of Object.entries(shape)) {
      const key = spec.replace(/\?$/, "");
      if (record[key] === undefined && spec.endsWith("?")) continue;
      rule(record[key], path ? `${path}.${key}` : key, add);
    }
  };
}

/** An object whose `kind` picks its shape. */
function variant(
  shapes: Record<string, Record<string, Rule>>,
  allowed = `expected ${Object.keys(shapes).join(" or ")}`,
): Rule {
  return (value, path, add) => {
    const kind = (value as { kind?: unknown } | null)?.kind;
    const shape = typeof kind === "string" ? shapes[kind] : undefined;
    if (!shape) {
      add(`${path}.kind`, kind, allowed);
      return;
    }
    object({ kind: () => {}, ...shape })(value, path, add);
  };
}

const resources = object({
  requests: object({ cpu, memory: bytes }),
  limits: object({ "cpu?": cpu, memory: bytes }),
});
const workload = (extra: Record<string, Rule>) =>
  object({ image: image(false), resources, ...extra });
const stored = (extra: Record<string, Rule>) =>
  workload({ storage: bytes, retention: duration, ...extra });
const literal = {
  user: text(/\S/, "expected a user name"),
  password: when(
    (v: string) => v.length >= 8 && v !== "admin",
    "expected at least 8 characters, not admin",
  ),
};
const credentials = variant({ literal, secret: { secretName } });
const ingressHost = object({
  host: text(DNS_NAME, "expected a DNS name such as grafana.example.org"),
  tlsSecret: secretName,
});
const scaled = object({
  minReplicas: int(1, 1000),
  maxReplicas: int(1, 1000),
  targetCpuPercent: int(1, 100),
  resources,
});
const percent = when(
  (v: number) => v >= 0 && v <= 100,
  "expected a percentage 0-100",
  "number",
);

/** The schema of {@link StackConfig}. */
const SCHEMA = object({
  namespace: text(
    DNS_LABEL,
    "expected a DNS label: lowercase letters, digits and -, at most 63",
  ),
  environment: object(Object.fromEntries(
    ["compose", "local", "production"].map((k) => [
      k,
      text(
        /^[a-z0-9][a-z0-9._-]*$/,
        "expected lowercase letters, digits, . _ -",
      ),
    ]),
  )),
  components: object({
    app: workload({
      port: fetchPort,
      replicas: int(1, 100),
      serviceName: name,
      serviceNamespace: name,
      maxWorkMs: int(0, 600_000),
      shutdownTimeoutMs: int(1_000, 300_000),
      shutdownDrainMs: int(0, 300_000),
    }),
    loadgen: object({
      enabled: bool,
      serviceName: name,
      rate: when(
        (v: number) => v > 0 && v <= 10_000,
        "expected requests per second, above 0 and at most 10000",
        "number",
      ),
      concurrency: int(1, 10_000),
      mix: text(
        /^\/[^\s:,]*:\d+(,\/[^\s:,]*:\d+)*$/,
        "expected route:weight pairs such as /:80,/work:19,/error:1",
      ),
      workMs: text(
        /^\d+-\d+$/,
        "expected MIN-MAX milliseconds such as 100-500",
      ),
      resources,
    }),
    collector: workload({
      replicas: int(1, 100),
      ports: object({
        otlpGrpc: port,
        otlpHttp: fetchPort,
        selfMetrics: port,
        healthCheck: port,
      }),
      batch: object({ timeout: duration, sendBatchSize: int(1, 1_000_000) }),
      tailSampling: object({
        enabled: bool,
        decisionWait: duration,
        latencyThresholdMs: int(1, 3_600_000),
        keepPercent: percent,
      }),
    }),
    prometheus: stored({ port, scrapeInterval: duration }),
    tempo: stored({
      port,
      grpcPort: port,
      otlpGrpcPort: port,
      otlpHttpPort: port,
    }),
    loki: stored({ port, grpcPort: port }),
    grafana: workload({
      port,
      storage: bytes,
      credentials: variant(
        { literal },
        'Compose and the Kustomize base need { kind: "literal", user, password }; name a Secret in overlays.production.credentials',
      ),
      anonymousViewer: bool,
      alerts: object({
        errorRatePercent: when(
          (v: number) => v > 0 && v <= 100,
          "expected a percentage above 0, at most 100",
          "number",
        ),
        p95LatencyMs: int(1, 3_600_000),
        noTelemetryFor: duration,
        evaluateEvery: duration,
      }),
      notify: variant({
        none: {},
        webhook: {
          url: when(
            (v: string) => /^https?:\/\/[^\s/]+/.test(v),
            "expected an http(s) URL",
          ),
        },
      }),
    }),
  }),
  overlays: object({
    local: object({
      appImage: image(true),
      imagePullPolicy: oneOf("IfNotPresent", "Never"),
      credentials,
    }),
    production: object({
      appImage: image(false),
      storageClass: dnsName(
        "production needs a storage class name (DNS subdomain)",
      ),
      ingressClass: dnsName("expected an IngressClass name"),
      ingressNamespace: text(
        DNS_LABEL,
        "expected the Ingress controller's namespace (a DNS label such as ingress-nginx)",
      ),
      ingress: object({ app: ingressHost, grafana: ingressHost }),
      credentials: variant(
        { secret: { secretName } },
        'production needs a credentials source: { kind: "secret", secretName } naming an existing Secret',
      ),
      app: scaled,
      collector: scaled,
      storage: object(Object.fromEntries(
        ["prometheus", "tempo", "loki", "grafana"].map((k) => [k, bytes]),
      )),
    }),
  }),
});

/** Requests within limits. */
function withinLimits(r: Resources, path: string, add: Add): void {
  const [req, lim] = [
    parseBytes(r.requests.memory),
    parseBytes(r.limits.memory),
  ];
  if (req && lim && req > lim) {
    add(
      `${path}.requests.memory`,
      r.requests.memory,
      `must not exceed limits.memory ${r.limits.memory}`,
    );
  }
  const [c, l] = [
    parseMillicores(r.requests.cpu),
    r.limits.cpu && parseMillicores(r.limits.cpu),
  ];
  if (c && l && c > l) {
    add(
      `${path}.requests.cpu`,
      r.requests.cpu,
      `must not exceed limits.cpu ${r.limits.cpu}`,
    );
  }
}

/** Ports that share a network namespace (a container, the Compose host) must differ. */
function distinct(
  scope: string,
  ports: ReadonlyArray<readonly [string, number]>,
  add: Add,
): void {
  const seen = new Map<number, string>();
  for (const [path, port] of ports) {
    const other = seen.get(port);
    if (other) add(path, port, `${scope} port collides with ${other}`);
    else seen.set(port, path);
  }
}

/** The rules across fields, on a config that passed the schema. */
function crossField(config: StackConfig, add: Add): void {
  const c = config.components;
  const prod = config.overlays.production;
  const all: [string, Resources][] = [
    ...Object.entries(c).map(([k, v]) =>
      [`components.${k}.resources`, v.resources] as [string, Resources]
    ),
    ["overlays.production.app.resources", prod.app.resources],
    ["overlays.production.collector.resources", prod.collector.resources],
  ];
  for (const [path, r] of all) withinLimits(r, path, add);
  const [min, max] = c.loadgen.workMs.split("-").map(Number);
  if (min > max || max > c.app.maxWorkMs) {
    add(
      "components.loadgen.workMs",
      c.loadgen.workMs,
      `expected MIN-MAX milliseconds with MIN <= MAX <= components.app.maxWorkMs (${c.app.maxWorkMs})`,
    );
  }
  if (c.app.shutdownDrainMs >= c.app.shutdownTimeoutMs) {
    add(
      "components.app.shutdownDrainMs",
      c.app.shutdownDrainMs,
      `expected an integer 0-${
        c.app.shutdownTimeoutMs - 1
      } (below shutdownTimeoutMs)`,
    );
  }
  const pathsOf = (name: string, ports: Record<string, number>, prefix = "") =>
    Object.entries(ports).map(([k, v]) =>
      [`components.${name}.${prefix}${k}`, v] as const
    );
  distinct(
    "collector container",
    pathsOf("collector", c.collector.ports, "ports."),
    add,
  );
  distinct(
    "tempo container",
    pathsOf("tempo", {
      port: c.tempo.port,
      grpcPort: c.tempo.grpcPort,
      otlpGrpcPort: c.tempo.otlpGrpcPort,
      otlpHttpPort: c.tempo.otlpHttpPort,
    }),
    add,
  );
  distinct(
    "loki container",
    pathsOf("loki", { port: c.loki.port, grpcPort: c.loki.grpcPort }),
    add,
  );
  // Published on the Compose host.
  distinct("published", [
    ["components.app.port", c.app.port],
    ["components.collector.ports.otlpGrpc", c.collector.ports.otlpGrpc],
    ["components.collector.ports.otlpHttp", c.collector.ports.otlpHttp],
    ["components.collector.ports.healthCheck", c.collector.ports.healthCheck],
    ["components.prometheus.port", c.prometheus.port],
    ["components.tempo.port", c.tempo.port],
    ["components.loki.port", c.loki.port],
    ["components.grafana.port", c.grafana.port],
  ], add);
  if (prod.ingress.app.host === prod.ingress.grafana.host) {
    add(
      "overlays.production.ingress.grafana.host",
      prod.ingress.grafana.host,
      "must differ from ingress.app.host",
    );
  }
  for (const name of ["app", "collector"] as const) {
    const s = prod[name];
    if (s.maxReplicas < s.minReplicas) {
      add(
        `overlays.production.${name}.maxReplicas`,
        s.maxReplicas,
        `expected at least minReplicas (${s.minReplicas})`,
      );
    }
  }
  if (
    c.collector.tailSampling.enabled &&
    (prod.collector.maxReplicas > 1 || c.collector.replicas > 1)
  ) {
    add(
      "components.collector.tailSampling.enabled",
      true,
      "tail sampling needs every span of a trace at one collector: set collector replicas and overlays.production.collector.maxReplicas to 1",
    );
  }
}

/** Every problem with a config; empty when it is valid. */
export function validateConfig(config: unknown): string[] {
  const problems: string[] = [];
  const add: Add = (path, value, allowed) =>
    problems.push(
      `${path}: ${
        value === "<hidden>" ? value : JSON.stringify(value)
      } is invalid: ${allowed}`,
    );
  SCHEMA(config, "", add);
  try {
    crossField(config as StackConfig, add);
  } catch {
    // A shape the schema already reported; the rules across fields wait.
  }
  return problems.map((p) =>
    // Passwords never reach the terminal.
    /\.password: /.test(p)
      ? p.replace(/: ".*" is invalid/, ': "<hidden>" is invalid')
      : p
  );
}

/** Throws {@link StackConfigError} listing every problem, if any. */
export function assertValid(config: unknown): asserts config is StackConfig {
  const problems = validateConfig(config);
  if (problems.length > 0) throw new StackConfigError(problems);
}
