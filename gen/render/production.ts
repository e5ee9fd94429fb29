/**
 * What only the production overlay adds: an Ingress with TLS for the app
 * and Grafana, HorizontalPodAutoscalers and PodDisruptionBudgets for the
 * app and the collector, and NetworkPolicies that deny every connection
 * the component model does not list.
 *
 * @module
 */
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type {
  INetworkPolicy,
  INetworkPolicyPeer,
} from "kubernetes-models/networking.k8s.io/v1";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IngressHost } from "../types.ts";
import type { Component } from "../model.ts";
import { NAME_LABEL } from "./k8s_objects.ts";
import type { Rendered } from "./rendered.ts";

/** An autoscaled component. */
export interface Scaled {
  readonly component: string;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCpuPercent: number;
}

/** What the production extras render from. */
export interface ProductionInput {
  readonly components: readonly Component[];
  readonly ingressClass: string;
  /** The Ingress controller's namespace: the only outside source admitted. */
  readonly ingressNamespace: string;
  /** Host per component name, served by the Ingress on its first port. */
  readonly ingress: readonly { component: string; host: IngressHost }[];
  readonly scaled: readonly Scaled[];
}

function ingress(input: ProductionInput): IIngress {
  const byName = new Map(input.components.map((c) => [c.name, c]));
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: "space-app" },
    spec: {
      ingressClassName: input.ingressClass,
      tls: input.ingress.map((i) => ({
        hosts: [i.host.host],
        secretName: i.host.tlsSecret,
      })),
      rules: input.ingress.map((i) => {
        const port = byName.get(i.component)?.ports[0];
        if (!port) throw new Error(`ingress: ${i.component} has no port`);
        return {
          host: i.host.host,
          http: {
            paths: [{
              path: "/",
              pathType: "Prefix",
              backend: {
                service: { name: i.component, port: { name: port.name } },
              },
            }],
          },
        };
      }),
    },
  };
}

function autoscaler(s: Scaled): IHorizontalPodAutoscaler {
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: s.component },
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
          target: {
            type: "Utilization",
            averageUtilization: s.targetCpuPercent,
          },
        },
      }],
    },
  };
}

function disruptionBudget(s: Scaled): IPodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: s.component },
    spec: {
      // Voluntary evictions (node drains) keep one pod serving.
      minAvailable: 1,
      selector: { matchLabels: { [NAME_LABEL]: s.component } },
    },
  };
}

function networkPolicies(input: ProductionInput): INetworkPolicy[] {
  const policies: INetworkPolicy[] = [{
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "default-deny-ingress" },
    spec: { podSelector: {}, policyTypes: ["Ingress"] },
  }];
  for (const c of input.components) {
    if (c.clients.length === 0) continue;
    const ports = [...new Set(c.clients.map((cl) => cl.port))].sort((a, b) =>
      a - b
    );
    policies.push({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: `${c.name}-ingress` },
      spec: {
        podSelector: { matchLabels: { [NAME_LABEL]: c.name } },
        policyTypes: ["Ingress"],
        ingress: ports.map((port) => {
          const from = c.clients.filter((cl) => cl.port === port).map((
            cl,
          ): INetworkPolicyPeer =>
            cl.from === "outside"
              // Only the Ingress controller, from its own namespace.
              ? {
                namespaceSelector: {
                  matchLabels: {
                    "kubernetes.io/metadata.name": input.ingressNamespace,
                  },
                },
              }
              : { podSelector: { matchLabels: { [NAME_LABEL]: cl.from } } }
          );
          return { from, ports: [{ protocol: "TCP", port }] };
        }),
      },
    });
  }
  return policies;
}

/** The production overlay's own resources, paths relative to it. */
export function renderProductionExtras(input: ProductionInput): Rendered[] {
  return [
    { path: "ingress.yaml", kind: "yaml", docs: [ingress(input)] },
    {
      path: "autoscaling.yaml",
      kind: "yaml",
      docs: input.scaled.map(autoscaler),
    },
    {
      path: "disruption-budgets.yaml",
      kind: "yaml",
      docs: input.scaled.map(disruptionBudget),
    },
    {
      path: "network-policies.yaml",
      kind: "yaml",
      docs: networkPolicies(input),
    },
  ];
}
