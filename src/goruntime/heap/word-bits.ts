import { type AddressSpace, MemoryFault, wordOrZero } from '../../core/address-space.js';
import type { RuntimeLayout } from '../layout/runtime-layout.js';
import { arenaIndex, heapArenaBytes, ptrSize } from '../arch.js';
import type { HeapScheme } from './heap-scheme.js';

/** Green Tea GC reserves 128 bytes of inline mark bits at the end of small spans with elemsize ≥ 16. */
const spanInlineMarkBitsSize = 128;
/** One bit per word: a byte of bits covers this many bytes of heap. */
const bytesPerBitsByte = ptrSize * 8;

/** Where the heap bits of a small span (one bit per word) start, from the span's first byte (allocation headers). */
function spanHeapBitsOffset(spanBytes: number, elemSize: number, greenTea: boolean): number {
  const bitmapOff = spanBytes - spanBytes / bytesPerBitsByte;
  return greenTea && elemSize >= 16 ? bitmapOff - spanInlineMarkBitsSize : bitmapOff;
}

/** Whether bit `word` of bits laid out one per word, least significant bit first, is set. */
export function heapBit(bits: Uint8Array, word: number): boolean {
  return ((bits[word >> 3]! >> (word & 7)) & 1) === 1;
}

/**
 * The pointer bits of heap words, one per word, wherever the heap scheme keeps them: at the end of
 * each small span (allocation headers), or in the bitmap of the word's 64 MiB arena (before, Go 1.20
 * and 1.21). Either way byte k, bit j of what `read` returns is word 8k + j of the range: both
 * runtimes write the bits as little-endian words, least significant bit first.
 */
export class WordBits {
  /** mheap_.arenas[0]'s entries read so far: arena index → heapArena address (0: none). */
  private readonly arenas = new Map<number, number>();

  private constructor(
    private readonly mem: AddressSpace,
    private readonly scheme: HeapScheme,
    /** Arena bitmaps only: mheap_.arenas[0] and the offset of heapArena.bitmap. */
    private readonly arenaIndexAddr: number,
    private readonly bitmapOffset: number,
  ) {}

  /** The bits of the heap `mheapAddr` (runtime.mheap_) describes. */
  static of(mem: AddressSpace, layout: RuntimeLayout, scheme: HeapScheme, mheapAddr: number): WordBits {
    if (scheme.allocHeaders) return new WordBits(mem, scheme, 0, 0);
    const l2 = wordOrZero(mem, mheapAddr + layout.offset('runtime.mheap', 'arenas'));
    return new WordBits(mem, scheme, l2, layout.offset('runtime.heapArena', 'bitmap'));
  }

  /**
   * The bits of `bytes` bytes of a span's memory from `from` (both multiples of 64, within the span).
   * Throws MemoryFault when the core does not hold them.
   */
  read(spanStart: number, spanBytes: number, elemSize: number, from: number, bytes: number): Buffer {
    if (this.scheme.allocHeaders) {
      const at = spanStart + spanHeapBitsOffset(spanBytes, elemSize, this.scheme.greenTea) + (from - spanStart) / bytesPerBitsByte;
      return this.mem.read(at, bytes / bytesPerBitsByte);
    }
    const pieces: Buffer[] = [];
    for (let addr = from; addr < from + bytes; ) {
      const arenaEnd = (Math.floor(addr / heapArenaBytes) + 1) * heapArenaBytes;
      const end = Math.min(from + bytes, arenaEnd);
      const offsetInArena = addr % heapArenaBytes;
      pieces.push(this.mem.read(this.heapArena(addr) + this.bitmapOffset + offsetInArena / bytesPerBitsByte, (end - addr) / bytesPerBitsByte));
      addr = end;
    }
    return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
  }

  /** The heapArena of the arena holding `addr`; MemoryFault when the index has none. */
  private heapArena(addr: number): number {
    const index = arenaIndex(addr);
    let heapArena = this.arenas.get(index);
    if (heapArena === undefined) {
      heapArena = this.arenaIndexAddr === 0 ? 0 : wordOrZero(this.mem, this.arenaIndexAddr + index * ptrSize);
      this.arenas.set(index, heapArena);
    }
    if (heapArena === 0) throw new MemoryFault(addr, heapArenaBytes);
    return heapArena;
  }
}
