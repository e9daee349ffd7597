import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCore, type CoreAnalysis } from '../../src/analysis/analyze-core.js';
import { GoProcess } from '../../src/goruntime/process/go-process.js';
import { readGoroutines } from '../../src/goruntime/process/goroutines.js';
import { bytesByType, heapTotals, type TypeLine } from '../../src/analysis/heap-summary.js';
import { everyRelease, fixtureCore, type FixtureCore, type PlantedObjects } from '../support/fixtures.js';

/**
 * The heap rebuilt from real cores of test/fixtures/planted against what the program reported about
 * itself after runtime.GC() twice: MemStats and each planted structure's count, size and holder.
 */
describe.each(everyRelease)('planted heap, Go $go, $dump core', ({ go, dump }) => {
  let fixture: FixtureCore;
  let proc: GoProcess;
  let analysis: CoreAnalysis;
  let types: Map<string, TypeLine>;

  beforeAll(async () => {
    fixture = await fixtureCore('planted', go, dump);
    proc = GoProcess.open(fixture.core, fixture.binary);
    analysis = analyzeCore(proc);
    types = new Map(bytesByType(analysis, (pc) => proc.binary.pclntab.funcForPC(pc)?.name).map((l) => [l.type, l]));
  });
  afterAll(() => proc?.close());

  const planted = (name: string): PlantedObjects => {
    const p = fixture.truth.planted.find((x) => x.name === name);
    if (!p) throw new Error(`the fixture plants no ${name}`);
    return p;
  };

  it('finds the objects and bytes MemStats reports, all of them reachable', () => {
    // Allocations after measuring are the only allowed difference; the program counts them (usually 0).
    expect(fixture.truth.quiescence.numGC).toBe(0);
    expect(fixture.truth.quiescence.mallocs).toBeLessThan(16);
    const totals = heapTotals(analysis);
    const { HeapObjects, HeapAlloc } = fixture.truth.memstats;
    expect(Math.abs(totals.reachableObjects - HeapObjects) / HeapObjects).toBeLessThan(0.005);
    expect(Math.abs(totals.reachableBytes - HeapAlloc) / HeapAlloc).toBeLessThan(0.005);
    expect(totals.bytes).toBeGreaterThanOrEqual(totals.reachableBytes);
  });

  it('knows the type of at least 99% of reachable bytes', () => {
    const totals = heapTotals(analysis);
    expect(totals.typedBytes / totals.reachableBytes).toBeGreaterThanOrEqual(0.99);
  });

  it('counts exactly N sessions, M list nodes and the session payloads at their exact size', () => {
    const sessions = planted('sessions.Session');
    const nodes = planted('list.Node');
    const payload = planted('sessions.payload');
    expect(types.get('main.Session')).toMatchObject({ count: sessions.count, bytes: sessions.bytes });
    expect(types.get('main.Node')).toMatchObject({ count: nodes.count, bytes: nodes.bytes });
    expect(types.get(`[${payload.elements}]uint8`)).toMatchObject({ count: payload.count, bytes: payload.bytes });
  });

  it('types every planted array by its element type and length, at its slot size', () => {
    // heavy.ints is reached only through pointers into its middle: what it holds is known, not where the
    // array starts, so typing leaves it to its size (it still counts, as unknown 16 KiB).
    // pool.chunk32's length is not known either (the next test).
    for (const p of fixture.truth.planted.filter((x) => x.elements > 1 && x.type !== 'uint8' && x.name !== 'heavy.ints' && x.name !== 'pool.chunk32')) {
      const obj = analysis.heap.objects.find(p.sampleAddress);
      expect(obj, p.name).toBeGreaterThanOrEqual(0);
      expect(analysis.heap.objects.size[obj], p.name).toBe(p.allocSize);
      const line = [...types.values()].find((l) => l.type === `[${p.elements}]${p.type}` || l.type.startsWith(`[${p.elements}]${p.type} `));
      expect(line, `${p.name}: [${p.elements}]${p.type}`).toBeDefined();
    }
  });

  it('types values reached only through a pointer to a struct embedded in them by what they are', () => {
    // A *Base reaches each Circle at its start and each Tagged 8 bytes inside it; Base.Self (an
    // interface) says what embeds it. Typed as a Base, the rest of a Circle would be lost; read as
    // two Bases, its Label and Other words would be taken for a Base's fields.
    const count = (type: string) => types.get(type)?.count ?? 0;
    expect(count('main.Circle')).toBe(planted('embedded.Circle').count);
    expect(count('main.Tagged')).toBe(planted('embedded.Tagged').count);
    expect(count('main.Base')).toBe(0);
    expect(count('main.Label')).toBe(planted('embedded.circleLabel').count + planted('embedded.taggedSym').count);
    expect(count('main.Note')).toBe(planted('embedded.taggedNote').count + planted('pool.Tag').count + planted('pool.Tag64').count);
  });

  it('types the chunks of a pool by what they hold when only pointers to their elements reach them', () => {
    // The first chunk has no malloc header and only a pointer to its first element reaches it: its
    // heap bits say it holds 16 Items. From Go 1.22 the second has a header but only pointers to its
    // elements reach it, so nothing tells its length: it holds what fits its slot after the header
    // (before 1.22 its heap bits tell, as the first's do). The pool's slice reaches the third.
    const chunk32 = planted('pool.chunk32');
    const fits = Math.floor((chunk32.allocSize - (chunk32.mallocHeader ? 8 : 0)) / (chunk32.size / chunk32.elements));
    for (const [name, length] of [['pool.chunk16', 16], ['pool.chunk32', fits], ['pool.chunk64', 64]] as const) {
      expect(types.get(`[${length}]main.Item`), name).toMatchObject({ count: 1, bytes: planted(name).bytes });
    }
  });

  it('reaches each planted object from the root the program says holds it, by that root\'s name', () => {
    const { tree, heap } = analysis;
    for (const p of fixture.truth.planted) {
      const obj = heap.objects.find(p.sampleAddress);
      expect(obj, p.name).toBeGreaterThanOrEqual(0);
      let at = obj;
      while (tree.parent[at]! >= 0) at = tree.parent[at]!;
      const root = heap.graph.roots[-1 - tree.parent[at]!];
      expect(root, `${p.name} is reachable`).toBeDefined();
      const where = `${p.name} (${p.heldBy})`;
      switch (p.root.kind) {
        case 'global':
          // heavy.ints hangs three pointers below main.heavy but two below main.huge: breadth-first, the
          // nearer holder keeps it.
          expect({ kind: root!.kind, name: root!.name }, where).toEqual({ kind: 'global', name: p.name === 'heavy.ints' ? 'main.huge' : p.root.name });
          break;
        case 'local':
          expect(root!.name, where).toBe(`goroutine ${p.root.goid} ${p.root.function} · ${p.root.variable}`);
          break;
        case 'finalizer':
          expect(root!.kind, where).toBe('finalizer');
          expect(root!.name, where).toMatch(/^finalizer main\..* on main\./);
          break;
        case 'cleanup':
          expect(root!.kind, where).toBe('cleanup');
          break;
        case 'finalizerQueue':
          expect(root!.name, where).toMatch(/^queued finalizer /);
          break;
        case 'defer': {
          // The goroutine's defer root holds it, unless a global reached the goroutine's g first (the
          // runtime's caches, e.g. a sudog in runtime.m0's P snapshot, may point at it): then the
          // path still runs through that goroutine's _defer record.
          if (root!.kind === 'goroutine') {
            expect(root!.name, where).toMatch(new RegExp(`^goroutine ${p.root.goid} ${p.root.function!.replace(/[.()*]/g, '\\$&')} · defer main\\.holdDefer\\.func`));
          } else {
            const g = readGoroutines(proc, { stacks: false }).find((x) => x.id === p.root.goid)!;
            const record = heap.objects.find(proc.image.readPtr(g.address + proc.layout.offset('runtime.g', '_defer')));
            const path: number[] = [];
            for (let at = obj; at >= 0; at = tree.parent[at]!) path.push(at);
            expect(path, where).toContain(record);
          }
          break;
        }
        case 'runningFinalizer':
          expect({ kind: root!.kind, rank: root!.rank }, where).toEqual({ kind: 'goroutine', rank: p.root.goid });
          break;
      }
    }
  });
});
