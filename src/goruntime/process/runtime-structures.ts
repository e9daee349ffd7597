import { type AddressSpace, MemoryFault } from '../../core/address-space.js';
import { GStatus, G_SCAN } from './goroutine-status.js';
import type { PcLnTab } from '../binary/pclntab.js';
import type { RuntimeLayout } from '../layout/runtime-layout.js';
import { arenaIndex, pagesPerArena, ptrSize, pageSize } from '../arch.js';
import { readSliceHeader } from '../layout/go-struct.js';
import { hex } from '../../util/bytes.js';

/**
 * Whether an address holds a given runtime global, judged by what the core's memory holds there: the
 * structure rules the runtime itself keeps (every in-use span is found again through the arena
 * index, every P's id is its index in allp, every M runs one of the core's threads, …). A stripped
 * binary has no symbol for these globals; a candidate address is accepted only when its memory obeys
 * every rule, so a wrong address gives no answer rather than a wrong one.
 */
export type Verdict =
  /** Holds the global, with the nodes of the list it heads (for globals that head a linked list). */
  | { verdict: 'holds'; nodes?: ReadonlySet<number> }
  /** Could be the global, but holds nothing to check (a nil list head, a zero status word). */
  | { verdict: 'empty' }
  | { verdict: 'no'; why: string };

export interface StructureContext {
  mem: AddressSpace;
  layout: RuntimeLayout;
  pclntab: PcLnTab;
  /** The thread ids of the core (NT_PRSTATUS): every M's procid is one of them. */
  threadIds: ReadonlySet<number>;
}

export type StructureRule = (ctx: StructureContext, addr: number) => Verdict;

const mSpanInUse = 1;
/** Enough spans, goroutines and list nodes to tell a real structure from a chance one, without reading them all. */
const sampleSize = 256;
const maxSliceLength = 1 << 28;
const maxListLength = 1 << 16;
/** _Pidle … _Pdead. */
const maxPStatus = 4;
/** runtime.finBlockSize and cleanupBlockSize: each block holds at most this many bytes of entries. */
const finBlockBytes = 4096;
const cleanupBlockBytes = 512;
/** fingStatus bits: fingCreated | fingRunningFinalizer | fingWait | fingWake. */
const fingStatusBits = 0xf;

const no = (why: string): Verdict => ({ verdict: 'no', why });
const isPointer = (v: number) => v !== 0 && v % ptrSize === 0 && v < 2 ** 47;

/** Runs a rule, treating memory the core does not hold as a failed rule. */
export function judge(rule: StructureRule, ctx: StructureContext, addr: number): Verdict {
  try {
    return rule(ctx, addr);
  } catch (err) {
    if (err instanceof MemoryFault) return no(`reads unmapped memory at ${hex(err.addr)}`);
    throw err;
  }
}

/** A slice header whose array is readable: (ptr, len, cap) with 0 < len ≤ cap. */
function readSlice(mem: AddressSpace, addr: number, maxLen: number): { ptr: number; len: number } | string {
  const { ptr, len, cap } = readSliceHeader(mem, addr);
  if (!isPointer(ptr)) return 'its slice pointer is not a pointer';
  if (len === 0 || len > cap || cap > maxLen) return `its slice length ${len} (cap ${cap}) is implausible`;
  if (!mem.isMapped(ptr, Math.min(len, sampleSize) * ptrSize)) return 'its slice array is not in the core';
  return { ptr, len };
}

/**
 * runtime.mheap_: allspans is a slice of spans, and each in-use span among the first few is found
 * again through arenas[0][arena index].spans[page in arena], as spanOf finds it.
 */
export const mheapRule: StructureRule = ({ mem, layout }, addr) => {
  const spans = readSlice(mem, addr + layout.offset('runtime.mheap', 'allspans'), maxSliceLength);
  if (typeof spans === 'string') return no(`allspans: ${spans}`);
  const l2 = mem.readPtr(addr + layout.offset('runtime.mheap', 'arenas'));
  if (!isPointer(l2)) return no('arenas[0] is not a pointer');
  const startAt = layout.offset('runtime.mspan', 'startAddr');
  const stateAt = layout.offset('runtime.mspan', 'state');
  const spansAt = layout.offset('runtime.heapArena', 'spans');
  let inUse = 0;
  const n = Math.min(spans.len, sampleSize);
  for (let i = 0; i < n; i++) {
    const span = mem.readPtr(spans.ptr + i * ptrSize);
    if (!isPointer(span)) return no(`allspans[${i}] is not a pointer`);
    if (mem.readU8(span + stateAt) !== mSpanInUse) continue;
    const start = mem.readPtr(span + startAt);
    if (start % pageSize !== 0 || start >= 2 ** 47) return no(`span ${i} starts at an unaligned address`);
    const heapArena = mem.readPtr(l2 + arenaIndex(start) * ptrSize);
    if (!isPointer(heapArena)) return no(`the arena of span ${i} is not in arenas[0]`);
    const page = Math.floor(start / pageSize) % pagesPerArena;
    if (mem.readPtr(heapArena + spansAt + page * ptrSize) !== span) return no(`span ${i} is not found again through its arena`);
    inUse++;
  }
  return inUse > 0 ? { verdict: 'holds' } : no('allspans has no span in use');
};

