/**
 * Facts of the one platform goheapflame reads, linux/amd64, and the runtime constants that follow
 * from it and stay the same in every Go release read here. Each constant's DWARF name is listed so
 * that tests hold it equal to the DWARF of real builds; constants that change between releases
 * come from the RuntimeLayout instead (DWARF, else the per-version table).
 */

/** Bytes in a pointer and in a machine word (goarch.PtrSize). */
export const ptrSize = 8;
/** The runtime's page: spans are whole pages (runtime._PageSize). */
export const pageSize = 8192;
/** Small pointerful objects above this size carry a malloc header (runtime.minSizeForMallocHeader). */
export const minSizeForMallocHeader = 512;
/** The type header in front of such an object's data (runtime.mallocHeaderSize). */
export const mallocHeaderSize = 8;
/** The tiny allocator's block size (runtime.maxTinySize). */
export const tinySize = 16;

/** The DWARF constant that holds each value above. */
export const archConstantNames = {
  pageSize: 'runtime._PageSize',
  minSizeForMallocHeader: 'runtime.minSizeForMallocHeader',
  mallocHeaderSize: 'runtime.mallocHeaderSize',
  tinySize: 'runtime.maxTinySize',
} as const;

/**
 * Whether a span holds one large object rather than small objects of one size: an mspan's spanclass
 * is `size class << 1 | noscan`, and size class 0 is a large object's own span.
 */
export function isLargeSpan(spanClass: number): boolean {
  return spanClass >> 1 === 0;
}

/** Whether a span's objects hold no pointers (the low bit of its spanclass). */
export function isNoscanSpan(spanClass: number): boolean {
  return (spanClass & 1) === 1;
}
