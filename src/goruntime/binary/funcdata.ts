import type { AddressSpace } from '../../core/address-space.js';

/** Bounds far above anything the compiler emits; beyond them the data is corrupt. */
const maxBitmaps = 1 << 20;
const maxBits = 1 << 24;
const maxStackObjects = 1 << 16;

/**
 * runtime.stackmap {n int32; nbit int32; bytedata [...]byte}: FUNCDATA_ArgsPointerMaps and
 * FUNCDATA_LocalsPointerMaps. Bitmap i (selected by PCDATA_StackMapIndex) has one bit per
 * pointer-sized word, LSB first; the locals map covers [varp - nbit*8, varp), the args map [argp, …).
 */
export class StackMap {
  private constructor(
    private readonly mem: AddressSpace,
    readonly addr: number,
    readonly n: number,
    readonly nbit: number,
  ) {}

  /** Reads the stack map at `addr`; undefined when it is not mapped or its header is implausible. */
  static read(mem: AddressSpace, addr: number): StackMap | undefined {
    if (addr === 0 || !mem.isMapped(addr, 8)) return undefined;
    const n = mem.readU32(addr) | 0;
    const nbit = mem.readU32(addr + 4) | 0;
    if (n < 0 || n > maxBitmaps || nbit < 0 || nbit > maxBits) return undefined;
    if (!mem.isMapped(addr + 8, n * ((nbit + 7) >> 3))) return undefined;
    return new StackMap(mem, addr, n, nbit);
  }

  /** Bitmap i as bytes (runtime.stackmapdata); undefined for an index outside [0, n). */
  bitmap(i: number): Uint8Array | undefined {
    if (i < 0 || i >= this.n) return undefined;
    const bytes = (this.nbit + 7) >> 3;
    return new Uint8Array(this.mem.read(this.addr + 8 + i * bytes, bytes));
  }

  /** Word indices (from the start of the covered area) whose bit is set in bitmap i. */
  pointerWords(i: number): number[] {
    const bits = this.bitmap(i);
    const words: number[] = [];
    if (!bits) return words;
    for (let w = 0; w < this.nbit; w++) if (bits[w >> 3]! & (1 << (w & 7))) words.push(w);
    return words;
  }
}

/** One address-taken local or argument (runtime.stackObjectRecord, FUNCDATA_StackObjects). */
export interface StackObjectRecord {
  /** Offset from varp when negative, from argp otherwise. */
  off: number;
  size: number;
  /** Bytes of the object that may hold pointers; the mask at `gcdata` covers them. */
  ptrBytes: number;
  /** Address of the object's pointer mask (moduledata.rodata + gcdataoff), one bit per word. */
  gcdata: number;
}

/**
 * Decodes FUNCDATA_StackObjects: a uintptr count, then 16-byte records {off int32, size int32,
 * ptrdata int32, gcdataoff uint32}; gcdata offsets are relative to moduledata.rodata.
 */
export function readStackObjects(mem: AddressSpace, addr: number, rodata: number): StackObjectRecord[] {
  if (addr === 0 || !mem.isMapped(addr, 8)) return [];
  const n = mem.readU64(addr);
  if (n > maxStackObjects || !mem.isMapped(addr + 8, n * 16)) return [];
  const raw = mem.read(addr + 8, n * 16);
  const records: StackObjectRecord[] = [];
  for (let i = 0; i < n; i++) {
    records.push({
      off: raw.readInt32LE(i * 16),
      size: raw.readInt32LE(i * 16 + 4),
      ptrBytes: raw.readInt32LE(i * 16 + 8),
      gcdata: rodata + raw.readUInt32LE(i * 16 + 12),
    });
  }
  return records;
}
