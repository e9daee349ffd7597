/**
 * Cores of the builds production runs: the planted program linked with `-ldflags='-s -w'` (no symbol
 * table, no DWARF) and built as a position-independent executable, each run and dumped as it is and
 * read with that same binary. The heap must be what the program's MemStats say, each planted
 * structure at its planted count under its type's name, and a PIE's globals under their names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCore, type CoreAnalysis } from '../../src/analysis/analyze-core.js';
import { GoProcess } from '../../src/goruntime/process/go-process.js';
import { bytesByType, heapTotals, type TypeLine } from '../../src/analysis/heap-summary.js';
import { type DumpMethod, fixtureCore, type FixtureBuild, type FixtureCore, type GoToolchain, releaseCombos } from '../support/fixtures.js';

const cores: ReadonlyArray<{ build: FixtureBuild; go: GoToolchain; dump: DumpMethod }> = [
  { build: 'stripped', go: '1.26', dump: 'crash' },
  { build: 'stripped', go: '1.27', dump: 'gcore' },
  { build: 'pie', go: '1.26', dump: 'gcore' },
  { build: 'pie', go: '1.27', dump: 'crash' },
  // Every other release and variant, stripped as production builds are: read with the built-in tables.
  ...releaseCombos.filter((c) => c.dump === 'crash').map((c) => ({ ...c, build: 'stripped' as const })),
  // Before 1.26 a PIE keeps pclntab and the type links in relro sections (.data.rel.ro.*).
  { build: 'pie', go: '1.23', dump: 'crash' },
];

describe.each(cores)('planted, $build build, Go $go, $dump core', ({ build, go, dump }) => {
  let fixture: FixtureCore;
  let proc: GoProcess;
  let analysis: CoreAnalysis;
  let types: Map<string, TypeLine>;

  beforeAll(async () => {
    fixture = await fixtureCore('planted', go, dump, build);
    proc = GoProcess.open(fixture.core, fixture.binary);
    analysis = analyzeCore(proc);
    types = new Map(bytesByType(analysis, (pc) => proc.binary.pclntab.funcForPC(pc)?.name).map((l) => [l.type, l]));
  });
  afterAll(() => proc?.close());

  it('reads the binary the process ran', () => {
    expect(proc.binary.version.raw).toBe(fixture.truth.goVersion);
    if (build === 'stripped') {
      expect(proc.stripped).toBe(true);
      expect(proc.dwarf).toBeUndefined();
    } else {
      expect(proc.image.loadBias).not.toBe(0);
      expect(proc.dwarf).toBeDefined();
    }
  });

  it('finds the objects and bytes MemStats reports, and knows the type of 99% of them', () => {
    expect(fixture.truth.quiescence.numGC).toBe(0);
    const totals = heapTotals(analysis);
    const { HeapObjects, HeapAlloc } = fixture.truth.memstats;
    expect(Math.abs(totals.reachableObjects - HeapObjects) / HeapObjects).toBeLessThan(0.005);
    expect(Math.abs(totals.reachableBytes - HeapAlloc) / HeapAlloc).toBeLessThan(0.005);
    expect(totals.typedBytes / totals.reachableBytes).toBeGreaterThanOrEqual(0.99);
  });

  it('counts each planted structure of a named type at its planted count', () => {
    const single = fixture.truth.planted.filter((p) => p.elements === 1 && p.type.startsWith('main.'));
    expect(single.length).toBeGreaterThan(5);
    for (const p of single) {
      const sameType = fixture.truth.planted.filter((q) => q.type === p.type && q.elements === 1).reduce((n, q) => n + q.count, 0);
      expect(types.get(p.type)?.count, p.name).toBe(sameType);
    }
  });

  it('names global roots as the build allows: by symbol in a PIE, by section and offset when stripped', () => {
    const globals = analysis.heap.graph.roots.filter((r) => r.kind === 'global');
    expect(globals.length).toBeGreaterThan(0);
    if (build === 'pie') {
      expect(globals.map((r) => r.name)).toEqual(expect.arrayContaining(['main.sessions', 'main.withFinalizer', 'main.huge']));
    } else {
      for (const root of globals) expect(root.name).toMatch(/^\.(data|bss)\+0x[0-9a-f]+( → .+)?$/);
      expect(globals.some((r) => r.name.endsWith(' → map[int64]*main.Session'))).toBe(true);
    }
  });
});
