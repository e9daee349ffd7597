import type { AddressSpace } from '../../core/address-space.js';
import { MemoryFault } from '../../core/address-space.js';
import type { HeapObjects } from './heap-objects.js';
import { WordBuffer } from '../../core/word-buffer.js';
import { u64 } from '../../util/bytes.js';
import { isLargeSpan, isNoscanSpan, mallocHeaderSize, pageSize, ptrSize } from '../arch.js';
import { hasWordBits } from './heap-scheme.js';
import type { WordBits } from './word-bits.js';

/** Large objects are read in pieces of this many bytes. */
const largeChunk = 1 << 20;

/** What the heap scan needs to know about a runtime type descriptor. */
export interface PointerMask {
  /** Size of one element of the type (the mask repeats every `size` bytes). */
  size: number;
  /** Number of leading bytes of an element that may hold pointers. */
  ptrBytes: number;
  /** One bit per word of the first ptrBytes, LSB first. */
  bits: Uint8Array;
}

export interface TypeMasks {
  /** The pointer mask of the runtime type at `typeAddr`, or undefined when it cannot be read. */
  pointerMask(typeAddr: number): PointerMask | undefined;
}

/** Called for each non-zero pointer-typed word: the object, the word's offset in it and its value. */
export type PointerVisitor = (object: number, offset: number, value: number) => void;

export interface HeapScanResult {
  /** Type descriptor recorded by the heap for each object (malloc header or largeType), 0 if none. */
  exactType: Float64Array;
  warnings: string[];
}

/**
 * Enumerates every pointer slot of every heap object by the rule of the heap's scheme: noscan spans
 * have none; objects with one bit per word (all of them before Go 1.22, those ≤ 512 bytes since) are
 * read by their bits; larger small objects carry their type in an 8-byte malloc header, and large
 * objects in mspan.largeType, whose pointer mask tiles across the object.
 */
export function scanHeapPointers(mem: AddressSpace, objects: HeapObjects, masks: TypeMasks, wordBits: WordBits, visit: PointerVisitor): HeapScanResult {
  const spans = objects.spans;
  const exactType = new Float64Array(objects.count);
  const warnings: string[] = [];
  let unreadable = 0;
  let untypedHeaders = 0;
  let obj = 0;
  const span = new WordBuffer(); // one span's bytes at a time
  for (let s = 0; s < spans.count; s++) {
    const first = obj;
    while (obj < objects.count && objects.span[obj] === s) obj++;
    const spanClass = spans.spanClass[s]!;
    if (first === obj || isNoscanSpan(spanClass)) continue; // no objects, or noscan
    const start = spans.start[s]!;
    const elemSize = spans.elemSize[s]!;
    const spanBytes = spans.npages[s]! * pageSize;
    try {
      if (hasWordBits(objects.scheme, spanClass, elemSize)) {
        if (isLargeSpan(spanClass)) {
          scanLargeByBits(mem, wordBits, first, start, elemSize, visit);
          continue;
        }
        span.load(mem, start, spanBytes);
        scanWithSpanBits(span, wordBits.read(start, spanBytes, elemSize, start, spanBytes), objects, first, obj, start, elemSize, visit);
        continue;
      }
      if (isLargeSpan(spanClass)) {
        const typeAddr = spans.largeType[s]!;
        exactType[first] = typeAddr;
        const mask = typeAddr ? masks.pointerMask(typeAddr) : undefined;
        if (typeAddr && !mask) untypedHeaders++;
        if (mask) scanLarge(mem, first, start, elemSize, mask, visit);
        continue;
      }
      span.load(mem, start, spanBytes);
      untypedHeaders += scanWithHeaders(span, objects, first, obj, start, masks, exactType, visit);
    } catch (err) {
      if (!(err instanceof MemoryFault)) throw err;
      unreadable += spanBytes;
    }
  }
  if (unreadable) warnings.push(`${unreadable} bytes of heap spans are not in the core; their pointers are unknown`);
  if (untypedHeaders) warnings.push(`${untypedHeaders} objects have an unreadable type in their header; their pointers are unknown`);
  return { exactType, warnings };
}

