import { type AddressSpace, wordOrZero } from '../../core/address-space.js';
import type { HeapRoot } from '../roots/heap-root.js';
import { holdsValues, isClosureContext, isRuntimeRepresentation } from './allocation-fit.js';
import { Role, type HeapTyping } from './heap-typing.js';
import type { GlobalAllocation } from '../code/code-facts.js';
import { ptrSize } from '../arch.js';

/**
 * Types what untyped globals point to from how the code assigns them: a global the code sets to the
 * result of newobject(T) is a *T, one set from makeslice(T) a []T, whatever it points to now. The
 * object must be what the allocator makes for that type (its size class, and a span that scans
 * exactly when the type has pointers); a slice's capacity, read next to its pointer, gives the count
 * (also of an array the heap typed by its element).
 */
export function typeFromGlobalAllocations(mem: AddressSpace, typing: HeapTyping, roots: readonly HeapRoot[], allocations: ReadonlyMap<number, GlobalAllocation>): void {
  const { objects } = typing;
  for (const root of roots) {
    if (root.addr === 0 || root.typeAddr !== 0 || root.dwarfType) continue;
    for (const slot of root.slots) {
      const global = root.addr + slot.offset;
      const allocation = allocations.get(global);
      const type = allocation && typing.types.typeAt(allocation.type);
      // A closure is told by its first word, a map or channel header by what it leads to (shape-inference.ts).
      if (type && (isClosureContext(type) || isRuntimeRepresentation(type))) continue;
      const obj = type ? objects.objectStartingAt(slot.value) : -1;
      // A typed object is left alone, except that a slice's capacity says how much of an array the heap typed is in use.
      const refinable = allocation?.slice && typing.role[obj] === Role.value && typing.type[obj] === type?.addr;
      if (!type || obj < 0 || (typing.role[obj] !== Role.unknown && !refinable)) continue;
      const count = allocation.slice ? wordOrZero(mem, global + 2 * ptrSize) : 1;
      if (allocation.slice ? count >= 1 && count * type.size <= objects.size[obj]! - objects.dataOffset(obj) && holdsValues(objects, obj, type, count) : holdsValues(objects, obj, type, 1)) {
        typing.infer(obj, allocation.slice ? Role.array : Role.value, type, count);
      }
    }
  }
}
