import type { AddressSpace } from '../../core/address-space.js';
import { StackMap, readStackObjects } from '../binary/funcdata.js';
import { ARGS_SIZE_UNKNOWN, FUNCDATA, type GoFunc, PCDATA } from '../binary/pclntab.js';
import type { PhysicalFrame } from './unwind.js';

/** An address-taken local or argument that the GC scans only if something on the stack points into it. */
export interface StackObject {
  address: number;
  size: number;
  /** Stack addresses of the object's pointer words. */
  pointerSlots: number[];
}

/** What a frame holds for the garbage collector. */
export interface FramePointers {
  /**
   * Stack addresses of the words that hold live pointers (locals and arguments stack maps), or, in
   * a conservative frame, of every word of the frame: those may hold pointers.
   */
  livePointerSlots: number[];
  stackObjects: StackObject[];
  /** The frame's maps do not apply (interrupted at an arbitrary PC, or no map): scan it whole. */
  conservative: boolean;
}

/** A frame's maps relative to its varp and argp; the same at every PC that shares a stack map index. */
interface FrameMaps {
  /** Byte offsets from varp (negative) of live pointer locals; undefined when the map is missing. */
  locals?: number[];
  /** Byte offsets from argp of live pointer arguments; undefined when the map is missing. */
  args?: number[];
  objects: Array<{ off: number; size: number; pointerOffsets: number[] }>;
}

/** Shared by every frame without pointers (most runtime frames): callers only read it. */
const noPointers: FramePointers = Object.freeze({ livePointerSlots: [], stackObjects: [], conservative: false });

/**
 * The live pointer slots of a frame, the way the GC's scanframeworker finds them: the locals and
 * arguments bitmaps selected by PCDATA_StackMapIndex at the frame's continuation PC, and the
 * frame's stack objects. Results are cached per function and PC: thousands of goroutines park at
 * the same few call sites.
 */
export class FramePointerMaps {
  private readonly cache = new Map<number, FrameMaps>();

  constructor(private readonly mem: AddressSpace, private readonly rodata: number) {}

  of(frame: PhysicalFrame): FramePointers {
    if (frame.conservative) return this.conservative(frame);
    if (frame.continpc === 0) return noPointers; // the frame will not resume
    const maps = this.maps(frame.fn, frame.continpc);
    const hasLocals = frame.varp - frame.sp > 0;
    if ((hasLocals && !maps.locals) || !maps.args) return this.conservative(frame);
    if ((!hasLocals || maps.locals!.length === 0) && maps.args.length === 0 && maps.objects.length === 0) return noPointers;
    const slots: number[] = [];
    if (hasLocals) for (const off of maps.locals!) slots.push(frame.varp + off);
    for (const off of maps.args) slots.push(frame.argp + off);
    const stackObjects: StackObject[] = [];
    for (const obj of maps.objects) {
      const address = (obj.off < 0 ? frame.varp : frame.argp) + obj.off;
      if (address < frame.sp) continue; // not yet allocated in the frame
      stackObjects.push({ address, size: obj.size, pointerSlots: obj.pointerOffsets.map((off) => address + off) });
    }
    return { livePointerSlots: slots, stackObjects, conservative: false };
  }

  /** runtime.getStackMap for fn at continpc, decoded once. */
  private maps(fn: GoFunc, continpc: number): FrameMaps {
    let maps = this.cache.get(continpc);
    if (maps) return maps;
    let index = -1;
    if (continpc !== fn.entry) index = fn.pcdata(PCDATA.StackMapIndex, continpc - 1); // back up into the CALL
    if (index === -1) index = 0; // the prologue: assume the entry map, as the runtime does
    maps = {
      locals: this.bitmapOffsets(fn.funcdata(FUNCDATA.LocalsPointerMaps), index, (w, nbit) => (w - nbit) * 8),
      args: fn.args === ARGS_SIZE_UNKNOWN || fn.args < 8 ? [] : this.bitmapOffsets(fn.funcdata(FUNCDATA.ArgsPointerMaps), index, (w) => w * 8),
      objects: readStackObjects(this.mem, fn.funcdata(FUNCDATA.StackObjects), this.rodata).map((r) => ({
        off: r.off,
        size: r.size,
        pointerOffsets: this.maskOffsets(r.gcdata, r.ptrBytes >> 3),
      })),
    };
    this.cache.set(continpc, maps);
    return maps;
  }

  /** Offsets of the set bits of bitmap `index`; [] for an empty map, undefined when it is missing or too short. */
  private bitmapOffsets(addr: number, index: number, offset: (word: number, nbit: number) => number): number[] | undefined {
    const map = StackMap.read(this.mem, addr);
    if (!map || map.n <= 0) return undefined;
    if (map.nbit === 0) return [];
    if (index >= map.n) return undefined;
    return map.pointerWords(index).map((w) => offset(w, map.nbit));
  }

  /** Byte offsets of the set bits of a plain pointer mask of `words` bits at `addr`. */
  private maskOffsets(addr: number, words: number): number[] {
    const bytes = (words + 7) >> 3;
    if (words <= 0 || !this.mem.isMapped(addr, bytes)) return [];
    const mask = this.mem.read(addr, bytes);
    const offsets: number[] = [];
    for (let w = 0; w < words; w++) if (mask[w >> 3]! & (1 << (w & 7))) offsets.push(w * 8);
    return offsets;
  }

  /** Every word of the frame's locals, spill area and arguments (scanframeworker's conservative case). */
  private conservative(frame: PhysicalFrame): FramePointers {
    const slots: number[] = [];
    for (let at = frame.sp; at < frame.varp; at += 8) slots.push(at);
    const argBytes = frame.fn.args === ARGS_SIZE_UNKNOWN ? 0 : frame.fn.args;
    for (let at = frame.argp; at < frame.argp + argBytes; at += 8) slots.push(at);
    return { livePointerSlots: slots, stackObjects: [], conservative: true };
  }
}
