import { describe, expect, test } from 'vitest';
import { HEAP, PAGE, object, type Release, slotAddr, span, syntheticProcess, type TypeDesc } from './synthetic-heap.js';
import { type ClassicMapLayout, containerLayout } from '../../src/goruntime/layout/container-layout.js';
import { tableLayout } from '../../src/goruntime/layout/runtime-layout.js';
import { Role } from '../../src/goruntime/typing/heap-typing.js';

/**
 * Bucket maps (runtime.hmap) on a synthetic heap of small objects: a header leads to its array of
 * buckets, overflow buckets chained from a bucket's last word, and its mapextra; all of them are
 * typed as parts of the map (mapGroups, mapTable), so they fold into its frame.
 */

const at = (n: number) => HEAP + n * PAGE;
const releases = [
  { name: 'Go 1.22 (48-byte hmap)', release: { minor: 22, swissMaps: false } },
  { name: 'Go 1.24 noswissmap (56-byte hmap, in a 64-byte slot)', release: { minor: 24, swissMaps: false } },
];

/** A bucket's words: tophash, 8 keys, 8 elems, overflow. */
const bucketWords = (elems: number[], overflow: number) => [0xff, ...Array(8).fill(0), ...elems, ...Array(8 - elems.length).fill(0), overflow];

/** The words of a runtime.hmap with these fields set. */
function hmapWords(m: ClassicMapLayout, fields: { count: number; buckets: number; extra: number }): number[] {
  const words = Array(m.mapSize / 8).fill(0);
  words[0] = fields.count;
  words[1] = 1 << 8; // B = 1
  words[m.buckets / 8] = fields.buckets;
  words[m.extra / 8] = fields.extra;
  return words;
}

/** A program with one `map[int]V` and the runtime's structs behind it. */
function world(release: Release, pointerFree: boolean) {
  const p = syntheticProcess();
  const t = p.arena;
  const m = containerLayout(tableLayout(release.minor), false).map as ClassicMapLayout;
  const Leaf = t.struct('main.Leaf', [['a', p.int], ['b', p.int], ['c', p.int]]);
  const { map, bucket } = t.bucketMap(p.int, pointerFree ? p.int : t.pointerTo(Leaf));
  const ptr = t.unsafePointer();
  // The lists' declared types (*[]*bmap) do not matter here: typing reaches them from the header.
  const mapextra = t.struct('runtime.mapextra', [['overflow', ptr], ['oldoverflow', ptr], ['nextOverflow', ptr]]);
  const clearSeq: Array<[string, TypeDesc]> = m.mapSize > 48 ? [['clearSeq', p.int]] : []; // Go 1.24
  const hmap = t.struct('runtime.hmap', [
    ['count', p.int], ['flags', p.int], ['buckets', ptr], ['oldbuckets', ptr], ['nevacuate', p.int], ...clearSeq, ['extra', t.pointerTo(mapextra)],
  ]);
  return { p, m, Leaf, map, bucket, ptr, mapextra, hmap, headerSlot: m.mapSize > 48 ? 64 : 48 };
}

