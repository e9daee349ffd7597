/**
 * `goheapflame path`: the chain of references from a root to objects, against the retention
 * fixture, whose truth says what holds each planted structure: a linked list in main.queue (the k-th
 * job is k steps from the root; the test follows Next in the core's own memory from the head the
 * program reported), a buffer only main.solo holds, and a depth-10 binary tree only a goroutine's
 * local holds. Needs `npm run build`.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { PathJson } from '../../src/cli/commands/path.js';
import { ExitCode } from '../../src/cli/exit-codes.js';
import { LabelTable } from '../../src/graph/fold.js';
import { buildRetentionTree, unreached } from '../../src/graph/retention-tree.js';
import { analyzeCore } from '../../src/analysis/analyze-core.js';
import { type PathSource, ReferencePaths } from '../../src/analysis/reference-paths.js';
import { GoProcess } from '../../src/goruntime/process/go-process.js';
import { type FixtureCore, type PlantedObjects, fixtureCore } from '../support/fixtures.js';
import { graph, root } from '../support/reference-graphs.js';
import { runCli, runCliJson } from '../support/run-cli.js';

const hex = (n: number) => `0x${n.toString(16)}`;
/** Offset of Job.Next: ID int64 (8), Payload []byte (24). */
const nextOffset = 32;

