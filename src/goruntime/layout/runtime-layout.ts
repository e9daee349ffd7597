import { UserError } from '../../errors.js';
import type { DwarfInfo } from '../../dwarf/index.js';

/**
 * Offsets and sizes of the Go runtime's own structs (mheap, mspan, g, m, …), needed to read the heap and
 * the goroutines out of a core. With DWARF they come from the binary itself; stripped binaries fall back
 * to per-version tables, which tests check against DWARF of the same Go version so they cannot drift.
 */
export interface RuntimeLayout {
  readonly source: 'dwarf' | 'table';
  /** Byte offset of a (possibly nested, dot-separated) field: offset('runtime.g', 'sched.sp'). */
  offset(struct: string, fieldPath: string): number;
  /** Like offset, but undefined when the field does not exist in this Go version. */
  tryOffset(struct: string, fieldPath: string): number | undefined;
  /** Byte size of a struct. */
  size(struct: string): number;
}

type StructTable = Record<string, { size?: number; fields: Record<string, number> }>;

/**
 * Go 1.26 and 1.27 (linux/amd64, with or without GOEXPERIMENT=nogreenteagc): identical for every struct
 * read here. The older releases below are written as revisions of it; each one's DWARF checks it.
 */
const go126: StructTable = {
  'runtime.mheap': { fields: { sweepgen: 65856, allspans: 65864, arenas: 66008 } },
  'runtime.heapArena': { fields: { spans: 0, pageInUse: 65536, pageSpecials: 67584 } },
  'runtime.mspan': {
    size: 160,
    fields: {
      startAddr: 24, npages: 32, freeindex: 48, nelems: 50, freeIndexForScan: 52, allocBits: 64,
      gcmarkBits: 72, allocCount: 96, spanclass: 98, state: 99, elemsize: 104, limit: 112, specials: 128, largeType: 152,
    },
  },
  'runtime.g': {
    fields: {
      'stack.lo': 0, 'stack.hi': 8, _panic: 32, _defer: 40, m: 48, 'sched.sp': 56, 'sched.pc': 64,
      'sched.ctxt': 80, 'sched.bp': 96, syscallsp: 104, syscallpc: 112, syscallbp: 120, atomicstatus: 144,
      goid: 152, waitreason: 176, lockedm: 208, runningCleanups: 220, parentGoid: 280, gopc: 288,
      startpc: 304, labels: 352,
    },
  },
  'runtime.m': { fields: { g0: 0, procid: 64, gsignal: 72, curg: 184, p: 208, id: 232, alllink: 352, vdsoSP: 896, vdsoPC: 904 } },
  'runtime.p': { fields: { id: 0, status: 4, mcache: 56 } },
  'runtime.mcache': { fields: { tiny: 24 } },
  'runtime.special': { fields: { next: 0, offset: 8, kind: 16 } },
  'runtime.specialfinalizer': { fields: { fn: 24, ot: 48 } },
  'runtime.specialCleanup': { fields: { cleanup: 24 } },
  'runtime.finBlock': { fields: { alllink: 0, next: 8, cnt: 16, fin: 24 } },
  'runtime.cleanupQueue': { fields: { all: 128 } },
  'runtime.cleanupBlock': { fields: { 'cleanupBlockHeader.alllink': 16, 'cleanupBlockHeader.n': 24, cleanups: 32 } },
  'runtime.cleanupFn': { size: 24, fields: { call: 0, fn: 8, arg: 16 } },
  'runtime.finalizer': { size: 40, fields: { fn: 0, arg: 8, ot: 32 } },
  'runtime._defer': { fields: { heap: 0, sp: 8, pc: 16, fn: 24, link: 32 } },
  'runtime._panic': { fields: { arg: 0, link: 16 } },
  'runtime.hchan': { fields: { buf: 16, elemtype: 40 } },
  'internal/runtime/maps.Map': { size: 48, fields: { dirPtr: 16, dirLen: 24 } },
  'internal/runtime/maps.table': { fields: { 'groups.data': 16 } },
};

/** What an older release changed in a newer one's table: structs or fields it lacks are undefined. */
type Revision = Record<string, { size?: number; fields: Record<string, number | undefined> } | undefined>;

