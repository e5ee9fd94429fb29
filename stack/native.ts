/**
 * The stack as processes on this host: the collector and Prometheus built
 * from their Go modules, with configs rendered for a native placement,
 * space-app and loadgen, and stand-ins at Tempo's and Loki's addresses
 * (AGPL-3.0, not built) that keep what the collector sends; no Grafana.
 * First the real programs judge the generated files.
 *
 * @module
 */
import * as path from "node:path";
import { serviceDenoFlags } from "../bench/service.ts";
import { collectorConfig, collectorData } from "../gen/components/collector.ts";
import { builderManifest } from "../gen/components/collector_builder.ts";
import { generate } from "../gen/generate.ts";
import { renderNative } from "../gen/native.ts";
import { CONTAINERS } from "../gen/placement.ts";
import { writeTree } from "../gen/tree.ts";
import type { StackConfig } from "../gen/types.ts";
import { OtlpReceiver } from "../lib/otlp_receiver.ts";
import { type Background, freePort, run, start } from "../lib/process.ts";
import { expectations } from "./expect.ts";
import * as build from "./native/build.ts";
import { allReady, loopback } from "./poll.ts";
import type { Report, RunOptions } from "./report.ts";
import { prometheusSource, standIns } from "./sources.ts";
import { runSuite } from "./suite.ts";

/** The repository root: where the service and the stack commands run. */
export const ROOT = path.resolve(new URL("..", import.meta.url).pathname);

export type Variant = { readonly name: string; readonly config: StackConfig };

/** Builds what is missing; the paths, or undefined after reporting why not. */
export async function buildBackends(variants: Variant[], o: RunOptions) {
  try {
    build.locateGo();
  } catch (error) {
    o.report.missing("Go toolchain", (error as Error).message, o.require);
    return undefined;
  }
  const manifest = builderManifest(
    variants.map((v) => collectorData(v.config, CONTAINERS)),
    build.BACKEND_VERSIONS.collector,
  );
  let paths: build.BackendPaths | undefined;
  const what = "build: collector, Prometheus, compose-check";
  await o.report.check(what, async () => {
    paths = await build.ensureBackends(manifest, o.log);
    return Object.values(paths).map((p) => path.basename(p)).join(", ");
  });
  return paths;
}

/** Expects `argv` to exit 0 (`ok`) or not; the verdict with the last line it printed. */
async function judged(argv: string[], ok: boolean): Promise<string> {
  const out = await run(argv);
  const said = `${out.stdout}${out.stderr}`.trim().split("\n").at(-1) ?? "";
  if ((out.code === 0) !== ok) {
    const program = path.basename(argv[0]);
    const expected = ok ? "0" : "a refusal";
    throw new Error(
      `${program} exited ${out.code}, expected ${expected}: ${said}`,
    );
  }
  return `${ok ? "accepted" : "refused"}: ${said.trim() || `exit ${out.code}`}`;
}

/** The real programs judge each generated file of each variant, first shown to refuse a broken one. */
async function validateFiles(
  variants: Variant[],
  paths: build.BackendPaths,
  work: string,
  report: Report,
): Promise<void> {
  const collector = collectorConfig(variants[0].config, CONTAINERS);
  const typo = "processors:\n  batch/typo:\n    send_batch_sise: 1";
  // [check, argv for a file, the file in a generated tree, refusal check, a broken file]
  const judges: [string, (f: string) => string[], string, string, string][] = [[
    "collector validate",
    (f) => [paths.otelcol, "validate", `--config=${f}`],
    "k8s/base/config/otelcol/config.yaml",
    "collector validate refuses an unknown key",
    collector.replace("processors:", typo),
  ], [
    "promtool check config",
    (f) => [paths.promtool, "check", "config", f],
    "k8s/base/config/prometheus/prometheus.yml",
    "promtool refuses a malformed duration",
    "global:\n  scrape_interval: often\n",
  ], [
    "compose-go loads compose.yaml",
    (f) => [paths.composeCheck, f],
    "compose/compose.yaml",
    "compose-go refuses a Kubernetes memory size",
    "name: bad\nservices:\n  a:\n    image: busybox:1\n    deploy:\n      resources:\n        limits:\n          memory: 1Gi\n",
  ]];
  await Deno.mkdir(`${work}/bad`, { recursive: true });
  for (const [, argv, file, refuses, broken] of judges) {
    const bad = `${work}/bad/${path.basename(file)}`;
    await Deno.writeTextFile(bad, broken);
    await report.check(refuses, () => judged(argv(bad), false));
  }
  for (const v of variants) {
    const dir = `${work}/deploy/${v.name}`;
    await writeTree(dir, generate(v.config, "stack"), { check: false });
    for (const [name, argv, file] of judges) {
      const ok = () => judged(argv(`${dir}/${file}`), true);
      await report.scope(v.name).check(name, ok);
    }
  }
}

