/**
 * The stack as plain processes on this host: the collector and Prometheus
 * built from their Go modules at the pinned versions, run with configs
 * rendered from the typed config for a native placement, then space-app
 * and loadgen from this repository, and the one check suite. Tempo and
 * Loki are not built (AGPL-3.0): stand-ins at their addresses keep what
 * the collector sends them. Grafana is not built either.
 *
 * Before anything runs, the real programs judge the generated files: the
 * built collector's `validate` for every collector config variant,
 * promtool 3.14 for every Prometheus config, compose-go for every Compose
 * file; each is first shown to reject a bad file.
 *
 * @module
 */
import * as path from "node:path";
import { serviceDenoFlags } from "../bench/service.ts";
import { collectorConfig, collectorData } from "../gen/components/collector.ts";
import { builderManifest } from "../gen/components/collector_builder.ts";
import type { StackConfig } from "../gen/types.ts";
import { generate } from "../gen/generate.ts";
import type { Component } from "../gen/model.ts";
import { renderNative } from "../gen/native.ts";
import { CONTAINERS } from "../gen/placement.ts";
import { writeTree } from "../gen/tree.ts";
import { type Background, run, start } from "../lib/process.ts";
import { expectations } from "./expect.ts";
import { waitReady } from "./poll.ts";
import type { Report } from "./report.ts";
import {
  getter,
  prometheusSource,
  standInLogs,
  standInTraces,
} from "./sources.ts";
import { OtlpReceiver } from "../lib/otlp_receiver.ts";
import { runSuite } from "./suite.ts";
import {
  BACKEND_VERSIONS,
  type BackendPaths,
  ensureBackends,
  locateGo,
} from "./native/build.ts";

/** The repository root. */
const ROOT = path.resolve(new URL("..", import.meta.url).pathname);

/** A config variant the native run checks. */
export interface Variant {
  readonly name: string;
  readonly config: StackConfig;
}

/** Options of a native run. */
export interface NativeOptions {
  readonly report: Report;
  /** Where to keep the built backends (default: the user's cache). */
  readonly cacheDir?: string;
  /** Seconds backend checks keep retrying after the exercise. */
  readonly timeoutS: number;
  /** Leave the last variant's stack running and print its addresses. */
  readonly keep: boolean;
  /** No Go toolchain is a failure, not a skip. */
  readonly require: boolean;
  readonly log: (line: string) => void;
}

/** A TCP port of this host that was free a moment ago. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Builds what is missing; the paths, or undefined after reporting why not. */
export async function buildBackends(
  variants: readonly Variant[],
  work: string,
  options: NativeOptions,
): Promise<BackendPaths | undefined> {
  const manifest = path.join(work, "collector-builder.yaml");
  const union = builderManifest(
    variants.map((v) => collectorData(v.config, CONTAINERS)),
    BACKEND_VERSIONS.collector,
  );
  await Deno.writeTextFile(manifest, JSON.stringify(union, null, 2));
  try {
    locateGo();
  } catch (error) {
    const reason = (error as Error).message;
    if (options.require) {
      options.report.add({
        name: "Go toolchain",
        outcome: "FAIL",
        detail: reason,
      });
    } else {
      options.report.skip(
        "Go toolchain",
        `${reason} (--require makes this a failure)`,
      );
    }
    return undefined;
  }
  let paths: BackendPaths | undefined;
  await options.report.check(
    "build: collector, Prometheus, compose-check",
    async () => {
      paths = await ensureBackends({
        collectorManifest: manifest,
        cacheDir: options.cacheDir,
        log: options.log,
      });
      return Object.values(paths).map((p) => path.basename(p)).join(", ");
    },
  );
  return paths;
}

