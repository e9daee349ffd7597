import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureCore, type FixtureCore } from '../support/fixtures.js';
import { runCliJson } from '../support/run-cli.js';

interface TopJson {
  types: Array<{ type: string; count: number; bytes: number }>;
}
interface InfoJson {
  heap: { objects: number; bytes: number; reachableObjects: number; reachableBytes: number; typedBytes: number; bytesByRootKind: Record<string, number> };
}

/** `top` and `info` as people run them, on a real core, against the program's own figures. */
describe('heap commands on the planted core (Go 1.27, crash)', () => {
  let fixture: FixtureCore;
  beforeAll(async () => {
    fixture = await fixtureCore('planted', '1.27', 'crash');
  });

  it('top --json lists exactly N sessions and M list nodes, largest first', () => {
    const { types } = runCliJson<TopJson>(['top', fixture.core, fixture.binary, '--json', '-n', '0', '--quiet']);
    const session = fixture.truth.planted.find((p) => p.name === 'sessions.Session')!;
    const node = fixture.truth.planted.find((p) => p.name === 'list.Node')!;
    expect(types.find((t) => t.type === 'main.Session')).toEqual({ type: 'main.Session', count: session.count, bytes: session.bytes });
    expect(types.find((t) => t.type === 'main.Node')).toEqual({ type: 'main.Node', count: node.count, bytes: node.bytes });
    const reachable = types.filter((t) => !t.type.startsWith('unreachable'));
    expect(reachable.map((t) => t.bytes)).toEqual([...reachable.map((t) => t.bytes)].sort((a, b) => b - a));
  });

  it('top -n limits the lines', () => {
    expect(runCliJson<TopJson>(['top', fixture.core, fixture.binary, '--json', '-n', '3']).types).toHaveLength(3);
  });

  it('info --json reports the heap with MemStats figures and the typed share', () => {
    const { heap } = runCliJson<InfoJson>(['info', fixture.core, fixture.binary, '--json']);
    const { HeapObjects, HeapAlloc } = fixture.truth.memstats;
    expect(Math.abs(heap.reachableObjects - HeapObjects) / HeapObjects).toBeLessThan(0.005);
    expect(Math.abs(heap.reachableBytes - HeapAlloc) / HeapAlloc).toBeLessThan(0.005);
    expect(heap.objects).toBeGreaterThanOrEqual(heap.reachableObjects);
    expect(heap.typedBytes / heap.reachableBytes).toBeGreaterThanOrEqual(0.99);
    const byKind = Object.values(heap.bytesByRootKind).reduce((a, b) => a + b, 0);
    expect(byKind).toBe(heap.reachableBytes);
  });
});