/** runtime.allgs: a slice of gs with distinct positive goids, sane statuses and power-of-two stacks (or none). */
export const allgsRule: StructureRule = ({ mem, layout }, addr) => {
  const gs = readSlice(mem, addr, maxSliceLength);
  if (typeof gs === 'string') return no(gs);
  const off = (field: string) => layout.offset('runtime.g', field);
  const [lo, hi, status, goid] = [off('stack.lo'), off('stack.hi'), off('atomicstatus'), off('goid')];
  const goids = new Set<number>();
  const n = Math.min(gs.len, sampleSize);
  for (let i = 0; i < n; i++) {
    const g = mem.readPtr(gs.ptr + i * ptrSize);
    if (!isPointer(g)) return no(`allgs[${i}] is not a pointer`);
    const st = mem.readU32(g + status) & ~G_SCAN;
    if (st > GStatus.deadextra) return no(`g ${i} has status ${st}`);
    const id = mem.readU64(g + goid);
    if (id === 0 || id > 2 ** 52 || goids.has(id)) return no(`g ${i} has goid ${id}, zero or seen before`);
    goids.add(id);
    const [stackLo, stackHi] = [mem.readPtr(g + lo), mem.readPtr(g + hi)];
    const size = stackHi - stackLo;
    const noStack = stackLo === 0 && stackHi === 0;
    if (!noStack && !(size >= 512 && size <= 2 ** 40 && (size & (size - 1)) === 0)) return no(`g ${i} has a stack of ${size} bytes`);
  }
  return { verdict: 'holds' };
};

/**
 * runtime.allm: a list of ms through m.alllink with distinct ids, each with a g0, whose thread ids
 * (m.procid, 0 before the thread starts) are threads of the core. Nodes let a caller tell the head of
 * the list from a pointer into its middle (an idle m, say).
 */
export const allmRule: StructureRule = ({ mem, layout, threadIds }, addr) => {
  const off = (field: string) => layout.offset('runtime.m', field);
  const [g0, procid, id, alllink] = [off('g0'), off('procid'), off('id'), off('alllink')];
  const nodes = new Set<number>();
  const ids = new Set<number>();
  let running = 0;
  for (let m = mem.readPtr(addr); m !== 0; m = mem.readPtr(m + alllink)) {
    if (!isPointer(m)) return no('a list link is not a pointer');
    if (nodes.size >= maxListLength || nodes.has(m)) return no('the list does not end');
    nodes.add(m);
    if (!isPointer(mem.readPtr(m + g0))) return no(`m ${nodes.size} has no g0`);
    const mid = mem.readI64(m + id);
    if (mid < 0 || mid > 2 ** 31 || ids.has(mid)) return no(`m ${nodes.size} has id ${mid}, negative or seen before`);
    ids.add(mid);
    const tid = mem.readU64(m + procid);
    if (tid !== 0 && threadIds.size > 0 && !threadIds.has(tid)) return no(`m ${nodes.size} runs thread ${tid}, which the core does not have`);
    if (tid !== 0) running++;
  }
  if (nodes.size === 0) return no('it is nil');
  if (threadIds.size > 0 && running === 0) return no('none of its ms runs a thread of the core');
  return { verdict: 'holds', nodes };
};

/** runtime.p's first two fields, id int32 and status uint32, in every release (the layout table may not list them). */
const pIdFallback = 0;
const pStatusFallback = 4;

