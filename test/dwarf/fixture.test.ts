// The reader against what the fixture program, the toolchain, nm and the Go ABI say: struct layouts
// as unsafe.Sizeof/Offsetof report them, globals at their symbol addresses, runtime types at the
// descriptor the program points at, register-passed parameters where ABIInternal puts them, frame
// variables at disjoint CFA offsets, constants and producer versions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DW_LANG_Go, type DwarfInfo, evaluateLocation, GoKind } from '../../src/dwarf/index.js';
import { FIXTURE_DIR, goBuild, goVersion, loadDwarf, nmSymbols, run, tempDir, TOOLCHAINS } from './support.js';

const work = tempDir('dwarf-fixture-');
afterAll(() => work.cleanup());

interface Report {
  layouts: Record<string, { size: number; fields: { name: string; offset: number }[] }>;
  outerRuntimeType: number;
  pointRuntimeType: number;
}

// amd64 DWARF register numbers and Go's ABIInternal integer argument order (RAX, RBX, RCX, RDI, …).
const RAX = 0;
const RCX = 2;
const RBX = 3;
const RDI = 5;

describe.each(TOOLCHAINS)('$label', (toolchain) => {
  let dwarf: DwarfInfo;
  let unoptimized: DwarfInfo;
  let report: Report;
  let symbols: Map<string, number>;

  beforeAll(() => {
    const base = `${work.dir}/fixture-${toolchain.gotoolchain}-${toolchain.dwarfVersion}`;
    const binary = goBuild({ dir: FIXTURE_DIR, out: base, toolchain });
    const debugBinary = goBuild({ dir: FIXTURE_DIR, out: `${base}-N`, toolchain, args: ['-gcflags=-N -l'] });
    report = JSON.parse(run(binary)) as Report;
    symbols = nmSymbols(binary);
    dwarf = loadDwarf(binary);
    unoptimized = loadDwarf(debugBinary);
  });

  it('reads units of the DWARF version the toolchain writes, with its Go version as producer', () => {
    const version = goVersion(toolchain);
    const goUnits = dwarf.units.filter((u) => u.language === DW_LANG_Go);
    expect(goUnits.length).toBeGreaterThan(10);
    for (const u of goUnits) {
      expect(u.version).toBe(toolchain.dwarfVersion);
      expect(u.producer).toMatch(new RegExp(`^Go cmd/compile ${version.replace(/\./g, '\\.')}[; ]`));
    }
    expect(dwarf.goVersion).toBe(version);
    expect(dwarf.warnings).toEqual([]);
  });

  it('gives struct sizes and field offsets as unsafe.Sizeof and unsafe.Offsetof report them', () => {
    for (const [name, layout] of Object.entries(report.layouts)) {
      expect(dwarf.structLayout(name)?.size, name).toBe(layout.size);
      for (const f of layout.fields) expect(dwarf.offsetOf(name, f.name), `${name}.${f.name}`).toBe(f.offset);
    }
    // Promoted fields resolve through the embedded struct, as the Go selector o.B does.
    expect(dwarf.offsetOf('main.Outer', 'B')).toBe(report.layouts['main.Outer']!.fields.find((f) => f.name === 'Inner.B')!.offset);
    expect(dwarf.offsetOf('main.Outer', 'Missing')).toBeUndefined();
    expect(() => dwarf.requireOffsetOf('main.Outer', 'Missing')).toThrow(/no field Missing in main.Outer/);
  });

  it('describes each kind of Go type with its elements, keys and sizes', () => {
    const outer = dwarf.structLayout('main.Outer')!;
    const field = (name: string) => outer.field(name)!.type;
    expect(outer.field('Inner')!.embedded).toBe(true);
    expect(outer.field('Name')!.embedded).toBe(false);
    expect(field('Name').goKind).toBe(GoKind.String);
    expect(field('P').goKind).toBe(GoKind.Pointer);
    expect(field('P').elem?.name).toBe('main.Point');
    expect(field('S').goKind).toBe(GoKind.Slice);
    expect(field('S').elem?.name).toBe('int64');
    expect(field('M').goKind).toBe(GoKind.Map);
    expect(field('M').key?.name).toBe('string');
    expect(field('M').elem?.name).toBe('*main.Point');
    expect(field('M').size).toBe(8);
    expect(field('Sh').goKind).toBe(GoKind.Interface);
    expect(field('Sh').name).toBe('main.Shape');
    expect(field('Sh').underlying.name).toBe('runtime.iface');
    expect(field('E').underlying.name).toBe('runtime.eface');
    expect(field('Sh').size).toBe(16);
    expect(field('Ch').goKind).toBe(GoKind.Chan);
    expect(field('Ch').elem?.name).toBe('int');
    expect(field('F').goKind).toBe(GoKind.Func);
    expect(field('F').size).toBe(8);
    const arr = field('Arr').underlying;
    expect(arr.kind === 'array' && arr.count).toBe(4);
    expect(arr.elem?.name).toBe('main.Point');
    expect(field('Flag').goKind).toBe(GoKind.Bool);

    expect(dwarf.type('main.Celsius')?.goKind).toBe(GoKind.Float64);
    expect(dwarf.type('main.Celsius')?.size).toBe(8);
    expect(dwarf.type('main.Names')?.goKind).toBe(GoKind.Slice);
    expect(dwarf.type('main.Names')?.elem?.name).toBe('string');
    expect(dwarf.type('unsafe.Pointer')?.goKind).toBe(GoKind.UnsafePointer);
  });

  it('finds the type of the runtime descriptor the program points at', () => {
    const typesBase = symbols.get('runtime.types')!;
    expect(dwarf.typeByRuntimeType(report.outerRuntimeType, typesBase)?.name).toBe('main.Outer');
    expect(dwarf.typeByRuntimeType(report.pointRuntimeType, typesBase)?.name).toBe('main.Point');
    expect(dwarf.type('main.Outer')!.runtimeTypeOffset).toBe(report.outerRuntimeType - typesBase);
  });

  it('places every global at its symbol address', () => {
    const mine = ['GlobalOuter', 'GlobalCount', 'GlobalPoints', 'GlobalTable', 'GlobalShape', 'GlobalTemp', 'GlobalNames', 'GlobalArray'];
    for (const name of mine) expect(dwarf.global(`main.${name}`)?.address, name).toBe(symbols.get(`main.${name}`));
    let checked = 0;
    for (const g of dwarf.globals()) {
      const address = symbols.get(g.name);
      if (address === undefined) continue;
      expect(g.address, g.name).toBe(address);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
    expect(dwarf.global('main.GlobalCount')?.type?.name).toBe('int64');
    expect(dwarf.global('main.GlobalOuter')?.type?.name).toBe('*main.Outer');
    expect(dwarf.global('runtime.mheap_')?.type?.name).toBe('runtime.mheap');
  });

  it('reads runtime constants with their source values', () => {
    expect(dwarf.constant('runtime._PageSize')?.value).toBe(8192n);
    expect(dwarf.constantValue('runtime.mSpanInUse')).toBe(1);
    expect(dwarf.constantValue('runtime.mSpanManual')).toBe(2);
    expect(dwarf.constantValue('internal/abi.FUNCDATA_LocalsPointerMaps')).toBe(1);
    expect(dwarf.constantValue('runtime.heapArenaBytes')).toBe(64 << 20);
    expect(dwarf.constantValue('runtime._Gscan')).toBe(0x1000);
    expect(dwarf.constantValue('internal/abi.MaxPtrmaskBytes')).toBe(toolchain.gotoolchain === 'local' ? 2048 : 16);
    expect(dwarf.constant('runtime.noSuchConstant')).toBeUndefined();
  });

  it('locates register-passed parameters where ABIInternal puts them at function entry', () => {
    const fn = dwarf.function('main.sumPoints')!;
    expect(fn.variables().map((v) => v.name)).toEqual(expect.arrayContaining(['pts', 'scale', 'total', 'scratch', 'i']));
    const pts = fn.variable('pts')!;
    const scale = fn.variable('scale')!;
    expect(pts.isParameter && scale.isParameter).toBe(true);
    expect(fn.variable('total')!.isOutput).toBe(true);
    expect(pts.location.kind).toBe('list');
    // pts is a slice header split over three registers: ptr, len, cap.
    expect(evaluateLocation(pts.locationAt(fn.lowPc)!)).toEqual([
      { place: { kind: 'register', register: RAX }, size: 8 },
      { place: { kind: 'register', register: RBX }, size: 8 },
      { place: { kind: 'register', register: RCX }, size: 8 },
    ]);
    expect(evaluateLocation(scale.locationAt(fn.lowPc)!)).toEqual([{ place: { kind: 'register', register: RDI }, size: undefined }]);
    expect(dwarf.functionAt(fn.lowPc + 1)).toBe(fn);
  });

  it('locates unoptimized locals at disjoint offsets below the CFA', () => {
    const fn = unoptimized.function('main.sumPoints')!;
    const locals = ['total', 'scratch', 'i', 'p'].map((name) => fn.variable(name)!);
    const spans = locals.map((v) => {
      expect(v.frameOffset, v.name).toBeLessThan(0);
      const size = v.type!.size;
      expect(evaluateLocation(v.locationAt(fn.lowPc)!, { cfa: 0x10000 })).toEqual([{ place: { kind: 'memory', address: 0x10000 + v.frameOffset! }, size: undefined }]);
      return [v.frameOffset!, v.frameOffset! + size] as const;
    });
    expect(locals[1]!.type!.size).toBe(64);
    for (let a = 0; a < spans.length; a++) {
      for (let b = a + 1; b < spans.length; b++) {
        const disjoint = spans[a]![1] <= spans[b]![0] || spans[b]![1] <= spans[a]![0];
        expect(disjoint, `${locals[a]!.name} and ${locals[b]!.name} overlap`).toBe(true);
      }
    }
  });

  it('gives a captured variable its offset in the closure struct {F uintptr; n *int}', () => {
    const closure = dwarf.function('main.makeCounter.func1')!;
    const captured = closure.variables().find((v) => v.closureOffset !== undefined)!;
    expect(captured.name).toBe('&n');
    expect(captured.closureOffset).toBe(8);
    expect(captured.type?.name).toBe('*int');
  });
});
