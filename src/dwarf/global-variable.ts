import type { DwarfType, TypeResolver } from './types.js';

/**
 * A package-level variable at a fixed address (DW_TAG_variable located by DW_OP_addr). Addresses are
 * link-time addresses, like every pc and address in DWARF: add the load bias for a PIE.
 */
export class GlobalVariable {
  constructor(
    private readonly resolver: TypeResolver,
    readonly name: string,
    readonly address: number,
    /** .debug_info offset of the type, or -1. */
    readonly typeOffset: number,
  ) {}

  get type(): DwarfType | undefined {
    return this.typeOffset >= 0 ? this.resolver.typeAt(this.typeOffset) : undefined;
  }
}
