import type { HeapRoot } from '../roots/heap-root.js';
import type { RuntimeType } from '../binary/runtime-types.js';
import { holdsOneValue } from './allocation-fit.js';
import { Role, type HeapTyping } from './heap-typing.js';
import { ptrSize } from '../arch.js';

/**
 * Interface values found in memory whose type nobody declared: a pointer word holding the address
 * of a type descriptor (an `any`) or of an itab (a non-empty interface), followed by the data word.
 * The GC marks both words as pointers, so they show up among the pointer slots of roots and objects.
 */
export class InterfaceWords {
  constructor(
    private readonly typing: HeapTyping,
    /** The dynamic type of the itab at addr, undefined when addr is no itab. */
    private readonly itabType: (addr: number) => RuntimeType | undefined,
  ) {}

  /** The dynamic type an interface's first word names, undefined when it names none. */
  dynamicType(first: number): RuntimeType | undefined {
    if (first === 0) return undefined;
    const fromItab = this.itabType(first);
    if (fromItab) return fromItab;
    const t = this.typing.types.typeAt(first);
    return t && t.string !== '' ? t : undefined;
  }

  /**
   * Types what an interface value of dynamic type `dynamic` holds. A value that is not pointer-shaped
   * was copied to the heap for the interface (convT): the copy starts an object of exactly its size class.
   */
  typeValue(dynamic: RuntimeType, data: number): void {
    if (dynamic.directIface) return this.typing.followInterfaceData(dynamic, data);
    const { objects } = this.typing;
    const obj = objects.objectStartingAt(data);
    if (obj < 0 || this.typing.role[obj] !== Role.unknown || !holdsOneValue(objects, obj, dynamic)) return;
    this.typing.followInterfaceData(dynamic, data);
  }

  /** Types through the interface values among the pointer words of roots whose type is unknown. */
  typeFromRoots(roots: readonly HeapRoot[]): void {
    // Unnamed globals are one root per word, so pairs are looked up across them by address;
    // registers and stack temporaries (address 0) pair within their root.
    const byAddress = new Map<number, number>();
    const untyped = roots.filter((r) => r.typeAddr === 0 && !r.dwarfType);
    for (const root of untyped) if (root.addr !== 0) for (const s of root.slots) byAddress.set(root.addr + s.offset, s.value);
    for (const root of untyped) {
      const words = root.addr !== 0 ? byAddress : new Map(root.slots.map((s) => [s.offset, s.value]));
      for (const s of root.slots) {
        const dynamic = this.dynamicType(s.value);
        const data = words.get(root.addr + s.offset + ptrSize);
        if (dynamic && data !== undefined) this.typeValue(dynamic, data);
      }
    }
  }
}
