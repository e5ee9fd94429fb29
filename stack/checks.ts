/**
 * The check code of the stack test: pure parsers of each backend's API
 * answers and the predicates the checks apply, one module per API under
 * `checks/`. Nothing here does I/O, so every CI run tests it against the
 * recorded bodies in `tests/fixtures/stack/`.
 *
 * @module
 */
export * from "./checks/common.ts";
export * from "./checks/ids.ts";
export * from "./checks/prometheus.ts";
export * from "./checks/tempo.ts";
export * from "./checks/loki.ts";
export * from "./checks/grafana.ts";
