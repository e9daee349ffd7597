import { describe, expect, test } from 'vitest';
import { HEAP, PAGE, object, slotAddr, span, syntheticProcess, type ShapeRun, type TypeDesc } from './synthetic-heap.js';
import { Role } from '../../src/goruntime/typing/heap-typing.js';
import { Kind } from '../../src/goruntime/layout/abi-layout.js';

/**
 * What typing makes of a pointer whose declared type is not the whole object it points into, on a
 * synthetic Go 1.26 heap of small objects with their heap bits: a struct that begins with the
 * pointer's type, a chunk of values reached through one of them, a field inside an untyped object,
 * and a value the heap recorded only as the shape generic code was compiled for.
 */
function world() {
  const p = syntheticProcess();
  const t = p.arena;
  const Leaf = t.struct('main.Leaf', [['a', p.int], ['b', p.int], ['c', p.int]]); // 24 B, no pointers
  const pLeaf = t.pointerTo(Leaf);
  const Item = t.struct('main.Item', [['leaf', pLeaf], ['n', p.int]]); // 16 B, pointer in word 0
  const Base = t.struct('main.Base', [['leaf', pLeaf], ['kind', p.int]]); // 16 B, pointer in word 0
  // Both begin with a Base; Outer's words look like two Bases, Lopsided's like no number of them.
  const Outer = t.struct('main.Outer', [['Base', Base], ['other', pLeaf], ['m', p.int]]); // 32 B
  const Lopsided = t.struct('main.Lopsided', [['Base', Base], ['m', p.int], ['other', pLeaf]]); // 32 B
  // The shape of Outer without beginning with a Base.
  const Unrelated = t.struct('main.Unrelated', [['x', pLeaf], ['n', p.int], ['y', pLeaf], ['m', p.int]]);
  // A field that is not a struct's first: an untyped object holding one.
  const Holder = t.struct('main.Holder', [['x', p.int], ['y', p.int], ['Base', Base]]); // 32 B, pointer in word 2
  const uint8 = t.typeDescriptor({ size: 1, ptrBytes: 0, gcmask: [], kind: Kind.Uint8, name: 'uint8' });
  // What generic code over pointer types allocates: every pointer type has this shape.
  const PtrShape = t.typeDescriptor({ size: 8, ptrBytes: 8, gcmask: [1], kind: Kind.Pointer, name: 'go.shape.*uint8', elem: uint8 });
  const to = (name: string, type: TypeDesc) => t.struct(`main.To${name}`, [['p', type], ['n', p.int]]);
  const T = {
    Leaf, Item, Base, Outer, Lopsided, Unrelated, Holder, PtrShape,
    ToItem: to('Item', t.pointerTo(Item)),
    ToBase: to('Base', t.pointerTo(Base)),
    ToOuter: to('Outer', t.pointerTo(Outer)),
    ToUnrelated: to('Unrelated', t.pointerTo(Unrelated)),
    ToLeafPointer: to('LeafPointer', t.pointerTo(pLeaf)),
    ToInt: to('Int', t.pointerTo(p.int)),
    Items: t.struct('main.Items', [['items', t.sliceOf(Item)]]),
    Leaves: t.struct('main.Leaves', [['leaves', t.sliceOf(pLeaf)]]),
  };
  return { T, typing: p.typing };
}

const at = (n: number) => HEAP + n * PAGE;
const leaves = span({ start: at(9), elemSize: 24, objects: [] });
const leaf = (i: number) => slotAddr(leaves, i);
const withLeaves = (T: { Leaf: TypeDesc }, n: number) => ({ ...leaves, objects: Array.from({ length: n }, () => object(T.Leaf)) });

/** Types the holder objects as their types say, then follows what they point to. */
function typeFrom(run: ShapeRun, holders: Array<[number, TypeDesc]>): void {
  for (const [addr, type] of holders) run.typing.infer(run.objects.objectStartingAt(addr), Role.value, run.types.typeAt(type.addr)!, 1);
  run.propagate();
}

const value = (type: string, count = 1) => ({ role: 'value', type, count });
const untyped = { role: 'unknown', type: '', count: 0 };

