import type { AddressSpace } from '../../core/address-space.js';
import { MemoryFault } from '../../core/address-space.js';
import type { RuntimeLayout } from '../layout/runtime-layout.js';
import { hex, u64 } from '../../util/bytes.js';
import { pageSize } from '../arch.js';
import { readSliceHeader, sliceHeaderSize } from '../layout/go-struct.js';
import { UserError } from '../../errors.js';

/** mspan.state value of a span holding heap objects (mSpanInUse). */
const mSpanInUse = 1;
/** A span's slot count can never exceed one object per 8 bytes of its pages. */
const maxSlotsPerPage = pageSize / 8;
/** Bounds on what we accept from an untrusted core. */
const maxSpans = 1 << 28;
const maxSpanPages = 1 << 24;

/**
 * The in-use heap spans, sorted by start address, one entry per span in parallel typed arrays.
 * `allocated` holds, per span, one byte per slot (1 = allocated) starting at `slotBase[i]`.
 */
export interface SpanTable {
  readonly count: number;
  readonly start: Float64Array;
  readonly npages: Uint32Array;
  readonly elemSize: Float64Array;
  readonly nelems: Uint32Array;
  /** spanclass: size class << 1 | noscan. */
  readonly spanClass: Uint8Array;
  /** mspan.largeType (the type of a large object), 0 when none. */
  readonly largeType: Float64Array;
  /** mspan.specials: head of the span's list of special records (finalizers, cleanups, …), 0 if none. */
  readonly specials: Float64Array;
  readonly slotBase: Uint32Array;
  readonly allocated: Uint8Array;
  readonly warnings: string[];
}

interface RawSpan {
  addr: number;
  start: number;
  npages: number;
  elemSize: number;
  nelems: number;
  freeindex: number;
  /** How many slots the runtime counts as allocated. */
  allocCount: number;
  allocBits: number;
  spanClass: number;
  largeType: number;
  specials: number;
}

/**
 * Reads mheap_.allspans and keeps the in-use spans, with which of their slots are allocated.
 * `slotCountBytes`: the width of mspan.freeindex and nelems (uint16 since Go 1.22, uintptr before).
 */
export function readSpans(mem: AddressSpace, layout: RuntimeLayout, mheapAddr: number, slotCountBytes: 2 | 8): SpanTable {
  const warnings: string[] = [];
  const headerAddr = mheapAddr + layout.offset('runtime.mheap', 'allspans');
  if (!mem.isMapped(headerAddr, sliceHeaderSize)) {
    throw new UserError('badInputData', `the heap's span list (runtime.mheap_.allspans at ${hex(headerAddr)}) is not in the core; the core is damaged or was cut short.`);
  }
  const { ptr: listPtr, len: listLen } = readSliceHeader(mem, headerAddr);
  if (listLen > maxSpans) {
    throw new UserError('badInputData', `the heap's span list (runtime.mheap_.allspans) has an implausible length of ${listLen}; the core is damaged.`);
  }
  if (listLen > 0 && !mem.isMapped(listPtr, 8)) {
    throw new UserError('badInputData', `the heap's span list (runtime.mheap_.allspans, ${listLen} entries at ${hex(listPtr)}) is not in the core; the core is damaged or was cut short.`);
  }

  const off = {
    start: layout.offset('runtime.mspan', 'startAddr'),
    npages: layout.offset('runtime.mspan', 'npages'),
    freeindex: layout.offset('runtime.mspan', 'freeindex'),
    nelems: layout.offset('runtime.mspan', 'nelems'),
    allocBits: layout.offset('runtime.mspan', 'allocBits'),
    allocCount: layout.offset('runtime.mspan', 'allocCount'),
    spanClass: layout.offset('runtime.mspan', 'spanclass'),
    state: layout.offset('runtime.mspan', 'state'),
    elemSize: layout.offset('runtime.mspan', 'elemsize'),
    specials: layout.offset('runtime.mspan', 'specials'),
  };
  // Large objects' types are recorded since Go 1.22 only.
  const largeTypeAt = layout.tryOffset('runtime.mspan', 'largeType');
  const mspanBytes = Math.max(...Object.values(off), largeTypeAt ?? 0) + 8;
  const slotCount = (raw: Buffer, at: number) => (slotCountBytes === 2 ? raw.readUInt16LE(at) : u64(raw, at));

  const spans: RawSpan[] = [];
  const chunk = 4096;
  for (let first = 0; first < listLen; first += chunk) {
    const n = Math.min(chunk, listLen - first);
    if (!mem.isMapped(listPtr + first * 8, n * 8)) {
      warnings.push(`entries ${first} to ${listLen - 1} of the heap's span list are not in the core; the objects of those spans are not counted`);
      break;
    }
    const ptrs = mem.read(listPtr + first * 8, n * 8);
    for (let i = 0; i < n; i++) {
      const addr = u64(ptrs, i * 8);
      if (addr === 0) continue;
      let raw: Buffer;
      try {
        raw = mem.read(addr, mspanBytes);
      } catch (err) {
        if (!(err instanceof MemoryFault)) throw err;
        warnings.push(`mspan at ${hex(addr)} is not in the core; its objects are not counted`);
        continue;
      }
      if (raw[off.state] !== mSpanInUse) continue;
      const span: RawSpan = {
        addr,
        start: u64(raw, off.start),
        npages: u64(raw, off.npages),
        elemSize: u64(raw, off.elemSize),
        nelems: slotCount(raw, off.nelems),
        freeindex: slotCount(raw, off.freeindex),
        allocCount: raw.readUInt16LE(off.allocCount),
        allocBits: u64(raw, off.allocBits),
        spanClass: raw[off.spanClass]!,
        largeType: largeTypeAt === undefined ? 0 : u64(raw, largeTypeAt),
        specials: u64(raw, off.specials),
      };
      const problem = implausible(span);
      if (problem) {
        warnings.push(`mspan at ${hex(addr)} looks corrupt (${problem}); skipped`);
        continue;
      }
      spans.push(span);
    }
  }
  spans.sort((a, b) => a.start - b.start);
  return buildTable(mem, spans, warnings);
}

