import { type AddressSpace, wordOrZero } from '../../core/address-space.js';
import type { PointerSlots } from '../binary/pointer-slots.js';
import type { HeapRoot } from '../roots/heap-root.js';
import type { HeapTyping, WordSource } from './heap-typing.js';

/**
 * Types what the roots point to: through a root's whole type when known (its typedSlots), else
 * through each pointer word's declared type.
 */
export function typeFromRoots(mem: AddressSpace, typing: HeapTyping, slots: PointerSlots, roots: readonly HeapRoot[]): void {
  for (const root of roots) typeFromRoot(mem, typing, slots, root);
}

function typeFromRoot(mem: AddressSpace, typing: HeapTyping, slots: PointerSlots, root: HeapRoot): void {
  const typed = root.typedSlots;
  if (typed && root.addr) {
    const words: WordSource = {
      word(offset) {
        const piece = root.pieces ? root.pieces.find((p) => offset >= p.offset && offset + 8 <= p.offset + p.size) : undefined;
        if (root.pieces && !piece) return 0; // that part of the variable is not in memory
        const addr = piece ? piece.addr + offset - piece.offset : root.addr + offset;
        return wordOrZero(mem, addr);
      },
    };
    for (const slot of typed) typing.followSlot(slot, words);
    return;
  }
  const followDeclared = (declaredAddr: number, value: number) => {
    const declared = declaredAddr ? typing.types.typeAt(declaredAddr) : undefined;
    const slot = declared && slots.at(declared, 0);
    if (slot && slot.kind !== 'eface' && slot.kind !== 'iface') typing.followSlot(slot, { word: (offset: number) => (offset === 0 ? value : 0) });
  };
  for (const s of root.slots) followDeclared(s.declared, s.value);
  if (root.referentsOf !== undefined && root.referentsOfType) followDeclared(root.referentsOfType, root.referentsOf);
}
