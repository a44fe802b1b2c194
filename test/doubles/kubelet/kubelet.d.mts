/** Types for the pure helpers kubelet.mjs exports to the unit tests (the script itself is plain JavaScript). */

/** The strict YAML subset reader; plain scalars resolve as go-yaml v2 (YAML 1.1) does. Throws on anything else. */
export function parseYaml(source: string): unknown;

/** pflag-style parsing against the v1.31 kubelet flag set; throws "failed to parse kubelet flag: ..." errors. */
export function parseFlags(argv: readonly string[]): { values: Map<string, unknown>; args: string[] };

/** kubelet's --node-labels startup check; throws "failed to validate kubelet flags: ..." errors. */
export function validateNodeLabels(labels: Readonly<Record<string, string>>): void;
