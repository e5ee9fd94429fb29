/**
 * Renders the component model as a Compose file (Compose Specification).
 * Config directories are bind-mounted read-only from the Kustomize base's
 * `config/` folder, so both targets run the very same files.
 * @module
 */
import type { Component, EnvVar } from "../model.ts";
import { composeBytes } from "../units.ts";
import { PROBE } from "./kustomize_base.ts";

/** The project, and where the Dockerfile and config are from the file. */
export interface ComposeLayout {
  readonly project: string;
  readonly buildContext: string;
  readonly configRoot: string;
  /** Values of what are Secret keys in Kubernetes. */
  readonly secrets: Readonly<Record<string, string>>;
}

function envValue(env: EnvVar, layout: ComposeLayout, service: string): string {
  const value = "value" in env ? env.value : layout.secrets[env.secretKey];
  if (value === undefined) {
    const key = "secretKey" in env ? env.secretKey : "";
    throw new Error(`compose: no value for secret key ${key} of ${service}`);
  }
  // Compose interpolates `$`: a literal one is written `$$`.
  return value.replaceAll("$", "$$$$");
}

function service(c: Component, layout: ComposeLayout): Record<string, unknown> {
  const volumes = [
    ...c.configDirs.map((d) =>
      `${layout.configRoot}/${d.dir}:${d.mountPath}:ro`
    ),
    ...(c.volume ? [`${c.volume.name}:${c.volume.mountPath}`] : []),
  ];
  const h = c.health;
  const { requests, limits } = c.resources;
  // Kubernetes CPU quantity to Compose's decimal `cpus`.
  const milli = /^(\d+)m$/.exec(limits.cpu ?? "");
  const cpus = milli ? String(Number(milli[1]) / 1000) : limits.cpu;
  // Empty lists are left out.
  const some = <T>(items: readonly T[]) =>
    items.length > 0 ? [...items] : undefined;
  const published = c.ports.filter((p) => p.publish).map((p) => p.port);
  return {
    image: c.image,
    build: c.build
      ? { context: layout.buildContext, dockerfile: "Dockerfile" }
      : undefined,
    command: some(c.args),
    environment: some(c.env) && Object.fromEntries(
      c.env.map((e) => [e.name, envValue(e, layout, c.name)]),
    ),
    // Loopback only: the stack has no authentication in front of it.
    ports: some(published.map((p) => `127.0.0.1:${p}:${p}`)),
    expose: some(c.ports.filter((p) => !p.publish).map((p) => String(p.port))),
    volumes: some(volumes),
    healthcheck: h?.command
      ? {
        test: ["CMD", ...h.command],
        interval: `${PROBE.periodSeconds}s`,
        timeout: `${PROBE.timeoutSeconds}s`,
        retries: PROBE.failureThreshold,
        start_period: `${h.startSeconds}s`,
        start_interval: "2s",
      }
      // An image HEALTHCHECK (ours) must not judge a command that serves nothing.
      : { disable: true },
    depends_on: some(c.dependsOn) && Object.fromEntries(
      c.dependsOn.map((d) => [d.component, { condition: d.condition }]),
    ),
    networks: c.podsAlias ? { default: { aliases: [c.podsAlias] } } : undefined,
    user: `${c.user.uid}:${c.user.gid}`,
    // Nothing is written outside the volumes and /tmp.
    read_only: true,
    tmpfs: ["/tmp"],
    cap_drop: ["ALL"],
    security_opt: ["no-new-privileges:true"],
    deploy: {
      resources: {
        limits: { memory: composeBytes(limits.memory), ...(cpus && { cpus }) },
        reservations: { memory: composeBytes(requests.memory) },
      },
    },
    stop_grace_period: `${c.terminationGraceSeconds}s`,
    restart: "unless-stopped",
  };
}

/** The Compose document, services in the given order. */
export function renderCompose(
  components: readonly Component[],
  layout: ComposeLayout,
): Record<string, unknown> {
  const volumes = components.flatMap((c) => c.volume ? [c.volume.name] : []);
  return {
    name: layout.project,
    services: Object.fromEntries(
      components.map((c) => [c.name, service(c, layout)]),
    ),
    ...(volumes.length > 0 && {
      volumes: Object.fromEntries(volumes.map((v) => [v, {}])),
    }),
  };
}
