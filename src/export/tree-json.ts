import type { FoldedStack } from '../graph/fold.js';
import type { DiffStack, StackWeight } from '../graph/fold-diff.js';

/** A frame of the retention tree: its bytes and objects include everything above it. */
export interface TreeNode {
  name: string;
  bytes: number;
  objects: number;
  children: TreeNode[];
}

/** A frame of a diff: what it holds in the base and in the new dump, everything above it included. */
export interface DiffTreeNode {
  name: string;
  base: StackWeight;
  new: StackWeight;
  children: DiffTreeNode[];
}

/** Merges the stacks back into one tree under a node named `all`, children in the stacks' order. */
export function stacksToTree(stacks: readonly FoldedStack[]): TreeNode {
  return mergeStacks(stacks, (name) => ({ name, bytes: 0, objects: 0, children: [] }), (node, s) => {
    node.bytes += s.bytes;
    node.objects += s.objects;
  });
}

/** The same for the stacks of a diff, with both dumps' figures in each node. */
export function diffStacksToTree(stacks: readonly DiffStack[]): DiffTreeNode {
  const weight = () => ({ bytes: 0, objects: 0 });
  return mergeStacks(stacks, (name) => ({ name, base: weight(), new: weight(), children: [] }), (node, s) => {
    node.base.bytes += s.base.bytes;
    node.base.objects += s.base.objects;
    node.new.bytes += s.after.bytes;
    node.new.objects += s.after.objects;
  });
}

function mergeStacks<S extends { frames: readonly string[] }, N extends { name: string; children: N[] }>(
  stacks: readonly S[],
  make: (name: string) => N,
  add: (node: N, stack: S) => void,
): N {
  const root = make('all');
  const index = new Map<N, Map<string, N>>();
  for (const s of stacks) {
    let node = root;
    add(node, s);
    for (const name of s.frames) {
      let children = index.get(node);
      if (!children) index.set(node, (children = new Map()));
      let child = children.get(name);
      if (!child) {
        child = make(name);
        children.set(name, child);
        node.children.push(child);
      }
      add(child, s);
      node = child;
    }
  }
  return root;
}
