import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Retainer } from '../../src/analysis/retainers.js';
import type { TreeNode } from '../../src/export/tree-json.js';
import { type FixtureCore, fixtureCore, type PlantedObjects } from '../support/fixtures.js';
import { runCli, runCliJson } from '../support/run-cli.js';

/**
 * `--tree dominators`, `top --retained` and the leak suspects on the retention fixture
 * (test/fixtures/retention): what each global and the goroutine local retain, against the sizes the
 * program planted (truth.json).
 */
const SHARED = /^shared by several roots \(reached from \d+ roots\)$/;

describe.each(['default', 'stripped'] as const)('retained sizes of the retention fixture (%s build)', (build) => {
  let fixture: FixtureCore;
  let planted: (name: string) => PlantedObjects;
  let tree: TreeNode;
  let bfs: TreeNode;
  beforeAll(async () => {
    fixture = await fixtureCore('retention', '1.26', 'gcore', build);
    planted = (name) => fixture.truth.planted.find((p) => p.name === name)!;
    tree = runCliJson<TreeNode>([fixture.core, fixture.binary, '--tree', 'dominators', '--format', 'json', '-q']);
    bfs = runCliJson<TreeNode>([fixture.core, fixture.binary, '--format', 'json', '-q']);
  }, 900_000);

  /** The root frame of a global: by name, or (stripped) the one that holds an object of these bytes. */
  const globalFrame = (t: TreeNode, name: string, bytes: number) =>
    build === 'default' ? t.children.find((c) => c.name === `global ${name}`) : t.children.find((c) => c.name.startsWith('global ') && c.bytes === bytes);

  it('gives a buffer two globals hold to neither, but to the shared frame', () => {
    const buffer = planted('shared.buffer').bytes;
    for (const g of ['main.bufA', 'main.bufB']) {
      const frame = tree.children.find((c) => c.name === `global ${g}`);
      if (frame) expect(frame.bytes, g).toBeLessThan(buffer);
    }
    const shared = tree.children.find((c) => SHARED.test(c.name))!;
    expect(shared.children.some((c) => c.bytes === buffer && c.objects === 1)).toBe(true);
    // The breadth-first tree gives it to the first global that reaches it.
    expect(bfs.children.some((c) => c.name.startsWith('global ') && c.bytes >= buffer)).toBe(true);
  });

  it('writes the dominator tree as folded stacks and as a pprof profile with the same totals', () => {
    const folded = runCli([fixture.core, fixture.binary, '--tree', 'dominators', '--format', 'folded', '-q']).stdout.trim().split('\n');
    expect(folded.reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)).toBe(tree.bytes);
    expect(folded.some((line) => SHARED.test(line.split(';')[0]!.replace(/ \d+$/, '')))).toBe(true);
    const file = join(mkdtempSync(join(tmpdir(), 'ghf-dominators-')), 'heap.pb.gz');
    expect(runCli([fixture.core, fixture.binary, '--tree', 'dominators', '--format', 'pprof', '-o', file, '-q']).code).toBe(0);
    const profile = Profile.decode(gunzipSync(readFileSync(file)));
    const sum = (i: number) => profile.sample.reduce((a, x) => a + Number(x.value[i]), 0);
    expect([sum(0), sum(1)]).toEqual([tree.objects, tree.bytes]);
    rmSync(dirname(file), { recursive: true, force: true });
  });

  it('gives a buffer one global holds to that global, exactly', () => {
    const solo = planted('solo.buffer');
    expect(globalFrame(tree, 'main.solo', solo.bytes)).toMatchObject({ bytes: solo.bytes, objects: 1 });
  });

  it('gives the linked list and its payloads to its global, and the tree to the goroutine local', () => {
    const queue = planted('queue.Job').bytes + planted('queue.payload').bytes;
    expect(globalFrame(tree, 'main.queue', queue)).toMatchObject({ bytes: queue, objects: 200 });
    const nodes = planted('tree.TreeNode');
    const { goid } = nodes.root;
    const local = tree.children.find((c) => c.name.startsWith(`goroutine ${goid} main.holdTree`))!;
    expect(local).toMatchObject({ bytes: nodes.bytes, objects: nodes.count });
  });

  it('lists the largest retainers, with what each holds, in top --retained', () => {
    const { retainers } = runCliJson<{ retainers: Retainer[] }>(['top', '--retained', fixture.core, fixture.binary, '-n', '40', '--json', '-q']);
    for (let k = 1; k < retainers.length; k++) expect(retainers[k]!.bytes).toBeLessThanOrEqual(retainers[k - 1]!.bytes);
    const solo = planted('solo.buffer');
    const buffer = retainers.find((r) => r.kind === 'object' && r.address === `0x${solo.sampleAddress.toString(16)}`)!;
    expect(buffer).toMatchObject({ bytes: solo.bytes, objects: 1 });
    if (build === 'default') expect(buffer.heldBy).toBe('global main.solo');
    const head = retainers.find((r) => r.address === `0x${planted('queue.Job').sampleAddress.toString(16)}`)!;
    expect(head).toMatchObject({ kind: 'object', bytes: planted('queue.Job').bytes + planted('queue.payload').bytes, objects: 200 });
    expect(retainers.find((r) => r.kind === 'shared')!.name).toMatch(SHARED);
    // Addresses are where pointers point, after any malloc header, as `path` takes and gives them: an
    // M (runtime.mPadded, over 512 bytes with pointers) has such a header.
    const m = runCliJson<{ retainers: Retainer[] }>(['top', '--retained', fixture.core, fixture.binary, '-n', '60', '--json', '-q'])
      .retainers.find((r) => r.kind === 'object' && /(^| )runtime\.mPadded$/.test(r.name))!;
    const [path] = runCliJson<Array<{ address: string }>>(['path', fixture.core, fixture.binary, '--address', m.address!, '--json', '-q']);
    expect(path!.address).toBe(m.address);
    const text = runCli(['top', '--retained', fixture.core, fixture.binary, '-n', '3', '-q']);
    expect(text.stdout.split('\n')[0]).toMatch(/^retained\s+objects\s+root or object$/);
    expect(text.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('names the leak suspects in info and in the summary of the flame graph', () => {
    const info = runCliJson<{ heap: { bytes: number }; leakSuspects: Retainer[] }>(['info', fixture.core, fixture.binary, '--json']);
    const roots = info.leakSuspects.filter((s) => s.kind !== 'object');
    expect(roots.length).toBe(3);
    // Over 10% of the heap: truth's 8 MiB stack buffer (internal/truth.retainedStacks), an object alone.
    const alone = info.leakSuspects.filter((s) => s.kind === 'object');
    expect(alone.length).toBeGreaterThan(0);
    for (const s of alone) expect(s.bytes).toBeGreaterThan(0.1 * info.heap.bytes);
    const summary = runCli([fixture.core, fixture.binary, '-o', '/dev/null']).stderr;
    expect(summary).toMatch(/ Leak suspects: .+ retains [\d.]+ \w+ \([\d.]+%\).*; objects alone: .+ at 0x[0-9a-f]+ \(in .+\) retains /);
  });
});
