/**
 * Compose and Kubernetes agree: for every component, the same image,
 * command, ports, user, memory limit, environment (apart from the
 * deployment environment's name) and the very same config files.
 */
import assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { STACK } from "../gen/stack.config.ts";
import { generate } from "../gen/generate.ts";
import { parseBytes } from "../gen/units.ts";

type Obj = Record<string, unknown>;
const files = new Map(
  generate(STACK, "gen/config/defaults.ts").map((
    f,
  ) => [f.path, f.content]),
);

function read(path: string): string {
  const text = files.get(path);
  assert.ok(text !== undefined, `${path} is generated`);
  return text;
}

/**
 * Bytes of a Compose size as Compose itself reads it (docker/go-units
 * `RAMInBytes`: a number, optional space, then b, k, m, g, t or p with an
 * optional `b` or `ib`, any case, all binary), or undefined where Compose
 * stops with "invalid size" or "invalid suffix" (`1Gi`, `512Mi`).
 */
function composeRamInBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?(?:([kmgtp])(?:i?b)?|b)?$/i.exec(text);
  if (!m) return undefined;
  const power = m[2] ? "kmgtp".indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(Number(m[1]) * 1024 ** power);
}

Deno.test("the Compose size grammar: what Compose accepts and rejects", () => {
  assert.equal(composeRamInBytes("512MiB"), 512 * 2 ** 20);
  assert.equal(composeRamInBytes("1g"), 2 ** 30);
  assert.equal(composeRamInBytes("1GiB"), 2 ** 30);
  assert.equal(composeRamInBytes("1048576"), 2 ** 20);
  for (const bad of ["1Gi", "512Mi", "1Gb2", "", "Mi"]) {
    assert.equal(composeRamInBytes(bad), undefined, bad);
  }
});

const compose = parse(read("compose/compose.yaml")) as {
  services: Record<string, Obj>;
};
const kustomization = parse(read("k8s/base/kustomization.yaml")) as {
  resources: string[];
  configMapGenerator: { name: string; files: string[] }[];
  secretGenerator: { name: string; literals: string[] }[];
};
const objects: Obj[] = kustomization.resources.flatMap((r) =>
  parseAllDocuments(read(`k8s/base/${r}`)).map((d) => d.toJS() as Obj)
);

function deploymentOf(name: string): { pod: Obj; container: Obj } {
  const d = objects.find((o) =>
    o.kind === "Deployment" && (o.metadata as Obj).name === name
  );
  assert.ok(d, `a Deployment ${name} exists`);
  const pod = ((d.spec as Obj).template as Obj).spec as Obj;
  return { pod, container: (pod.containers as Obj[])[0] };
}

Deno.test("every Compose service has a Deployment and every Deployment a Compose service", () => {
  const deployments = objects.filter((o) => o.kind === "Deployment").map((o) =>
    (o.metadata as Obj).name
  );
  assert.deepEqual(Object.keys(compose.services).sort(), deployments.sort());
});