/** Expects `argv` to exit 0 (`ok`) or non-zero (`bad`); the outcome line. */
async function judged(
  argv: string[],
  expect: "ok" | "bad",
): Promise<string> {
  const out = await run(argv);
  const said = `${out.stdout}${out.stderr}`.trim().split("\n").at(-1) ?? "";
  if ((out.code === 0) !== (expect === "ok")) {
    throw new Error(
      `${path.basename(argv[0])} exited ${out.code}, expected ${
        expect === "ok" ? "0" : "a refusal"
      }: ${said}`,
    );
  }
  const verdict = expect === "ok" ? "accepted" : "refused";
  return `${verdict}: ${said.trim() || `exit ${out.code}`}`;
}

/**
 * The real programs judge every generated file of every variant, each first
 * shown to refuse a broken one.
 */
export async function validateFiles(
  variants: readonly Variant[],
  paths: BackendPaths,
  work: string,
  report: Report,
): Promise<void> {
  const bad = path.join(work, "bad");
  await Deno.mkdir(bad, { recursive: true });
  const first = variants[0].config;
  const collectorText = collectorConfig(first, CONTAINERS);
  await Deno.writeTextFile(
    `${bad}/otelcol.yaml`,
    collectorText.replace(
      "processors:",
      "processors:\n  batch/typo:\n    send_batch_sise: 1",
    ),
  );
  await report.check(
    "collector validate refuses an unknown key",
    () =>
      judged(
        [paths.otelcol, "validate", `--config=${bad}/otelcol.yaml`],
        "bad",
      ),
  );
  await Deno.writeTextFile(
    `${bad}/prometheus.yml`,
    "global:\n  scrape_interval: often\n",
  );
  await report.check(
    "promtool refuses a malformed duration",
    () =>
      judged(
        [paths.promtool, "check", "config", `${bad}/prometheus.yml`],
        "bad",
      ),
  );
  await Deno.writeTextFile(
    `${bad}/compose.yaml`,
    "name: bad\nservices:\n  a:\n    image: busybox:1\n    deploy:\n      resources:\n        limits:\n          memory: 1Gi\n",
  );
  await report.check(
    "compose-go refuses a Kubernetes memory size",
    () => judged([paths.composeCheck, `${bad}/compose.yaml`], "bad"),
  );

  for (const v of variants) {
    const dir = path.join(work, "deploy", v.name.replaceAll(" ", "-"));
    await writeTree(dir, generate(v.config, "stack"), { check: false });
    const config = `${dir}/k8s/base/config`;
    const scoped = report.scope(v.name);
    await scoped.check("collector validate", () =>
      judged([
        paths.otelcol,
        "validate",
        `--config=${config}/otelcol/config.yaml`,
      ], "ok"));
    await scoped.check("promtool check config", () =>
      judged([
        paths.promtool,
        "check",
        "config",
        `${config}/prometheus/prometheus.yml`,
      ], "ok"));
    await scoped.check(
      "compose-go loads compose.yaml",
      () => judged([paths.composeCheck, `${dir}/compose/compose.yaml`], "ok"),
    );
  }
}

