/**
 * One stack of a flame graph: frames from the root to the leaf, and its weight.
 *
 * `value` is the first count of the line. A differential line (`a;b 10 12`, as written by
 * flamegraph.pl's difffolded.pl and `goheapflame diff`) also has `value2`: `value` is the base
 * ("before") count and `value2` the new ("after") one, which is the frame width (see differential.ts).
 */
export interface Stack {
  frames: string[];
  value: number;
  value2?: number;
}

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
  /**
   * Differential graphs only (else undefined): the frame's count in the base (the first count of
   * differential lines, and the only count of the others, which did not change), descendants
   * included, and the change from base to new. See differential.ts for frames that vanished.
   */
  readonly base: Float64Array | undefined;
  readonly delta: Float64Array | undefined;
  /** Differential graphs drawn with a (gone) frame (see differential.ts): what it holds. */
  readonly gone?: number;
  readonly end: Int32Array;
  /** Number of stacks merged. */
  readonly stacks: number;
}

/** A frame with more children than this gets a Map to find them; fewer are scanned. */
const SCAN_LIMIT = 8;

/**
 * Merges stacks into a FrameTree. Consecutive stacks usually share a prefix (folded files are sorted
 * or depth-first), so the builder remembers the frames of the previous stack and looks up only
 * what follows the shared part. Children are a linked list (most frames have one child), with a
 * Map once there are many.
 */
export class FrameTreeBuilder {
  private readonly name: string[] = ['all'];
  private size = 1;
  // Typed arrays, made large enough from the start when the caller knows roughly how many frames
  // come: each time they grow, V8 throws away the code it optimized for the old ones.
  private self: Float64Array;
  private selfBase: Float64Array | undefined; // made by the first differential count
  private firstChild: Int32Array;
  private nextSibling: Int32Array;
  private childCount: Int32Array;
  /** Children by name, for frames with more than SCAN_LIMIT children. */
  private readonly lookup = new Map<number, Map<string, number>>();
  /** For addStack: frame indices of the previous stack's frames (entries past its depth are stale), and its frames. */
  private readonly path: number[] = [];
  private previous: readonly string[] = [];
  private stacks = 0;

  /** With `reverse`, every stack is added leaf first. `capacity`: the number of frames expected. */
  constructor(
    private readonly reverse = false,
    capacity = 1024,
  ) {
    this.self = new Float64Array(capacity);
    this.firstChild = new Int32Array(capacity).fill(-1);
    this.nextSibling = new Int32Array(capacity);
    this.childCount = new Int32Array(capacity);
  }

  addStack(stack: Stack): void {
    const frames = this.reverse ? [...stack.frames].reverse() : stack.frames;
    const previous = this.previous;
    const path = this.path;
    let shared = 0;
    while (shared < frames.length && shared < previous.length && frames[shared] === previous[shared]) shared++;
    let node = shared > 0 ? path[shared - 1]! : 0;
    for (let d = shared; d < frames.length; d++) {
      node = this.child(node, frames[d]!);
      path[d] = node; // not `path.length = …` to drop the rest: setting an array's length is slow in V8
    }
    this.count(node, stack.value, stack.value2);
    this.previous = frames;
  }

  /**
   * The frame named `rawName` (in canonical form, see canonicalFrameName) under `parent`, added when
   * missing; 0 is the root. For callers that walk stacks themselves (see addFoldedText in folded.ts); they
   * must not mix this with `addStack`. `isCanonical`: the caller knows the name is in canonical form.
   */
  child(parent: number, rawName: string, isCanonical = false): number {
    const found = this.find(parent, rawName);
    if (found >= 0) return found;
    const name = isCanonical ? rawName : canonicalFrameName(rawName);
    const existing = name === rawName ? -1 : this.find(parent, name);
    return existing >= 0 ? existing : this.add(parent, name);
  }

  /**
   * Counts one stack that ends at `node`: `value`, or for a differential line `value` before and
   * `value2` after. In a differential graph a line with one count is the same before and after.
   */
  count(node: number, value: number, value2: number | undefined): void {
    checkCount(value);
    if (value2 === undefined) {
      this.self[node]! += value;
      if (this.selfBase) this.selfBase[node]! += value;
    } else {
      checkCount(value2);
      this.selfBase ??= this.self.slice(); // the lines so far had one count each: unchanged
      this.self[node]! += value2;
      this.selfBase[node]! += value;
    }
    this.stacks++;
  }

