/**
 * The generated files pass the real validators: the Compose
 * Specification schema, `kubectl kustomize` for the base and both
 * overlays, the Kubernetes 1.34 models for every rendered object, and
 * `promtool check config`. Each validator is first shown to reject a bad
 * input, so a pass means something.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { STACK } from "../gen/stack.config.ts";
import { override } from "../gen/override.ts";
import type { StackConfig } from "../gen/types.ts";
import { generate } from "../gen/generate.ts";
import { writeTree } from "../gen/tree.ts";
import {
  kustomize,
  promtool,
  requireOrSkip,
  validateCompose,
  validateK8sObject,
} from "./_validators.ts";

/** Tail sampling on (one collector everywhere): the other shape of the collector config. */
const TAIL_SAMPLING = override(STACK, {
  components: { collector: { tailSampling: { enabled: true } } },
  overlays: { production: { collector: { minReplicas: 1, maxReplicas: 1 } } },
});

const VARIANTS: ReadonlyArray<[string, StackConfig]> = [
  ["defaults", STACK],
  ["tail sampling", TAIL_SAMPLING],
];

async function rendered(config: StackConfig): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "gen-validate-" });
  await writeTree(`${dir}/deploy`, generate(config, "tests"), { check: false });
  return `${dir}/deploy`;
}

Deno.test("validators reject bad input", async (t) => {
  const compose = requireOrSkip(
    await validateCompose({ services: { a: { image: "x", imagee: "typo" } } }),
    t,
  );
  if (compose) assert.equal(compose.ok, false);
  const k8s = requireOrSkip(
    await validateK8sObject({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "x" },
      spec: {
        selector: {},
        template: {
          spec: {
            containers: [{ name: "a", ports: [{ containerPort: "http" }] }],
          },
        },
      },
    }),
    t,
  );
  if (k8s) assert.equal(k8s.ok, false);
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/bad.yml`,
      "global:\n  scrape_interval: often\n",
    );
    const prom = requireOrSkip(await promtool("config", `${dir}/bad.yml`), t);
    if (prom) assert.equal(prom.ok, false);
    await Deno.writeTextFile(
      `${dir}/kustomization.yaml`,
      "resources: [missing.yaml]\n",
    );
    const kust = requireOrSkip(await kustomize(dir), t);
    if (kust) assert.equal(kust.ok, false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const [name, config] of VARIANTS) {
  Deno.test(`${name}: every generated file passes its validator`, async (t) => {
    const deploy = await rendered(config);
    try {
      await t.step(
        "Compose file against the Compose Specification schema",
        async (t) => {
          const doc = parse(
            await Deno.readTextFile(`${deploy}/compose/compose.yaml`),
          );
          const verdict = requireOrSkip(await validateCompose(doc), t);
          if (verdict) assert.deepEqual(verdict, { ok: true });
        },
      );
      for (
        const dir of [
          "k8s/base",
          "k8s/overlays/local",
          "k8s/overlays/production",
        ]
      ) {
        await t.step(
          `kubectl kustomize ${dir}, every object against Kubernetes 1.34`,
          async (t) => {
            const built = requireOrSkip(await kustomize(`${deploy}/${dir}`), t);
            if (!built) return;
            if (!built.ok) assert.fail(built.errors.join("\n"));
            const objects = built.objects;
            assert.ok(objects.length > 10);
            // Every object but the Namespace itself lands in the stack's namespace.
            for (const obj of objects) {
              const meta = obj.metadata as { name: string; namespace?: string };
              const expected = obj.kind === "Namespace"
                ? undefined
                : config.namespace;
              assert.equal(
                meta.namespace,
                expected,
                `${obj.kind}/${meta.name} namespace`,
              );
            }
            for (const obj of objects) {
              const verdict = requireOrSkip(await validateK8sObject(obj), t);
              const name = `${obj.kind}/${
                (obj.metadata as { name: string }).name
              }`;
              if (verdict) assert.deepEqual(verdict, { ok: true }, name);
            }
          },
        );
      }
      await t.step("promtool check config", async (t) => {
        const verdict = requireOrSkip(
          await promtool(
            "config",
            `${deploy}/k8s/base/config/prometheus/prometheus.yml`,
          ),
          t,
        );
        if (verdict) assert.deepEqual(verdict, { ok: true });
      });
    } finally {
      await Deno.remove(deploy.replace(/\/deploy$/, ""), { recursive: true });
    }
  });
}
