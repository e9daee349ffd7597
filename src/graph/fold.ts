import type { ReferenceGraph } from './reference-graph.js';
import { unreached, type RetentionTree } from './retention-tree.js';

/** One folded stack: frames from the root (first) to the leaf (last), and its weight. */
export interface FoldedStack {
  frames: string[];
  value: number;
}

/** Names the frames of the retention tree; the Go layer implements it from types and roots. */
export interface FrameNamer {
  rootLabel(root: number): string;
  /**
   * The frame of `obj`, reached from `parent` (an object, or -1 - r for root r) through the pointer at
   * `offset`; undefined folds the object into its parent's frame (a map's buckets, a slice's array).
   */
  objectLabel(obj: number, parent: number, offset: number): string | undefined;
  /** The frame of an object no root reaches, grouped under the `unreachable` root frame. */
  unreachableLabel(obj: number): string;
  /**
   * What the object is (its type), for collapsing: a child whose key equals its parent frame's key
   * joins that frame, so a list or tree of one type is one frame however it is linked.
   */
  collapseKey(obj: number): string;
}

export interface FoldOptions {
  weight: 'bytes' | 'objects';
  /** Merge an object into its parent's frame when both are of the same type (linked lists, trees). */
  collapse: boolean;
  /** Frames above this depth are kept in the frame at this depth. */
  maxDepth: number;
}

export const unreachableRootLabel = 'unreachable (allocated, no root reaches it)';

/** The label of a frame that stands for `count` consecutive same-labelled objects. */
export function collapsedLabel(label: string, count: number): string {
  return count > 1 ? `${label} ×${count}` : label;
}

/**
 * Folds the retention tree into flame-graph stacks: one frame per distinct label path, its weight the
 * bytes (or objects) of the objects that end there. The total always equals the whole heap.
 */
export function foldRetentionTree(
  graph: ReferenceGraph,
  tree: RetentionTree,
  namer: FrameNamer,
  options: FoldOptions,
): FoldedStack[] {
  const trie = new LabelTrie();
  const objectNode = new Int32Array(graph.objectCount).fill(-1);
  const rootNode = new Map<number, number>();
  const weightOf = (obj: number): number => (options.weight === 'bytes' ? graph.objectSize[obj]! : 1);

  for (const r of tree.rootOrder) rootNode.set(r, trie.child(-1, namer.rootLabel(r)));
  for (const obj of tree.order) {
    const parent = tree.parent[obj]!;
    const parentNode = parent >= 0 ? objectNode[parent]! : rootNode.get(-1 - parent)!;
    const label = namer.objectLabel(obj, parent, tree.parentOffset[obj]!);
    let node: number;
    if (label === undefined || trie.depth[parentNode]! >= options.maxDepth) node = parentNode;
    else {
      const key = options.collapse ? namer.collapseKey(obj) : undefined;
      if (key !== undefined && parent >= 0 && trie.key[parentNode] === key) {
        node = parentNode;
        trie.chain[node]!++;
      } else {
        node = trie.child(parentNode, label);
        trie.key[node] ??= key;
      }
    }
    objectNode[obj] = node;
    trie.self[node]! += weightOf(obj);
  }
  let garbage = -1;
  for (let obj = 0; obj < graph.objectCount; obj++) {
    if (tree.parent[obj] !== unreached) continue;
    if (garbage < 0) garbage = trie.child(-1, unreachableRootLabel);
    trie.self[trie.child(garbage, namer.unreachableLabel(obj))]! += weightOf(obj);
  }
  return trie.stacks();
}

/** A trie of frame labels with per-node weights, stored in parallel arrays. */
class LabelTrie {
  readonly label: string[] = [];
  readonly parent: number[] = [];
  readonly depth: number[] = [];
  readonly self: number[] = [];
  readonly chain: number[] = [];
  /** Collapse key of the object that opened each frame (undefined for roots and when not collapsing). */
  readonly key: Array<string | undefined> = [];
  private readonly children = new Map<string, number>();

  child(parent: number, label: string): number {
    const key = `${parent}\u0000${label}`;
    let node = this.children.get(key);
    if (node === undefined) {
      node = this.label.length;
      this.children.set(key, node);
      this.label.push(label);
      this.parent.push(parent);
      this.depth.push(parent < 0 ? 1 : this.depth[parent]! + 1);
      this.self.push(0);
      this.chain.push(1);
      this.key.push(undefined);
    }
    return node;
  }

  stacks(): FoldedStack[] {
    const out: FoldedStack[] = [];
    for (let node = 0; node < this.label.length; node++) {
      if (this.self[node] === 0) continue;
      const frames: string[] = [];
      for (let n = node; n >= 0; n = this.parent[n]!) frames.push(collapsedLabel(this.label[n]!, this.chain[n]!));
      out.push({ frames: frames.reverse(), value: this.self[node]! });
    }
    return out;
  }
}
