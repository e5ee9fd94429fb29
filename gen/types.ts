/**
 * The typed config every deploy asset is generated from, inferred from the
 * schema in `validate.ts`; its values live in `stack.config.ts`. Durations
 * use Prometheus/Go notation (`30s`, `336h`, `15d`), quantities Kubernetes
 * notation (`512Mi`, `250m` CPU), images `repository:tag[@sha256:...]`.
 * @module
 */
import type { Infer, SCHEMA } from "./validate.ts";

export type StackConfig = Infer<typeof SCHEMA>;
type Components = StackConfig["components"];
export type Resources = Components["app"]["resources"];
/** A literal password (local use only), or an existing Secret's name. */
export type GrafanaCredentials = Components["grafana"]["credentials"];
export type AlertsConfig = Components["grafana"]["alerts"];
export type AlertNotifier = Components["grafana"]["notify"];
export type ProductionOverlayConfig = StackConfig["overlays"]["production"];
