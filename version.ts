/** The release version, reported by `--version` and as `service.version`. */
export const VERSION = "0.1.0";