/** runtime.allp: a slice of ps, each with its own index as p.id, a valid status and its own mcache. */
export const allpRule: StructureRule = ({ mem, layout }, addr) => {
  const ps = readSlice(mem, addr, maxListLength);
  if (typeof ps === 'string') return no(ps);
  const idAt = layout.tryOffset('runtime.p', 'id') ?? pIdFallback;
  const statusAt = layout.tryOffset('runtime.p', 'status') ?? pStatusFallback;
  const mcacheAt = layout.offset('runtime.p', 'mcache');
  const mcaches = new Set<number>();
  const n = Math.min(ps.len, sampleSize);
  for (let i = 0; i < n; i++) {
    const p = mem.readPtr(ps.ptr + i * ptrSize);
    if (!isPointer(p)) return no(`allp[${i}] is not a pointer`);
    if (mem.readU32(p + idAt) !== i) return no(`allp[${i}].id is not ${i}`);
    if (mem.readU32(p + statusAt) > maxPStatus) return no(`allp[${i}] has status ${mem.readU32(p + statusAt)}`);
    const mcache = mem.readPtr(p + mcacheAt);
    if (!isPointer(mcache) || mcaches.has(mcache) || !mem.isMapped(mcache, ptrSize)) return no(`allp[${i}] has no mcache of its own`);
    mcaches.add(mcache);
  }
  return { verdict: 'holds' };
};

/** The first word of a funcval is the entry of a Go function. */
function isFuncval(mem: AddressSpace, pclntab: PcLnTab, fv: number): boolean {
  if (!isPointer(fv)) return false;
  const pc = mem.readPtr(fv);
  return pclntab.funcForPC(pc)?.entry === pc;
}

/**
 * A list of blocks through `link`, each holding `count` entries of `entrySize` bytes from `first`, at
 * most `blockBytes` of them, every entry's funcval at `fnAt` a Go function. The list head is the
 * word at `addr`; nil means an empty list.
 */
function blockList(
  ctx: StructureContext,
  addr: number,
  shape: { link: number; count: number; first: number; entrySize: number; fnAt: number; blockBytes: number },
): Verdict {
  const { mem, pclntab } = ctx;
  const maxEntries = Math.floor(shape.blockBytes / shape.entrySize);
  const nodes = new Set<number>();
  for (let block = mem.readPtr(addr); block !== 0; block = mem.readPtr(block + shape.link)) {
    if (!isPointer(block)) return no('a block link is not a pointer');
    if (nodes.size >= maxListLength || nodes.has(block)) return no('the block list does not end');
    nodes.add(block);
    const count = mem.readU32(block + shape.count);
    if (count > maxEntries) return no(`a block holds ${count} entries, more than fit`);
    for (let i = 0; i < count; i++) {
      if (!isFuncval(mem, pclntab, mem.readPtr(block + shape.first + i * shape.entrySize + shape.fnAt))) return no(`entry ${i} of a block has no function`);
    }
  }
  return nodes.size === 0 ? { verdict: 'empty' } : { verdict: 'holds', nodes };
}

/** runtime.allfin: nil, or the newest of the finalizer blocks, linked through alllink. */
export const allfinRule: StructureRule = (ctx, addr) => {
  const { layout } = ctx;
  return blockList(ctx, addr, {
    link: layout.offset('runtime.finBlock', 'alllink'),
    count: layout.offset('runtime.finBlock', 'cnt'),
    first: layout.offset('runtime.finBlock', 'fin'),
    entrySize: layout.size('runtime.finalizer'),
    fnAt: layout.offset('runtime.finalizer', 'fn'),
    blockBytes: finBlockBytes,
  });
};

/**
 * An entry of a cleanup block: a cleanupFn with the function and its argument (Go 1.26+), or a bare
 * closure pointer (Go 1.25, whose layout has no cleanupFn).
 */
export function cleanupEntry(layout: RuntimeLayout): { size: number; fn: number; arg?: number } {
  const fn = layout.tryOffset('runtime.cleanupFn', 'fn');
  if (fn === undefined) return { size: ptrSize, fn: 0 };
  return { size: layout.size('runtime.cleanupFn'), fn, arg: layout.offset('runtime.cleanupFn', 'arg') };
}

/** runtime.gcCleanups: its `all` list of cleanup blocks is nil or well formed. */
export const gcCleanupsRule: StructureRule = (ctx, addr) => {
  const { layout } = ctx;
  const entry = cleanupEntry(layout);
  return blockList(ctx, addr + layout.offset('runtime.cleanupQueue', 'all'), {
    link: layout.offset('runtime.cleanupBlock', 'cleanupBlockHeader.alllink'),
    count: layout.offset('runtime.cleanupBlock', 'cleanupBlockHeader.n'),
    first: layout.offset('runtime.cleanupBlock', 'cleanups'),
    entrySize: entry.size,
    fnAt: entry.fn,
    blockBytes: cleanupBlockBytes,
  });
};

/** runtime.fingStatus: a word of the four finalizer-goroutine flags; zero before the first finalizer. */
export const fingStatusRule: StructureRule = ({ mem }, addr) => {
  const value = mem.readU32(addr);
  if (value === 0) return { verdict: 'empty' };
  return (value & ~fingStatusBits) === 0 ? { verdict: 'holds' } : no(`it holds ${hex(value)}, not finalizer flags`);
};
