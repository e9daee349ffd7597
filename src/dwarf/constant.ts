import type { DwarfType, TypeResolver } from './types.js';

/** A named constant (DW_TAG_constant): Go's linker writes the runtime's constants this way. */
export class DwarfConstant {
  constructor(
    private readonly resolver: TypeResolver,
    readonly name: string,
    /** Exact value; runtime constants include 64-bit values such as arenaBaseOffset. */
    readonly value: bigint,
    /** .debug_info offset of the type, or -1. */
    readonly typeOffset: number,
  ) {}

  get type(): DwarfType | undefined {
    return this.typeOffset >= 0 ? this.resolver.typeAt(this.typeOffset) : undefined;
  }
}
