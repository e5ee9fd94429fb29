/**
 * Every rule a config must pass before a single file is written. Each
 * problem is one line naming the field, the bad value and what is allowed;
 * all problems are reported together.
 *
 * @module
 */
import type {
  AlertNotifier,
  GrafanaCredentials,
  IngressHost,
  Resources,
  StackConfig,
} from "./types.ts";
import {
  isPinned,
  parseBytes,
  parseDuration,
  parseImage,
  parseMillicores,
} from "./units.ts";
import { blockedPortReason } from "../../lib/http_url.ts";

/** Thrown by {@link assertValid}: one line per problem. */
export class StackConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "StackConfigError";
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_NAME =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)+$/;

/** Collects problems with field paths. */
class Problems {
  readonly list: string[] = [];
  add(path: string, value: unknown, allowed: string): void {
    this.list.push(`${path}: ${JSON.stringify(value)} is invalid: ${allowed}`);
  }
}

function checkDuration(p: Problems, path: string, value: string): void {
  const ms = parseDuration(value);
  if (ms === undefined || ms === 0) {
    p.add(
      path,
      value,
      "expected a positive duration such as 30s, 5m, 12h, 14d",
    );
  }
}

function checkPort(p: Problems, path: string, value: number): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    p.add(path, value, "expected a port number 1-65535");
  }
}

/**
 * A port the service's fetch calls go to (loadgen and the health check to
 * space-app, both to the collector's OTLP/HTTP port): not a bad port.
 */
function checkFetchPort(p: Problems, path: string, value: number): void {
  const blocked = blockedPortReason(value);
  if (blocked) p.add(path, value, `expected another port: ${blocked}`);
}

function checkInt(
  p: Problems,
  path: string,
  value: number,
  min: number,
  max: number,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    p.add(path, value, `expected an integer ${min}-${max}`);
  }
}

function checkBytes(p: Problems, path: string, value: string): void {
  if (parseBytes(value) === undefined) {
    p.add(path, value, "expected a quantity such as 512Mi, 10Gi or 1G");
  }
}

function checkResources(p: Problems, path: string, r: Resources): void {
  const cpuMsg = "expected a CPU quantity such as 250m, 1 or 0.5";
  if (parseMillicores(r.requests.cpu) === undefined) {
    p.add(`${path}.requests.cpu`, r.requests.cpu, cpuMsg);
  }
  if (
    r.limits.cpu !== undefined && parseMillicores(r.limits.cpu) === undefined
  ) {
    p.add(`${path}.limits.cpu`, r.limits.cpu, cpuMsg);
  }
  checkBytes(p, `${path}.requests.memory`, r.requests.memory);
  checkBytes(p, `${path}.limits.memory`, r.limits.memory);
  const request = parseBytes(r.requests.memory);
  const limit = parseBytes(r.limits.memory);
  if (request !== undefined && limit !== undefined && request > limit) {
    p.add(
      `${path}.requests.memory`,
      r.requests.memory,
      `must not exceed limits.memory ${r.limits.memory}`,
    );
  }
  const cpuRequest = parseMillicores(r.requests.cpu);
  const cpuLimit = r.limits.cpu ? parseMillicores(r.limits.cpu) : undefined;
  if (cpuRequest && cpuLimit && cpuRequest > cpuLimit) {
    p.add(
      `${path}.requests.cpu`,
      r.requests.cpu,
      `must not exceed limits.cpu ${r.limits.cpu}`,
    );
  }
}

function checkImage(
  p: Problems,
  path: string,
  value: string,
  allowUnpinned: boolean,
): void {
  const ref = parseImage(value);
  if (!ref) {
    p.add(path, value, "expected an image reference repository:tag");
  } else if (!allowUnpinned && !isPinned(ref)) {
    p.add(
      path,
      value,
      "expected a pinned tag or digest (no tag or :latest is allowed only in the local overlay)",
    );
  }
}

