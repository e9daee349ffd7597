import type { FoldedStack } from '../graph/fold.js';

/** A frame of the retention tree: its bytes and objects include everything above it. */
export interface TreeNode {
  name: string;
  bytes: number;
  objects: number;
  children: TreeNode[];
}

/** Merges the stacks back into one tree under a node named `all`, children in the stacks' order. */
export function stacksToTree(stacks: readonly FoldedStack[]): TreeNode {
  const root: TreeNode = { name: 'all', bytes: 0, objects: 0, children: [] };
  const index = new Map<TreeNode, Map<string, TreeNode>>();
  for (const s of stacks) {
    let node = root;
    node.bytes += s.bytes;
    node.objects += s.objects;
    for (const name of s.frames) {
      let children = index.get(node);
      if (!children) index.set(node, (children = new Map()));
      let child = children.get(name);
      if (!child) {
        child = { name, bytes: 0, objects: 0, children: [] };
        children.set(name, child);
        node.children.push(child);
      }
      child.bytes += s.bytes;
      child.objects += s.objects;
      node = child;
    }
  }
  return root;
}
