import { describe, expect, test } from 'vitest';
import { HEAP, PAGE, object, slotAddr, span, syntheticProcess, type TypeArena, type TypeDesc } from './synthetic-heap.js';
import { Role } from '../../src/goruntime/typing/heap-typing.js';

/**
 * ShapeInference on a synthetic heap: Go 1.26 type descriptors and one-page spans of small objects
 * with their heap bits, no toolchain and no core. Objects start untyped (no roots, no malloc headers),
 * so whatever gets a type got it from its size class, its heap bits and what its pointers lead to.
 */

/** The program's types. Sizes pick the size class: 16, 24 (its own class), 40 and 48 (both in 48). */
function declare(t: TypeArena, int: TypeDesc) {
  const Leaf = t.struct('main.Leaf', [['a', int], ['b', int], ['c', int]]); // 24 B, no pointers
  const pLeaf = t.pointerTo(Leaf);
  const Item = t.struct('main.Item', [['leaf', pLeaf], ['a', int], ['b', int]]); // 24 B, bits 1
  const Other = t.struct('main.Other', [['x', pLeaf], ['y', pLeaf], ['n', int]]); // 24 B, bits 11
  const Big = t.struct('main.Big', [['leaf', pLeaf], ...[1, 2, 3, 4, 5, 6, 7].map((i): [string, TypeDesc] => [`f${i}`, int])]); // 64 B
  const Node = t.struct('main.Node', [['leaf', pLeaf], ['n', int]]); // 16 B, bits 01
  const ToItem = t.struct('main.ToItem', [['item', t.pointerTo(Item)], ['n', int]]); // 16 B, bits 01
  const ToOther = t.struct('main.ToOther', [['other', t.pointerTo(Other)], ['n', int]]); // 16 B, bits 01
  const ToBig = t.struct('main.ToBig', [['big', t.pointerTo(Big)], ['n', int]]); // 16 B, bits 01
  const Rec40 = t.struct('main.Rec40', [['leaf', pLeaf], ['a', int], ['b', int], ['c', int], ['d', int]]); // 48-byte slot, bits 1
  const Rec48 = t.struct('main.Rec48', [['leaf', pLeaf], ['a', int], ['b', int], ['c', int], ['d', int], ['e', int]]); // 48 B, bits 1
  return { Leaf, Item, Other, Big, Node, ToItem, ToOther, ToBig, Rec40, Rec48 };
}

function world(greenTea: boolean) {
  const p = syntheticProcess();
  const T = declare(p.arena, p.int);
  return { T, run: (spans: Parameters<typeof p.run>[0], candidates: TypeDesc[]) => p.run(spans, candidates, greenTea) };
}

const untyped = { role: 'unknown', type: '', count: 0 };
const value = (type: string) => ({ role: 'value', type, count: 1 });

