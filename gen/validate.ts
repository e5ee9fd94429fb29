/**
 * Every rule a config must pass before a file is written: the schema that
 * {@link StackConfig} is inferred from, and the rules across fields. Each
 * problem is a line naming the field, the bad value and what is allowed.
 * @module
 */
import { parseDuration } from "../lib/duration.ts";
import { blockedPortReason } from "../lib/http_url.ts";
import type { Resources, StackConfig } from "./types.ts";
import { isPinned, parseBytes, parseImage, parseMillicores } from "./units.ts";

/** Thrown by {@link assertValid}: one line per problem. */
export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "StackConfigError";
  }
}

type Obj = Record<string, unknown>;
type Add = (path: string, value: unknown, allowed: string) => void;
/** Checks one value; `T` is the type of the values it accepts. */
export interface Rule<T = unknown> {
  (value: unknown, path: string, add: Add): void;
  readonly accepts?: T;
}
export type Infer<R> = R extends Rule<infer T> ? T : never;
type Shape = Record<string, Rule>;
/** The object type of a shape; a `?` after a key makes it optional. */
type ObjectOf<S extends Shape> = Flat<
  & { readonly [K in keyof S as RequiredKey<K>]: Infer<S[K]> }
  & { readonly [K in keyof S as OptionalKey<K>]?: Infer<S[K]> }
>;
type RequiredKey<K> = K extends `${string}?` ? never : K;
type OptionalKey<K> = K extends `${infer N}?` ? N : never;
type Flat<T> = { [K in keyof T]: T[K] };

const LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const DNS_LABEL = new RegExp(`^${LABEL}$`);
const DNS_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(\\.${LABEL})+$`);

/** A value of `type` that `ok` accepts, else `allowed`. */
const when = <T>(ok: (v: T) => boolean, allowed: string, type = "string") =>
  ((value, path, add) => {
    const actual: string = typeof value;
    if (actual !== type) add(path, value, `expected a ${type}`);
    else if (!ok(value as T)) add(path, value, allowed);
  }) as Rule<T>;
const num = (ok: (v: number) => boolean, allowed: string) =>
  when(ok, allowed, "number");
const text = (re: RegExp, allowed: string) =>
  when((v: string) => re.test(v), allowed);
const int = (min: number, max: number) =>
  num(
    (v) => Number.isInteger(v) && v >= min && v <= max,
    `expected an integer ${min}-${max}`,
  );
const bool = when<boolean>(() => true, "", "boolean");
const port = num(
  (v) => Number.isInteger(v) && v >= 1 && v <= 65535,
  "expected a port number 1-65535",
);
/** A port the service's fetch calls go to: also not one fetch refuses. */
const fetchPort: Rule<number> = (value, path, add) => {
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
const dnsName = (allowed: string) =>
  when((v: string) => DNS_NAME.test(v) || DNS_LABEL.test(v), allowed);
const secretName = dnsName("expected a Secret name (DNS subdomain)");
const image = (local: boolean) =>
  when(
    (v: string) => {
      const ref = parseImage(v);
      return ref !== undefined && (local || isPinned(ref));
    },
    local
      ? "expected an image reference repository:tag"
      : "expected a pinned tag or digest (no tag or :latest is allowed only in the local overlay)",
  );

const oneOf = <const V extends string>(...values: V[]) =>
  when((v: V) => values.includes(v), `expected ${values.join(" or ")}`);

/** An object with exactly these keys (`?` suffix: optional). */
function object<S extends Shape>(shape: S): Rule<ObjectOf<S>> {
  const keys = Object.keys(shape).map((k) => k.replace(/\?$/, ""));
  return (value, path, add) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return add(path, value, "expected an object");
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (keys.includes(key)) continue;
      const allowed = `unknown key: expected one of ${keys.join(", ")}`;
      add(`${path}.${key}`, record[key], allowed);
    }
    for (const [spec, rule] of Object.entries(shape)) {
      const key = spec.replace(/\?$/, "");
      if (record[key] === undefined && spec.endsWith("?")) continue;
      rule(record[key], path ? `${path}.${key}` : key, add);
    }
  };
}

/** An object whose `kind` picks its shape. */
const variant = <S extends Record<string, Shape>>(
  shapes: S,
  allowed = `expected ${Object.keys(shapes).join(" or ")}`,
): Rule<{ [K in keyof S]: ObjectOf<S[K]> & { readonly kind: K } }[keyof S]> =>
(value, path, add) => {
  const kind = (value as { kind?: unknown } | null)?.kind;
  const shape = typeof kind === "string" ? shapes[kind] : undefined;
  if (!shape) return add(`${path}.kind`, kind, allowed);
  object({ kind: () => {}, ...shape })(value, path, add);
};

const each = <K extends string, T>(keys: K[], rule: Rule<T>) =>
  object(Object.fromEntries(keys.map((k) => [k, rule])) as Record<K, Rule<T>>);

const resources = object({
  requests: object({ cpu, memory: bytes }),
  limits: object({ "cpu?": cpu, memory: bytes }),
});
const workload = <S extends Shape>(extra: S) =>
  object({ image: image(false), resources, ...extra });
const stored = <S extends Shape>(extra: S) =>
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

export const SCHEMA = object({
  /** Kubernetes namespace and Compose project name. */
  namespace: text(
    DNS_LABEL,
    "expected a DNS label: lowercase letters, digits and -, at most 63",
  ),
  /** `deployment.environment.name` of the telemetry, per target. */
  environment: each(
    ["compose", "local", "production"],
    text(/^[a-z0-9][a-z0-9._-]*$/, "expected lowercase letters, digits, . _ -"),
  ),
  components: object({
    app: workload({
      port: fetchPort,
      replicas: int(1, 100),
      serviceName: name,
      serviceNamespace: name,
      /** Upper bound of `/work?ms=`. */
      maxWorkMs: int(0, 600_000),
      shutdownTimeoutMs: int(1_000, 300_000),
      /** After SIGTERM, how long `/readyz` answers 503 while still serving. */
      shutdownDrainMs: int(0, 300_000),
    }),
    loadgen: object({
      enabled: bool,
      serviceName: name,
      rate: num(
        (v) => v > 0 && v <= 10_000,
        "expected requests per second, above 0 and at most 10000",
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
      /** Keeps traces with errors or slower than the threshold, and a share of the rest. */
      tailSampling: object({
        enabled: bool,
        decisionWait: duration,
        latencyThresholdMs: int(1, 3_600_000),
        keepPercent: num(
          (v) => v >= 0 && v <= 100,
          "expected a percentage 0-100",
        ),
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
      ) as typeof credentials,
      anonymousViewer: bool,
      alerts: object({
        errorRatePercent: num(
          (v) => v > 0 && v <= 100,
          "expected a percentage above 0, at most 100",
        ),
        p95LatencyMs: int(1, 3_600_000),
        noTelemetryFor: duration,
        evaluateEvery: duration,
      }),
      /** Where firing alerts go besides Grafana's alerting pages. */
      notify: variant({
        none: {},
        webhook: {
          url: text(/^https?:\/\/[^\s/]+/, "expected an http(s) URL"),
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
      /** Only the Ingress controller's pods may reach the app and Grafana. */
      ingressNamespace: text(
        DNS_LABEL,
        "expected the Ingress controller's namespace (a DNS label such as ingress-nginx)",
      ),
      ingress: object({ app: ingressHost, grafana: ingressHost }),
      credentials: variant(
        { secret: { secretName } },
        'production needs a credentials source: { kind: "secret", secretName } naming an existing Secret',
      ) as typeof credentials,
      app: scaled,
      collector: scaled,
      storage: each(["prometheus", "tempo", "loki", "grafana"], bytes),
    }),
  }),
});

/** Requests within limits. */
const LIMITED = [["memory", parseBytes], ["cpu", parseMillicores]] as const;

/** The rules across fields, on a config that passed the schema. */
function crossField(config: StackConfig, add: Add): void {
  const c = config.components;
  const prod = config.overlays.production;
  const owners: [string, Resources][] = [
    ...Object.entries(c).map(([k, v]): [string, Resources] => [
      `components.${k}`,
      v.resources,
    ]),
    ["overlays.production.app", prod.app.resources],
    ["overlays.production.collector", prod.collector.resources],
  ];
  for (const [owner, r] of owners) {
    for (const [key, parse] of LIMITED) {
      const req = parse(r.requests[key]);
      const lim = r.limits[key] && parse(r.limits[key]);
      const allowed = `must not exceed limits.${key} ${r.limits[key]}`;
      if (req && lim && req > lim) {
        add(`${owner}.resources.requests.${key}`, r.requests[key], allowed);
      }
    }
  }
  const a = c.app;
  const [min, max] = c.loadgen.workMs.split("-").map(Number);
  if (min > max || max > a.maxWorkMs) {
    add(
      "components.loadgen.workMs",
      c.loadgen.workMs,
      `expected MIN-MAX milliseconds with MIN <= MAX <= components.app.maxWorkMs (${a.maxWorkMs})`,
    );
  }
  if (a.shutdownDrainMs >= a.shutdownTimeoutMs) {
    const max = a.shutdownTimeoutMs - 1;
    add(
      "components.app.shutdownDrainMs",
      a.shutdownDrainMs,
      `expected an integer 0-${max} (below shutdownTimeoutMs)`,
    );
  }
  // Ports that share a network namespace (a container, the Compose host),
  // as paths under `components`.
  const distinct = (scope: string, paths: string[]) => {
    const seen = new Map<unknown, string>();
    for (const path of paths.map((p) => `components.${p}`)) {
      const port = path.split(".").slice(1)
        .reduce((o, k) => (o as Obj)[k], c as unknown);
      const other = seen.get(port);
      if (other) add(path, port, `${scope} port collides with ${other}`);
      else seen.set(port, path);
    }
  };
  const collector = (keys: string[]) => keys.map((k) => `collector.ports.${k}`);
  distinct("collector container", collector(Object.keys(c.collector.ports)));
  const tempo = ["port", "grpcPort", "otlpGrpcPort", "otlpHttpPort"];
  distinct("tempo container", tempo.map((k) => `tempo.${k}`));
  distinct("loki container", ["loki.port", "loki.grpcPort"]);
  const backends = ["prometheus", "tempo", "loki", "grafana"];
  distinct("published", [
    "app.port",
    ...collector(["otlpGrpc", "otlpHttp", "healthCheck"]),
    ...backends.map((k) => `${k}.port`),
  ]);
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

/** Every problem with a config, all at once. */
export function validateConfig(config: unknown): string[] {
  const problems: string[] = [];
  const add: Add = (path, value, allowed) => {
    // Passwords never reach the terminal.
    const hidden = /\.password$/.test(path) && typeof value === "string";
    const shown = hidden ? '"<hidden>"' : JSON.stringify(value);
    problems.push(`${path}: ${shown} is invalid: ${allowed}`);
  };
  SCHEMA(config, "", add);
  try {
    crossField(config as StackConfig, add);
  } catch {
    // A shape the schema already reported; the rules across fields wait.
  }
  return problems;
}

/** Throws {@link StackConfigError} listing every problem, if any. */
export function assertValid(config: unknown): asserts config is StackConfig {
  const problems = validateConfig(config);
  if (problems.length > 0) throw new StackConfigError(problems);
}