/** One variant of the stack started natively, checked, and stopped. */
async function runVariant(
  variant: Variant,
  paths: build.BackendPaths,
  work: string,
  o: RunOptions,
): Promise<void> {
  const report = o.report.scope(variant.name);
  const root = `${work}/run/${variant.name}`;
  const stack = renderNative(variant.config, root, freePort, "stack");
  for (const { dir, files } of stack.components.flatMap((c) => c.configDirs)) {
    await Deno.mkdir(`${root}/config/${dir}`, { recursive: true });
    for (const f of files) {
      await Deno.writeTextFile(`${root}/config/${dir}/${f.name}`, f.content);
    }
  }
  for (const name of ["prometheus", "tempo", "loki"] as const) {
    await Deno.mkdir(stack.placement.dataDir(name), { recursive: true });
  }
  const c = stack.config.components;
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
  const programs: Record<string, string[]> = {
    prometheus: [paths.prometheus],
    otelcol: [paths.otelcol],
    "space-app": deno,
    loadgen: deno,
  };
  const processes: Background[] = [];
  // Exit codes of processes that ended before we stopped them.
  const endedEarly = new Map<string, number>();
  let stopping = false;
  const startAll = (names: string[]) => {
    const components = stack.components.filter((x) => names.includes(x.name));
    for (const { name, args, env } of components) {
      const p = start(name, [...programs[name], ...args], {
        cwd: ROOT,
        clearEnv: true,
        env: Object.fromEntries([
          ["NO_COLOR", "1"],
          ...env.flatMap((e) => "value" in e ? [[e.name, e.value]] : []),
          ...name === "space-app" ? [["HOST", "127.0.0.1"]] : [],
        ]),
      });
      // stop() reports a failed exit; this only notes an early one.
      p.exited.then((code) => stopping || endedEarly.set(name, code), () => {});
      processes.push(p);
    }
    return components;
  };
  const prom = loopback("prometheus", c.prometheus.port);
  const app = loopback("space-app", c.app.port);
  try {
    const servers = startAll(["prometheus", "otelcol", "space-app"]);
    if (!await allReady(servers, loopback, report)) return;
    startAll(["loadgen"]);
    await runSuite(
      {
        app,
        prometheus: prometheusSource(prom),
        ...standIns(tempo, loki),
        grafana: { skip: "Grafana is not built natively" },
      },
      expectations(stack.config, "native"),
      { ...o, report },
    );
    await report.check("stand-ins refused nothing", () => {
      const refused = [...tempo.refused, ...loki.refused];
      if (refused.length > 0) throw new Error(refused.slice(0, 3).join("; "));
      return Promise.resolve(
        `Tempo stand-in ${tempo.spans.length} spans, Loki stand-in ${loki.logs.length} records`,
      );
    });
    if (o.keep) {
      o.log(
        `kept running (Ctrl-C stops it): space-app ${app}, Prometheus ${prom}, collector OTLP http://127.0.0.1:${c.collector.ports.otlpHttp}; files under ${root}`,
      );
      await new Promise<void>((resolve) =>
        Deno.addSignalListener("SIGINT", () => resolve())
      );
    }
  } finally {
    stopping = true;
    for (const p of processes.toReversed()) await p.stop();
    await tempo.close();
    await loki.close();
    for (const p of report.failed ? processes : []) {
      const code = endedEarly.get(p.name);
      const ended = code === undefined ? "" : ` (exited by itself: ${code})`;
      o.log(`--- last lines of ${p.name}${ended} ---`);
      p.lines.slice(-15).forEach((line) => o.log(line));
    }
  }
}

export async function runNative(variants: Variant[], o: RunOptions) {
  const paths = await buildBackends(variants, o);
  if (!paths) return;
  const work = await Deno.makeTempDir({ prefix: "space-app-native-" });
  try {
    await validateFiles(variants, paths, work, o.report);
    for (const [i, v] of variants.entries()) {
      const keep = o.keep && i === variants.length - 1;
      await runVariant(v, paths, work, { ...o, keep });
    }
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}