function implausible(s: RawSpan): string | undefined {
  if (s.npages < 1 || s.npages > maxSpanPages) return `npages ${s.npages}`;
  if (s.start % pageSize !== 0) return `start ${hex(s.start)} not page aligned`;
  if (s.elemSize < 8 || s.elemSize % 8 !== 0 || s.elemSize > s.npages * pageSize) return `elemsize ${s.elemSize}`;
  if (s.nelems > s.npages * maxSlotsPerPage || s.nelems * s.elemSize > s.npages * pageSize) return `nelems ${s.nelems}`;
  if (s.freeindex > s.nelems) return `freeindex ${s.freeindex} > nelems ${s.nelems}`;
  return undefined;
}

function buildTable(mem: AddressSpace, spans: RawSpan[], warnings: string[]): SpanTable {
  const count = spans.length;
  const slotBase = new Uint32Array(count + 1);
  for (let i = 0; i < count; i++) slotBase[i + 1] = slotBase[i]! + spans[i]!.nelems;
  const allocated = new Uint8Array(slotBase[count]!);
  const table = {
    count,
    start: new Float64Array(count),
    npages: new Uint32Array(count),
    elemSize: new Float64Array(count),
    nelems: new Uint32Array(count),
    spanClass: new Uint8Array(count),
    largeType: new Float64Array(count),
    specials: new Float64Array(count),
    slotBase,
    allocated,
    warnings,
  };
  let disagreeing = 0;
  let disagreeingBytes = 0;
  for (let i = 0; i < count; i++) {
    const s = spans[i]!;
    table.start[i] = s.start;
    table.npages[i] = s.npages;
    table.elemSize[i] = s.elemSize;
    table.nelems[i] = s.nelems;
    table.spanClass[i] = s.spanClass;
    table.largeType[i] = s.largeType;
    table.specials[i] = s.specials;
    if (markAllocated(mem, s, allocated, slotBase[i]!, warnings) !== s.allocCount) {
      disagreeing++;
      disagreeingBytes += s.npages * pageSize;
    }
  }
  if (disagreeing > 0) {
    warnings.push(
      `${disagreeing} spans (${disagreeingBytes} bytes) count other allocated objects than their allocation bits show; ` +
        'the heap is damaged, or the core was written while the program allocated: their objects are taken from the bits',
    );
  }
  return table;
}

/**
 * A slot is allocated when it lies below freeindex or its allocBits bit is set (the mspan rule).
 * Returns how many are.
 */
function markAllocated(mem: AddressSpace, s: RawSpan, out: Uint8Array, base: number, warnings: string[]): number {
  let bits: Buffer | undefined;
  if (s.allocBits !== 0 && s.nelems > s.freeindex) {
    try {
      bits = mem.read(s.allocBits, Math.ceil(s.nelems / 8));
    } catch (err) {
      if (!(err instanceof MemoryFault)) throw err;
      warnings.push(`allocBits of the span at ${hex(s.start)} are not in the core; only slots below freeindex counted`);
    }
  }
  let allocatedSlots = 0;
  for (let slot = 0; slot < s.nelems; slot++) {
    const set = slot < s.freeindex || (bits !== undefined && (bits[slot >> 3]! >> (slot & 7)) & 1);
    out[base + slot] = set ? 1 : 0;
    if (set) allocatedSlots++;
  }
  return allocatedSlots;
}
