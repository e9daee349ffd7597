import { PairMap } from '../util/pair-map.js';

/**
 * Paths of labels from roots, as a trie: a node is (its parent node, its label), so everything down
 * the same labels shares a node. Node -1 is above the roots; nodes are numbered in the order added.
 */
export class LabelPaths {
  readonly label: number[] = [];
  readonly parent: number[] = [];
  /** Labels from the root to the node, both included. */
  readonly depth: number[] = [];
  /** Node of each (parent node + 1, label). */
  private readonly children = new PairMap();

  /** The node of `label` under `parent` (-1: a root), added when missing. */
  child(parent: number, label: number): number {
    let node = this.children.get(parent + 1, label);
    if (node < 0) {
      node = this.label.length;
      this.children.set(parent + 1, label, node);
      this.label.push(label);
      this.parent.push(parent);
      this.depth.push(parent < 0 ? 1 : this.depth[parent]! + 1);
    }
    return node;
  }

  /** The labels from the root down to `node`. */
  labels(node: number): number[] {
    const out: number[] = [];
    for (let n = node; n >= 0; n = this.parent[n]!) out.push(this.label[n]!);
    return out.reverse();
  }
}