/** The environment a process of the stack gets: its component's, and ours for lookup. */
function envOf(c: Component, extra: Record<string, string> = {}) {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const name of ["HOME", "PATH", "DENO_DIR", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  for (const e of c.env) if ("value" in e) env[e.name] = e.value;
  return { ...env, ...extra };
}

/** One variant of the stack started natively, checked, and stopped. */
export async function runVariant(
  variant: Variant,
  paths: BackendPaths,
  work: string,
  options: NativeOptions,
): Promise<void> {
  const report = options.report.scope(variant.name);
  const root = path.join(work, "run", variant.name.replaceAll(" ", "-"));
  const stack = renderNative(variant.config, root, () => freePort(), "stack");
  const byName = new Map(stack.components.map((c) => [c.name, c]));
  const component = (name: string) => byName.get(name)!;
  for (const c of stack.components) {
    for (const dir of c.configDirs) {
      await Deno.mkdir(`${root}/config/${dir.dir}`, { recursive: true });
      for (const f of dir.files) {
        await Deno.writeTextFile(
          `${root}/config/${dir.dir}/${f.name}`,
          f.content,
        );
      }
    }
  }
  for (const name of ["prometheus", "tempo", "loki"] as const) {
    await Deno.mkdir(stack.placement.dataDir(name), { recursive: true });
  }
  const c = stack.config.components;
  const processes: Background[] = [];
  // Tempo's and Loki's OTLP paths, at their addresses.
  const tempo = new OtlpReceiver({
    port: c.tempo.otlpHttpPort,
    paths: { traces: "/v1/traces" },
  });
  const loki = new OtlpReceiver({
    port: c.loki.port,
    paths: { logs: "/otlp/v1/logs" },
  });
  const deno = [Deno.execPath(), "run", ...serviceDenoFlags(ROOT), "main.ts"];
  const startOne = (name: string, argv: string[], extra = {}) => {
    const p = start(name, argv, {
      cwd: ROOT,
      env: envOf(component(name), extra),
      clearEnv: true,
    });
    processes.push(p);
    return p;
  };
  const prom = `http://127.0.0.1:${c.prometheus.port}`;
  const app = `http://127.0.0.1:${c.app.port}`;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const p of processes.reverse()) await p.stop();
    await tempo.close();
    await loki.close();
  };
  try {
    startOne("prometheus", [paths.prometheus, ...component("prometheus").args]);
    startOne("otelcol", [paths.otelcol, ...component("otelcol").args]);
    startOne("space-app", [...deno, ...component("space-app").args], {
      HOST: "127.0.0.1",
    });
    const ready = [
      ["prometheus", `${prom}/-/ready`],
      ["otelcol", `http://127.0.0.1:${c.collector.ports.healthCheck}/`],
      ["space-app", `${app}/readyz`],
    ];
    for (const [name, url] of ready) {
      await report.check(`ready: ${name}`, async () => {
        const r = await waitReady({ name, url, timeoutMs: 60_000 });
        return `${url} after ${r.attempts} attempts`;
      });
    }
    if (report.failed) return;
    startOne("loadgen", [...deno, ...component("loadgen").args]);

    await runSuite(
      {
        app,
        prometheus: prometheusSource(prom, getter(fetch)),
        traces: standInTraces(tempo),
        logs: standInLogs(loki),
        grafana: { skip: "Grafana is not built natively" },
      },
      expectations(stack.config, "native"),
      {
        report,
        get: getter(fetch),
        ingestTimeoutMs: options.timeoutS * 1000,
      },
    );
    await report.check("stand-ins refused nothing", () => {
      const refused = [...tempo.refused, ...loki.refused];
      if (refused.length > 0) throw new Error(refused.slice(0, 3).join("; "));
      return Promise.resolve(
        `Tempo stand-in ${tempo.spans.length} spans, Loki stand-in ${loki.logs.length} records`,
      );
    });
    if (options.keep) {
      options.log(
        `kept running (Ctrl-C stops it): space-app ${app}, Prometheus ${prom}, collector OTLP http://127.0.0.1:${c.collector.ports.otlpHttp}; files under ${root}`,
      );
      await new Promise<void>((resolve) =>
        Deno.addSignalListener("SIGINT", () => resolve())
      );
    }
  } finally {
    await stop();
    if (report.failed) {
      for (const p of processes) {
        options.log(`--- last lines of ${p.name} ---`);
        for (const line of p.lines.slice(-15)) options.log(line);
      }
    }
  }
}

/** Every variant validated and run; resolves when all checks are reported. */
export async function runNative(
  variants: readonly Variant[],
  options: NativeOptions,
): Promise<void> {
  const work = await Deno.makeTempDir({ prefix: "space-app-native-" });
  try {
    const paths = await buildBackends(variants, work, options);
    if (!paths) return;
    await validateFiles(variants, paths, work, options.report);
    for (const [i, v] of variants.entries()) {
      await runVariant(v, paths, work, {
        ...options,
        keep: options.keep && i === variants.length - 1,
      });
    }
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}
