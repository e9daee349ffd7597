import type { AddressSpace } from '../../core/address-space.js';
import { MemoryFault } from '../../core/address-space.js';
import type { HeapObjects } from './heap-objects.js';
import { heapBit, spanHeapBitsOffset } from './pointer-scan.js';
import { isLargeSpan, isNoscanSpan, minSizeForMallocHeader, ptrSize, pageSize } from '../arch.js';

/** Span bitmaps kept at once; reading is cheap, keeping all of a huge heap's is not. */
const maxCachedSpans = 4096;

/**
 * The shape of a small pointerful object (≤ 512 bytes): its slot size and which of its words the
 * heap marks as pointers, as a string key (`slot:hi:lo`, 64 words at most in two 32-bit halves).
 * Objects with a malloc header, large objects and noscan objects have no such bits.
 */
export class ObjectShapes {
  private readonly bitmaps = new Map<number, Buffer | null>();

  constructor(
    private readonly mem: AddressSpace,
    private readonly objects: HeapObjects,
    private readonly greenTea: boolean,
  ) {}

  /** Whether an object keeps its pointer bits in its span (small, pointerful, no header). */
  hasBits(obj: number): boolean {
    const s = this.objects.span[obj]!;
    const spanClass = this.objects.spans.spanClass[s]!;
    return !isNoscanSpan(spanClass) && !isLargeSpan(spanClass) && this.objects.spans.elemSize[s]! <= minSizeForMallocHeader;
  }

  /** The object's shape key, undefined when it has no heap bits, they cannot be read, or none is set. */
  key(obj: number): string | undefined {
    if (!this.hasBits(obj)) return undefined;
    const s = this.objects.span[obj]!;
    const bitmap = this.bitmap(s);
    if (!bitmap) return undefined;
    const firstWord = (this.objects.addr[obj]! - this.objects.spans.start[s]!) / ptrSize;
    return shapeKey(this.objects.size[obj]!, (w) => heapBit(bitmap, 0, firstWord + w));
  }

  /** Whether word w of an object with heap bits holds a pointer. */
  pointerWord(obj: number, w: number): boolean {
    if (!this.hasBits(obj)) return false;
    const s = this.objects.span[obj]!;
    const bitmap = this.bitmap(s);
    return bitmap !== undefined && heapBit(bitmap, 0, (this.objects.addr[obj]! - this.objects.spans.start[s]!) / ptrSize + w);
  }

  /** The heap bits of a span (one per word), read from the end of the span. */
  private bitmap(span: number): Buffer | undefined {
    let bitmap = this.bitmaps.get(span);
    if (bitmap === undefined) {
      const spans = this.objects.spans;
      const spanBytes = spans.npages[span]! * pageSize;
      const off = spanHeapBitsOffset(spanBytes, spans.elemSize[span]!, this.greenTea);
      try {
        bitmap = this.mem.read(spans.start[span]! + off, spanBytes / ptrSize / 8);
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

/** The key of a slot size and its pointer bits; undefined when no bit is set. */
export function shapeKey(slotSize: number, bit: (w: number) => boolean): string | undefined {
  let lo = 0;
  let hi = 0;
  for (let w = 0; w < slotSize / ptrSize && w < 64; w++) {
    if (!bit(w)) continue;
    if (w < 32) lo |= 1 << w;
    else hi |= 1 << (w - 32);
  }
  return lo === 0 && hi === 0 ? undefined : shapeKeyOf(slotSize, lo, hi);
}

/** The key of a slot size and its pointer bits given as two 32-bit halves (words 0–31 in lo). */
export function shapeKeyOf(slotSize: number, lo: number, hi: number): string {
  return `${slotSize}:${hi >>> 0}:${lo >>> 0}`;
}
