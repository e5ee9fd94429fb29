/**
 * The component model both deploy targets are rendered from: one
 * {@link Component} per service with its image, command, ports,
 * environment, config files, data volume, health checks, resources and
 * security context. Compose and Kustomize renderers read only this, so
 * their parity is structural.
 *
 * @module
 */
import type { Resources } from "./types.ts";

/** A port the component listens on. */
export interface Port {
  /** IANA-style name, at most 15 characters (Kubernetes port names). */
  readonly name: string;
  readonly port: number;
  /** Published on the Compose host (127.0.0.1) and reachable from outside. */
  readonly publish: boolean;
}

/** An environment variable: a literal or a key of the component's Secret. */
export type EnvVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly secretKey: string };

/** One generated file inside a config directory. */
export interface ConfigFile {
  readonly name: string;
  readonly content: string;
}

/**
 * A directory of config files: one ConfigMap in Kubernetes (generated, so a
 * change rolls the pods) and one read-only bind mount in Compose, both from
 * `deploy/k8s/base/config/<dir>`.
 */
export interface ConfigDir {
  /** ConfigMap name. */
  readonly name: string;
  /** Directory under `deploy/k8s/base/config/`. */
  readonly dir: string;
  /** Where the container sees it. */
  readonly mountPath: string;
  readonly files: readonly ConfigFile[];
}

/** A persistent data volume. */
export interface DataVolume {
  /** Compose volume and PersistentVolumeClaim name. */
  readonly name: string;
  readonly mountPath: string;
  readonly size: string;
}

/** An HTTP endpoint a probe calls. */
export interface HttpProbe {
  readonly port: number;
  readonly path: string;
}

/** A port a probe only connects to. */
export interface TcpProbe {
  readonly tcpPort: number;
}

/** How the component's health is checked. */
export interface Health {
  /** Ready to receive traffic (Kubernetes readiness, Compose gating). */
  readonly ready: HttpProbe;
  /**
   * Alive (Kubernetes liveness); the ready endpoint when absent. A TCP check
   * where readiness can fail for reasons a restart would not cure.
   */
  readonly alive?: HttpProbe | TcpProbe;
  /**
   * The same check run inside the container, for Compose; absent when the
   * image has no program that can make an HTTP request (no shell).
   */
  readonly command?: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
  /** Time allowed for start-up before failures count. */
  readonly startSeconds: number;
}

/** Start order in Compose. */
export interface Dependency {
  readonly component: string;
  readonly condition: "service_started" | "service_healthy";
}

/** One service of the stack. */
export interface Component {
  readonly name: string;
  /** One line for the Kubernetes description annotation and Compose comment. */
  readonly description: string;
  readonly image: string;
  /** Kubernetes pull policy; the cluster default when absent. */
  readonly imagePullPolicy?: "IfNotPresent" | "Never" | "Always";
  /** Built from the repository's Dockerfile (Compose `build:`). */
  readonly build: boolean;
  /** Arguments to the image's entrypoint. */
  readonly args: readonly string[];
  readonly env: readonly EnvVar[];
  readonly ports: readonly Port[];
  readonly configDirs: readonly ConfigDir[];
  readonly volume?: DataVolume;
  readonly health?: Health;
  readonly resources: Resources;
  /** The image's non-root user; `fsGroup` makes volumes writable to it. */
  readonly user: { readonly uid: number; readonly gid: number };
  /** The image writes nothing outside its volume and `/tmp`. */
  readonly readOnlyRootFilesystem: boolean;
  readonly replicas: number;
  /**
   * A HorizontalPodAutoscaler owns the replica count: the manifests leave
   * `replicas` out, or every apply would reset what it chose.
   */
  readonly autoscaled: boolean;
  /**
   * Never run old and new pod at once: a ReadWriteOnce volume, or a
   * collector that must see every span of a trace (tail sampling).
   */
  readonly recreate: boolean;
  /** Writable empty directories besides `/tmp` (emptyDir, tmpfs). */
  readonly scratchDirs: readonly string[];
  readonly dependsOn: readonly Dependency[];
  /** Seconds Kubernetes waits after SIGTERM (Compose `stop_grace_period`). */
  readonly terminationGraceSeconds: number;
  /**
   * A name resolving to every instance (headless Service, Compose network
   * alias), for scraping each replica.
   */
  readonly podsAlias?: string;
  /** Connections the component accepts; everything else is denied in production. */
  readonly clients: readonly Client[];
}

/** Who may open connections to a component (production NetworkPolicies). */
export interface Client {
  /** A component name, or `outside` for anything outside the namespace (Ingress). */
  readonly from: string;
  readonly port: number;
}
