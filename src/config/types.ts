import type { JoinSpec } from './schema.js';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
}

/** The spec after merging file < env < flags, normalisation and cross-field rules. */
export interface ResolvedConfig extends Omit<JoinSpec, 'node'> {
  node: {
    name?: string;
    labels: Record<string, string>;
    taints: Taint[];
  };
}

/** Secrets travel apart from the config so that printing or saving the config can never leak them. */
export interface Secrets {
  /** kubeadm bootstrap token <id>.<secret>, from KJOIN_TOKEN or the token file. */
  token?: string;
  /** Scaleway secret key, from SCW_SECRET_KEY. */
  scwSecretKey?: string;
}

export interface LoadResult {
  /** null when errors is non-empty. */
  config: ResolvedConfig | null;
  secrets: Secrets;
  /** "path: message" lines, for the operator. */
  warnings: string[];
  /** "path: message" lines; any error means exit 2. */
  errors: string[];
  /**
   * What a real join still needs (provider settings, credentials), as "path: what to set" lines. `join` refuses
   * to start with exit 2; `join --dry-run` and `preflight` report them as warnings.
   */
  missing: string[];
  /** The config file that was read, if any. */
  configFile: string | null;
}
