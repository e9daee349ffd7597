import type { DwarfFunction, DwarfType, DwarfVariable } from '../../dwarf/index.js';
import { GoKind } from '../../dwarf/index.js';
import { Kind } from '../layout/abi-layout.js';
import type { RuntimeType, RuntimeTypes } from './runtime-types.js';
import { ptrSize } from '../arch.js';

/** How a pointer-bearing word of a value refers to memory. */
export type SlotKind = 'pointer' | 'slice' | 'string' | 'map' | 'chan' | 'func' | 'eface' | 'iface' | 'unsafe';

/**
 * The declared type of a pointer slot: a runtime type descriptor, or, for types the binary has no
 * descriptor for (a slice type never converted to an interface), a stand-in built from DWARF.
 */
export interface DeclaredType {
  /** Descriptor address, 0 for a DWARF stand-in. */
  readonly addr: number;
  readonly string: string;
  readonly size: number;
  elem(): RuntimeType | undefined;
  /** For a DWARF stand-in: the DWARF element type, which may have no runtime descriptor either. */
  readonly dwarfElem?: DwarfType;
}

/**
 * One pointer-bearing word of a value: where it is, the Go type it is declared with, and the access
 * path that reaches it (`.sessions`, `.items[elem].next`, '' for the value itself).
 */
export interface PointerSlot {
  offset: number;
  kind: SlotKind;
  /** The declared type of the slot (`*main.Node`, `[]uint8`, `map[string]int`, `any`). */
  type: DeclaredType;
  path: string;
}

/** Templates cap their slot count so a huge array type cannot blow up memory; the rest stay untyped. */
const maxSlots = 1 << 16;

/** The pointer slots of values of each runtime type, computed once per type. */
export class PointerSlots {
  private readonly cache = new Map<number, PointerSlot[]>();
  private readonly dwarfCache = new Map<number, PointerSlot[]>();
  private readonly closureCache = new Map<number, PointerSlot[]>();
  private readonly byOffset = new WeakMap<PointerSlot[], Map<number, PointerSlot>>();

  /** `typesBase` is moduledata.types: DWARF's DW_AT_go_runtime_type offsets are relative to it. */
  constructor(
    private readonly types: RuntimeTypes,
    private readonly typesBase: number,
  ) {}

  of(t: RuntimeType): PointerSlot[] {
    let slots = this.cache.get(t.addr);
    if (!slots) {
      slots = [];
      this.collect(t, 0, '', slots, 0);
      this.cache.set(t.addr, slots);
    }
    return slots;
  }

  /** The pointer slots of a DWARF type, through its runtime type where it has one. */
  ofDwarf(t: DwarfType): PointerSlot[] {
    let slots = this.dwarfCache.get(t.offset);
    if (!slots) {
      slots = [];
      this.collectDwarf(t, 0, '', slots, 0);
      this.dwarfCache.set(t.offset, slots);
    }
    return slots;
  }

  /**
   * The pointer slots of a closure of `fn`: its captured variables at their DWARF closure offsets,
   * or, for DWARF that has none (Go 1.20–1.22: `laidOut`), where the compiler lays them out.
   * `startLine`: the function's first line from the pclntab, for DWARF that gives none (Go 1.20).
   */
  ofClosure(fn: DwarfFunction, laidOut = false, startLine?: number): PointerSlot[] {
    let slots = this.closureCache.get(fn.offset);
    if (!slots) {
      slots = [];
      const captured = laidOut ? this.closureLayout(fn, fn.declLine ?? startLine) : fn.variables().flatMap((v) => (v.closureOffset !== undefined ? [{ v, offset: v.closureOffset }] : []));
      for (const { v, offset } of captured) if (v.type) this.collectDwarf(v.type, offset, `.${v.name}`, slots, 0);
      this.closureCache.set(fn.offset, slots);
    }
    return slots;
  }