/**
 * Small objects with a malloc header: the type in each object's first word tiles over the rest.
 * Records each type in exactType; returns how many objects have a type that cannot be read.
 */
function scanWithHeaders(
  span: WordBuffer,
  objects: HeapObjects,
  first: number,
  end: number,
  start: number,
  masks: TypeMasks,
  exactType: Float64Array,
  visit: PointerVisitor,
): number {
  let untyped = 0;
  for (let o = first; o < end; o++) {
    const slot = objects.addr[o]! - start;
    const typeAddr = span.word(slot);
    exactType[o] = typeAddr;
    if (typeAddr === 0) continue; // allocation in progress: no pointers yet
    const mask = masks.pointerMask(typeAddr);
    if (!mask) {
      untyped++;
      continue;
    }
    tile(mask, mallocHeaderSize, objects.size[o]!, (off) => {
      const value = span.word(slot + off);
      if (value !== 0) visit(o, off, value);
    });
  }
  return untyped;
}

/** Small objects: one bit per word of the span, `bits` starting at the span's first word. */
function scanWithSpanBits(
  span: WordBuffer,
  bits: Uint8Array,
  objects: HeapObjects,
  first: number,
  end: number,
  start: number,
  elemSize: number,
  visit: PointerVisitor,
): void {
  for (let o = first; o < end; o++) {
    const slot = objects.addr[o]! - start;
    const last = (slot + elemSize) / ptrSize;
    for (let w = slot / ptrSize; w < last; w++) {
      const b = bits[w >> 3]!;
      if (b === 0) {
        w |= 7; // no pointer in this byte's eight words
        continue;
      }
      if (((b >> (w & 7)) & 1) === 0) continue;
      const value = span.word(w * ptrSize);
      if (value !== 0) visit(o, w * ptrSize - slot, value);
    }
  }
}

/**
 * A large object with one bit per word (arena bitmaps): its bits and bytes are read a chunk at a
 * time, and a chunk whose bits are all zero (a scalar tail, often most of the object) is not read.
 */
function scanLargeByBits(mem: AddressSpace, wordBits: WordBits, obj: number, start: number, size: number, visit: PointerVisitor): void {
  const chunk = new WordBuffer();
  for (let from = 0; from < size; from += largeChunk) {
    const bytes = Math.min(largeChunk, size - from);
    const bits = wordBits.read(start, size, size, start + from, bytes);
    if (bits.every((b) => b === 0)) continue;
    chunk.load(mem, start + from, bytes);
    for (let k = 0; k < bits.length; k++) {
      const b = bits[k]!;
      if (b === 0) continue;
      for (let j = 0; j < 8; j++) {
        if (((b >> j) & 1) === 0) continue;
        const off = (k * 8 + j) * ptrSize;
        const value = chunk.word(off);
        if (value !== 0) visit(obj, from + off, value);
      }
    }
  }
}

/** A large object: its type tiles across the whole span, read in chunks to bound memory. */
function scanLarge(mem: AddressSpace, obj: number, start: number, size: number, mask: PointerMask, visit: PointerVisitor): void {
  let chunkStart = -1;
  let chunk: Buffer | undefined;
  tile(mask, 0, size, (off) => {
    if (!chunk || off < chunkStart || off + ptrSize > chunkStart + chunk.length) {
      chunkStart = off;
      chunk = mem.read(start + off, Math.min(largeChunk, size - off));
    }
    const value = u64(chunk, off - chunkStart);
    if (value !== 0) visit(obj, off, value);
  });
}

/** Calls at(offset) for each pointer word of elements of `mask` laid end to end in [from, limit). */
function tile(mask: PointerMask, from: number, limit: number, at: (offset: number) => void): void {
  if (mask.size <= 0 || mask.ptrBytes <= 0) return;
  const words = Math.min(mask.ptrBytes, mask.size) / ptrSize;
  for (let elem = from; elem + ptrSize <= limit; elem += mask.size) {
    for (let w = 0; w < words; w++) {
      if ((mask.bits[w >> 3]! >> (w & 7)) & 1 && elem + w * ptrSize + ptrSize <= limit) at(elem + w * ptrSize);
    }
  }
}
