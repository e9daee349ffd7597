import { describe, expect, it } from 'vitest';
import { graph, root } from '../support/reference-graphs.js';
import { buildRetentionTree, orderRoots, unreached } from '../../src/graph/retention-tree.js';
import { foldRetentionTree, LabelTable, type FrameNamer } from '../../src/graph/fold.js';

/** The walking order of kinds these tests use (the Go roots' order). */
const kindOrder = ['global', 'goroutine', 'finalizer', 'cleanup', 'runtime'];
const unreachableRootLabel = 'unreachable (allocated, no root reaches it)';

/** Names objects by a fixed label table; labels of undefined fold into the parent. */
function namer(labels: Array<string | undefined>, rootNames: string[]): FrameNamer {
  const table = new LabelTable();
  const id = (label: string | undefined) => (label === undefined ? -1 : table.id(label));
  return {
    labels: table,
    rootLabel: (r) => table.id(rootNames[r]!),
    objectLabel: (o) => id(labels[o]),
    unreachableLabel: (o) => table.id(`unknown ${16}-byte objects #${o % 1}`),
    collapseKey: (o) => table.id(labels[o] ?? ''),
    unreachableRootLabel: table.id(unreachableRootLabel),
    sharedRootLabel: (roots) => table.id(`shared by ${roots} roots`),
    chainLabel: (label, count) => `${label} ×${count}`,
  };
}

const total = (stacks: Array<{ bytes: number }>) => stacks.reduce((s, x) => s + x.bytes, 0);

describe('root order', () => {
  it('sorts globals by name, then goroutines by id, then finalizers, cleanups, runtime', () => {
    const roots = [
      root('runtime', 'runtime.allp'),
      root('goroutine', 'goroutine 7 main.b', 7),
      root('global', 'main.z'),
      root('finalizer', 'finalizer for main.T'),
      root('goroutine', 'goroutine 2 main.a', 2),
      root('global', 'main.a'),
      root('cleanup', 'cleanup for main.T'),
    ];
    expect([...orderRoots(roots, kindOrder)].map((i) => roots[i]!.name)).toEqual([
      'main.a', 'main.z', 'goroutine 2 main.a', 'goroutine 7 main.b', 'finalizer for main.T', 'cleanup for main.T', 'runtime.allp',
    ]);
  });
});

describe('retention tree', () => {
  it('gives a shared object to the first root in order and keeps cycles finite', () => {
    // 0 -> 1 -> 2 -> 0 (cycle); root main.b -> 2 directly, root main.a -> 0; 3 unreachable.
    const g = graph([16, 32, 48, 64], [[0, 1], [1, 2], [2, 0]], [[root('global', 'main.b'), [2]], [root('global', 'main.a'), [0]]]);
    const t = buildRetentionTree(g, kindOrder);
    // Roots are seeded together (multi-source BFS): 2 is one hop from main.b, so main.b keeps it.
    expect(t.parent[0]).toBe(-1 - 1);
    expect(t.parent[2]).toBe(-1 - 0);
    expect(t.parent[1]).toBe(0);
    expect(t.parent[3]).toBe(unreached);
    expect([...t.order].sort()).toEqual([0, 1, 2]);
  });

  it('walks all globals to the end before any goroutine: a far global beats a near local', () => {
    // global main.g -> 0 -> 1 -> 2; goroutine root -> 2 directly.
    const g = graph([8, 8, 8], [[0, 1], [1, 2]], [[root('goroutine', 'goroutine 1 main.f · x', 1), [2]], [root('global', 'main.g'), [0]]]);
    const t = buildRetentionTree(g, kindOrder);
    expect(t.parent[2]).toBe(1);
    expect(t.parent[0]).toBe(-1 - 1);
  });
});

describe('folding', () => {
  it('accounts every byte exactly once, unreachable memory separately', () => {
    const g = graph([100, 10, 20, 30, 5], [[0, 1], [0, 2], [2, 3]], [[root('global', 'main.sessions'), [0]]]);
    const stacks = foldRetentionTree(g, buildRetentionTree(g, kindOrder), namer(['.sessions map', undefined, '[value] *T', '.buf []uint8', 'x'], ['global main.sessions']), {
      collapse: true, maxDepth: Infinity,
    });
    expect(total(stacks)).toBe(165);
    const byPath = Object.fromEntries(stacks.map((s) => [s.frames.join(';'), s.bytes]));
    expect(stacks.map((s) => s.rootKind)).toEqual(['global', 'global', 'global', 'unreachable']);
    expect(stacks.map((s) => s.objects)).toEqual([2, 1, 1, 1]);
    expect(byPath).toEqual({
      'global main.sessions;.sessions map': 110, // object 1 folds into its owner
      'global main.sessions;.sessions map;[value] *T': 20,
      'global main.sessions;.sessions map;[value] *T;.buf []uint8': 30,
      [`${unreachableRootLabel};unknown 16-byte objects #0`]: 5,
    });
  });

  it('collapses a linked list (head included) into one frame that states its length, and caps depth', () => {
    const n = 1000;
    const edges: Array<[number, number]> = [];
    for (let i = 0; i + 1 < n; i++) edges.push([i, i + 1]);
    const g = graph(new Array(n).fill(32), edges, [[root('goroutine', 'goroutine 5 main.hold · list', 5), [0]]]);
    const tree = buildRetentionTree(g, kindOrder);
    const labels = ['*main.Node', ...new Array(n - 1).fill('.next *main.Node')];
    const named = namer(labels, ['goroutine 5 main.hold · list']);
    const byType = { ...named, collapseKey: () => named.labels.id('main.Node') };
    const collapsed = foldRetentionTree(g, tree, byType, { collapse: true, maxDepth: Infinity });
    expect(collapsed).toEqual([
      { frames: ['goroutine 5 main.hold · list', `*main.Node ×${n}`], bytes: 32 * n, objects: n, rootKind: 'goroutine' },
    ]);

    const capped = foldRetentionTree(g, tree, namer(labels, ['r']), { collapse: false, maxDepth: 4 });
    expect(capped.map((s) => s.frames.length)).toEqual([2, 3, 4]);
    expect(capped[2]!.bytes).toBe((n - 2) * 32); // the remainder stays in the last frame
    expect(total(capped)).toBe(n * 32);
  });
});