describe.each(releases)('bucket maps, $name', ({ release }) => {
  test.each([
    { header: 'untyped (a stripped binary with nothing pointing at it typed)', typedAsHmap: false },
    { header: 'typed runtime.hmap by its malloc site', typedAsHmap: true },
  ])('a header $header whose buckets tell the map type becomes the map, buckets and mapextra folded into it', ({ typedAsHmap }) => {
    const { p, m, Leaf, map, bucket, mapextra, hmap, headerSlot } = world(release, false);
    const leaves = span({ start: at(0), elemSize: 24, noscan: true, objects: [object(Leaf), object(Leaf), object(Leaf)] });
    const leaf = (i: number) => slotAddr(leaves, i);
    // Two buckets and one overflow bucket preallocated with them (in a 448-byte slot), then two more.
    const arrays = { start: at(1), elemSize: 448 };
    const overflows = { start: at(2), elemSize: 144 };
    const [arr, ovfA, ovfB] = [slotAddr(arrays, 0), slotAddr(overflows, 0), slotAddr(overflows, 1)];
    const extras = span({ start: at(3), elemSize: 24, objects: [object(mapextra, [0, 0, arr + 2 * bucket.size])] });
    const headers = span({ start: at(4), elemSize: headerSlot, objects: [object(hmap, hmapWords(m, { count: 3, buckets: arr, extra: slotAddr(extras, 0) }))] });
    const spans = [
      leaves, extras, headers,
      // The last preallocated overflow bucket links back to the array's start, as the runtime has it.
      span({ ...arrays, objects: [object(bucket, [...bucketWords([leaf(0)], ovfA), ...bucketWords([leaf(1)], 0), ...bucketWords([], arr)], 3)] }),
      span({ ...overflows, objects: [object(bucket, bucketWords([leaf(2)], ovfB)), object(bucket, bucketWords([], 0))] }),
    ];
    const r = p.run(spans, [map, bucket, hmap, mapextra], false, release);
    if (typedAsHmap) {
      r.typing.infer(r.objects.objectStartingAt(slotAddr(headers, 0)), Role.value, r.types.typeAt(hmap.addr)!, 1);
      r.propagate();
      expect(r.typeOf(slotAddr(extras, 0))).toEqual({ role: 'value', type: 'runtime.mapextra', count: 1 });
    }
    for (let pass = 0; pass < 4 && r.pass() > 0; pass++) r.propagate();
    expect(r.typeOf(slotAddr(headers, 0))).toEqual({ role: 'mapHeader', type: 'map[int]*main.Leaf', count: 1 });
    expect(r.typeOf(arr)).toEqual({ role: 'mapGroups', type: 'map.bucket[int]*main.Leaf', count: 3 });
    for (const ovf of [ovfA, ovfB]) expect(r.typeOf(ovf)).toEqual({ role: 'mapGroups', type: 'map.bucket[int]*main.Leaf', count: 1 });
    expect(r.typeOf(slotAddr(extras, 0))).toEqual({ role: 'mapTable', type: 'map[int]*main.Leaf', count: 1 });
    for (const i of [0, 1, 2]) expect(r.typeOf(leaf(i))).toEqual({ role: 'value', type: 'main.Leaf', count: 1 });
  });

  test("a pointer-free map's overflow buckets, linked by a uintptr and kept in mapextra's overflow list, fold into it", () => {
    const { p, m, map, bucket, ptr, mapextra, hmap, headerSlot } = world(release, true);
    const arrays = { start: at(0), elemSize: 288 };
    const overflows = { start: at(1), elemSize: 144 };
    const listHeads = { start: at(2), elemSize: 24 };
    const listArrays = { start: at(3), elemSize: 8 };
    const extras = { start: at(4), elemSize: 24 };
    const maps = { start: at(5), elemSize: headerSlot };
    const [arr, ovf, listHead, listArray, extra] = [arrays, overflows, listHeads, listArrays, extras].map((s) => slotAddr(s, 0)) as [number, number, number, number, number];
    const spans = [
      span({ ...maps, objects: [object(hmap, hmapWords(m, { count: 9, buckets: arr, extra }))] }),
      // extra.overflow → a []*bmap → its array → the overflow bucket.
      span({ ...extras, objects: [object(mapextra, [listHead])] }),
      span({ ...listHeads, objects: [object(mapextra, [listArray, 1, 1])] }), // a slice header: three words, the first a pointer
      span({ ...listArrays, objects: [object(ptr, [ovf])] }),
      // The overflow bucket links to itself, as only a corrupt map could: its chain must not loop.
      span({ ...arrays, noscan: true, objects: [object(bucket, [...bucketWords([], 0), ...bucketWords([], ovf)], 2)] }),
      span({ ...overflows, noscan: true, objects: [object(bucket, bucketWords([], ovf))] }),
    ];
    const r = p.run(spans, [map, bucket], false, release);
    r.typing.followSlot({ offset: 0, kind: 'map', type: r.types.typeAt(map.addr)!, path: '' }, { word: () => slotAddr(maps, 0) });
    r.propagate();
    expect(r.typeOf(slotAddr(maps, 0))).toEqual({ role: 'mapHeader', type: 'map[int]int', count: 1 });
    expect(r.typeOf(arr)).toEqual({ role: 'mapGroups', type: 'map.bucket[int]int', count: 2 });
    expect(r.typeOf(ovf)).toEqual({ role: 'mapGroups', type: 'map.bucket[int]int', count: 1 });
    for (const part of [extra, listHead, listArray]) {
      expect(r.typeOf(part)).toEqual({ role: 'mapTable', type: 'map[int]int', count: 1 });
    }
  });
});
