import type { HeapObjects } from '../heap/heap-objects.js';
import { sizeClassOf } from '../heap/size-classes.js';
import type { RuntimeType } from '../binary/runtime-types.js';
import { isLargeSpan, isNoscanSpan, tinySize } from '../arch.js';

/**
 * Whether a heap object is what the allocator returns for one value of type t: a span that scans
 * exactly when t has pointers, and the slot of t's size class (header included), or whole pages for
 * a large object. Never a tiny block: it holds several small noscan values, no one of them is it.
 */
export function holdsOneValue(objects: HeapObjects, obj: number, t: RuntimeType): boolean {
  return holdsValues(objects, obj, t, 1);
}

/** Whether a heap object is what the allocator returns for `count` values of type t laid end to end. */
export function holdsValues(objects: HeapObjects, obj: number, t: RuntimeType, count: number): boolean {
  const spanClass = objects.spans.spanClass[objects.span[obj]!]!;
  const noscan = isNoscanSpan(spanClass);
  const size = objects.size[obj]!;
  const bytes = count * t.size;
  if (noscan !== (t.ptrBytes === 0) || bytes === 0) return false;
  if (isLargeSpan(spanClass)) return size >= bytes;
  // Noscan values smaller than a tiny block share one.
  if (noscan && bytes < tinySize) return false;
  return sizeClassOf(bytes + objects.dataOffset(obj)) === size;
}

/** A closure's context struct (`struct { F uintptr; … }`): its objects are closures, told by their first word. */
export function isClosureContext(t: RuntimeType): boolean {
  return t.string.startsWith('struct { F uintptr');
}

/** The runtime's own structs behind maps and channels: an object of one is typed by the map or channel type it implements. */
export function isRuntimeRepresentation(t: RuntimeType): boolean {
  return runtimeRepresentations.has(t.string);
}

/**
 * The runtime's own structs that make up a map, which belong to their map's frame: a swiss map's
 * table and directory (internal/runtime/maps); a bucket map's header, its mapextra and the overflow
 * lists in it. Unlike the others, the header is no runtime representation: its malloc site types it
 * runtime.hmap until its buckets tell its map (an empty map has none), and the map re-types it.
 */
export function isRuntimeMapPart(t: RuntimeType | undefined): boolean {
  return t !== undefined && (isBucketMapHeader(t) || runtimeMapParts.includes(t.string));
}

/** A bucket map's header as the runtime allocates it (runtime.hmap), which does not say whose map it is. */
export function isBucketMapHeader(t: RuntimeType): boolean {
  return t.string === 'runtime.hmap';
}

/** A map's group (swiss) or bucket type, which the compiler names `map.group[K]V` or `map.bucket[K]V`. */
export function isMapGroupType(t: RuntimeType): boolean {
  return t.string.startsWith('map.group[') || t.string.startsWith('map.bucket[');
}

const runtimeMapParts = ['maps.table', '*maps.table', 'runtime.mapextra', '[]*runtime.bmap', '*runtime.bmap', 'runtime.bmap'];
const runtimeRepresentations = new Set(['maps.Map', 'runtime.hchan', ...runtimeMapParts]);
