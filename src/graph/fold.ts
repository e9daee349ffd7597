import type { ReferenceGraph } from './reference-graph.js';
import { type DominatorTree, sharedByRoots } from './dominators.js';
import { unreached, type RetentionTree } from './retention-tree.js';
import { LabelPaths } from './label-paths.js';

/** One folded stack: frames from the root (first) to the leaf (last), and what ends exactly there. */
export interface FoldedStack {
  frames: string[];
  bytes: number;
  objects: number;
  /** The kind of root at the bottom of the stack (Root.kind), or `unreachable` for garbage. */
  rootKind: string;
}

/** Frame labels as small integers, each text once: folding compares and groups ids, never builds text per object. */
export class LabelTable {
  private readonly ids = new Map<string, number>();
  private readonly texts: string[] = [];

  id(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(text, id);
      this.texts.push(text);
    }
    return id;
  }

  text(id: number): string {
    return this.texts[id]!;
  }
}

/**
 * Names the frames of the retention tree; the Go layer implements it from types and roots. Labels are
 * ids of `labels`, one per distinct text, so equal ids mean equal texts.
 */
export interface FrameNamer {
  readonly labels: LabelTable;
  rootLabel(root: number): number;
  /**
   * The frame of `obj`, reached from `parent` (an object, or -1 - r for root r) through the pointer at
   * `offset`; -1 folds the object into its parent's frame (a map's buckets, a slice's array).
   */
  objectLabel(obj: number, parent: number, offset: number): number;
  /** The frame of an object no root reaches, grouped under the `unreachable` root frame. */
  unreachableLabel(obj: number): number;
  /**
   * What the object is (its type), for collapsing: a child whose key equals its parent frame's key
   * joins that frame, so a list or tree of one type is one frame however it is linked.
   */
  collapseKey(obj: number): number;
  /** The root frame under which objects no root reaches are drawn. */
  readonly unreachableRootLabel: number;
  /** The root frame of a dominator tree's objects that no single root dominates, which `roots` roots reach. */
  sharedRootLabel(roots: number): number;
  /** The label of a frame that stands for `count` consecutive objects that share `label`. */
  chainLabel(label: string, count: number): string;
}

export interface FoldOptions {
  /** Merge an object into its parent's frame when both are of the same type (linked lists, trees). */
  collapse: boolean;
  /** Frames above this depth are kept in the frame at this depth. */
  maxDepth: number;
}

/**
 * Folds the retention tree into flame-graph stacks: one frame per distinct label path, with the bytes
 * and objects of the objects that end there. The totals always equal the whole heap.
 */
export function foldRetentionTree(
  graph: ReferenceGraph,
  tree: RetentionTree | DominatorTree,
  namer: FrameNamer,
  options: FoldOptions,
): FoldedStack[] {
  const trie = new LabelTrie();
  const objectNode = new Int32Array(graph.objectCount).fill(-1);
  const rootNode = new Map<number, number>();
  for (const r of tree.rootOrder) rootNode.set(r, trie.child(-1, namer.rootLabel(r), graph.roots[r]!.kind));
  let shared = -1;
  const sharedNode = () => (shared >= 0 ? shared : (shared = trie.child(-1, namer.sharedRootLabel('sharingRoots' in tree ? tree.sharingRoots : 0), 'shared')));
  for (const obj of tree.order) {
    const parent = tree.parent[obj]!;
    const parentNode = parent >= 0 ? objectNode[parent]! : parent === sharedByRoots ? sharedNode() : rootNode.get(-1 - parent)!;
    const label = namer.objectLabel(obj, parent, tree.parentOffset[obj]!);
    let node: number;
    if (label < 0 || trie.depth[parentNode]! >= options.maxDepth) node = parentNode;
    else {
      const key = options.collapse ? namer.collapseKey(obj) : noKey;
      if (key !== noKey && parent >= 0 && trie.key[parentNode] === key) {
        node = parentNode;
        trie.chain[node]!++;
      } else {
        node = trie.child(parentNode, label);
        if (trie.key[node] === noKey) trie.key[node] = key;
      }
    }
    objectNode[obj] = node;
    trie.add(node, graph.objectSize[obj]!);
  }
  let garbage = -1;
  for (let obj = 0; obj < graph.objectCount; obj++) {
    if (tree.parent[obj] !== unreached) continue;
    if (garbage < 0) garbage = trie.child(-1, namer.unreachableRootLabel, 'unreachable');
    trie.add(trie.child(garbage, namer.unreachableLabel(obj)), graph.objectSize[obj]!);
  }
  return trie.stacks((label) => namer.labels.text(label), (label, count) => namer.chainLabel(label, count));
}

/** trie.key of a frame that has no collapse key (roots, and every frame when not collapsing). */
const noKey = -1;

/** A trie of frame labels with per-node weights, stored in parallel arrays. */
class LabelTrie extends LabelPaths {
  readonly bytes: number[] = [];
  readonly objects: number[] = [];
  /** The root kind of each node's stack. */
  readonly rootKind: Array<FoldedStack['rootKind']> = [];
  readonly chain: number[] = [];
  /** Collapse key of the object that opened each frame. */
  readonly key: number[] = [];
  add(node: number, bytes: number): void {
    this.bytes[node]! += bytes;
    this.objects[node]!++;
  }

  /** The child of `parent` labelled `label` (a root frame when parent is -1, of kind `rootKind`). */
  override child(parent: number, label: number, rootKind?: FoldedStack['rootKind']): number {
    const before = this.label.length;
    const node = super.child(parent, label);
    if (node === before) {
      this.bytes.push(0);
      this.objects.push(0);
      this.rootKind.push(parent < 0 ? rootKind! : this.rootKind[parent]!);
      this.chain.push(1);
      this.key.push(noKey);
    }
    return node;
  }

  stacks(text: (label: number) => string, chainLabel: (label: string, count: number) => string): FoldedStack[] {
    const out: FoldedStack[] = [];
    for (let node = 0; node < this.label.length; node++) {
      if (this.objects[node] === 0) continue;
      const frames: string[] = [];
      for (let n = node; n >= 0; n = this.parent[n]!) frames.push(this.chain[n]! > 1 ? chainLabel(text(this.label[n]!), this.chain[n]!) : text(this.label[n]!));
      out.push({ frames: frames.reverse(), bytes: this.bytes[node]!, objects: this.objects[node]!, rootKind: this.rootKind[node]! });
    }
    return out;
  }
}