function checkCredentials(
  p: Problems,
  path: string,
  c: GrafanaCredentials,
  production: boolean,
): void {
  if (c.kind === "secret") {
    if (!DNS_NAME.test(c.secretName) && !DNS_LABEL.test(c.secretName)) {
      p.add(
        `${path}.secretName`,
        c.secretName,
        "expected a Secret name (DNS subdomain)",
      );
    }
    return;
  }
  if (production) {
    p.add(
      `${path}.kind`,
      c.kind,
      'production needs a credentials source: { kind: "secret", secretName } naming an existing Secret',
    );
    return;
  }
  if (c.user.trim() === "") {
    p.add(`${path}.user`, c.user, "expected a user name");
  }
  if (c.password.length < 8 || c.password === "admin") {
    p.add(
      `${path}.password`,
      "<hidden>",
      "expected at least 8 characters, not admin",
    );
  }
}

function checkNotifier(p: Problems, path: string, n: AlertNotifier): void {
  if (n.kind === "none") return;
  if (n.kind !== "webhook") {
    p.add(
      `${path}.kind`,
      (n as { kind: unknown }).kind,
      "expected none or webhook",
    );
    return;
  }
  let url: URL | undefined;
  try {
    url = new URL(n.url);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    p.add(`${path}.url`, n.url, "expected an http(s) URL");
  }
}

function checkIngress(p: Problems, path: string, host: IngressHost): void {
  if (!DNS_NAME.test(host.host)) {
    p.add(
      `${path}.host`,
      host.host,
      "expected a DNS name such as grafana.example.org",
    );
  }
  if (!DNS_NAME.test(host.tlsSecret) && !DNS_LABEL.test(host.tlsSecret)) {
    p.add(
      `${path}.tlsSecret`,
      host.tlsSecret,
      "expected a Secret name (DNS subdomain)",
    );
  }
}

/** Ports that share one network namespace (a container) or the host must differ. */
function checkCollisions(
  p: Problems,
  scope: string,
  ports: ReadonlyArray<readonly [string, number]>,
): void {
  const seen = new Map<number, string>();
  for (const [path, port] of ports) {
    const other = seen.get(port);
    if (other !== undefined) {
      p.add(path, port, `${scope} port collides with ${other}`);
    } else {
      seen.set(port, path);
    }
  }
}