describe('typing values that a pointer to part of them reaches', () => {
  // A pointer to the start (the object untyped or not) or to a later value (the object untyped).
  test.each([
    { at: 'the start', element: 0, leafIn: 2 },
    { at: 'one of the values', element: 2, leafIn: 3 },
  ])('a pointer to $at of a small object whose heap bits repeat its type types all the values', ({ element, leafIn }) => {
    const { T, typing } = world();
    const words = [0, 0, 0, 0, 0, 0, 0, 0];
    words[leafIn * 2] = leaf(0); // Item.leaf of a value the pointer does not point at
    const chunk = span({ start: at(0), elemSize: 64, objects: [object(T.Item, words, 4)] });
    const holder = span({ start: at(1), elemSize: 16, objects: [object(T.ToItem, [chunk.start + element * 16])] });
    const run = typing([chunk, holder, withLeaves(T, 1)]);
    typeFrom(run, [[holder.start, T.ToItem]]);
    expect(run.typeOf(chunk.start)).toEqual(value('main.Item', 4));
    expect(run.typeOf(leaf(0))).toEqual(value('main.Leaf'));
  });

  test('a struct that begins with the pointer\'s type is read as one value of it, not as several', () => {
    // Read as two Bases, Lopsided's `other` (word 3) would be the second Base's kind and stay
    // untyped anyway; its `m` (word 2) would be followed as a *Leaf.
    const { T, typing } = world();
    const s = span({ start: at(0), elemSize: 32, objects: [object(T.Lopsided, [leaf(0), 0, leaf(1), leaf(2)])] });
    const holder = span({ start: at(1), elemSize: 16, objects: [object(T.ToBase, [s.start])] });
    const run = typing([s, holder, withLeaves(T, 3)]);
    typeFrom(run, [[holder.start, T.ToBase]]);
    expect(run.typeOf(s.start)).toEqual(value('main.Base'));
    expect(run.typeOf(leaf(0))).toEqual(value('main.Leaf'));
    expect(run.typeOf(leaf(1))).toEqual(untyped);
    expect(run.typeOf(leaf(2))).toEqual(untyped);
  });

  test('a pointer to a struct that begins with the type the object has retypes it as that struct', () => {
    const { T, typing } = world();
    const s = span({ start: at(0), elemSize: 32, objects: [object(T.Outer, [leaf(0), 0, leaf(1), 0])] });
    const holders = span({ start: at(1), elemSize: 16, objects: [object(T.ToBase, [s.start]), object(T.ToOuter, [s.start])] });
    const run = typing([s, holders, withLeaves(T, 2)]);
    // The *Base first: its heap bits make the Outer look like two Bases until the *Outer says what it is.
    typeFrom(run, [[slotAddr(holders, 0), T.ToBase]]);
    expect(run.typeOf(s.start)).toEqual(value('main.Base', 2));
    typeFrom(run, [[slotAddr(holders, 1), T.ToOuter]]);
    expect(run.typeOf(s.start)).toEqual(value('main.Outer'));
    expect(run.typeOf(leaf(1))).toEqual(value('main.Leaf'));
  });

  test('a pointer to a struct of the same size and shape that does not begin with that type changes nothing', () => {
    const { T, typing } = world();
    const s = span({ start: at(0), elemSize: 32, objects: [object(T.Outer, [leaf(0), 0, leaf(1), 0])] });
    const holders = span({ start: at(1), elemSize: 16, objects: [object(T.ToBase, [s.start]), object(T.ToUnrelated, [s.start])] });
    const run = typing([s, holders, withLeaves(T, 2)]);
    typeFrom(run, [[slotAddr(holders, 0), T.ToBase]]);
    typeFrom(run, [[slotAddr(holders, 1), T.ToUnrelated]]);
    expect(run.typeOf(s.start)).toEqual(value('main.Base', 2));
  });

  test('a pointer to a field inside an untyped object has its pointers followed, the object staying untyped', () => {
    const { T, typing } = world();
    const s = span({ start: at(0), elemSize: 32, objects: [object(T.Holder, [0, 0, leaf(0), 0])] });
    const holder = span({ start: at(1), elemSize: 16, objects: [object(T.ToBase, [s.start + 16])] });
    const run = typing([s, holder, withLeaves(T, 1)]);
    typeFrom(run, [[holder.start, T.ToBase]]);
    expect(run.typeOf(s.start)).toEqual(untyped);
    expect(run.typeOf(leaf(0))).toEqual(value('main.Leaf'));
  });

  test('a slice that says a value is an array of more reads the values past the first', () => {
    // Three Items in a 64-byte slot: the heap bits are not four Items', so the *Item types one.
    const { T, typing } = world();
    const chunk = span({ start: at(0), elemSize: 64, objects: [object(T.Item, [0, 0, 0, 0, leaf(0), 0], 3)] });
    const holders = span({ start: at(1), elemSize: 32, objects: [object(T.ToItem, [chunk.start]), object(T.Items, [chunk.start, 3, 3])] });
    const run = typing([chunk, holders, withLeaves(T, 1)]);
    typeFrom(run, [[slotAddr(holders, 0), T.ToItem]]);
    expect(run.typeOf(chunk.start)).toEqual(value('main.Item'));
    expect(run.typeOf(leaf(0))).toEqual(untyped);
    typeFrom(run, [[slotAddr(holders, 1), T.Items]]);
    expect(run.typeOf(chunk.start)).toEqual({ role: 'array', type: 'main.Item', count: 3 });
    expect(run.typeOf(leaf(0))).toEqual(value('main.Leaf'));
  });
});

