import { canonicalFrameName } from './frame-names.js';
import { stackWidth, type Stack } from './stack.js';

/**
 * All stacks merged into one tree of frames, in depth-first pre-order with children sorted by name
 * (flamegraph.pl's order, and deterministic whatever the input order). Frame 0 is the synthetic
 * root `all`; the subtree of frame i is the range [i, end[i]).
 */
export interface FrameTree {
  readonly size: number;
  readonly name: readonly string[];
  readonly depth: Int32Array;
  /** Width of the frame: its stacks' counts plus its descendants' (the second count of differential lines). */
  readonly total: Float64Array;
  /** Change of the frame's own count (second minus first), for differential graphs; else undefined. */
  readonly delta: Float64Array | undefined;
  readonly end: Int32Array;
  /** Number of stacks merged. */
  readonly stacks: number;
}

/** Frames as they are discovered, before ordering. */
class TreeBuilder {
  readonly name: string[] = ['all'];
  readonly self: number[] = [0];
  readonly selfDelta: number[] = [0];
  readonly children: (number[] | undefined)[] = [undefined];
  /** Child by raw name; holds both the raw and the canonical spelling when they differ. */
  readonly lookup: (Map<string, number> | undefined)[] = [undefined];

  child(parent: number, rawName: string): number {
    let map = this.lookup[parent];
    const known = map?.get(rawName);
    if (known !== undefined) return known;
    if (map === undefined) map = this.lookup[parent] = new Map();
    const name = canonicalFrameName(rawName);
    let node = name === rawName ? undefined : map.get(name);
    if (node === undefined) {
      node = this.name.length;
      this.name.push(name);
      this.self.push(0);
      this.selfDelta.push(0);
      this.children.push(undefined);
      this.lookup.push(undefined);
      (this.children[parent] ??= []).push(node);
      map.set(name, node);
    }
    map.set(rawName, node);
    return node;
  }
}

export function buildFrameTree(stacks: Iterable<Stack>, reverse = false): FrameTree {
  const b = new TreeBuilder();
  let count = 0;
  let differential = false;
  for (const stack of stacks) {
    const width = stackWidth(stack);
    checkCount(stack.value);
    checkCount(width);
    const frames = reverse ? [...stack.frames].reverse() : stack.frames;
    let node = 0;
    for (const frame of frames) node = b.child(node, frame);
    b.self[node]! += width;
    if (stack.value2 !== undefined) {
      differential = true;
      b.selfDelta[node]! += stack.value2 - stack.value;
    }
    count++;
  }
  return order(b, count, differential);
}

function checkCount(value: number): void {
  if (!(value >= 0 && Number.isFinite(value))) {
    throw new RangeError(`a stack count must be a finite number ≥ 0, not ${value}`);
  }
}

/** Lays the discovered frames out in pre-order with sorted children, and sums subtree widths. */
function order(b: TreeBuilder, stacks: number, differential: boolean): FrameTree {
  const size = b.name.length;
  const name: string[] = new Array(size);
  const depth = new Int32Array(size);
  const total = new Float64Array(size);
  const delta = differential ? new Float64Array(size) : undefined;
  const end = new Int32Array(size);
  const parentAt = new Int32Array(size);
  const byName = (x: number, y: number) => (b.name[x]! < b.name[y]! ? -1 : b.name[x]! > b.name[y]! ? 1 : 0);

  // Explicit stack: a folded line can be thousands of frames deep.
  const todo: number[] = [0];
  const todoParent: number[] = [-1];
  let at = 0;
  while (todo.length > 0) {
    const node = todo.pop()!;
    const parent = todoParent.pop()!;
    name[at] = b.name[node]!;
    total[at] = b.self[node]!;
    if (delta) delta[at] = b.selfDelta[node]!;
    parentAt[at] = parent;
    depth[at] = parent < 0 ? 0 : depth[parent]! + 1;
    const kids = b.children[node];
    if (kids) {
      kids.sort(byName);
      for (let k = kids.length - 1; k >= 0; k--) {
        todo.push(kids[k]!);
        todoParent.push(at);
      }
    }
    at++;
  }
  for (let i = size - 1; i >= 0; i--) {
    end[i] = Math.max(end[i]!, i + 1);
    const parent = parentAt[i]!;
    if (parent >= 0) {
      total[parent]! += total[i]!;
      end[parent] = Math.max(end[parent]!, end[i]!);
    }
  }
  return { size, name, depth, total, delta, end, stacks };
}