  private find(parent: number, name: string): number {
    if (this.childCount[parent]! > SCAN_LIMIT) return this.lookup.get(parent)!.get(name) ?? -1;
    for (let c = this.firstChild[parent]!; c >= 0; c = this.nextSibling[c]!) if (this.name[c] === name) return c;
    return -1;
  }

  private add(parent: number, name: string): number {
    const node = this.size++;
    if (node === this.self.length) this.grow();
    this.name.push(name);
    this.firstChild[node] = -1;
    this.nextSibling[node] = this.firstChild[parent]!;
    this.firstChild[parent] = node;
    const count = ++this.childCount[parent]!;
    if (count > SCAN_LIMIT + 1) {
      this.lookup.get(parent)!.set(name, node);
    } else if (count === SCAN_LIMIT + 1) {
      const map = new Map<string, number>();
      for (let c = this.firstChild[parent]!; c >= 0; c = this.nextSibling[c]!) map.set(this.name[c]!, c);
      this.lookup.set(parent, map);
    }
    return node;
  }

  private grow(): void {
    const larger = <T extends Float64Array | Int32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2);
      b.set(a);
      return b;
    };
    this.self = larger(this.self);
    if (this.selfBase) this.selfBase = larger(this.selfBase);
    this.firstChild = larger(this.firstChild);
    this.nextSibling = larger(this.nextSibling);
    this.childCount = larger(this.childCount);
  }

  /**
   * Lays the frames out in pre-order with sorted children, and sums subtree widths. Each loop is
   * in a function of its own: V8 optimizes a hot loop while it runs (on-stack replacement), and
   * that code would be thrown away at the next loop of the same function, which it had not seen run.
   */
  finish(): FrameTree {
    const size = this.size;
    this.linkManyChildrenSorted();
    const tree = {
      size,
      name: new Array<string>(size),
      depth: new Int32Array(size),
      total: new Float64Array(size),
      base: this.selfBase ? new Float64Array(size) : undefined,
      delta: this.selfBase ? new Float64Array(size) : undefined,
      end: new Int32Array(size),
      stacks: this.stacks,
    };
    const parentAt = new Int32Array(size);
    this.preOrder(tree, parentAt);
    addUpSubtrees(parentAt, tree.total, tree.end);
    if (tree.base && tree.delta) {
      addUpSubtrees(parentAt, tree.base, tree.end);
      for (let i = 0; i < size; i++) tree.delta[i] = tree.total[i]! - tree.base[i]!;
    }
    return tree;
  }

  /**
   * Relinks the children of frames with many (those with a Map) in name order, sorted with the
   * built-in order (faster than with a comparator), so that sortedChildren's insertion sort takes
   * one comparison per child for them.
   */
  private linkManyChildrenSorted(): void {
    for (const [parent, byName] of this.lookup) {
      const names = [...byName.keys()].sort();
      let first = -1;
      for (let k = names.length - 1; k >= 0; k--) {
        const child = byName.get(names[k]!)!;
        this.nextSibling[child] = first;
        first = child;
      }
      this.firstChild[parent] = first;
    }
  }

  /**
   * Puts the frames into `tree` in pre-order (children in name order): names, own counts and depths,
   * and into `parentAt` the position of each frame's parent. One loop: V8 optimizes it once.
   */
  private preOrder(tree: { name: string[]; depth: Int32Array; total: Float64Array; base: Float64Array | undefined }, parentAt: Int32Array): void {
    const { name, depth, total, base } = tree;
    const size = this.size;
    // A stack of nodes with the positions of their parents: a folded line can be thousands of frames deep.
    const todo = new Int32Array(size);
    const todoParent = new Int32Array(size);
    const kids: number[] = [];
    let top = 0;
    todo[top] = 0;
    todoParent[top++] = -1;
    for (let at = 0; top > 0; at++) {
      const node = todo[--top]!;
      const parent = todoParent[top]!;
      parentAt[at] = parent;
      depth[at] = parent < 0 ? 0 : depth[parent]! + 1;
      name[at] = this.name[node]!;
      total[at] = this.self[node]!;
      if (base) base[at] = this.selfBase![node]!;
      for (let k = this.sortedChildren(node, kids) - 1; k >= 0; k--) {
        todo[top] = kids[k]!;
        todoParent[top++] = at;
      }
    }
  }

  /** Puts the children of `node` into `out[0, count)` in name order (UTF-16 code units), and returns the count. */
  private sortedChildren(node: number, out: number[]): number {
    const names = this.name;
    let count = 0;
    for (let c = this.firstChild[node]!; c >= 0; c = this.nextSibling[c]!) {
      // Insertion sort: a few children, or many already in order (see linkManyChildrenSorted).
      const name = names[c]!;
      let k = count++;
      while (k > 0 && comesAfter(names[out[k - 1]!]!, name)) {
        out[k] = out[k - 1]!;
        k--;
      }
      out[k] = c;
    }
    return count;
  }
}

