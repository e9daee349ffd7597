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

/** A frame with more children than this gets a Map to find them; fewer are scanned. */
const SCAN_LIMIT = 8;

/** Frames as they are discovered, before ordering. Children are a linked list (most frames have one). */
class TreeBuilder {
  readonly name: string[] = ['all'];
  readonly self: number[] = [0];
  readonly selfDelta: number[] = [0];
  readonly firstChild: number[] = [-1];
  readonly nextSibling: number[] = [-1];
  readonly childCount: number[] = [0];
  /** Children by canonical name, for frames with many children. */
  readonly lookup = new Map<number, Map<string, number>>();

  child(parent: number, rawName: string): number {
    const found = this.find(parent, rawName);
    if (found >= 0) return found;
    const name = canonicalFrameName(rawName);
    const existing = name === rawName ? -1 : this.find(parent, name);
    return existing >= 0 ? existing : this.add(parent, name);
  }

  private find(parent: number, name: string): number {
    const map = this.lookup.get(parent);
    if (map) return map.get(name) ?? -1;
    for (let c = this.firstChild[parent]!; c >= 0; c = this.nextSibling[c]!) if (this.name[c] === name) return c;
    return -1;
  }

  private add(parent: number, name: string): number {
    const node = this.name.length;
    this.name.push(name);
    this.self.push(0);
    this.selfDelta.push(0);
    this.firstChild.push(-1);
    this.nextSibling.push(this.firstChild[parent]!);
    this.childCount.push(0);
    this.firstChild[parent] = node;
    const count = ++this.childCount[parent]!;
    let map = this.lookup.get(parent);
    if (!map && count > SCAN_LIMIT) {
      map = new Map();
      for (let c = this.firstChild[parent]!; c >= 0; c = this.nextSibling[c]!) map.set(this.name[c]!, c);
      this.lookup.set(parent, map);
    }
    map?.set(name, node);
    return node;
  }
}

export function buildFrameTree(stacks: Iterable<Stack>, reverse = false): FrameTree {
  const b = new TreeBuilder();
  let count = 0;
  let differential = false;
  // Consecutive stacks usually share a prefix (folded files are sorted or depth-first): reuse it.
  let previous: readonly string[] = [];
  let previousPath: number[] = [];
  for (const stack of stacks) {
    const width = stackWidth(stack);
    checkCount(stack.value);
    checkCount(width);
    const frames = reverse ? [...stack.frames].reverse() : stack.frames;
    const path: number[] = [];
    let node = 0;
    let shared = true;
    for (let d = 0; d < frames.length; d++) {
      const frame = frames[d]!;
      shared &&= frame === previous[d];
      node = shared ? previousPath[d]! : b.child(node, frame);
      path.push(node);
    }
    previous = frames;
    previousPath = path;
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
    const kids: number[] = [];
    for (let c = b.firstChild[node]!; c >= 0; c = b.nextSibling[c]!) kids.push(c);
    if (kids.length > 0) {
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