describe('values the heap recorded as a generic shape', () => {
  // [4]go.shape.*uint8, as generic code over *main.Leaf allocates it, each pointing at a Leaf.
  const chunk = span({ start: at(0), elemSize: 32, objects: [] });
  const leafCount = 4;
  const setup = (T: ReturnType<typeof world>['T'], typing: ReturnType<typeof world>['typing'], holder: [TypeDesc, number[]]) => {
    const chunkSpan = { ...chunk, objects: [object(T.PtrShape, [leaf(0), leaf(1), leaf(2), leaf(3)], 4)] };
    const leafSpan = { ...leaves, objects: Array.from({ length: leafCount }, () => object(T.Leaf)) };
    const holders = span({ start: at(1), elemSize: 32, objects: [object(holder[0], holder[1])] });
    const run = typing([chunkSpan, leafSpan, holders], new Map([[chunk.start, T.PtrShape]]));
    run.propagate();
    // Its pointers say nothing of what they point to.
    expect(run.typeOf(chunk.start)).toEqual(value('go.shape.*uint8', 4));
    expect(run.typeOf(leaf(0))).toEqual(untyped);
    typeFrom(run, [[holders.start, holder[0]]]);
    return run;
  };

  test('take the type a slice declares when its size and pointer layout agree', () => {
    const { T, typing } = world();
    const run = setup(T, typing, [T.Leaves, [chunk.start, 4, 4]]);
    expect(run.typeOf(chunk.start)).toEqual({ role: 'array', type: '*main.Leaf', count: 4 });
    for (let i = 0; i < leafCount; i++) expect(run.typeOf(leaf(i))).toEqual(value('main.Leaf'));
  });

  test('take the type a pointer to one of the values declares', () => {
    const { T, typing } = world();
    const run = setup(T, typing, [T.ToLeafPointer, [chunk.start + 16]]);
    expect(run.typeOf(chunk.start)).toEqual(value('*main.Leaf', 4));
    for (let i = 0; i < leafCount; i++) expect(run.typeOf(leaf(i))).toEqual(value('main.Leaf'));
  });

  test('keep the shape when the declared type has no pointer where the shape has one', () => {
    const { T, typing } = world();
    const run = setup(T, typing, [T.ToInt, [chunk.start + 8]]);
    expect(run.typeOf(chunk.start)).toEqual(value('go.shape.*uint8', 4));
    expect(run.typeOf(leaf(0))).toEqual(untyped);
  });
});
