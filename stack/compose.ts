/**
 * The stack under Docker Compose: find an engine (or say why not), bring the
 * generated Compose file up under a project of its own, wait for each
 * service's readiness endpoint on its published port, run the checks, and
 * take everything down again (volumes included) unless asked to keep it.
 *
 * @module
 */
import { type CommandRunner, firstLine } from "./commands.ts";
import type { StackOptions } from "./flags.ts";
import {
  endpointsOf,
  readinessTargets,
  skip,
  type StackDeps,
  usableTargets,
} from "./flow.ts";
import { waitAllReady } from "./ready.ts";
import { allPassed, type CheckResult, summarize } from "./report.ts";
import { runChecks } from "./run.ts";
import {
  composeTargets,
  type ServiceTarget,
  type StackTargets,
} from "./targets.ts";

/** Whether a container engine with Compose answers, and if not why. */
export type EngineStatus =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Asks `docker info` (with a timeout: a hung daemon socket must not hang the
 * test) and `docker compose version`.
 */
export async function detectEngine(
  runner: CommandRunner,
  timeoutMs = 15_000,
): Promise<EngineStatus> {
  const info = await runner.output(
    ["docker", "info", "--format", "{{.ServerVersion}}"],
    { timeoutMs },
  );
  if (info.notFound) {
    return { ok: false, reason: "docker is not installed (not on PATH)" };
  }
  if (info.timedOut) {
    return {
      ok: false,
      reason: `docker info did not answer within ${timeoutMs / 1000} s`,
    };
  }
  if (info.code !== 0) {
    return {
      ok: false,
      reason: `no container engine answers: docker info: ${firstLine(info)}`,
    };
  }
  const compose = await runner.output(
    ["docker", "compose", "version", "--short"],
    { timeoutMs },
  );
  if (compose.code !== 0) {
    return {
      ok: false,
      reason: `the Docker Compose plugin is missing: docker compose version: ${
        firstLine(compose)
      }`,
    };
  }
  return {
    ok: true,
    detail:
      `docker engine ${info.stdout.trim()}, compose ${compose.stdout.trim()}`,
  };
}

/** `docker compose -f <file> -p <project>`, the prefix of every command. */
export function composeCommand(targets: StackTargets): string[] {
  return [
    "docker",
    "compose",
    "-f",
    targets.composeFile,
    "-p",
    targets.composeProject,
  ];
}

/** Compose publishes on the host: `http://127.0.0.1:<published port>`. */
export const composeUrl = (_: ServiceTarget, port: number): string =>
  `http://127.0.0.1:${port}`;

/** Host ports the stack publishes that something else already listens on. */
export function busyPorts(ports: readonly number[]): number[] {
  return ports.filter((port) => {
    try {
      Deno.listen({ hostname: "0.0.0.0", port }).close();
      return false;
    } catch {
      return true;
    }
  });
}

/** Runs the whole Compose flow; resolves with the exit code. */
export async function runCompose(
  options: StackOptions,
  deps: StackDeps,
): Promise<number> {
  const { runner, print } = deps;
  const engine = await detectEngine(runner);
  if (!engine.ok) return skip(engine.reason, options, print);
  print(`engine: ${engine.detail}`);

  const targets = deps.targets ??
    usableTargets(composeTargets(deps.root, deps.env), print);
  if (!targets) return 1;
  print(
    `compose file: ${targets.composeFile} (project ${targets.composeProject}); Grafana credentials from ${targets.credentialsSource}`,
  );
  const compose = composeCommand(targets);
  const running = await runner.output([...compose, "ps", "-q"], {
    cwd: deps.root,
    timeoutMs: 30_000,
  });
  if (running.stdout.trim() === "") {
    const services = Object.values(targets.services);
    const ports = [
      ...new Set(services.flatMap((s) => [s.port ?? 0, s.ready?.port ?? 0])),
    ].filter((p) => p > 0);
    const busy = busyPorts(ports);
    if (busy.length > 0) {
      print(
        `✘ host ports already in use: ${
          busy.join(", ")
        }. Another stack running? Stop it (docker compose -f ${targets.composeFile} down) or free the ports; see docs/operations.md.`,
      );
      return 1;
    }
  }

  const down = async () => {
    print(`$ ${compose.join(" ")} down -v --remove-orphans`);
    const code = await runner.inherit(
      [...compose, "down", "-v", "--remove-orphans"],
      { cwd: deps.root, timeoutMs: 300_000 },
    );
    if (code !== 0) print(`✘ docker compose down exited with ${code}`);
  };
  if (!options.keep) deps.onInterrupt?.(down);
  let results: CheckResult[] = [];
  try {
    print(`$ ${compose.join(" ")} up -d --build`);
    const up = await runner.inherit([...compose, "up", "-d", "--build"], {
      cwd: deps.root,
    });
    if (up !== 0) {
      print(`✘ docker compose up exited with ${up}`);
      await showDiagnostics(deps, compose);
      return 1;
    }
    const readiness = await waitAllReady(
      readinessTargets(Object.values(targets.services), composeUrl),
      deps,
    );
    results = readiness;
    if (readiness.every((r) => r.ok)) {
      results = [
        ...readiness,
        ...await runChecks(
          endpointsOf(targets.services, composeUrl),
          targets.expectations,
          deps,
          {
            ingestTimeoutMs: options.timeoutS !== undefined
              ? options.timeoutS * 1000
              : targets.ingestTimeoutMs,
          },
        ),
      ];
    }
    if (!allPassed(results)) await showDiagnostics(deps, compose);
  } finally {
    if (options.keep) {
      print(
        `stack kept running (--keep); stop it with: ${
          compose.join(" ")
        } down -v`,
      );
    } else {
      deps.onInterrupt?.(undefined);
      await down();
    }
  }
  return summarize(results, print);
}

async function showDiagnostics(deps: StackDeps, compose: string[]) {
  deps.print("--- docker compose ps ---");
  const ps = await deps.runner.output([...compose, "ps", "-a"], {
    cwd: deps.root,
    timeoutMs: 30_000,
  });
  deps.print(ps.stdout.trimEnd() || firstLine(ps));
  deps.print("--- last log lines of each service ---");
  const logs = await deps.runner.output(
    [...compose, "logs", "--no-color", "--tail", "20"],
    { cwd: deps.root, timeoutMs: 60_000 },
  );
  deps.print(logs.stdout.trimEnd() || firstLine(logs));
}
