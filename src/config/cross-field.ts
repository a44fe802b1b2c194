/**
 * Rules that span fields: what each control-plane provider needs to join. These are not errors of the
 * configuration itself: `preflight` and `join --dry-run` run without them (reporting them as warnings), a real
 * join refuses to start until they are set.
 */

import { nameConfigPath } from './merge.js';
import type { ResolvedConfig } from './types.js';

export interface RuleOutcome {
  /** Settings a real join needs and does not have, as "path: what to set" lines. */
  missing: string[];
  warnings: string[];
}

export const UNSAFE_SKIP_CA_WARNING =
  'the cluster CA is accepted without a pin: anyone on the path can impersonate the control plane; pass --discovery-token-ca-cert-hash sha256:<hex> instead';

function checkKubeadm(config: ResolvedConfig, origins: ReadonlyMap<string, string>, outcome: RuleOutcome): void {
  const { server, caCertHashes, unsafeSkipCaVerification } = config.controlPlane;
  if (!server) {
    outcome.missing.push(
      'spec.controlPlane.server: the kubeadm provider needs the API server URL: --server https://HOST:6443 (or KJOIN_SERVER)',
    );
  }
  if (caCertHashes.length === 0 && !unsafeSkipCaVerification) {
    outcome.missing.push(
      'spec.controlPlane.caCertHashes: the kubeadm provider needs at least one CA pin: --discovery-token-ca-cert-hash sha256:<hex>, ' +
        'as printed by `kubeadm token create --print-join-command` on a control-plane node',
    );
  }
  if (unsafeSkipCaVerification) {
    outcome.warnings.push(`${nameConfigPath('controlPlane.unsafeSkipCaVerification', origins)}: ${UNSAFE_SKIP_CA_WARNING}`);
  }
}

function checkScaleway(config: ResolvedConfig, outcome: RuleOutcome): void {
  const { poolId, region } = config.controlPlane.scaleway;
  if (!poolId) {
    outcome.missing.push('spec.controlPlane.scaleway.poolId: the scaleway provider needs the Kosmos pool ID: --pool-id (or POOL_ID)');
  }
  if (!region) {
    outcome.missing.push('spec.controlPlane.scaleway.region: the scaleway provider needs the pool region, e.g. fr-par: --pool-region (or POOL_REGION)');
  }
}

function checkFile(config: ResolvedConfig, outcome: RuleOutcome): void {
  if (!config.controlPlane.kubeconfigFile) {
    outcome.missing.push('spec.controlPlane.kubeconfigFile: the file provider needs a bootstrap kubeconfig: --kubeconfig FILE (or KJOIN_KUBECONFIG)');
  }
}

/** Provider-specific requirements that are plain configuration (never secrets). */
export function checkCrossFieldRules(config: ResolvedConfig, origins: ReadonlyMap<string, string>): RuleOutcome {
  const outcome: RuleOutcome = { missing: [], warnings: [] };
  switch (config.controlPlane.provider) {
    case 'kubeadm':
      checkKubeadm(config, origins, outcome);
      break;
    case 'scaleway':
      checkScaleway(config, outcome);
      break;
    case 'file':
      checkFile(config, outcome);
      break;
  }
  return outcome;
}
