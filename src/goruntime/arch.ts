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

/** The heap is reserved in arenas of 64 MiB (runtime.heapArenaBytes), each with its own metadata (runtime.heapArena). */
export const heapArenaBytes = 1 << 26;
/** Pages in one arena (runtime.pagesPerArena). */
export const pagesPerArena = heapArenaBytes / pageSize;
/** Entries of mheap_.arenas[0], the one L2 array on linux/amd64 (1 << runtime.arenaL2Bits). */
export const arenaL2Entries = 1 << 22;
/** runtime.arenaBaseOffset negated: arena indexes count from the bottom of the 48-bit address space. */
const arenaIndexBias = 2 ** 47;

/** Index in mheap_.arenas[0] of the arena holding `addr` (runtime.arenaIndex). */
export function arenaIndex(addr: number): number {
  return Math.floor((addr + arenaIndexBias) / heapArenaBytes) % arenaL2Entries;
}

/** The DWARF constant that holds each value above. */
export const archConstantNames = {
  pageSize: 'runtime._PageSize',
  minSizeForMallocHeader: 'runtime.minSizeForMallocHeader',
  mallocHeaderSize: 'runtime.mallocHeaderSize',
  tinySize: 'runtime.maxTinySize',
  heapArenaBytes: 'runtime.heapArenaBytes',
  pagesPerArena: 'runtime.pagesPerArena',
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
