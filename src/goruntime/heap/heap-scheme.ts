import { isLargeSpan, isNoscanSpan, minSizeForMallocHeader } from '../arch.js';

/**
 * How the heap records which words of an object hold pointers, which the Go release and its
 * experiments decide (never a guess from the core).
 */
export interface HeapScheme {
  /**
   * Go 1.22 on (unless built with GOEXPERIMENT=noallocheaders): small objects up to 512 bytes have one
   * bit per word at the end of their span, larger small objects begin with an 8-byte header holding
   * their type, and a large object's span records its type. Before: every word of the heap has one bit
   * in the pointer bitmap of its 64 MiB arena, and no object's type is recorded anywhere.
   */
  readonly allocHeaders: boolean;
  /** Green Tea GC (1.26 on, 1.25 as an experiment): small spans end in 128 bytes of mark bits, after their heap bits. */
  readonly greenTea: boolean;
}

/** The scheme of a build, from its release and experiments. */
export function heapSchemeOf(binary: { experiment(name: string): boolean }): HeapScheme {
  return { allocHeaders: binary.experiment('allocheaders'), greenTea: binary.experiment('greenteagc') };
}

/** Whether a span's slots begin with a malloc header: small size class, pointerful, over 512 bytes, allocation headers. */
export function hasMallocHeader(scheme: HeapScheme, spanClass: number, elemSize: number): boolean {
  return scheme.allocHeaders && !isLargeSpan(spanClass) && !isNoscanSpan(spanClass) && elemSize > minSizeForMallocHeader;
}

/**
 * Whether a span's objects have one pointer bit per word (rather than a header or a recorded type):
 * every pointerful span in the arena-bitmap heap, small spans of objects up to 512 bytes otherwise.
 */
export function hasWordBits(scheme: HeapScheme, spanClass: number, elemSize: number): boolean {
  if (isNoscanSpan(spanClass)) return false;
  return !scheme.allocHeaders || (!isLargeSpan(spanClass) && elemSize <= minSizeForMallocHeader);
}
