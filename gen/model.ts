/**
 * The component model Compose, Kustomize and the native run are rendered
 * from: one {@link Component} per service, so their parity is structural.
 * @module
 */
import type { Resources } from "./types.ts";

/** A port; `publish`: on the Compose host (127.0.0.1) too. */
export interface Port {
  /** At most 15 characters (a Kubernetes port name). */
  readonly name: string;
  readonly port: number;
  readonly publish: boolean;
}

/** A literal, or a key of the component's Secret. */
export type EnvVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly secretKey: string };

/**
 * Config files in `deploy/k8s/base/config/<dir>`: a ConfigMap `name` in
 * Kubernetes, a read-only bind mount in Compose.
 */
export interface ConfigDir {
  readonly name: string;
  readonly dir: string;
  readonly mountPath: string;
  readonly files: readonly Readonly<{ name: string; content: string }>[];
}

export type DataVolume = Readonly<
  { name: string; mountPath: string; size: string }
>;

/** An HTTP endpoint a probe calls, or a port it only connects to. */
export type HttpProbe = Readonly<{ port: number; path: string }>;
export type TcpProbe = Readonly<{ tcpPort: number }>;

export interface Health {
  /** Ready to receive traffic (Kubernetes readiness, Compose gating). */
  readonly ready: HttpProbe;
  /**
   * Alive (Kubernetes liveness); the ready endpoint when absent. A TCP check
   * where readiness can fail for reasons a restart would not cure.
   */
  readonly alive?: HttpProbe | TcpProbe;
  /** The check run in the container (Compose), if the image can run one. */
  readonly command?: readonly string[];
  /** Seconds to start in; then probes follow `PROBE` (render/kustomize_base.ts). */
  readonly startSeconds: number;
}

export type Dependency = Readonly<{
  component: string;
  condition: "service_started" | "service_healthy";
}>;

/** A component's image writes nothing outside its volume and `/tmp`. */
export interface Component {
  readonly name: string;
  /** One line for the Kubernetes description annotation. */
  readonly description: string;
  readonly image: string;
  readonly imagePullPolicy?: "IfNotPresent" | "Never" | "Always";
  /** Built from the repository's Dockerfile (Compose `build:`). */
  readonly build: boolean;
  readonly args: readonly string[];
  readonly env: readonly EnvVar[];
  readonly ports: readonly Port[];
  readonly configDirs: readonly ConfigDir[];
  readonly volume?: DataVolume;
  readonly health?: Health;
  readonly resources: Resources;
  /** The image's non-root user; `fsGroup` makes volumes writable to it. */
  readonly user: { readonly uid: number; readonly gid: number };
  readonly replicas: number;
  /** An autoscaler owns the replica count: manifests leave it out. */
  readonly autoscaled: boolean;
  /**
   * Never run old and new pod at once: a ReadWriteOnce volume, or a
   * collector that must see every span of a trace (tail sampling).
   */
  readonly recreate: boolean;
  readonly dependsOn: readonly Dependency[];
  /** Seconds Kubernetes waits after SIGTERM (Compose `stop_grace_period`). */
  readonly terminationGraceSeconds: number;
  /** A name resolving to every instance (headless Service, network alias). */
  readonly podsAlias?: string;
  /** Who may connect (production NetworkPolicies deny everything else). */
  readonly clients: readonly Client[];
}

/** A client of a component: a component name or `outside` (the Ingress). */
export type Client = Readonly<{ from: string; port: number }>;