/** Every problem with a config; empty when it is valid. */
export function validateConfig(config: StackConfig): string[] {
  const p = new Problems();
  const c = config.components;
  if (!DNS_LABEL.test(config.namespace)) {
    p.add(
      "namespace",
      config.namespace,
      "expected a DNS label: lowercase letters, digits and -, at most 63",
    );
  }
  for (const [name, value] of Object.entries(config.environment)) {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(value)) {
      p.add(
        `environment.${name}`,
        value,
        "expected lowercase letters, digits, . _ -",
      );
    }
  }

  // Images: pinned everywhere except the local overlay's own app image.
  for (
    const name of [
      "app",
      "collector",
      "prometheus",
      "tempo",
      "loki",
      "grafana",
    ] as const
  ) {
    checkImage(p, `components.${name}.image`, c[name].image, false);
    checkResources(p, `components.${name}.resources`, c[name].resources);
  }
  checkResources(p, "components.loadgen.resources", c.loadgen.resources);

  // App.
  checkPort(p, "components.app.port", c.app.port);
  checkFetchPort(p, "components.app.port", c.app.port);
  checkInt(p, "components.app.replicas", c.app.replicas, 1, 100);
  checkInt(p, "components.app.maxWorkMs", c.app.maxWorkMs, 0, 600_000);
  checkInt(
    p,
    "components.app.shutdownTimeoutMs",
    c.app.shutdownTimeoutMs,
    1_000,
    300_000,
  );
  checkInt(
    p,
    "components.app.shutdownDrainMs",
    c.app.shutdownDrainMs,
    0,
    Math.max(0, c.app.shutdownTimeoutMs - 1),
  );
  for (const key of ["serviceName", "serviceNamespace"] as const) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(c.app[key])) {
      p.add(
        `components.app.${key}`,
        c.app[key],
        "expected letters, digits, . _ -",
      );
    }
  }

  // Loadgen: the same notations its flags accept.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(c.loadgen.serviceName)) {
    p.add(
      "components.loadgen.serviceName",
      c.loadgen.serviceName,
      "expected letters, digits, . _ -",
    );
  }
  if (!(c.loadgen.rate > 0 && c.loadgen.rate <= 10_000)) {
    p.add(
      "components.loadgen.rate",
      c.loadgen.rate,
      "expected requests per second, above 0 and at most 10000",
    );
  }
  checkInt(
    p,
    "components.loadgen.concurrency",
    c.loadgen.concurrency,
    1,
    10_000,
  );
  if (!/^\/[^\s:,]*:\d+(,\/[^\s:,]*:\d+)*$/.test(c.loadgen.mix)) {
    p.add(
      "components.loadgen.mix",
      c.loadgen.mix,
      "expected route:weight pairs such as /:80,/work:19,/error:1",
    );
  }
  const work = /^(\d+)-(\d+)$/.exec(c.loadgen.workMs);
  if (
    !work || Number(work[1]) > Number(work[2]) ||
    Number(work[2]) > c.app.maxWorkMs
  ) {
    p.add(
      "components.loadgen.workMs",
      c.loadgen.workMs,
      `expected MIN-MAX milliseconds with MIN <= MAX <= components.app.maxWorkMs (${c.app.maxWorkMs})`,
    );
  }

  // Collector.
  const col = c.collector;
  for (const [key, port] of Object.entries(col.ports)) {
    checkPort(p, `components.collector.ports.${key}`, port);
  }
  checkFetchPort(p, "components.collector.ports.otlpHttp", col.ports.otlpHttp);
  checkCollisions(
    p,
    "collector container",
    Object.entries(col.ports).map(([k, v]) =>
      [`components.collector.ports.${k}`, v] as const
    ),
  );
  checkInt(p, "components.collector.replicas", col.replicas, 1, 100);
  checkInt(
    p,
    "components.collector.batch.sendBatchSize",
    col.batch.sendBatchSize,
    1,
    1_000_000,
  );
  checkDuration(p, "components.collector.batch.timeout", col.batch.timeout);
  const ts = col.tailSampling;
  checkDuration(
    p,
    "components.collector.tailSampling.decisionWait",
    ts.decisionWait,
  );
  checkInt(
    p,
    "components.collector.tailSampling.latencyThresholdMs",
    ts.latencyThresholdMs,
    1,
    3_600_000,
  );
  if (!(ts.keepPercent >= 0 && ts.keepPercent <= 100)) {
    p.add(
      "components.collector.tailSampling.keepPercent",
      ts.keepPercent,
      "expected a percentage 0-100",
    );
  }

  // Backends.
  for (const name of ["prometheus", "tempo", "loki"] as const) {
    checkPort(p, `components.${name}.port`, c[name].port);
    checkDuration(p, `components.${name}.retention`, c[name].retention);
    checkBytes(p, `components.${name}.storage`, c[name].storage);
  }
  const tempoPorts = [
    ["components.tempo.port", c.tempo.port],
    ["components.tempo.grpcPort", c.tempo.grpcPort],
    ["components.tempo.otlpGrpcPort", c.tempo.otlpGrpcPort],
    ["components.tempo.otlpHttpPort", c.tempo.otlpHttpPort],
  ] as const;
  for (const [path, port] of tempoPorts) checkPort(p, path, port);
  checkCollisions(p, "tempo container", tempoPorts);
  checkPort(p, "components.loki.grpcPort", c.loki.grpcPort);
  checkCollisions(p, "loki container", [
    ["components.loki.port", c.loki.port],
    ["components.loki.grpcPort", c.loki.grpcPort],
  ]);
  checkDuration(
    p,
    "components.prometheus.scrapeInterval",
    c.prometheus.scrapeInterval,
  );
  checkPort(p, "components.grafana.port", c.grafana.port);
  checkBytes(p, "components.grafana.storage", c.grafana.storage);
  if (c.grafana.credentials.kind !== "literal") {
    p.add(
      "components.grafana.credentials.kind",
      c.grafana.credentials.kind,
      'Compose and the Kustomize base need { kind: "literal", user, password }; name a Secret in overlays.production.credentials',
    );
  } else {
    checkCredentials(
      p,
      "components.grafana.credentials",
      c.grafana.credentials,
      false,
    );
  }
  const alerts = c.grafana.alerts;
  if (!(alerts.errorRatePercent > 0 && alerts.errorRatePercent <= 100)) {
    p.add(
      "components.grafana.alerts.errorRatePercent",
      alerts.errorRatePercent,
      "expected a percentage above 0, at most 100",
    );
  }
  checkInt(
    p,
    "components.grafana.alerts.p95LatencyMs",
    alerts.p95LatencyMs,
    1,
    3_600_000,
  );
  checkDuration(
    p,
    "components.grafana.alerts.noTelemetryFor",
    alerts.noTelemetryFor,
  );
  checkDuration(
    p,
    "components.grafana.alerts.evaluateEvery",
    alerts.evaluateEvery,
  );
  checkNotifier(p, "components.grafana.notify", c.grafana.notify);

  // Ports published on the Compose host must all differ. Tempo listens for
  // OTLP on the collector's ports inside its own container, never published.
  checkCollisions(p, "published", [
    ["components.app.port", c.app.port],
    ["components.collector.ports.otlpGrpc", col.ports.otlpGrpc],
    ["components.collector.ports.otlpHttp", col.ports.otlpHttp],
    ["components.collector.ports.healthCheck", col.ports.healthCheck],
    ["components.prometheus.port", c.prometheus.port],
    ["components.tempo.port", c.tempo.port],
    ["components.loki.port", c.loki.port],
    ["components.grafana.port", c.grafana.port],
  ]);

  // Local overlay.
  const local = config.overlays.local;
  checkImage(p, "overlays.local.appImage", local.appImage, true);
  if (
    local.imagePullPolicy !== "IfNotPresent" &&
    local.imagePullPolicy !== "Never"
  ) {
    p.add(
      "overlays.local.imagePullPolicy",
      local.imagePullPolicy,
      "expected IfNotPresent or Never",
    );
  }
  checkCredentials(p, "overlays.local.credentials", local.credentials, false);

  // Production overlay.
  const prod = config.overlays.production;
  checkImage(p, "overlays.production.appImage", prod.appImage, false);
  if (!DNS_NAME.test(prod.storageClass) && !DNS_LABEL.test(prod.storageClass)) {
    p.add(
      "overlays.production.storageClass",
      prod.storageClass,
      "production needs a storage class name (DNS subdomain)",
    );
  }
  if (!DNS_NAME.test(prod.ingressClass) && !DNS_LABEL.test(prod.ingressClass)) {
    p.add(
      "overlays.production.ingressClass",
      prod.ingressClass,
      "expected an IngressClass name",
    );
  }
  if (!DNS_LABEL.test(prod.ingressNamespace)) {
    p.add(
      "overlays.production.ingressNamespace",
      prod.ingressNamespace,
      "expected the Ingress controller's namespace (a DNS label such as ingress-nginx)",
    );
  }
  checkIngress(p, "overlays.production.ingress.app", prod.ingress.app);
  checkIngress(p, "overlays.production.ingress.grafana", prod.ingress.grafana);
  if (prod.ingress.app.host === prod.ingress.grafana.host) {
    p.add(
      "overlays.production.ingress.grafana.host",
      prod.ingress.grafana.host,
      "must differ from ingress.app.host",
    );
  }
  checkCredentials(
    p,
    "overlays.production.credentials",
    prod.credentials,
    true,
  );
  for (const name of ["app", "collector"] as const) {
    const scale = prod[name];
    const path = `overlays.production.${name}`;
    checkInt(p, `${path}.minReplicas`, scale.minReplicas, 1, 1000);
    checkInt(
      p,
      `${path}.maxReplicas`,
      scale.maxReplicas,
      Math.max(1, scale.minReplicas),
      1000,
    );
    checkInt(p, `${path}.targetCpuPercent`, scale.targetCpuPercent, 1, 100);
    checkResources(p, `${path}.resources`, scale.resources);
  }
  if (ts.enabled && (prod.collector.maxReplicas > 1 || col.replicas > 1)) {
    p.add(
      "components.collector.tailSampling.enabled",
      true,
      "tail sampling needs every span of a trace at one collector: set collector replicas and overlays.production.collector.maxReplicas to 1",
    );
  }
  for (const [name, size] of Object.entries(prod.storage)) {
    checkBytes(p, `overlays.production.storage.${name}`, size);
  }
  return p.list;
}

/** Throws {@link StackConfigError} listing every problem, if any. */
export function assertValid(config: StackConfig): void {
  const problems = validateConfig(config);
  if (problems.length > 0) throw new StackConfigError(problems);
}
