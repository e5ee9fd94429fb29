/**
 * What the deploy renderers must know about each image: the user it runs
 * as, where its data lives, and whether it can run a health check inside
 * the container. Read in the upstream Dockerfiles (sources beside each).
 *
 * @module
 */

/** Facts about one image. */
export interface ImageFacts {
  /** The image's own non-root user and group. */
  readonly user: { readonly uid: number; readonly gid: number };
  /**
   * The data directory. Docker copies the image directory's ownership into a
   * new named volume, so it must exist there owned by `user`.
   */
  readonly dataPath?: string;
  /** A program the image has that can make an HTTP request, if any. */
  readonly httpClient?: "wget";
}

/** Facts per image of the stack. */
export const IMAGE_FACTS = {
  /** Our Dockerfile: distroless cc-debian13:nonroot (uid/gid 65532), the binary checks itself. */
  app: { user: { uid: 65532, gid: 65532 } },
  /**
   * otel/opentelemetry-collector-contrib: `FROM scratch`, `USER 10001`
   * (opentelemetry-collector-releases, distributions/otelcol-contrib/Dockerfile). No shell.
   */
  collector: { user: { uid: 10001, gid: 10001 } },
  /**
   * prom/prometheus: busybox base, `USER nobody`, `/prometheus` owned by
   * nobody (prometheus/prometheus Dockerfile); busybox has wget.
   */
  prometheus: {
    user: { uid: 65534, gid: 65534 },
    dataPath: "/prometheus",
    httpClient: "wget",
  },
  /**
   * grafana/tempo: distroless, `USER 10001:10001`, `/var/tempo` created and
   * owned by tempo (grafana/tempo cmd/tempo/Dockerfile). No shell on the path.
   */
  tempo: { user: { uid: 10001, gid: 10001 }, dataPath: "/var/tempo" },
  /**
   * grafana/loki: distroless static, `USER 10001`, `/loki` owned by it
   * (grafana/loki cmd/loki/Dockerfile); no shell or wget since 3.6.0, but
   * `loki -health` checks /ready.
   */
  loki: { user: { uid: 10001, gid: 10001 }, dataPath: "/loki" },
  /**
   * grafana/grafana: the default variant is Alpine (busybox wget), `GF_UID`
   * 472, `GF_GID` 0, data in `/var/lib/grafana` (grafana/grafana Dockerfile;
   * docs "Run Grafana Docker image"). We run it with group 472, not root's:
   * user 472 owns every path Grafana writes, and fsGroup 472 makes the volume
   * writable.
   */
  grafana: {
    user: { uid: 472, gid: 472 },
    dataPath: "/var/lib/grafana",
    httpClient: "wget",
  },
} as const satisfies Record<string, ImageFacts>;

/**
 * A container health check that GETs `url` with the image's HTTP client.
 * Use 127.0.0.1, not localhost: busybox wget may try `::1` first while
 * the server listens on IPv4 only.
 */
export function httpCheckCommand(
  facts: ImageFacts,
  url: string,
): readonly string[] | undefined {
  if (facts.httpClient !== "wget") return undefined;
  return ["wget", "-q", "-O", "/dev/null", url];
}
