import { buildDominatorTree, type DominatorTree, retainedSizes, type RetainedSizes, sharedByRoots } from '../graph/dominators.js';
import { hex } from '../util/bytes.js';
import type { CoreAnalysis } from './analyze-core.js';
import { format } from './frame-labels.js';
import type { GoFrameNamer } from './frame-namer.js';

/** Who keeps what alive: the dominator tree of a core's heap and what each object and root retains. */
export interface Retention {
  tree: DominatorTree;
  sizes: RetainedSizes;
}

export function retentionOf(analysis: CoreAnalysis): Retention {
  const tree = buildDominatorTree(analysis.heap.graph, analysis.tree);
  return { tree, sizes: retainedSizes(analysis.heap.graph, tree) };
}

/** A root, the shared group, or an object, with what it retains. */
export interface Retainer {
  kind: 'root' | 'shared' | 'object';
  /** The root's frame label, or the object's label as the flame graph names it (how it is held, and its type). */
  name: string;
  /** Objects only: the address of the object, and the root whose dominator chain it is in. */
  address?: string;
  heldBy?: string;
  bytes: number;
  objects: number;
}

/**
 * The `n` largest retainers, largest first: roots, the shared group and (`withObjects`) objects
 * together (an object retains everything above it in the dominator tree, so a root and the object it
 * holds can both be large). Ties keep the order of roots, the shared group, then objects in
 * breadth-first order.
 */
export function largestRetainers(analysis: CoreAnalysis, retention: Retention, namer: GoFrameNamer, n: number, withObjects = true): Retainer[] {
  if (!(n >= 1)) throw new RangeError(`largestRetainers needs n ≥ 1, not ${n}`);
  const { sizes, tree } = retention;
  const graph = analysis.heap.graph;
  const best = new TopN<{ kind: Retainer['kind']; index: number }>(n);
  for (let r = 0; r < graph.roots.length; r++) if (sizes.rootBytes[r]! > 0) best.offer(sizes.rootBytes[r]!, { kind: 'root', index: r });
  if (sizes.sharedBytes > 0) best.offer(sizes.sharedBytes, { kind: 'shared', index: -1 });
  if (withObjects) for (const o of tree.order) best.offer(sizes.objectBytes[o]!, { kind: 'object', index: o });
  return best.items().map(({ kind, index }) => describe(analysis, retention, namer, kind, index));
}

/** Objects that retain at least this share of the heap are leak suspects on their own. */
export const SUSPECT_SHARE = 0.1;

/**
 * Leak suspects, one line each: the three roots (or the shared group) that retain the most, and each
 * object that retains more than SUSPECT_SHARE of the heap while none of the objects it dominates does
 * (where the memory accumulates, not every object on the way to it).
 */
export function leakSuspects(analysis: CoreAnalysis, retention: Retention, namer: GoFrameNamer, heapBytes: number): Retainer[] {
  const roots = largestRetainers(analysis, retention, namer, 3, false);
  const { sizes, tree } = retention;
  const limit = SUSPECT_SHARE * heapBytes;
  const big = new Uint8Array(analysis.heap.graph.objectCount);
  for (const o of tree.order) if (sizes.objectBytes[o]! > limit) big[o] = 1;
  // An object is where memory accumulates when it is big and no big object sits under it.
  const hasBigChild = new Uint8Array(big.length);
  for (const o of tree.order) {
    const p = tree.parent[o]!;
    if (big[o] && p >= 0) hasBigChild[p] = 1;
  }
  const objects: Retainer[] = [];
  for (const o of tree.order) if (big[o] && !hasBigChild[o]) objects.push(describe(analysis, retention, namer, 'object', o));
  objects.sort((a, b) => b.bytes - a.bytes);
  return [...roots, ...objects];
}

/**
 * The suspects as a list: `global main.cache retains 8.34 MiB (35.1%), …; objects alone: [value]
 * *main.Entry at 0xc000… (in global main.cache) retains 3.20 MiB (13.5%)`.
 */
export function suspectsList(suspects: Retainer[], heapBytes: number, bytes: (n: number) => string): string {
  const share = (r: Retainer) => `${bytes(r.bytes)} (${heapBytes > 0 ? ((100 * r.bytes) / heapBytes).toFixed(1) : '0.0'}%)`;
  const roots = suspects.filter((r) => r.kind !== 'object').map((r) => `${r.name} retains ${share(r)}`);
  const objects = suspects.filter((r) => r.kind === 'object').map((r) => `${r.name} at ${r.address} (in ${r.heldBy}) retains ${share(r)}`);
  if (roots.length === 0) return 'none (nothing is reachable)';
  const alone = objects.length ? `; objects alone: ${objects.join(', ')}` : '';
  return `${roots.join(', ')}${alone}`;
}

function describe(analysis: CoreAnalysis, retention: Retention, namer: GoFrameNamer, kind: Retainer['kind'], index: number): Retainer {
  const { sizes, tree } = retention;
  if (kind === 'root') return { kind, name: namer.labels.text(namer.rootLabel(index)), bytes: sizes.rootBytes[index]!, objects: sizes.rootCount[index]! };
  if (kind === 'shared') return { kind, name: format.sharedRoot(tree.sharingRoots), bytes: sizes.sharedBytes, objects: sizes.sharedCount };
  const parent = tree.parent[index]!;
  const label = namer.objectLabel(index, parent, tree.parentOffset[index]!);
  const name = namer.labels.text(label >= 0 ? label : namer.collapseKey(index));
  let bottom = parent;
  while (bottom >= 0) bottom = tree.parent[bottom]!;
  const heldBy = bottom === sharedByRoots ? format.sharedRoot(tree.sharingRoots) : namer.labels.text(namer.rootLabel(-1 - bottom));
  const address = hex(analysis.heap.objects.dataStart(index)); // where pointers to it point, as `path` gives it
  return { kind, name, address, heldBy, bytes: sizes.objectBytes[index]!, objects: sizes.objectCount[index]! };
}

/** The `n` items with the largest keys, largest first (a sorted array: n is a screenful or so). */
class TopN<T> {
  private readonly keys: number[] = [];
  private readonly values: T[] = [];
  constructor(private readonly n: number) {}

  offer(key: number, value: T): void {
    if (this.keys.length >= this.n && key <= this.keys[this.keys.length - 1]!) return;
    let at = this.keys.length;
    while (at > 0 && this.keys[at - 1]! < key) at--;
    this.keys.splice(at, 0, key);
    this.values.splice(at, 0, value);
    if (this.keys.length > this.n) {
      this.keys.pop();
      this.values.pop();
    }
  }

  items(): T[] {
    return this.values;
  }
}