describe('path on the retention fixture (Go 1.26, gcore)', () => {
  let f: FixtureCore;
  let planted: (name: string) => PlantedObjects;
  const path = (...args: string[]) => runCli(['path', ...args, f.core, f.binary]);
  const pathJson = (...args: string[]) => runCliJson<PathJson[]>(['path', ...args, f.core, f.binary]);

  beforeAll(async () => {
    f = await fixtureCore('retention', '1.26', 'gcore');
    planted = (name) => f.truth.planted.find((p) => p.name === name)!;
  });

  describe('the linked list main.queue', () => {
    let jobs: PathJson[];
    /** The job k steps after the root (1: the head), by its path's length. */
    let kth: Map<number, PathJson>;

    beforeAll(() => {
      jobs = pathJson('--type', '^main\\.Job$', '--json', '-n', '0');
      kth = new Map(jobs.map((g) => [g.path.length - 1, g]));
    });

    it('gives each job its own path, one step longer than the one before: 100 groups of one', () => {
      const queue = planted('queue.Job');
      expect(queue.count).toBe(100);
      expect(jobs).toHaveLength(queue.count);
      for (const g of jobs) {
        expect(g.count).toBe(1);
        expect(g.type).toBe('main.Job');
      }
      // Groups of equal count come shortest path first.
      expect(jobs.map((g) => g.path.length)).toEqual(Array.from({ length: queue.count }, (_, i) => i + 2));
    });

    it('spells the k-th job as the root, the head, then k-1 times .Next', () => {
      for (const k of [1, 2, 3, 50, 99, 100]) {
        const g = kth.get(k)!;
        expect(g.path, `job ${k}`).toEqual(['global main.queue', '*main.Job', ...Array<string>(k - 1).fill('.Next *main.Job')]);
      }
    });

    it('finds the head where the program said it is, and the k-th job k-1 Next pointers after it in the core', () => {
      const head = planted('queue.Job').sampleAddress;
      expect(kth.get(1)!.address).toBe(hex(head));
      const proc = GoProcess.open(f.core, f.binary);
      try {
        let job = head;
        for (let k = 1; k <= 100; k++) {
          expect(kth.get(k)!.address, `job ${k}`).toBe(hex(job));
          job = proc.image.readPtr(job + nextOffset);
        }
        expect(job).toBe(0);
      } finally {
        proc.close();
      }
    });

    it('prints the groups as text, and says how many more there are', () => {
      const r = path('--type', '^main\\.Job$', '-n', '2');
      expect(r.code, r.stderr).toBe(ExitCode.ok);
      const head = hex(planted('queue.Job').sampleAddress);
      expect(r.stdout).toBe(
        `1 object of main.Job at ${head}:\n  global main.queue\n  *main.Job\n\n` +
          `1 object of main.Job at ${kth.get(2)!.address}:\n  global main.queue\n  *main.Job\n  .Next *main.Job\n\n` +
          '… 98 more paths (-n 0 shows all)\n',
      );
    });

    it('groups the payloads, reached by one shape of path each, the same way', () => {
      const payloads = pathJson('--type', '^\\[256\\]uint8$', '--json', '-n', '0');
      expect(payloads.reduce((s, g) => s + g.count, 0)).toBeGreaterThanOrEqual(planted('queue.payload').count);
      const fromQueue = payloads.filter((g) => g.path[0] === 'global main.queue');
      expect(fromQueue).toHaveLength(100);
      const byLength = new Map(fromQueue.map((g) => [g.path.length, g]));
      expect(byLength.get(3)!.address).toBe(hex(planted('queue.payload').sampleAddress));
      expect(byLength.get(3)!.path).toEqual(['global main.queue', '*main.Job', '.Payload []uint8']);
    });
  });

  describe('--address', () => {
    it('gives the solo buffer its one path from main.solo, from its first byte or any inside it', () => {
      const solo = planted('solo.buffer');
      const expected = [{ address: hex(solo.sampleAddress), type: `[${solo.elements}]${solo.type}`, count: 1, path: ['global main.solo', '[]uint8'] }];
      expect(pathJson('--address', hex(solo.sampleAddress), '--json')).toEqual(expected);
      expect(pathJson('--address', hex(solo.sampleAddress + 100), '--json')).toEqual(expected);
      const text = path('--address', hex(solo.sampleAddress + 100));
      expect(text.stdout).toBe(`${expected[0]!.type} at ${hex(solo.sampleAddress)} (${hex(solo.sampleAddress + 100)} is 100 bytes into it):\n  global main.solo\n  []uint8\n`);
    });

    it('gives the k-th job of the queue k steps', () => {
      const proc = GoProcess.open(f.core, f.binary);
      let job = planted('queue.Job').sampleAddress;
      try {
        for (let k = 1; k < 30; k++) job = proc.image.readPtr(job + nextOffset);
      } finally {
        proc.close();
      }
      const [thirtieth] = pathJson('--address', hex(job), '--json');
      expect(thirtieth!.path).toEqual(['global main.queue', '*main.Job', ...Array<string>(29).fill('.Next *main.Job')]);
    });

    it('says an object no root reaches is garbage, with a usage error', () => {
      const proc = GoProcess.open(f.core, f.binary);
      let garbage: number;
      try {
        const { heap, tree } = analyzeCore(proc);
        const obj = tree.parent.indexOf(unreached);
        expect(obj, 'the fixture has a few unreachable objects').toBeGreaterThanOrEqual(0);
        garbage = heap.objects.dataStart(obj);
      } finally {
        proc.close();
      }
      const r = path('--address', hex(garbage));
      expect(r.code).toBe(ExitCode.usage);
      expect(r.stderr).toBe(`goheapflame: The object at ${hex(garbage)} is garbage: no root reaches it, so nothing keeps it alive and the next GC can free it.\n`);
    });

    it('says so, with a usage error, of an address in no heap object', () => {
      const r = path('--address', '0x1000');
      expect(r.code).toBe(ExitCode.usage);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^goheapflame: 0x1000 is in no heap object; .*\.\n$/);
    });
  });

  describe('the tree held by a goroutine local', () => {
    let nodes: PathJson[];
    let rootStep: string;

    beforeAll(() => {
      nodes = pathJson('--type', 'TreeNode', '--json', '-n', '0');
      const held = planted('tree.TreeNode').root;
      expect(held).toMatchObject({ kind: 'local', function: 'main.holdTree', variable: 'tree' });
      rootStep = `goroutine ${held.goid} main.holdTree · tree`;
    });

    it('reaches the root node from the goroutine local tree, where the program said it is', () => {
      const top = nodes.filter((g) => g.path.length === 2);
      expect(top).toEqual([{ address: hex(planted('tree.TreeNode').sampleAddress), type: 'main.TreeNode', count: 1, path: [rootStep, '*main.TreeNode'] }]);
    });

    it('gives every node of the depth-10 tree its own path of Left and Right, the deepest 10 object steps long', () => {
      expect(nodes.reduce((s, g) => s + g.count, 0)).toBe(planted('tree.TreeNode').count);
      expect(nodes).toHaveLength(1023);
      for (const g of nodes) {
        expect(g.path[0]).toBe(rootStep);
        expect(g.path[1]).toBe('*main.TreeNode');
        for (const step of g.path.slice(2)) expect(step).toMatch(/^\.(?:Left|Right) \*main\.TreeNode$/);
      }
      // 2^(d-1) nodes at depth d: 512 of them 10 object steps from the root.
      const atDepth = (d: number) => nodes.filter((g) => g.path.length - 1 === d).length;
      expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(atDepth)).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512]);
      expect(Math.max(...nodes.map((g) => g.path.length - 1))).toBe(10);
    });
  });

  describe('usage', () => {
    it('wants exactly one of --type and --address', () => {
      for (const args of [[], ['--type', 'Job', '--address', '0xc000010000']]) {
        const r = path(...args);
        expect(r.code, args.join(' ')).toBe(ExitCode.usage);
        expect(r.stderr).toMatch(/^goheapflame: Give exactly one of --type REGEX and --address 0x…/);
      }
    });

    it('rejects a regular expression that does not compile, and an address that is not hex', () => {
      const bad = path('--type', 'main.(Job');
      expect(bad.code).toBe(ExitCode.usage);
      expect(bad.stderr).toMatch(/--type "main\.\(Job" is not a valid regular expression/);
      const word = path('--address', 'queue');
      expect(word.code).toBe(ExitCode.usage);
      expect(word.stderr).toMatch(/--address "queue" is not a heap address/);
    });

    it('answers a type nothing matches with a line, or [] with --json, and exit 0', () => {
      const r = path('--type', '^main\\.NoSuchType$');
      expect(r.code, r.stderr).toBe(ExitCode.ok);
      expect(r.stdout).toBe('No reachable object has a type matching /^main\\.NoSuchType$/.\n');
      expect(pathJson('--type', '^main\\.NoSuchType$', '--json')).toEqual([]);
    });
  });
});

