// Runtime struct layouts and constants read from DWARF, against the figures of
// /work/shared/reference/go-runtime-layout.md (computed there from the release sources). A mismatch
// here means the reference (and any table built from it) is wrong for that Go version.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DwarfInfo } from '../../src/dwarf/index.js';
import { FIXTURE_DIR, goBuild, loadDwarf, tempDir, TOOLCHAINS } from './support.js';

const work = tempDir('dwarf-runtime-');
afterAll(() => work.cleanup());

/** Offsets the reference gives for both Go 1.26 and 1.27 (§2.2–2.4, §3.3, §4.1, §5.1, §6.1–6.2, §7). */
const COMMON: Record<string, Record<string, number>> = {
  'runtime.mspan': {
    startAddr: 24,
    npages: 32,
    manualFreeList: 40,
    freeindex: 48,
    nelems: 50,
    freeIndexForScan: 52,
    allocCache: 56,
    allocBits: 64,
    gcmarkBits: 72,
    pinnerBits: 80,
    sweepgen: 88,
    divMul: 92,
    allocCount: 96,
    spanclass: 98,
    state: 99,
    needzero: 100,
    isUserArenaChunk: 101,
    elemsize: 104,
    limit: 112,
    speciallock: 120,
    specials: 128,
    userArenaChunkFree: 136,
    largeType: 152,
  },
  'runtime.mheap': { lock: 0, pages: 8, sweepgen: 65856, allspans: 65864, arenas: 66008, heapArenas: 66096 },
  'runtime.heapArena': { spans: 0, pageInUse: 65536, pageMarks: 66560, pageSpecials: 67584, pageUseSpanInlineMarkBits: 68608 },
  'runtime.g': {
    stack: 0,
    'stack.lo': 0,
    'stack.hi': 8,
    _panic: 32,
    _defer: 40,
    m: 48,
    sched: 56,
    'sched.sp': 56,
    'sched.pc': 64,
    'sched.ctxt': 80,
    'sched.bp': 96,
    syscallsp: 104,
    syscallpc: 112,
    syscallbp: 120,
    atomicstatus: 144,
    goid: 152,
    waitreason: 176,
    gopc: 288,
    startpc: 304,
    labels: 352,
  },
  'runtime.m': { g0: 0, procid: 64, gsignal: 72, curg: 184, p: 208, alllink: 352 },
  'runtime.p': { mcache: 56 },
  'runtime.mcache': { tiny: 24 },
  'runtime.special': { next: 0, offset: 8, kind: 16 },
  'runtime._defer': { heap: 0, rangefunc: 1, sp: 8, pc: 16, fn: 24, link: 32, head: 40 },
  'runtime.finBlock': { alllink: 0, next: 8, cnt: 16, fin: 24 },
  'runtime.cleanupBlock': { lfnode: 0, alllink: 16, n: 24 },
  'runtime.stackObjectRecord': { off: 0, size: 4, ptrBytes: 8, gcdataoff: 12 },
  'internal/abi.Type': { Size_: 0, PtrBytes: 8, Hash: 16, TFlag: 20, Align_: 21, FieldAlign_: 22, Kind_: 23, Equal: 24, GCData: 32, Str: 40, PtrToThis: 44 },
  'internal/abi.ITab': { Inter: 0, Type: 8, Hash: 16, Fun: 24 },
  'internal/runtime/maps.Map': { used: 0, seed: 8, dirPtr: 16, dirLen: 24, globalDepth: 32, globalShift: 33, writing: 34, tombstonePossible: 35, clearSeq: 40 },
  'internal/runtime/maps.table': { used: 0, capacity: 2, growthLeft: 4, localDepth: 6, index: 8, 'groups.data': 16, 'groups.lengthMask': 24 },
  'runtime.moduledata': { pcHeader: 0, funcnametab: 8, pctab: 80, pclntable: 104, ftab: 128, text: 176, etext: 184, noptrdata: 192, data: 208, edata: 216, bss: 224, ebss: 232, noptrbss: 240, end: 272, gcdata: 280, gcbss: 288, types: 296 },
};

const BY_VERSION: Record<'local' | 'go1.27.3', Record<string, Record<string, number>>> = {
  local: {
    'runtime.moduledata': { etypes: 304, rodata: 312, gofunc: 320, epclntab: 328, textsectmap: 336, typelinks: 360, itablinks: 384, gcdatamask: 544, gcbssmask: 560, next: 584 },
    'internal/abi.MapType': { Key: 48, Elem: 56, Group: 64, Hasher: 72, GroupSize: 80, SlotSize: 88, ElemOff: 96, Flags: 104 },
  },
  'go1.27.3': {
    'runtime.moduledata': { typedesclen: 304, etypes: 312, itaboffset: 320, itabsize: 328, rodata: 336, gofunc: 344, epclntab: 352, textsectmap: 360, gcdatamask: 520, gcbssmask: 536, next: 560 },
    'internal/abi.MapType': { Key: 48, Elem: 56, Group: 64, Hasher: 72, GroupSize: 80, KeysOff: 88, KeyStride: 96, ElemsOff: 104, ElemStride: 112, ElemOff: 120, Flags: 128 },
  },
};

const SIZES: Record<'local' | 'go1.27.3', Record<string, number>> = {
  local: { 'runtime.mspan': 160, 'runtime.gobuf': 48, 'internal/abi.Type': 48, 'internal/runtime/maps.Map': 48, 'internal/runtime/maps.table': 32, 'internal/abi.MapType': 112, 'runtime.stackObjectRecord': 16, 'runtime.spanInlineMarkBits': 128 },
  'go1.27.3': { 'runtime.mspan': 160, 'runtime.gobuf': 48, 'internal/abi.Type': 48, 'internal/runtime/maps.Map': 48, 'internal/runtime/maps.table': 32, 'internal/abi.MapType': 136, 'runtime.stackObjectRecord': 16, 'runtime.spanInlineMarkBits': 128 },
};

describe.each(TOOLCHAINS.filter((t) => t.dwarfVersion === 5))('$label runtime', (toolchain) => {
  let dwarf: DwarfInfo;
  beforeAll(() => {
    dwarf = loadDwarf(goBuild({ dir: FIXTURE_DIR, out: `${work.dir}/fixture-${toolchain.gotoolchain}`, toolchain }));
  });

  it('has the field offsets the reference computed', () => {
    const expected = structuredClone(COMMON);
    for (const [struct, fields] of Object.entries(BY_VERSION[toolchain.gotoolchain])) Object.assign((expected[struct] ??= {}), fields);
    const actual: Record<string, Record<string, number | undefined>> = {};
    for (const [struct, fields] of Object.entries(expected)) {
      actual[struct] = {};
      for (const path of Object.keys(fields)) actual[struct][path] = dwarf.offsetOf(struct, path);
    }
    expect(actual).toEqual(expected);
  });

  it('has the struct sizes the reference gives (Green Tea inline mark bits on)', () => {
    const sizes = SIZES[toolchain.gotoolchain];
    expect(Object.fromEntries(Object.keys(sizes).map((name) => [name, dwarf.type(name)?.size]))).toEqual(sizes);
  });

  it('has the heap constants of §2.1', () => {
    const names = ['runtime._PageSize', 'runtime.heapArenaBytes', 'runtime.minSizeForMallocHeader', 'runtime.mallocHeaderSize', 'runtime.maxSmallSize', 'runtime.numSpanClasses'];
    expect(names.map((n) => dwarf.constantValue(n))).toEqual([8192, 64 << 20, 512, 8, 32768, 136]);
  });
});
