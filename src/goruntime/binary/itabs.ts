import type { AddressSpace } from '../../core/address-space.js';
import { itabLayout, Kind } from '../layout/abi-layout.js';
import type { Moduledata } from './moduledata.js';
import type { RuntimeType, RuntimeTypes } from './runtime-types.js';
import { u64 } from '../../util/bytes.js';

/** An interface table: the first word of a non-empty interface value. */
export interface Itab {
  addr: number;
  inter: RuntimeType;
  /** The dynamic (concrete) type of interface values using this itab. */
  type: RuntimeType;
  hash: number;
  /** Fun[0]; 0 means the type does not implement the interface (a cached negative assertion). */
  fun0: number;
}

/** The linker never emits anywhere near this many itabs; more means corrupt moduledata. */
const maxItabs = 1 << 22;

/**
 * Maps itab addresses to (interface type, concrete type). Any address is accepted and validated,
 * so itabs the runtime built at run time (persistentalloc'd, in a core) resolve too; `staticItabs`
 * lists the ones the linker emitted.
 */
export class Itabs {
  private readonly cache = new Map<number, Itab>();

  constructor(
    private readonly mem: AddressSpace,
    private readonly types: RuntimeTypes,
    private readonly modules: readonly Moduledata[],
  ) {}

  /**
   * The itab at addr, or undefined when its words are not an interface type and a type. Only itabs
   * are cached: inference asks about every pointer pair of the heap, and most are no itab.
   */
  itabAt(addr: number): Itab | undefined {
    const cached = this.cache.get(addr);
    if (cached !== undefined) return cached;
    const itab = this.load(addr);
    if (itab) this.cache.set(addr, itab);
    return itab;
  }

  private load(addr: number): Itab | undefined {
    if (addr % 8 !== 0 || !this.mem.isMapped(addr, itabLayout.size)) return undefined;
    const o = itabLayout.offsets;
    const inter = this.types.typeAt(this.mem.readPtr(addr + o.Inter));
    const type = this.types.typeAt(this.mem.readPtr(addr + o.Type));
    if (!inter || inter.kind !== Kind.Interface || !type) return undefined;
    return { addr, inter, type, hash: this.mem.readU32(addr + o.Hash), fun0: this.mem.readPtr(addr + o.Fun) };
  }

  /**
   * The itabs the linker built: moduledata.itablinks up to Go 1.26; from 1.27 a run of itabs in the
   * type data at [types+itaboffset, +itabsize), each sized by its interface's method count (abi.ITab.Size).
   */
  staticItabs(): Itab[] {
    const out: Itab[] = [];
    for (const md of this.modules) {
      if (md.itablinks) {
        const { ptr, len } = md.itablinks;
        if (len > maxItabs || !this.mem.isMapped(ptr, len * 8)) continue;
        const words = this.mem.read(ptr, len * 8);
        for (let i = 0; i < len; i++) {
          const itab = this.itabAt(u64(words, i * 8));
          if (itab) out.push(itab);
        }
      } else if (md.itaboffset !== undefined && md.itabsize !== undefined) {
        const end = md.types + md.itaboffset + md.itabsize;
        for (let p = md.types + md.itaboffset; p < end && out.length < maxItabs; ) {
          const itab = this.itabAt(p);
          if (!itab) break;
          out.push(itab);
          const methods = itab.fun0 === 0 ? 1 : Math.max(1, itab.inter.interfaceMethods().length);
          p += itabLayout.size + (methods - 1) * 8;
        }
      }
    }
    return out;
  }
}