/**
 * `a > b` for strings (UTF-16 code unit order), by a loop: names are mostly slices of the input
 * text, and `>` on two slices is a call into V8's runtime, several times slower.
 */
function comesAfter(a: string, b: string): boolean {
  const shorter = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < shorter; i++) {
    const difference = a.charCodeAt(i) - b.charCodeAt(i);
    if (difference !== 0) return difference > 0;
  }
  return a.length > b.length;
}

/** (Leaves first) each subtree's width and end added up into its parent. */
function addUpSubtrees(parentAt: Int32Array, total: Float64Array, end: Int32Array): void {
  for (let at = parentAt.length - 1; at >= 0; at--) {
    end[at] = Math.max(end[at]!, at + 1);
    const parent = parentAt[at]!;
    if (parent >= 0) {
      total[parent]! += total[at]!;
      end[parent] = Math.max(end[parent]!, end[at]!);
    }
  }
}

export function buildFrameTree(stacks: Iterable<Stack>, reverse = false): FrameTree {
  const builder = new FrameTreeBuilder(reverse);
  for (const stack of stacks) builder.addStack(stack);
  return builder.finish();
}

function checkCount(value: number): void {
  if (!(value >= 0 && Number.isFinite(value))) {
    throw new RangeError(`a stack count must be a finite number ≥ 0, not ${value}`);
  }
}

/**
 * The canonical form of a frame name: the one spelling that survives a trip through the folded
 * format and through XML unchanged. Both the renderer and `formatFolded` apply it, which is what
 * makes "render the stacks" and "render the folded text of the stacks" give the same bytes.
 *
 * - `;` separates frames in folded text, so it becomes `,` (Go types like `struct { a int; b int }`).
 * - Control characters (including tab and newlines) become a space: XML 1.0 cannot carry most of
 *   them and a newline would end the folded line.
 * - Lone surrogates and U+FFFE/U+FFFF become U+FFFD: XML cannot carry them either.
 * - The empty name becomes `-` (stackcollapse-stap.pl's spelling): folded text drops a trailing
 *   empty frame, so it could not come back.
 * - A name ending in whitespace + number (`goroutine 42`) would be read back as a count of a
 *   differential line; a zero-width space (U+200B, not whitespace to Perl or JS) goes before the
 *   number so it still reads the same.
 */
const trailingNumber = /(\s)(\d+(?:\.\d*)?)$/;

export function canonicalFrameName(name: string): string {
  if (name === '') return '-';
  if (isCanonical(name)) return name;
  return xmlText(name)
    .replace(/;/g, ',')
    .replace(/[\t\n\r]/g, ' ')
    .replace(trailingNumber, '$1\u200b$2');
}

/**
 * Text XML 1.0 can carry: control characters other than tab, newline and CR become a space, lone
 * surrogates and U+FFFE/U+FFFF become U+FFFD. (The SVG writer escapes markup characters.)
 */
export function xmlText(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g, '\ufffd');
}

/** True when `canonicalFrameName` leaves a name that is not empty as it is. Loops, not regular expressions: faster. */
function isCanonical(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 32 || c === 59 || c === 127 || (c >= 0xd800 && (c <= 0xdfff || c >= 0xfffe))) return false;
  }
  return !endsLikeCount(name, 0, name.length);
}

/**
 * True when text[start, end) ends like a count, `\s\d+(?:\.\d*)?$` (the `trailingNumber` that
 * `canonicalFrameName` breaks up): digits, maybe a fraction, after a whitespace character. Most Go
 * type names end in digits (`pkg2.T7`), where the regular expression searches the whole name.
 */
export function endsLikeCount(text: string, start: number, end: number): boolean {
  let i = end;
  while (i > start && isDigit(text.charCodeAt(i - 1))) i--;
  if (i > start && text.charCodeAt(i - 1) === 46) {
    const dot = i - 1;
    i = dot;
    while (i > start && isDigit(text.charCodeAt(i - 1))) i--;
    if (i === dot) return false; // no digits before the point
  } else if (i === end) {
    return false; // no digits at the end
  }
  return i > start && isSpace(text.charCodeAt(i - 1));
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isSpace = (c: number) => (c < 128 ? c === 32 || (c >= 9 && c <= 13) : /\s/.test(String.fromCharCode(c)));