/** `base` with `changes` applied: each older release's table is written as what it does differently. */
function revise(base: StructTable, changes: Revision): StructTable {
  const table: StructTable = Object.fromEntries(Object.entries(base).map(([name, s]) => [name, { ...s, fields: { ...s.fields } }]));
  for (const [name, change] of Object.entries(changes)) {
    if (change === undefined) {
      delete table[name];
      continue;
    }
    const struct = (table[name] ??= { fields: {} });
    if (change.size !== undefined) struct.size = change.size;
    for (const [field, offset] of Object.entries(change.fields)) {
      if (offset === undefined) delete struct.fields[field];
      else struct.fields[field] = offset;
    }
  }
  return table;
}

/** Go 1.25 (also with GOEXPERIMENT=greenteagc or noswissmap): gobuf without ret, an older g and m, cleanups as bare closures. */
const go125 = revise(go126, {
  'runtime.g': { fields: { runningCleanups: 218, parentGoid: 272, gopc: 280, startpc: 296, labels: 344 } },
  'runtime.m': { fields: { p: 200, id: 224, alllink: 344 } },
  'runtime._panic': { fields: { arg: 8, link: 24 } },
  'runtime.specialCleanup': { fields: { fn: 24, cleanup: undefined } },
  'runtime.cleanupFn': undefined,
  'runtime.hmap': { size: 56, fields: { buckets: 16, oldbuckets: 24, extra: 48 } },
});

/** Go 1.24 (also with GOEXPERIMENT=noswissmap): g.syscallbp shifts g's later fields; no cleanup queue yet. */
const go124 = revise(go125, {
  'runtime.g': {
    fields: {
      'sched.bp': 104, syscallsp: 112, syscallpc: 120, syscallbp: 128, atomicstatus: 152, goid: 160, waitreason: 184,
      lockedm: 216, parentGoid: 280, gopc: 288, startpc: 304, labels: 352, runningCleanups: undefined,
    },
  },
  'runtime.m': { fields: { procid: 72, gsignal: 80, curg: 192, p: 208, id: 232, alllink: 352, vdsoSP: 904, vdsoPC: 912 } },
  'runtime.cleanupBlock': undefined,
  'runtime.cleanupQueue': undefined,
});

/** Go 1.23: bucket maps only, special.offset a uint16, no cleanups. */
const go123 = revise(go124, {
  'runtime.m': { fields: { vdsoSP: 880, vdsoPC: 888 } },
  'runtime.mcache': { fields: { tiny: 16 } },
  'runtime.special': { fields: { kind: 10 } },
  'runtime.specialfinalizer': { fields: { fn: 16, ot: 40 } },
  'runtime.hmap': { size: 48, fields: { extra: 40 } },
  'internal/runtime/maps.Map': undefined,
  'internal/runtime/maps.table': undefined,
  'runtime.specialCleanup': undefined,
});

/** Go 1.22: no g.syscallbp, hchan without its timer. */
const go122 = revise(go123, {
  'runtime.g': {
    fields: { atomicstatus: 144, goid: 152, waitreason: 176, lockedm: 208, parentGoid: 272, gopc: 280, startpc: 296, labels: 344, syscallbp: undefined },
  },
  'runtime.m': { fields: { alllink: 328, vdsoSP: 1120, vdsoPC: 1128 } },
  'runtime.p': { fields: { mcache: 64 } },
  'runtime.hchan': { fields: { elemtype: 32 } },
});

/**
 * Go 1.21: the heap before allocation headers (a pointer bitmap in every heapArena, ahead of its
 * span index), mspan's slot counts as uintptrs and its own pinner bits, no mspan.largeType, _defer
 * with open-coded defer fields.
 */
