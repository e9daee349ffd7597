import type { SpanTable } from './spans.js';
import { mallocHeaderSize, pageSize } from '../arch.js';
import { type HeapScheme, hasMallocHeader } from './heap-scheme.js';

/**
 * Every allocated heap slot as one object, in address order, in parallel typed arrays. An object's
 * bytes are its whole slot (what HeapAlloc counts), header included; `span` links it to its span.
 */
export class HeapObjects {
  readonly count: number;
  readonly addr: Float64Array;
  readonly size: Float64Array;
  readonly span: Int32Array;
  /** Object index of each span slot (parallel to spans.allocated), -1 when the slot is free. */
  private readonly slotObject: Int32Array;
  private readonly spanEnd: Float64Array;
  /** Span index of each page of [pageBase, pageBase + pages × 8 KiB), -1 outside spans; absent when the heap is too sparse. */
  private readonly pageSpan: Int32Array | undefined;
  private readonly pageBase: number;

  constructor(
    readonly spans: SpanTable,
    /** How the heap records pointers: whether objects begin with a malloc header. */
    readonly scheme: HeapScheme,
  ) {
    let count = 0;
    for (const bit of spans.allocated) count += bit;
    this.count = count;
    this.addr = new Float64Array(count);
    this.size = new Float64Array(count);
    this.span = new Int32Array(count);
    this.slotObject = new Int32Array(spans.allocated.length).fill(-1);
    this.spanEnd = new Float64Array(spans.count);
    let next = 0;
    for (let s = 0; s < spans.count; s++) {
      const start = spans.start[s]!;
      const elem = spans.elemSize[s]!;
      const base = spans.slotBase[s]!;
      this.spanEnd[s] = start + spans.npages[s]! * pageSize;
      for (let slot = 0; slot < spans.nelems[s]!; slot++) {
        if (!spans.allocated[base + slot]) continue;
        this.addr[next] = start + slot * elem;
        this.size[next] = elem;
        this.span[next] = s;
        this.slotObject[base + slot] = next++;
      }
    }
    this.pageBase = spans.count ? spans.start[0]! : 0;
    this.pageSpan = buildPageTable(spans, this.pageBase, this.spanEnd);
  }

  /** The span containing `addr`, or -1. */
  spanOf(addr: number): number {
    if (this.pageSpan) {
      const page = Math.floor((addr - this.pageBase) / pageSize);
      return page >= 0 && page < this.pageSpan.length ? this.pageSpan[page]! : -1;
    }
    const starts = this.spans.start;
    let lo = 0;
    let hi = this.spans.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && addr < this.spanEnd[hi]! ? hi : -1;
  }

  /** The allocated object containing `addr` (an interior pointer belongs to its object), or -1. */
  find(addr: number): number {
    const slot = this.slotOf(addr);
    return slot < 0 ? -1 : this.slotObject[slot]!;
  }

  /** Whether `addr` lies in a slot of a heap span that holds no allocated object (a freed slot). */
  isFreeSlot(addr: number): boolean {
    const slot = this.slotOf(addr);
    return slot >= 0 && this.slotObject[slot]! < 0;
  }

  /** The index (into spans.allocated) of the span slot containing `addr`, or -1 outside every slot. */
  private slotOf(addr: number): number {
    const s = this.spanOf(addr);
    if (s < 0) return -1;
    const slot = Math.floor((addr - this.spans.start[s]!) / this.spans.elemSize[s]!);
    return slot < this.spans.nelems[s]! ? this.spans.slotBase[s]! + slot : -1;
  }

  /** Offset where an object's data starts: after its malloc header, if it has one. */
  dataOffset(obj: number): number {
    const s = this.span[obj]!;
    return hasMallocHeader(this.scheme, this.spans.spanClass[s]!, this.spans.elemSize[s]!) ? mallocHeaderSize : 0;
  }

  /** The address where an object's data starts. */
  dataStart(obj: number): number {
    return this.addr[obj]! + this.dataOffset(obj);
  }

  /** The object whose data starts exactly at `addr` (what allocating it returned), or -1. */
  objectStartingAt(addr: number): number {
    const obj = this.find(addr);
    return obj >= 0 && addr === this.dataStart(obj) ? obj : -1;
  }

  /** Total bytes of all objects. */
  totalBytes(): number {
    let total = 0;
    for (let i = 0; i < this.count; i++) total += this.size[i]!;
    return total;
  }
}

/** A direct page → span table covers heaps up to this many pages (64 GiB); sparser ones use binary search. */
const maxPageTable = 1 << 23;

function buildPageTable(spans: SpanTable, base: number, spanEnd: Float64Array): Int32Array | undefined {
  if (spans.count === 0) return undefined;
  const pages = Math.ceil((spanEnd[spans.count - 1]! - base) / pageSize);
  if (pages > maxPageTable) return undefined;
  const table = new Int32Array(pages).fill(-1);
  for (let s = 0; s < spans.count; s++) {
    const first = (spans.start[s]! - base) / pageSize;
    table.fill(s, first, first + spans.npages[s]!);
  }
  return table;
}
