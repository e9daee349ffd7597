import { type AddressSpace, MemoryFault } from './address-space.js';
import type { MemorySource, Segment } from './segments.js';

const TWO_32 = 0x1_0000_0000;

/**
 * An address space made of sorted, non-overlapping segments. Lookups use a binary search over
 * typed arrays with a last-hit shortcut, because heap walks read millions of nearby words.
 */
export class SegmentedImage implements AddressSpace {
  /** Every segment, including missing ones, sorted by address. */
  readonly segments: readonly Segment[];
  /** The readable segments (all but missing), indexed like `starts` and `ends`. */
  private readonly readable: Segment[];
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  private last = 0;
  private readonly halves = new Uint32Array(2);

  constructor(segments: Segment[]) {
    this.segments = segments;
    this.readable = segments.filter((s) => s.source !== 'missing');
    this.starts = Float64Array.from(this.readable, (s) => s.start);
    this.ends = Float64Array.from(this.readable, (s) => s.end);
  }

  /** The segment (missing ones included) holding `addr`. */
  segmentAt(addr: number): Segment | undefined {
    let lo = 0;
    let hi = this.segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segments[mid]!.start <= addr) lo = mid + 1;
      else hi = mid;
    }
    const s = this.segments[lo - 1];
    return s && addr < s.end ? s : undefined;
  }

  /** Bytes per source over all segments. */
  bytesBySource(): Record<MemorySource, number> {
    const totals: Record<MemorySource, number> = { core: 0, executable: 0, file: 0, zero: 0, missing: 0 };
    for (const s of this.segments) totals[s.source] += s.end - s.start;
    return totals;
  }

  read(addr: number, length: number): Buffer {
    // Check first so that a wild length read from bad data fails before it allocates.
    if (!this.isMapped(addr, length)) throw new MemoryFault(addr, length);
    const out = Buffer.allocUnsafe(length);
    this.readInto(addr, out, length);
    return out;
  }

  readInto(addr: number, target: Buffer, length: number): void {
    let done = 0;
    while (done < length) {
      const at = addr + done;
      const i = this.indexOf(at);
      if (i < 0) throw new MemoryFault(addr, length);
      const seg = this.readable[i]!;
      const n = Math.min(length - done, seg.end - at);
      if (seg.file) seg.file.readInto(seg.fileOffset + (at - seg.start), target, done, n);
      else target.fill(0, done, done + n);
      done += n;
    }
  }

  isMapped(addr: number, length = 1): boolean {
    // Words read from a core can be any 64-bit value; beyond 2^53 a double no longer adds lengths exactly.
    if (!Number.isSafeInteger(addr + length) || length < 0) return false;
    let at = addr;
    const end = addr + length;
    while (at < end) {
      const i = this.indexOf(at);
      if (i < 0) return false;
      at = this.ends[i]!;
    }
    return true;
  }

  readU8(addr: number): number {
    const seg = this.within(addr, 1);
    if (!seg) return this.read(addr, 1)[0]!;
    return seg.file ? seg.file.u8(seg.fileOffset + (addr - seg.start)) : 0;
  }

  readU16(addr: number): number {
    const seg = this.within(addr, 2);
    if (!seg) return this.read(addr, 2).readUInt16LE(0);
    return seg.file ? seg.file.u16(seg.fileOffset + (addr - seg.start)) : 0;
  }

  readU32(addr: number): number {
    const seg = this.within(addr, 4);
    if (!seg) return this.read(addr, 4).readUInt32LE(0);
    return seg.file ? seg.file.u32(seg.fileOffset + (addr - seg.start)) : 0;
  }

  readU64(addr: number): number {
    this.loadHalves(addr);
    return this.halves[0]! + this.halves[1]! * TWO_32;
  }

  readI64(addr: number): number {
    this.loadHalves(addr);
    return this.halves[0]! + (this.halves[1]! | 0) * TWO_32;
  }

  readPtr(addr: number): number {
    return this.readU64(addr);
  }

  private loadHalves(addr: number): void {
    const seg = this.within(addr, 8);
    if (seg) {
      if (seg.file) seg.file.u64Halves(seg.fileOffset + (addr - seg.start), this.halves);
      else this.halves.fill(0);
      return;
    }
    const b = this.read(addr, 8);
    this.halves[0] = b.readUInt32LE(0);
    this.halves[1] = b.readUInt32LE(4);
  }

  /** The readable segment holding all of [addr, addr+length), or undefined (then take the slow path). */
  private within(addr: number, length: number): Segment | undefined {
    const i = this.indexOf(addr);
    return i >= 0 && addr + length <= this.ends[i]! ? this.readable[i] : undefined;
  }

  /** Index of the readable segment holding `addr`, or -1. */
  private indexOf(addr: number): number {
    const last = this.last;
    if (last < this.starts.length && addr >= this.starts[last]! && addr < this.ends[last]!) return last;
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= addr) lo = mid + 1;
      else hi = mid;
    }
    const i = lo - 1;
    if (i < 0 || addr >= this.ends[i]!) return -1;
    this.last = i;
    return i;
  }
}