describe('ReferencePaths on a graph written by hand', () => {
  /**
   * global main.a → 0 → 1 (internal, folds into 0) → 2, 3; global main.b → 4 → 5; object 6 is garbage.
   * Labels: 0 `*T`, 2 and 3 `[value] *U`, 4 `*T`, 5 `.x *U`.
   */
  const labels = ['*T', undefined, '[value] *U', '[value] *U', '*T', '.x *U', 'T'];
  const types = ['T', 'map groups', 'U', 'U', 'T', 'U', 'U'];
  const addr = [0x100, 0x200, 0x300, 0x280, 0x400, 0x500, 0x600];
  const g = graph([8, 8, 8, 8, 8, 8, 8], [[0, 1], [1, 2], [1, 3], [4, 5]], [[root('global', 'main.a'), [0]], [root('global', 'main.b'), [4]]]);
  const tree = buildRetentionTree(g, ['global']);
  const source = { heap: { objects: { count: 7, dataStart: (o: number) => addr[o]! } }, tree } as unknown as PathSource;
  const table = new LabelTable();
  const names = ['global main.a', 'global main.b'];
  const namer = { labels: table, rootLabel: (r: number) => table.id(names[r]!), objectLabel: (o: number) => (labels[o] === undefined ? -1 : table.id(labels[o]!)) };

  it('leaves out the steps of internal objects: what they hold is one step from their owner', () => {
    const paths = new ReferencePaths(source, namer);
    expect(paths.pathOf(2)).toEqual(['global main.a', '*T', '[value] *U']);
    expect(paths.pathOf(1)).toEqual(['global main.a', '*T']);
    expect(paths.isReachable(6)).toBe(false);
  });

  it('groups by path, largest group first, then shorter paths, then lower addresses; samples the first in BFS order', () => {
    const paths = new ReferencePaths(source, namer);
    const all = paths.groupsOfType(/^U$/, (o) => types[o]!);
    expect(all).toEqual({
      groups: [
        { address: 0x300, type: 'U', count: 2, path: ['global main.a', '*T', '[value] *U'] },
        { address: 0x500, type: 'U', count: 1, path: ['global main.b', '*T', '.x *U'] },
      ],
      total: 2,
      unreachable: 1,
    });
    expect(paths.groupsOfType(/U|T/, (o) => types[o]!, 1)).toMatchObject({ groups: [{ type: 'U', count: 2 }], total: 4, unreachable: 1 });
  });
});
