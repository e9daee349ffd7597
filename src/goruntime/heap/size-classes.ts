/**
 * The allocator's size classes (internal/runtime/gc/sizeclasses.go, unchanged from Go 1.22 to 1.27):
 * a small allocation of n bytes takes a slot of the smallest class that holds n.
 */
const classSizes = [
  8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512,
  576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144,
  6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264,
  28672, 32768,
];

/** Allocations above this size get whole pages of their own. */
export const maxSmallSize = 32768;

/** The slot size of a small allocation of `bytes` (1 ≤ bytes ≤ maxSmallSize), undefined otherwise. */
export function sizeClassOf(bytes: number): number | undefined {
  if (bytes < 1 || bytes > maxSmallSize) return undefined;
  let lo = 0;
  let hi = classSizes.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (classSizes[mid]! >= bytes) hi = mid;
    else lo = mid + 1;
  }
  return classSizes[lo];
}