describe.each([
  { layout: 'Green Tea (1.26 default)', greenTea: true },
  { layout: 'nogreenteagc', greenTea: false },
])('shape inference, heap bits of $layout', ({ greenTea }) => {
  const at = (n: number) => HEAP + n * PAGE;

  test('an object whose size class and heap bits fit exactly one candidate gets that type', () => {
    const { T, run } = world(greenTea);
    const s16 = span({ start: at(0), elemSize: 16, objects: [object(T.Node, [0, 42])] });
    const s24 = span({ start: at(1), elemSize: 24, objects: [object(T.Item, [0, 1, 2])] });
    const r = run([s16, s24], [T.Node, T.Item]);
    expect(r.pass()).toBe(2);
    expect(r.typeOf(slotAddr(s16, 0))).toEqual(value('main.Node'));
    expect(r.typeOf(slotAddr(s24, 0))).toEqual(value('main.Item'));
  });

  test('an object left out of judgement (garbage pointing at nothing reachable) is left to other evidence', () => {
    const { T, run } = world(greenTea);
    const s16 = span({ start: at(0), elemSize: 16, objects: [object(T.Node, [0, 42]), object(T.Node, [0, 43])] });
    const r = run([s16], [T.Node]);
    r.judged[r.objects.objectStartingAt(slotAddr(s16, 1))] = 0;
    expect(r.pass()).toBe(1);
    expect(r.typeOf(slotAddr(s16, 0))).toEqual(value('main.Node'));
    expect(r.typeOf(slotAddr(s16, 1))).toEqual(untyped);
  });

  test('a slot holding n values of a type, its mask repeated, is an array of n', () => {
    const { T, run } = world(greenTea);
    const s32 = span({ start: at(0), elemSize: 32, objects: [object(T.Node, [0, 1, 0, 2], 2)] });
    const r = run([s32], [T.Node]);
    expect(r.pass()).toBe(1);
    expect(r.typeOf(slotAddr(s32, 0))).toEqual({ role: 'array', type: 'main.Node', count: 2 });
  });

  test('a shape two candidates fit equally stays untyped, never a guess', () => {
    // A 40-byte Rec40 and a 48-byte Rec48 both fill a 48-byte slot with one pointer in word 0.
    const { T, run } = world(greenTea);
    const s48 = span({ start: at(0), elemSize: 48, objects: [object(T.Rec40, [0, 1, 2, 3, 4])] });
    const r = run([s48], [T.Rec40, T.Rec48]);
    expect(r.pass()).toBe(0);
    expect(r.typeOf(slotAddr(s48, 0))).toEqual(untyped);
  });

  test('the same object is typed when only one of the two is allocated', () => {
    const { T, run } = world(greenTea);
    const s48 = span({ start: at(0), elemSize: 48, objects: [object(T.Rec40, [0, 1, 2, 3, 4])] });
    const r = run([s48], [T.Rec48]);
    expect(r.pass()).toBe(1);
    expect(r.typeOf(slotAddr(s48, 0))).toEqual(value('main.Rec48'));
  });

  // One 16-byte object whose first word points at a 24-byte object; its four candidates share the
  // 16-byte shape and differ only in what their pointer field promises.
  const pointee = (T: ReturnType<typeof declare>) => ({
    Item: { type: T.Item, noscan: false },
    Other: { type: T.Other, noscan: false },
    Leaf: { type: T.Leaf, noscan: true },
  });
  test.each([
    { pointsTo: 'Item', expected: 'main.ToItem' },
    { pointsTo: 'Other', expected: 'main.ToOther' },
    { pointsTo: 'Leaf', expected: 'main.Node' },
  ] as const)('a pointer to a $pointsTo object picks $expected among candidates of one shape', ({ pointsTo, expected }) => {
    const { T, run } = world(greenTea);
    const target = pointee(T)[pointsTo];
    const s24 = span({ start: at(1), elemSize: 24, noscan: target.noscan, objects: [object(target.type)] });
    const s16 = span({ start: at(0), elemSize: 16, objects: [object(T.Node, [slotAddr(s24, 0), 7])] });
    const r = run([s16, s24], [T.ToItem, T.ToOther, T.ToBig, T.Node]);
    expect(r.pass()).toBe(1);
    expect(r.typeOf(slotAddr(s16, 0))).toEqual(value(expected));
  });

  test('a candidate whose pointer cannot hold its pointee is rejected, even when it is the only one', () => {
    // *Big promises 64 bytes; the pointee sits in a 24-byte slot.
    const { T, run } = world(greenTea);
    const s24 = span({ start: at(1), elemSize: 24, objects: [object(T.Item)] });
    const s16 = span({ start: at(0), elemSize: 16, objects: [object(T.Node, [slotAddr(s24, 0), 7])] });
    const r = run([s16, s24], [T.ToBig]);
    expect(r.pass()).toBe(0);
    expect(r.typeOf(slotAddr(s16, 0))).toEqual(untyped);
  });

  test('a pointer into a noscan object rules out pointee types with pointers', () => {
    const { T, run } = world(greenTea);
    const n24 = span({ start: at(1), elemSize: 24, noscan: true, objects: [object(T.Leaf, [1, 2, 3])] });
    const s16 = span({ start: at(0), elemSize: 16, objects: [object(T.Node, [slotAddr(n24, 0), 7])] });
    expect(run([s16, n24], [T.ToItem]).pass()).toBe(0); // *Item cannot point into noscan memory
    const r = run([s16, n24], [T.ToItem, T.Node]);
    expect(r.pass()).toBe(1);
    expect(r.typeOf(slotAddr(s16, 0))).toEqual(value('main.Node'));
  });

  test('a noscan object is never typed by shape, only through a typed pointer to it', () => {
    const { T, run } = world(greenTea);
    const n24 = span({ start: at(1), elemSize: 24, noscan: true, objects: [object(T.Leaf, [1, 2, 3])] });
    const s16 = span({ start: at(0), elemSize: 16, objects: [object(T.Node, [slotAddr(n24, 0), 7])] });
    const r = run([s16, n24], [T.Node, T.Leaf]);
    r.pass();
    expect(r.typeOf(slotAddr(n24, 0))).toEqual(untyped);
    r.propagate();
    expect(r.typeOf(slotAddr(n24, 0))).toEqual(value('main.Leaf'));
  });

  // Passes after the first judge an object again only when the typing it consulted changed: what lies
  // one, two or three pointers away (agreement looks two levels into its targets, and reads the type of
  // what those point to). Each chain ends in a noscan Leaf that gets typed between two passes.
  test.each([1, 2, 3] as const)('an object left undecided is judged again once what lies %i pointers away is typed', (distance) => {
    const p = syntheticProcess();
    const t = p.arena;
    const pair = (name: string, fields: (twin: boolean) => Array<[string, TypeDesc]>) => [t.struct(`main.${name}`, fields(false)), t.struct(`main.${name}2`, fields(true))] as const;
    // Each pair shares a shape, and the two differ only in which of the pair below they point to.
    const leaves = pair('Leaf', () => [['a', p.int], ['b', p.int], ['c', p.int]]); // 24 B, no pointers
    const items = pair('Item', (twin) => [['leaf', t.pointerTo(leaves[twin ? 1 : 0])], ['a', p.int], ['b', p.int]]); // 24 B, bits 1
    const mids = pair('Mid', (twin) => [['item', t.pointerTo(items[twin ? 1 : 0])], ['n', p.int]]); // 16 B, bits 01
    const below = [leaves, items, mids][distance - 1]!;
    const tos = pair('To', (twin) => [['p', t.pointerTo(below[twin ? 1 : 0])], ['n', p.int]]); // 16 B, bits 01
    const d = span({ start: at(3), elemSize: 24, noscan: true, objects: [object(leaves[0], [1, 2, 3])] });
    const c = span({ start: at(2), elemSize: 24, objects: [object(items[0], [slotAddr(d, 0), 1, 2])] });
    const b = span({ start: at(1), elemSize: 16, objects: [object(mids[0], [slotAddr(c, 0), 3])] });
    const a = span({ start: at(0), elemSize: 16, objects: [object(tos[0], [slotAddr([d, c, b][distance - 1]!, 0), 7])] });
    const r = p.run([a, b, c, d], [...tos], greenTea);
    expect(r.pass()).toBe(0); // both candidates fit equally: the Leaf at the end is untyped
    expect(r.pass()).toBe(0); // nothing changed: the same judgement
    r.typing.infer(r.objects.objectStartingAt(slotAddr(d, 0)), Role.value, r.types.typeAt(leaves[0].addr)!, 1);
    expect(r.pass()).toBeGreaterThan(0);
    expect(r.typeOf(slotAddr(a, 0))).toEqual(value('main.To'));
  });

  test('what a shape-typed object points to is typed by propagation, not by the pass', () => {
    const { T, run } = world(greenTea);
    const s24 = span({ start: at(1), elemSize: 24, objects: [object(T.Item, [0, 1, 2])] });
    const s16 = span({ start: at(0), elemSize: 16, objects: [object(T.ToItem, [slotAddr(s24, 0), 7])] });
    const r = run([s16, s24], [T.ToItem, T.ToOther]);
    expect(r.pass()).toBe(1);
    expect(r.typeOf(slotAddr(s24, 0))).toEqual(untyped);
    r.propagate();
    expect(r.typeOf(slotAddr(s24, 0))).toEqual(value('main.Item'));
  });
});
