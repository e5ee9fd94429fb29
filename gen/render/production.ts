/**
 * What only the production overlay adds: an Ingress with TLS, autoscalers
 * and disruption budgets, and NetworkPolicies that deny every connection
 * the component model does not list.
 * @module
 */
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { Component } from "../model.ts";
import { named, type Rendered, yamlFile } from "../serialize.ts";
import { NAMES } from "../names.ts";
import type { ProductionOverlayConfig as Prod } from "../types.ts";
import { NAME_LABEL } from "./kustomize_base.ts";

type Components = readonly Component[];
type Scaled = Prod["app"] & { readonly component: string };

const pods = (name: string) => ({ matchLabels: { [NAME_LABEL]: name } });

function ingress(components: Components, prod: Prod): IIngress {
  const hosts = [
    { component: NAMES.app, host: prod.ingress.app },
    { component: NAMES.grafana, host: prod.ingress.grafana },
  ];
  return {
    ...named("networking.k8s.io/v1", "Ingress", "space-app"),
    spec: {
      ingressClassName: prod.ingressClass,
      tls: hosts.map(({ host }) => ({
        hosts: [host.host],
        secretName: host.tlsSecret,
      })),
      // Each host to its component's first port.
      rules: hosts.map(({ component, host }) => {
        const port = components.find((c) => c.name === component)?.ports[0];
        if (!port) throw new Error(`ingress: ${component} has no port`);
        const service = { name: component, port: { name: port.name } };
        return {
          host: host.host,
          http: {
            paths: [{ path: "/", pathType: "Prefix", backend: { service } }],
          },
        };
      }),
    },
  };
}

const autoscaler = (s: Scaled): IHorizontalPodAutoscaler => ({
  ...named("autoscaling/v2", "HorizontalPodAutoscaler", s.component),
  spec: {
    scaleTargetRef: {
      apiVersion: "apps/v1",
      kind: "Deployment",
      name: s.component,
    },
    minReplicas: s.minReplicas,
    maxReplicas: s.maxReplicas,
    metrics: [{
      type: "Resource",
      resource: {
        name: "cpu",
        target: { type: "Utilization", averageUtilization: s.targetCpuPercent },
      },
    }],
  },
});

const disruptionBudget = (s: Scaled): IPodDisruptionBudget => ({
  ...named("policy/v1", "PodDisruptionBudget", s.component),
  // Voluntary evictions (node drains) keep one pod serving.
  spec: { minAvailable: 1, selector: pods(s.component) },
});

function networkPolicies(components: Components, prod: Prod): INetworkPolicy[] {
  const policy = (name: string, spec: INetworkPolicy["spec"]) => ({
    ...named("networking.k8s.io/v1", "NetworkPolicy", name),
    spec,
  });
  // Only the Ingress controller, from its own namespace.
  const outside = {
    namespaceSelector: {
      matchLabels: { "kubernetes.io/metadata.name": prod.ingressNamespace },
    },
  };
  return [
    policy("default-deny-ingress", {
      podSelector: {},
      policyTypes: ["Ingress"],
    }),
    ...components.filter((c) => c.clients.length > 0).map((c) => {
      const ports = [...new Set(c.clients.map((cl) => cl.port))]
        .sort((a, b) => a - b);
      return policy(`${c.name}-ingress`, {
        podSelector: pods(c.name),
        policyTypes: ["Ingress"],
        ingress: ports.map((port) => ({
          from: c.clients.filter((cl) => cl.port === port).map((cl) =>
            cl.from === "outside" ? outside : { podSelector: pods(cl.from) }
          ),
          ports: [{ protocol: "TCP", port }],
        })),
      });
    }),
  ];
}

/** The production overlay's own files, relative to it. */
export function renderProductionExtras(
  components: Components,
  prod: Prod,
): Rendered[] {
  const scaled = (["app", "collector"] as const)
    .map((name): Scaled => ({ component: NAMES[name], ...prod[name] }))
    .filter((s) =>
      components.some((c) => c.name === s.component && c.autoscaled)
    );
  return [
    yamlFile("ingress.yaml", ingress(components, prod)),
    yamlFile("autoscaling.yaml", ...scaled.map(autoscaler)),
    yamlFile("disruption-budgets.yaml", ...scaled.map(disruptionBudget)),
    yamlFile("network-policies.yaml", ...networkPolicies(components, prod)),
  ];
}
