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

/** A swiss map's table and directory (internal/runtime/maps), which belong to their map's frame. */
export function isRuntimeMapPart(t: RuntimeType | undefined): boolean {
  return t !== undefined && runtimeMapParts.includes(t.string);
}
const runtimeMapParts = ['maps.table', '*maps.table'];
const runtimeRepresentations = new Set(['maps.Map', 'runtime.hchan', ...runtimeMapParts]);