for (const [name, svc] of Object.entries(compose.services)) {
  Deno.test(`${name}: same image, command, ports, user and memory limit`, () => {
    const { pod, container } = deploymentOf(name);
    assert.equal(svc.image, container.image);
    assert.deepEqual(svc.command ?? [], container.args ?? []);
    const composePorts = [
      ...((svc.ports as string[] | undefined) ?? []).map((p) =>
        Number(p.split(":").at(-1))
      ),
      ...((svc.expose as string[] | undefined) ?? []).map(Number),
    ].sort();
    const k8sPorts = ((container.ports as Obj[] | undefined) ?? []).map((p) =>
      p.containerPort as number
    )
      .sort();
    assert.deepEqual(composePorts, k8sPorts);
    const security = pod.securityContext as Obj;
    assert.equal(svc.user, `${security.runAsUser}:${security.runAsGroup}`);
    const resources = (svc.deploy as Obj).resources as Obj;
    const k8s = container.resources as Record<string, Obj>;
    for (
      const [side, key] of [["limits", "limits"], ["reservations", "requests"]]
    ) {
      const size = String((resources[side] as Obj).memory);
      assert.ok(
        composeRamInBytes(size) !== undefined,
        `Compose accepts ${side}.memory ${size}`,
      );
      assert.equal(
        composeRamInBytes(size),
        parseBytes(String(k8s[key].memory)),
        `${side}.memory is the same number of bytes`,
      );
    }
    assert.equal(
      svc.read_only,
      (container.securityContext as Obj).readOnlyRootFilesystem,
    );
  });

  Deno.test(`${name}: same environment but the deployment environment's name`, () => {
    const { container } = deploymentOf(name);
    const secret = new Map(
      kustomization.secretGenerator.flatMap((s) =>
        s.literals.map((l) => l.split("=", 2) as [string, string])
      ),
    );
    const k8sEnv = Object.fromEntries(
      ((container.env as Obj[] | undefined) ?? []).map((e) => {
        const ref = (e.valueFrom as Obj | undefined)?.secretKeyRef as
          | Obj
          | undefined;
        return [e.name, ref ? secret.get(ref.key as string) : e.value];
      }),
    );
    const composeEnv = { ...(svc.environment as Obj | undefined ?? {}) };
    const attrs = "OTEL_RESOURCE_ATTRIBUTES";
    if (attrs in composeEnv) {
      const strip = (v: unknown) =>
        String(v).replace(/deployment\.environment\.name=[^,]*/, "");
      assert.equal(strip(composeEnv[attrs]), strip(k8sEnv[attrs]));
      assert.match(
        String(composeEnv[attrs]),
        /deployment\.environment\.name=compose/,
      );
      delete composeEnv[attrs];
      delete k8sEnv[attrs];
    }
    assert.deepEqual(composeEnv, k8sEnv);
  });

  Deno.test(`${name}: the same config files at the same paths`, () => {
    const { pod, container } = deploymentOf(name);
    const mounts = (svc.volumes as string[] | undefined ?? []).filter((v) =>
      v.startsWith("../k8s/base/config/")
    );
    const configMounts = ((container.volumeMounts as Obj[] | undefined) ?? [])
      .filter((m) =>
        (pod.volumes as Obj[]).some((v) => v.name === m.name && v.configMap)
      );
    assert.equal(mounts.length, configMounts.length);
    for (const mount of mounts) {
      const [source, target, mode] = mount.split(":");
      assert.equal(mode, "ro");
      const dir = source.slice("../k8s/base/".length);
      const k8sMount = configMounts.find((m) => m.mountPath === target);
      assert.ok(k8sMount, `${target} is mounted in Kubernetes too`);
      const volume = (pod.volumes as Obj[]).find((v) =>
        v.name === k8sMount.name
      )!;
      const mapName = (volume.configMap as Obj).name;
      const generator = kustomization.configMapGenerator.find((g) =>
        g.name === mapName
      );
      assert.ok(generator, `ConfigMap ${mapName} is generated`);
      const inDir = [...files.keys()].filter((p) =>
        p.startsWith(`k8s/base/${dir}/`)
      ).map((p) => p.slice("k8s/base/".length)).sort();
      assert.deepEqual(
        [...generator.files].sort(),
        inDir,
        `${mapName} holds exactly ${dir}`,
      );
    }
  });
}

Deno.test("health: every Compose health check has Kubernetes probes; loadgen serves nothing", () => {
  for (const [name, svc] of Object.entries(compose.services)) {
    const { container } = deploymentOf(name);
    const hc = svc.healthcheck as Obj;
    if (hc.disable !== true) {
      assert.ok(container.readinessProbe, `${name} has a readiness probe`);
      assert.ok(container.livenessProbe, `${name} has a liveness probe`);
    }
    if (name !== "loadgen") {
      assert.ok(container.readinessProbe, `${name} is probed in Kubernetes`);
    }
  }
});
