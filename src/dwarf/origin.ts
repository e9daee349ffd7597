import { DW_AT } from './codes.js';
import type { DieCursor } from './die-cursor.js';

/** Abstract-origin chains longer than this are loops in damaged data. */
const MAX_HOPS = 8;

/**
 * Moves `probe` to the DIE that holds the source-level attributes (name, type…) for a DIE that only
 * refers to them: Go's concrete functions, inlined calls and their variables point to the abstract
 * DIE with DW_AT_abstract_origin, C definitions to their declaration with DW_AT_specification.
 * Stops at the first DIE in the chain that has `attr`; false if none has it.
 */
export function seekOrigin(probe: DieCursor, ref: number, attr: number = DW_AT.name): boolean {
  probe.readAt(ref);
  for (let hops = 0; !probe.has(attr); hops++) {
    const next = probe.reference(DW_AT.abstract_origin) ?? probe.reference(DW_AT.specification);
    if (next === undefined || hops >= MAX_HOPS) return false;
    probe.readAt(next);
  }
  return true;
}

/** The DW_AT_origin or DW_AT_specification reference of the cursor's DIE, if any. */
export function originRef(c: DieCursor): number | undefined {
  return c.reference(DW_AT.abstract_origin) ?? c.reference(DW_AT.specification);
}