  /**
   * Go 1.20–1.22's DWARF lists a closure's captured variables (`&x` when captured by reference) right
   * after its parameters, declared at the closure's own line, in the order of the closure struct
   * the compiler builds: the code pointer F, then each variable at its type's alignment
   * (cmd/compile's closure struct iterator). Empty when a variable's alignment is not known.
   */
  private closureLayout(fn: DwarfFunction, line: number | undefined): Array<{ v: DwarfVariable; offset: number }> {
    const out: Array<{ v: DwarfVariable; offset: number }> = [];
    if (line === undefined) return out;
    let offset = ptrSize;
    for (const v of fn.variables()) {
      if (v.isParameter || v.inlinedFrom !== undefined) continue;
      if (v.declLine !== line) break;
      const align = v.type && this.alignOf(v.type);
      if (!align || !v.type) return [];
      offset = Math.ceil(offset / align) * align;
      out.push({ v, offset });
      offset += v.type.size;
    }
    return out;
  }

  /** A DWARF type's alignment: its runtime type's, or a pointer's for the pointer-shaped kinds. */
  private alignOf(t: DwarfType): number | undefined {
    const rt = this.runtimeTypeOf(t);
    if (rt) return rt.align;
    return t.underlying.kind === 'pointer' || t.goKind === GoKind.Pointer ? ptrSize : undefined;
  }

  /** The slot of `t` at exactly `offset`, if there is one. */
  at(t: RuntimeType, offset: number): PointerSlot | undefined {
    return this.find(this.of(t), offset);
  }

  /** The slot of a slot list at exactly `offset`. */
  find(slots: PointerSlot[], offset: number): PointerSlot | undefined {
    let map = this.byOffset.get(slots);
    if (!map) {
      map = new Map(slots.map((s) => [s.offset, s]));
      this.byOffset.set(slots, map);
    }
    return map.get(offset);
  }

  private runtimeTypeOf(t: DwarfType | undefined): RuntimeType | undefined {
    const off = t?.runtimeTypeOffset ?? 0;
    return off ? this.types.typeAt(this.typesBase + off) : undefined;
  }

  private collectDwarf(t: DwarfType, base: number, path: string, out: PointerSlot[], depth: number): void {
    if (out.length >= maxSlots || depth > 32) return;
    const rt = this.runtimeTypeOf(t);
    if (rt) return this.collect(rt, base, path, out, depth);
    const u = t.underlying;
    const declared = (elem: DwarfType | undefined): DeclaredType => ({
      addr: 0, string: t.name, size: t.size, elem: () => this.runtimeTypeOf(elem), ...(elem ? { dwarfElem: elem } : {}),
    });
    switch (t.goKind) {
      case GoKind.Pointer:
      case GoKind.UnsafePointer:
        return void out.push({ offset: base, kind: t.goKind === GoKind.Pointer ? 'pointer' : 'unsafe', type: declared(t.elem), path });
      case GoKind.Slice:
        return void out.push({ offset: base, kind: 'slice', type: declared(t.elem), path });
      case GoKind.String:
        return void out.push({ offset: base, kind: 'string', type: declared(undefined), path });
      case GoKind.Interface:
        return void out.push({ offset: base, kind: isEface(u) ? 'eface' : 'iface', type: declared(undefined), path });
      case GoKind.Map:
      case GoKind.Chan:
      case GoKind.Func:
        return void out.push({ offset: base, kind: t.goKind === GoKind.Map ? 'map' : t.goKind === GoKind.Chan ? 'chan' : 'func', type: declared(undefined), path });
      default:
        break;
    }
    if (u.kind === 'struct') {
      for (const f of u.fields) this.collectDwarf(f.type, base + f.offset, `${path}.${f.name}`, out, depth + 1);
    } else if (u.kind === 'array' && u.elem && u.elem.size > 0) {
      for (let i = 0; i < u.count && out.length < maxSlots; i++) this.collectDwarf(u.elem, base + i * u.elem.size, `${path}[elem]`, out, depth + 1);
    } else if (u.kind === 'pointer') {
      out.push({ offset: base, kind: 'pointer', type: declared(u.target), path });
    }
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

/** Go's DWARF describes `interface{}` as {_type, data} and non-empty interfaces as {tab, data}. */
function isEface(t: DwarfType): boolean {
  return t.kind === 'struct' && t.fields[0]?.name === '_type';
}