const go121 = revise(go122, {
  'runtime.mheap': { fields: { arenas: 65944 } },
  'runtime.heapArena': { fields: { bitmap: 0, noMorePtrs: 1048576, spans: 1064960, pageInUse: 1130496, pageSpecials: 1132544 } },
  'runtime.mspan': {
    size: 168,
    fields: {
      nelems: 56, freeIndexForScan: 160, allocBits: 72, gcmarkBits: 80, allocCount: 104, spanclass: 106, state: 107, elemsize: 112,
      limit: 120, specials: 136, largeType: undefined,
    },
  },
  'runtime.m': { fields: { alllink: 336, vdsoSP: 808, vdsoPC: 816 } },
  'runtime._defer': { fields: { heap: 1, link: 40 } },
});

/** Go 1.20: no mspan.pinnerBits, no g.parentGoid, an older mheap. */
const go120 = revise(go121, {
  'runtime.mheap': { fields: { sweepgen: 65816, allspans: 65824, arenas: 65904 } },
  'runtime.mspan': { size: 160, fields: { freeIndexForScan: 152, allocCount: 96, spanclass: 98, state: 99, elemsize: 104, limit: 112, specials: 128 } },
  'runtime.g': { fields: { lockedm: 232, parentGoid: undefined, gopc: 296, startpc: 312, labels: 360 } },
  'runtime.m': { fields: { vdsoSP: 800, vdsoPC: 808 } },
});

const tables: Record<string, StructTable> = { '1.20': go120, '1.21': go121, '1.22': go122, '1.23': go123, '1.24': go124, '1.25': go125, '1.26': go126, '1.27': go126 };

/** The Go minor versions (1.x) whose runtime layout goheapflame carries a table for. */
export const tableVersions = Object.keys(tables);

class TableLayout implements RuntimeLayout {
  readonly source = 'table' as const;
  constructor(private readonly table: StructTable, private readonly version: string) {}

  tryOffset(struct: string, fieldPath: string): number | undefined {
    return this.table[struct]?.fields[fieldPath];
  }

  offset(struct: string, fieldPath: string): number {
    const off = this.tryOffset(struct, fieldPath);
    if (off === undefined) throw new Error(`no layout for ${struct}.${fieldPath} in the Go ${this.version} table`);
    return off;
  }

  size(struct: string): number {
    const size = this.table[struct]?.size;
    if (size === undefined) throw new Error(`no size for ${struct} in the Go ${this.version} table`);
    return size;
  }
}

/** The table layout for Go 1.`minor`, or a clear error naming the versions we can read stripped. */
export function tableLayout(minor: number): RuntimeLayout {
  const key = `1.${minor}`;
  const table = tables[key];
  if (!table) {
    throw new UserError(
      'unsupported',
      `this binary has no DWARF and goheapflame has no runtime layout table for Go ${key}; ` +
        `stripped binaries are read for Go ${tableVersions.join(', ')} (use an unstripped build otherwise).`,
    );
  }
  return new TableLayout(table, key);
}

/** Every struct and field the table knows, so tests can check each one against DWARF. */
export function tableEntries(minor: number): Array<{ struct: string; field: string; offset: number }> {
  const table = tables[`1.${minor}`] ?? {};
  return Object.entries(table).flatMap(([struct, { fields }]) =>
    Object.entries(fields).map(([field, offset]) => ({ struct, field, offset })),
  );
}

/**
 * Structs the runtime renamed: the name used here (the newest) and the older ones, which DWARF of an
 * older release has instead.
 */
const formerNames: Record<string, readonly string[]> = {
  'runtime.finBlock': ['runtime.finblock'], // until 1.25
};

/** The layout the binary's own DWARF describes: the authority whenever the binary has DWARF. */
export function dwarfLayout(dwarf: DwarfInfo): RuntimeLayout {
  const named = (struct: string) =>
    dwarf.structLayout(struct) !== undefined ? struct : (formerNames[struct]?.find((name) => dwarf.structLayout(name) !== undefined) ?? struct);
  return {
    source: 'dwarf',
    offset: (struct, fieldPath) => dwarf.requireOffsetOf(named(struct), fieldPath),
    tryOffset: (struct, fieldPath) => dwarf.offsetOf(named(struct), fieldPath),
    size: (struct) => {
      const size = dwarf.structLayout(named(struct))?.size;
      if (size === undefined) throw new Error(`the DWARF has no struct ${struct}`);
      return size;
    },
  };
}
