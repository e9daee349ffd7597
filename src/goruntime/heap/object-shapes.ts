import { MemoryFault } from '../../core/address-space.js';
import type { HeapObjects } from './heap-objects.js';
import { hasWordBits } from './heap-scheme.js';
import { heapBit, type WordBits } from './word-bits.js';
import { isLargeSpan, minSizeForMallocHeader, ptrSize, pageSize } from '../arch.js';

/** A large object's bits are searched from its end this many words (1 MiB of object) at a time. */
const largePieceWords = (1 << 20) / ptrSize;
/** Span bitmaps kept at once; reading is cheap, keeping all of a huge heap's is not. */
const maxCachedSpans = 4096;
/** A large object's bits are read for this many of its first bytes: shapes and typing look at its start. */
const maxLargeBitsBytes = 64 * 1024;

/**
 * The shape of a pointerful object whose heap has one bit per word for it (≤ 512 bytes since Go 1.22,
 * every size before): its slot size and which of its first 64 words the heap marks as pointers, as a
 * string key (`slot:hi:lo`, in two 32-bit halves). Objects with a malloc header, large objects of
 * 1.22 on and noscan objects have no such bits. Above 512 bytes (only before Go 1.22) the key is
 * *wide*: slot size 0, as the first 64 words no longer tell how many values fill the slot.
 */
export class ObjectShapes {
  private readonly bitmaps = new Map<number, Buffer | null>();

  constructor(
    private readonly objects: HeapObjects,
    private readonly wordBits: WordBits,
  ) {}

  /** Whether objects above 512 bytes have bits too (the arena bitmaps before Go 1.22): their keys are wide. */
  get wide(): boolean {
    return !this.objects.scheme.allocHeaders;
  }

  /** Whether the heap has one pointer bit per word of the object. */
  hasBits(obj: number): boolean {
    const s = this.objects.span[obj]!;
    return hasWordBits(this.objects.scheme, this.objects.spans.spanClass[s]!, this.objects.spans.elemSize[s]!);
  }

  /** The object's shape key, undefined when it has no heap bits, they cannot be read, or none is set. */
  key(obj: number): string | undefined {
    if (!this.hasBits(obj)) return undefined;
    const s = this.objects.span[obj]!;
    const bitmap = this.bitmap(s);
    if (!bitmap) return undefined;
    const firstWord = (this.objects.addr[obj]! - this.objects.spans.start[s]!) / ptrSize;
    return shapeKey(this.objects.size[obj]!, (w) => heapBit(bitmap, firstWord + w));
  }

  /**
   * One past the object's last word whose bit is set, 0 when none is or the bits cannot be read:
   * how far the values it was allocated for reach, since the runtime writes bits for those only.
   */
  pointerExtent(obj: number): number {
    if (!this.hasBits(obj)) return 0;
    const s = this.objects.span[obj]!;
    const spans = this.objects.spans;
    const words = this.objects.size[obj]! / ptrSize;
    if (!isLargeSpan(spans.spanClass[s]!)) {
      const bitmap = this.bitmap(s);
      const first = (this.objects.addr[obj]! - spans.start[s]!) / ptrSize;
      return bitmap ? lastSetBit(bitmap, first, first + words) + 1 - first : 0;
    }
    // A large object's bits are read from its end, a piece at a time: its tail is often all scalars.
    const start = spans.start[s]!;
    for (let end = words; end > 0; end -= largePieceWords) {
      const from = Math.max(0, end - largePieceWords);
      let bits: Buffer;
      try {
        bits = this.wordBits.read(start, words * ptrSize, words * ptrSize, start + from * ptrSize, (end - from) * ptrSize);
      } catch (err) {
        if (!(err instanceof MemoryFault)) throw err;
        return 0;
      }
      const last = lastSetBit(bits, 0, end - from);
      if (last >= 0) return from + last + 1;
    }
    return 0;
  }

  /** Whether word w of an object with heap bits holds a pointer. */
  pointerWord(obj: number, w: number): boolean {
    if (!this.hasBits(obj)) return false;
    const s = this.objects.span[obj]!;
    const bitmap = this.bitmap(s);
    const word = (this.objects.addr[obj]! - this.objects.spans.start[s]!) / ptrSize + w;
    return bitmap !== undefined && word < bitmap.length * 8 && heapBit(bitmap, word);
  }

  /** The heap bits of a span (one per word); of a large object's first 64 KiB. */
  private bitmap(span: number): Buffer | undefined {
    let bitmap = this.bitmaps.get(span);
    if (bitmap === undefined) {
      const spans = this.objects.spans;
      const spanBytes = spans.npages[span]! * pageSize;
      const start = spans.start[span]!;
      try {
        const bytes = isLargeSpan(spans.spanClass[span]!) ? Math.min(spanBytes, maxLargeBitsBytes) : spanBytes;
        bitmap = this.wordBits.read(start, spanBytes, spans.elemSize[span]!, start, bytes);
      } catch (err) {
        if (!(err instanceof MemoryFault)) throw err;
        bitmap = null;
      }
      if (this.bitmaps.size >= maxCachedSpans) this.bitmaps.clear();
      this.bitmaps.set(span, bitmap);
    }
    return bitmap ?? undefined;
  }
}

/** The index of the last set bit among bits [from, end), -1 when none is. */
function lastSetBit(bits: Uint8Array, from: number, end: number): number {
  for (let w = end - 1; w >= from; w--) {
    if (bits[w >> 3] === 0) {
      w &= ~7; // skip the rest of an empty byte
      continue;
    }
    if (heapBit(bits, w)) return w;
  }
  return -1;
}

/** The slot size of wide keys: objects above 512 bytes, whatever their slot. */
export const wideSlot = 0;

/** The key of a slot size and its pointer bits (wide above 512 bytes); undefined when no bit of a narrow one is set. */
export function shapeKey(slotSize: number, bit: (w: number) => boolean): string | undefined {
  let lo = 0;
  let hi = 0;
  for (let w = 0; w < slotSize / ptrSize && w < 64; w++) {
    if (!bit(w)) continue;
    if (w < 32) lo |= 1 << w;
    else hi |= 1 << (w - 32);
  }
  // A wide object's pointers may all lie beyond its first 64 words.
  if (slotSize > minSizeForMallocHeader) return shapeKeyOf(wideSlot, lo, hi);
  return lo === 0 && hi === 0 ? undefined : shapeKeyOf(slotSize, lo, hi);
}

/** The key of a slot size and its pointer bits given as two 32-bit halves (words 0–31 in lo). */
export function shapeKeyOf(slotSize: number, lo: number, hi: number): string {
  return `${slotSize}:${hi >>> 0}:${lo >>> 0}`;
}
