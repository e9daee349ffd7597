/**
 * The heap of Go 1.20 and 1.21 keeps one pointer bit per word in the bitmap of each word's 64 MiB
 * arena (heapArena.bitmap, reached through mheap_.arenas). A hand-made address space holds two
 * adjacent arenas and a large object across their boundary, so that every read must join the two
 * bitmaps at the right place.
 */
import { describe, expect, it } from 'vitest';
import { heapArenaBytes, pageSize } from '../../src/goruntime/arch.js';
import { HeapObjects } from '../../src/goruntime/heap/heap-objects.js';
import { ObjectShapes } from '../../src/goruntime/heap/object-shapes.js';
import { scanHeapPointers } from '../../src/goruntime/heap/pointer-scan.js';
import type { SpanTable } from '../../src/goruntime/heap/spans.js';
import { WordBits } from '../../src/goruntime/heap/word-bits.js';
import { tableLayout } from '../../src/goruntime/layout/runtime-layout.js';
import { FakeMemory } from '../typing/synthetic-heap.js';

const layout = tableLayout(21);
const scheme = { allocHeaders: false, greenTea: false };
const MHEAP = 0x500000;
const L2 = 0x7f0000000000;
const HEAP_ARENAS = [0x7f1000000000, 0x7f2000000000];
/** The first of the two arenas: arena-aligned, where Go 1.20 puts its heap. */
const BASE = 0xc000000000;
const MiB = 1 << 20;
/** A 2 MiB object whose second half lies in the second arena. */
const START = BASE + heapArenaBytes - MiB;
const SIZE = 2 * MiB;
const pointerOffsets = [0, MiB - 8, MiB, SIZE - 8];

/** The address space of the two arenas: mheap_.arenas, the two heapArenas' bitmaps, the object's memory. */
function world(options: { secondArena: boolean }): FakeMemory {
  const mem = new FakeMemory();
  const mheap = mem.map(MHEAP, Buffer.alloc(layout.offset('runtime.mheap', 'arenas') + 8));
  mheap.writeBigUInt64LE(BigInt(L2), layout.offset('runtime.mheap', 'arenas'));
  const bitmapAt = layout.offset('runtime.heapArena', 'bitmap');
  HEAP_ARENAS.forEach((heapArena, i) => {
    const index = (BASE + i * heapArenaBytes + 2 ** 47) / heapArenaBytes;
    const entry = Buffer.alloc(8);
    if (i === 0 || options.secondArena) entry.writeBigUInt64LE(BigInt(heapArena));
    mem.map(L2 + index * 8, entry);
    mem.map(heapArena + bitmapAt, Buffer.alloc(heapArenaBytes / 64));
  });
  const object = mem.map(START, Buffer.alloc(SIZE));
  for (const off of pointerOffsets) {
    object.writeBigUInt64LE(BigInt(0xc000001000 + off), off);
    const addr = START + off;
    const arena = Math.floor((addr - BASE) / heapArenaBytes);
    const word = (addr % heapArenaBytes) / 8;
    const bitmap = mem.read(HEAP_ARENAS[arena]! + bitmapAt, heapArenaBytes / 64);
    bitmap[word >> 3] |= 1 << (word & 7);
    mem.map(HEAP_ARENAS[arena]! + bitmapAt, bitmap);
  }
  // A word whose bit is set but which holds nil: a pointer slot, not a pointer.
  const nilWord = START + 4096;
  const bitmap = mem.read(HEAP_ARENAS[0]! + bitmapAt, heapArenaBytes / 64);
  bitmap[((nilWord % heapArenaBytes) / 8) >> 3] |= 1 << (((nilWord % heapArenaBytes) / 8) & 7);
  mem.map(HEAP_ARENAS[0]! + bitmapAt, bitmap);
  return mem;
}

/** One large, scannable span holding the object. */
function spanTable(): SpanTable {
  return {
    count: 1,
    start: Float64Array.of(START),
    npages: Uint32Array.of(SIZE / pageSize),
    elemSize: Float64Array.of(SIZE),
    nelems: Uint32Array.of(1),
    spanClass: Uint8Array.of(0),
    largeType: Float64Array.of(0),
    specials: Float64Array.of(0),
    slotBase: Uint32Array.of(0, 1),
    allocated: Uint8Array.of(1),
    warnings: [],
  };
}

const noMasks = { pointerMask: () => undefined };

describe('pointer bits in the arena bitmaps (Go 1.20 and 1.21)', () => {
  it('reads a range across two arenas as one run of bits, word 0 first', () => {
    const bits = WordBits.of(world({ secondArena: true }), layout, scheme, MHEAP).read(START, SIZE, SIZE, START, SIZE);
    expect(bits.length).toBe(SIZE / 64);
    const set: number[] = [];
    for (let w = 0; w < SIZE / 8; w++) if ((bits[w >> 3]! >> (w & 7)) & 1) set.push(w * 8);
    expect(set).toEqual([0, 4096, MiB - 8, MiB, SIZE - 8]);
  });

  it('finds every non-nil pointer of a large object across the arena boundary, and nothing else', () => {
    const mem = world({ secondArena: true });
    const objects = new HeapObjects(spanTable(), scheme);
    const seen: Array<[number, number]> = [];
    const { exactType, warnings } = scanHeapPointers(mem, objects, noMasks, WordBits.of(mem, layout, scheme, MHEAP), (obj, offset, value) => {
      expect(obj).toBe(0);
      seen.push([offset, value]);
    });
    expect(seen).toEqual(pointerOffsets.map((off) => [off, 0xc000001000 + off]));
    expect(warnings).toEqual([]);
    expect([...exactType]).toEqual([0]); // the heap records no type for it
    expect(objects.dataOffset(0)).toBe(0); // and no header
  });

  it('tells how far the object\'s pointer bits reach, reading its bits from the end', () => {
    const mem = world({ secondArena: true });
    const objects = new HeapObjects(spanTable(), scheme);
    const shapes = new ObjectShapes(objects, WordBits.of(mem, layout, scheme, MHEAP));
    expect(shapes.hasBits(0)).toBe(true);
    expect(shapes.pointerExtent(0)).toBe(SIZE / 8);
    expect(shapes.pointerWord(0, 0)).toBe(true);
    expect(shapes.pointerWord(0, 1)).toBe(false);
  });

  it('counts the span as unreadable when the second arena has no heapArena in the core', () => {
    const mem = world({ secondArena: false });
    const objects = new HeapObjects(spanTable(), scheme);
    const seen: number[] = [];
    const { warnings } = scanHeapPointers(mem, objects, noMasks, WordBits.of(mem, layout, scheme, MHEAP), (_obj, offset) => seen.push(offset));
    // The first megabyte's pointers are read before the second arena's bits are missed.
    expect(seen).toEqual([0, MiB - 8]);
    expect(warnings).toEqual([`${SIZE} bytes of heap spans are not in the core; their pointers are unknown`]);
  });
});
