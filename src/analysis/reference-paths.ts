import type { FrameNamer } from '../graph/fold.js';
import { unreached } from '../graph/retention-tree.js';
import { LabelPaths } from '../graph/label-paths.js';
import { PairMap } from '../util/pair-map.js';
import type { CoreAnalysis } from './analyze-core.js';

/**
 * Why an object is still alive: the chain of references from a root to it, along the breadth-first
 * retention tree (each object under the first object or root that reached it, so the chain is the
 * shortest one from the roots of the first kind that reaches it). Each step is a flame-graph frame
 * label (frame-labels.ts), so a chain reads like one stack of `goheapflame CORE BINARY
 * --no-collapse`: the root first, then one step per object.
 */

/** Objects reached by the same chain of steps, with one of them as a sample. */
export interface PathGroup {
  /** The sample's address: where its data starts, as Go's pointers to it hold it. */
  address: number;
  /** The objects' type, as `top` names it. */
  type: string;
  count: number;
  /** Steps from the root (first) to the object (last). */
  path: string[];
}

/** What the paths are read from: the heap and its retention tree. */
export type PathSource = Pick<CoreAnalysis, 'heap' | 'tree'>;

/** The namer's part that labels steps. */
export type StepNamer = Pick<FrameNamer, 'labels' | 'rootLabel' | 'objectLabel'>;

/** Reference paths of one analysed heap; each object's path shape is computed once, when first asked. */
export class ReferencePaths {
  /**
   * Path shapes: objects down the same chain of labels share a node, and a path is built once per
   * node, not once per object. A linked list of a million nodes is a million shapes; spelling each
   * out would be quadratic.
   */
  private readonly trie = new LabelPaths();
  /** Shape node of each object whose path was computed, else -1. */
  private readonly shape: Int32Array;

  constructor(
    private readonly source: PathSource,
    private readonly namer: StepNamer,
  ) {
    this.shape = new Int32Array(source.heap.objects.count).fill(-1);
  }

  /** Whether a root reaches the object (else it is garbage, and has no path). */
  isReachable(obj: number): boolean {
    return this.source.tree.parent[obj] !== unreached;
  }

  /** The steps from a root to a reachable object. */
  pathOf(obj: number): string[] {
    return this.steps(this.shapeOf(obj));
  }

  /**
   * Every reachable object whose type name (`typeName`, as `top` names types) matches `pattern`,
   * grouped by type and path: largest group first, then the shortest path, then the lowest address.
   * The sample of each group is its first object in breadth-first order. Only the first `limit`
   * groups (0: all) are returned, of `total`; `unreachable` counts the matching objects no root
   * reaches, which have no path.
   */
  groupsOfType(pattern: RegExp, typeName: (obj: number) => string, limit = 0): { groups: PathGroup[]; total: number; unreachable: number } {
    const { heap, tree } = this.source;
    // Millions of objects share a few thousand names: each name is matched once.
    const matches = new Map<string, boolean>();
    const matching = (obj: number) => {
      const name = typeName(obj);
      let match = matches.get(name);
      if (match === undefined) matches.set(name, (match = pattern.test(name)));
      return match;
    };
    // A group is (shape, type): an internal object's path ends at its owner's step, which it shares.
    const typeIds = new Map<string, number>();
    const groupOf = new PairMap();
    const found: Array<{ obj: number; node: number; type: string; count: number }> = [];
    for (const obj of tree.order) {
      if (!matching(obj)) continue;
      const type = typeName(obj);
      let typeId = typeIds.get(type);
      if (typeId === undefined) typeIds.set(type, (typeId = typeIds.size));
      const node = this.shapeOf(obj);
      const g = groupOf.get(node, typeId);
      if (g >= 0) found[g]!.count++;
      else {
        groupOf.set(node, typeId, found.length);
        found.push({ obj, node, type, count: 1 });
      }
    }
    let unreachable = 0;
    for (let obj = 0; obj < heap.objects.count; obj++) if (!this.isReachable(obj) && matching(obj)) unreachable++;
    const address = (obj: number) => heap.objects.dataStart(obj);
    const length = this.trie.depth;
    found.sort((a, b) => b.count - a.count || length[a.node]! - length[b.node]! || address(a.obj) - address(b.obj));
    // Only the groups shown are spelled out: a list of a million nodes has a million paths, together quadratic.
    const shown = limit > 0 ? found.slice(0, limit) : found;
    const groups = shown.map((f) => ({ address: address(f.obj), type: f.type, count: f.count, path: this.steps(f.node) }));
    return { groups, total: found.length, unreachable };
  }

  /**
   * The shape node of a reachable object's path. Its ancestors without a node yet are walked up
   * first, then given nodes root-down, so each object is labelled once however many paths pass it.
   */
  private shapeOf(obj: number): number {
    const { parent, parentOffset } = this.source.tree;
    if (parent[obj] === unreached) throw new Error(`object ${obj} is unreachable: it has no path`);
    const pending: number[] = [];
    let above = obj;
    for (; above >= 0 && this.shape[above]! < 0; above = parent[above]!) pending.push(above);
    let node = above >= 0 ? this.shape[above]! : this.trie.child(-1, this.namer.rootLabel(-1 - above));
    for (let i = pending.length - 1; i >= 0; i--) {
      const o = pending[i]!;
      const label = this.namer.objectLabel(o, parent[o]!, parentOffset[o]!);
      // -1: a runtime-internal object (a map's groups, a channel's buffer) that is part of its owner's step.
      if (label >= 0) node = this.trie.child(node, label);
      this.shape[o] = node;
    }
    return node;
  }

  private steps(node: number): string[] {
    return this.trie.labels(node).map((label) => this.namer.labels.text(label));
  }
}
