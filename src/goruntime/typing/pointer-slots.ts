import { Kind } from '../abi-layout.js';
import type { RuntimeType, RuntimeTypes } from '../runtime-types.js';

/** How a pointer-bearing word of a value refers to memory. */
export type SlotKind = 'pointer' | 'slice' | 'string' | 'map' | 'chan' | 'func' | 'eface' | 'iface' | 'unsafe';

/**
 * One pointer-bearing word of a value: where it is, the Go type it is declared with, and the access
 * path that reaches it (`.sessions`, `.items[elem].next`, '' for the value itself).
 */
export interface PointerSlot {
  offset: number;
  kind: SlotKind;
  /** The declared type of the slot (`*main.Node`, `[]uint8`, `map[string]int`, `any`). */
  type: RuntimeType;
  path: string;
}

/** Templates cap their slot count so a huge array type cannot blow up memory; the rest stay untyped. */
const maxSlots = 1 << 16;

/** The pointer slots of values of each runtime type, computed once per type. */
export class PointerSlots {
  private readonly cache = new Map<number, PointerSlot[]>();
  private readonly byOffsetCache = new Map<number, Map<number, PointerSlot>>();

  constructor(private readonly types: RuntimeTypes) {}

  of(t: RuntimeType): PointerSlot[] {
    let slots = this.cache.get(t.addr);
    if (!slots) {
      slots = [];
      this.collect(t, 0, '', slots, 0);
      this.cache.set(t.addr, slots);
    }
    return slots;
  }

  /** The slot of `t` at exactly `offset`, if there is one. */
  at(t: RuntimeType, offset: number): PointerSlot | undefined {
    let map = this.byOffsetCache.get(t.addr);
    if (!map) {
      map = new Map(this.of(t).map((s) => [s.offset, s]));
      this.byOffsetCache.set(t.addr, map);
    }
    return map.get(offset);
  }

  private collect(t: RuntimeType, base: number, path: string, out: PointerSlot[], depth: number): void {
    if (t.ptrBytes === 0 || out.length >= maxSlots || depth > 32) return;
    const slot = (kind: SlotKind) => out.push({ offset: base, kind, type: t, path });
    switch (t.kind) {
      case Kind.Pointer:
        return void slot('pointer');
      case Kind.UnsafePointer:
        return void slot('unsafe');
      case Kind.Slice:
        return void slot('slice');
      case Kind.String:
        return void slot('string');
      case Kind.Map:
        return void slot('map');
      case Kind.Chan:
        return void slot('chan');
      case Kind.Func:
        return void slot('func');
      case Kind.Interface:
        return void slot(t.interfaceMethods().length === 0 ? 'eface' : 'iface');
      case Kind.Array: {
        const elem = t.elem();
        if (!elem || elem.size === 0) return;
        for (let i = 0; i < t.len && out.length < maxSlots; i++) this.collect(elem, base + i * elem.size, `${path}[elem]`, out, depth + 1);
        return;
      }
      case Kind.Struct:
        for (const f of t.fields()) {
          const ft = this.types.typeAt(f.typeAddr);
          if (ft) this.collect(ft, base + f.offset, `${path}.${f.name}`, out, depth + 1);
        }
        return;
      default:
        return;
    }
  }
}
