/**
 * A GC root as the graph sees it: roots are walked one kind at a time (in an order the caller
 * gives), then by rank, then by name. The layer that finds roots adds what else it knows.
 */
export interface Root {
  readonly kind: string;
  /** Readable name: `main.sessions`, `goroutine 42 main.worker · list`. */
  readonly name: string;
  /** Sort key within its kind (goroutine id, or 0 to sort by name). */
  readonly rank: number;
}

/** Edge offsets at or above this do not fit the offset array and are stored as this value. */
export const offsetOverflow = 0xffff_ffff;

/**
 * The heap as a directed graph in compressed sparse rows: object → object edges, each with the offset
 * of the pointer inside its source, and root → object edges the same way. Objects are 0..objectCount-1.
 */
export interface ReferenceGraph<R extends Root = Root> {
  readonly objectCount: number;
  readonly objectSize: Float64Array;
  readonly edgeStart: Uint32Array;
  readonly edgeTarget: Int32Array;
  readonly edgeOffset: Uint32Array;
  readonly roots: readonly R[];
  readonly rootEdgeStart: Uint32Array;
  readonly rootEdgeTarget: Int32Array;
  readonly rootEdgeOffset: Uint32Array;
}

/** Growable typed array of 32-bit values. */
class Growable32<T extends Int32Array | Uint32Array> {
  private data: T;
  length = 0;
  constructor(private readonly make: (n: number) => T) {
    this.data = make(1024);
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const bigger = this.make(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }
  at(i: number): number {
    return this.data[i]!;
  }
  /** Gives back the room reserved for more values (up to half the array, after the last doubling). */
  trim(): void {
    if (this.data.length > this.length + (this.length >> 3)) this.data = this.data.slice(0, this.length) as T;
  }
  /**
   * The values so far, without a copy (valid until the next push): a copy would double the peak of
   * the largest arrays the analysis holds.
   */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/** Builds a ReferenceGraph; object edges must be added with non-decreasing source objects. */
export class ReferenceGraphBuilder<R extends Root = Root> {
  private readonly edgeStart: Uint32Array;
  private readonly targets = new Growable32((n) => new Int32Array(n));
  private readonly offsets = new Growable32((n) => new Uint32Array(n));
  private lastSource = 0;
  private sealed = false;
  private readonly roots: R[] = [];
  private readonly rootStart: number[] = [0];
  private readonly rootTargets = new Growable32((n) => new Int32Array(n));
  private readonly rootOffsets = new Growable32((n) => new Uint32Array(n));

  constructor(private readonly objectSize: Float64Array) {
    this.edgeStart = new Uint32Array(objectSize.length + 1);
  }

  addEdge(source: number, offset: number, target: number): void {
    if (source < this.lastSource || this.sealed) throw new Error('object edges must be added in source order, before seal');
    for (let s = this.lastSource + 1; s <= source; s++) this.edgeStart[s] = this.targets.length;
    this.lastSource = source;
    this.targets.push(target);
    this.offsets.push(Math.min(offset, offsetOverflow));
  }

  /** The edges added so far from `source`, once every later source has been added or seal ran. */
  edgesOf(source: number): Array<{ offset: number; target: number }> {
    const out: Array<{ offset: number; target: number }> = [];
    if (source > this.lastSource) return out;
    const end = source === this.lastSource ? this.targets.length : this.edgeStart[source + 1]!;
    for (let e = this.edgeStart[source]!; e < end; e++) out.push({ offset: this.offsets.at(e), target: this.targets.at(e) });
    return out;
  }

  /**
   * Ends the object edges (no object edge may be added after; roots may): call it right after the
   * scan, while little else is held, to give back the room the edge arrays kept for more.
   */
  seal(): void {
    if (this.sealed) return;
    for (let s = this.lastSource + 1; s <= this.objectSize.length; s++) this.edgeStart[s] = this.targets.length;
    this.targets.trim();
    this.offsets.trim();
    this.sealed = true;
  }

  /** Which objects the object edges reach from `starts` (1: reached), once seal has run. */
  reachableFrom(starts: Iterable<number>): Uint8Array {
    if (!this.sealed) throw new Error('reachableFrom needs the object edges sealed');
    const reached = new Uint8Array(this.objectSize.length);
    const targets = this.targets.view();
    const queue = new Int32Array(this.objectSize.length);
    let tail = 0;
    for (const obj of starts) {
      if (obj >= 0 && !reached[obj]) {
        reached[obj] = 1;
        queue[tail++] = obj;
      }
    }
    for (let head = 0; head < tail; head++) {
      const obj = queue[head]!;
      for (let e = this.edgeStart[obj]!; e < this.edgeStart[obj + 1]!; e++) {
        const target = targets[e]!;
        if (!reached[target]) {
          reached[target] = 1;
          queue[tail++] = target;
        }
      }
    }
    return reached;
  }

  /** `reached` with, marked 2, each object not in it that has an edge to one in it (one step back). */
  withPredecessors(reached: Uint8Array): Uint8Array {
    const targets = this.targets.view();
    for (let obj = 0; obj < reached.length; obj++) {
      if (reached[obj]) continue;
      for (let e = this.edgeStart[obj]!; e < this.edgeStart[obj + 1]!; e++) {
        if (reached[targets[e]!] === 1) {
          reached[obj] = 2;
          break;
        }
      }
    }
    return reached;
  }

  /** Adds a root and its edges: pairs of (offset in the root, target object). */
  addRoot(root: R, edges: ReadonlyArray<{ offset: number; target: number }>): void {
    this.roots.push(root);
    for (const e of edges) {
      this.rootTargets.push(e.target);
      this.rootOffsets.push(Math.min(e.offset, offsetOverflow));
    }
    this.rootStart.push(this.rootTargets.length);
  }

  build(): ReferenceGraph<R> {
    this.seal();
    return {
      objectCount: this.objectSize.length,
      objectSize: this.objectSize,
      edgeStart: this.edgeStart,
      edgeTarget: this.targets.view(),
      edgeOffset: this.offsets.view(),
      roots: this.roots,
      rootEdgeStart: Uint32Array.from(this.rootStart),
      rootEdgeTarget: this.rootTargets.view(),
      rootEdgeOffset: this.rootOffsets.view(),
    };
  }
}
