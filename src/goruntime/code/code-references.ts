import type { AddressSpace } from '../../core/address-space.js';
import type { PcLnTab } from '../binary/pclntab.js';
import { decodeFunction, type Instruction, Opcode } from '../../x86/decoder.js';

/** Runtime functions are small; anything bigger than this is not the function we asked for. */
const maxFunctionBytes = 1 << 20;

/** How an instruction uses its memory operand; 'load64' is MOV r64, [mem]: reading a pointer or a list head. */
export type Access = 'any' | 'load64';

const matches: Record<Access, (inst: Instruction) => boolean> = {
  any: () => true,
  load64: (inst) => inst.opcode === Opcode.movLoad && inst.rexW,
};

/**
 * The addresses a function's code reads or writes RIP-relative (its globals, and fields of them),
 * found by name through pclntab; undefined when the binary has no such function or its code is not
 * readable. A function that cannot be decoded to its end still gives the operands before that point.
 */
export function dataReferences(mem: AddressSpace, pclntab: PcLnTab, name: string, access: Access = 'any'): Set<number> | undefined {
  const fn = pclntab.findFunc(name);
  if (!fn || fn.end <= fn.entry || fn.end - fn.entry > maxFunctionBytes || !mem.isMapped(fn.entry, fn.end - fn.entry)) return undefined;
  const targets = new Set<number>();
  for (const inst of decodeFunction(mem.read(fn.entry, fn.end - fn.entry), fn.entry).instructions) {
    if (inst.ripTarget !== undefined && matches[access](inst)) targets.add(inst.ripTarget);
  }
  return targets;
}
