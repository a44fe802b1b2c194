import { describeError } from '../errors.js';
import {
  checkExistingContainerdConfig,
  checkExistingKubeconfig,
  checkExistingKubelet,
} from './existing-install-checks.js';
import {
  checkAppArmor,
  checkArch,
  checkCgroup,
  checkClock,
  checkOsSupport,
  checkRoot,
  checkSystemd,
} from './host-checks.js';
import { checkIpForward, checkKernelModule, REQUIRED_MODULES } from './kernel-checks.js';
import { checkPortFree, NODE_PORTS } from './port-checks.js';
import { checkReachability } from './reachability.js';
import { checkCpus, checkDisk, checkMemory, checkSwap } from './resource-checks.js';
import type { CheckOutcome, PreflightCheck, PreflightContext } from './types.js';

export type { CheckOutcome, CheckStatus, PreflightContext, PreflightPorts } from './types.js';

/** The host checks, in report order: who and what the host is, then resources, kernel, leftovers. */
export const HOST_CHECKS: readonly PreflightCheck[] = [
  checkRoot,
  checkOsSupport,
  checkArch,
  checkSystemd,
  checkCgroup,
  checkClock,
  checkMemory,
  checkCpus,
  checkDisk,
  checkSwap,
  ...REQUIRED_MODULES.map((name) => checkKernelModule(name)),
  checkIpForward,
  checkAppArmor,
  ...NODE_PORTS.map(({ port, owner }) => checkPortFree(port, owner)),
  checkExistingKubelet,
  checkExistingContainerdConfig,
  checkExistingKubeconfig,
];

/** Runs one check; a check that throws is a failed check, never a crashed run. */
export async function runCheck(check: PreflightCheck, ctx: PreflightContext): Promise<CheckOutcome> {
  try {
    return { id: check.id, title: check.title, ...(await check.run(ctx)) };
  } catch (error) {
    return {
      id: check.id,
      title: check.title,
      status: 'fail',
      message: describeError(error),
      remediation: 'the check itself could not run: inspect the host with kjoin facts and run preflight again',
    };
  }
}

/**
 * Every preflight check against the host, then reachability of the control plane (or the Scaleway API) when
 * the configuration names one. Read-only: nothing on the host changes. Checks run one after another so the
 * report order is stable and a slow network probe does not hide behind the host checks.
 */
export async function runPreflight(ctx: PreflightContext): Promise<CheckOutcome[]> {
  const outcomes: CheckOutcome[] = [];
  for (const check of HOST_CHECKS) outcomes.push(await runCheck(check, ctx));
  try {
    outcomes.push(...(await checkReachability(ctx)));
  } catch (error) {
    outcomes.push({
      id: 'reachability',
      title: 'control plane reachable',
      status: 'fail',
      message: describeError(error),
      remediation: "check the server URL and this host's network, then run preflight again",
    });
  }
  return outcomes;
}

export interface PreflightSummary {
  ok: number;
  warn: number;
  fail: number;
  /** True when nothing failed; warnings do not stop a join. */
  passed: boolean;
}

export function summarisePreflight(outcomes: readonly CheckOutcome[]): PreflightSummary {
  const counts = { ok: 0, warn: 0, fail: 0 };
  for (const outcome of outcomes) counts[outcome.status] += 1;
  return { ...counts, passed: counts.fail === 0 };
}
