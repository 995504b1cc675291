// The scheduling policies (CTRL.POLICY): one table from which the controller's localparams, the
// register map documentation (JSON, markdown, C and Verilog headers) and the host's encoding of
// `--policy` are all generated.

import { pascalCase } from '../dsl/names.ts';

export interface PolicyEntry {
  /** Value of CTRL.POLICY. */
  code: number;
  /** Lower-case name: the CLI's `--policy`, SF_CTRL_POLICY_<NAME> in C, Policy<Pascal> in RTL. */
  name: string;
  doc: string;
}

export const POLICY_TABLE = [
  { code: 0, name: 'monolithic', doc: 'all engines on one task, in program order' },
  { code: 1, name: 'static', doc: 'fixed groups of 2^STATIC_LOG engines' },
  { code: 2, name: 'elastic', doc: 'engines per task from its demand' },
] as const satisfies readonly PolicyEntry[];

export type Policy = (typeof POLICY_TABLE)[number]['name'];
export const POLICIES: readonly Policy[] = POLICY_TABLE.map((p) => p.name);

/** Bits of CTRL.POLICY. Codes the table leaves free read back as written and run as elastic. */
export const POLICY_BITS = 2;
export const FALLBACK_POLICY: Policy = 'elastic';

export function policyCode(policy: Policy): number {
  return POLICY_TABLE.find((p) => p.name === policy)!.code;
}

/** Controller localparam name of a policy (PolicyMonolithic). */
export function policyParamName(policy: Policy): string {
  return 'Policy' + pascalCase(policy);
}

/** Engines per group under the static policy when none is given: half of them, a power of two. */
export function defaultStaticGroup(engines: number): number {
  return Math.max(1, 2 ** Math.floor(Math.log2(engines / 2)));
}
