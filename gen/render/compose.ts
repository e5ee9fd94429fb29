/**
 * Renders the component model as a Compose file (Compose Specification).
 * Config directories are bind-mounted read-only from the Kustomize base's
 * `config/` folder, so both targets run the very same files.
 *
 * @module
 */
import { composeBytes } from "../units.ts";
import type { Component, EnvVar } from "../model.ts";

/** Where the Compose file sits relative to the repository and the config. */
export interface ComposeLayout {
  /** Compose project name. */
  readonly project: string;
  /** The Dockerfile's directory, relative to the Compose file. */
  readonly buildContext: string;
  /** `deploy/k8s/base/config`, relative to the Compose file. */
  readonly configRoot: string;
  /** Literal values of environment variables that are Secret keys in Kubernetes. */
  readonly secrets: Readonly<Record<string, string>>;
}

/** Compose interpolates `$`: a literal one is written `$$`. */
function escape(value: string): string {
  return value.replaceAll("$", "$$$$");
}

function envValue(env: EnvVar, layout: ComposeLayout, service: string): string {
  if ("value" in env) return escape(env.value);
  const secret = layout.secrets[env.secretKey];
  if (secret === undefined) {
    throw new Error(
      `compose: no value for secret key ${env.secretKey} of ${service}`,
    );
  }
  return escape(secret);
}

function service(c: Component, layout: ComposeLayout): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  out.image = c.image;
  if (c.build) {
    out.build = { context: layout.buildContext, dockerfile: "Dockerfile" };
  }
  if (c.args.length > 0) out.command = [...c.args];
  if (c.env.length > 0) {
    out.environment = Object.fromEntries(
      c.env.map((e) => [e.name, envValue(e, layout, c.name)]),
    );
  }
  const published = c.ports.filter((p) => p.publish);
  if (published.length > 0) {
    // Loopback only: the stack has no authentication in front of it.
    out.ports = published.map((p) => `127.0.0.1:${p.port}:${p.port}`);
  }
  const internal = c.ports.filter((p) => !p.publish);
  if (internal.length > 0) out.expose = internal.map((p) => String(p.port));
  const volumes: string[] = c.configDirs.map((d) =>
    `${layout.configRoot}/${d.dir}:${d.mountPath}:ro`
  );
  if (c.volume) volumes.push(`${c.volume.name}:${c.volume.mountPath}`);
  if (volumes.length > 0) out.volumes = volumes;
  if (c.health?.command) {
    const h = c.health;
    out.healthcheck = {
      test: ["CMD", ...h.command!],
      interval: `${h.intervalSeconds}s`,
      timeout: `${h.timeoutSeconds}s`,
      retries: h.failureThreshold,
      start_period: `${h.startSeconds}s`,
      start_interval: "2s",
    };
  } else {
    // An image HEALTHCHECK (ours) must not judge a command that serves nothing.
    out.healthcheck = { disable: true };
  }
  if (c.dependsOn.length > 0) {
    out.depends_on = Object.fromEntries(
      c.dependsOn.map((d) => [d.component, { condition: d.condition }]),
    );
  }
  if (c.podsAlias) out.networks = { default: { aliases: [c.podsAlias] } };
  out.user = `${c.user.uid}:${c.user.gid}`;
  out.read_only = c.readOnlyRootFilesystem;
  out.tmpfs = ["/tmp", ...c.scratchDirs];
  out.cap_drop = ["ALL"];
  out.security_opt = ["no-new-privileges:true"];
  const limits: Record<string, string> = {
    memory: composeBytes(c.resources.limits.memory),
  };
  if (c.resources.limits.cpu) limits.cpus = cpus(c.resources.limits.cpu);
  out.deploy = {
    resources: {
      limits,
      reservations: { memory: composeBytes(c.resources.requests.memory) },
    },
  };
  out.stop_grace_period = `${c.terminationGraceSeconds}s`;
  out.restart = "unless-stopped";
  return out;
}

/** Kubernetes CPU quantity to Compose's decimal `cpus`. */
function cpus(quantity: string): string {
  const milli = /^(\d+)m$/.exec(quantity);
  return milli ? String(Number(milli[1]) / 1000) : quantity;
}

/** The Compose document for the components, in their given order. */
export function renderCompose(
  components: readonly Component[],
  layout: ComposeLayout,
): Record<string, unknown> {
  const volumes = components.flatMap((c) => c.volume ? [c.volume.name] : []);
  const doc: Record<string, unknown> = {
    name: layout.project,
    services: Object.fromEntries(
      components.map((c) => [c.name, service(c, layout)]),
    ),
  };
  if (volumes.length > 0) {
    doc.volumes = Object.fromEntries(volumes.map((v) => [v, {}]));
  }
  return doc;
}
