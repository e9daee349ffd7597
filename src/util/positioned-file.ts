import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError, fileError } from '../errors.js';

/** Small pages: typing reads the heap in the order pointers lead, one object here, one there. */
const PAGE_SIZE = 4096;
/** Cache per open file: 64 MiB, or the file's size if smaller. */
const CACHE_BYTES = 64 << 20;
/**
 * Reads this long skip the cache: whole spans (the scan reads each once), section data, large
 * objects. One read(2) each, and no hot page evicted.
 */
const UNCACHED_READ = 2 * PAGE_SIZE;
/** One read(2) call moves at most this much (Node rejects lengths above 2^31-1). */
const MAX_SYSCALL_READ = 1 << 30;

/**
 * Opens a file to read, with its size; a UserError that says why when it cannot be read (missing,
 * a directory, no permission). The caller closes the descriptor.
 */
export function openReadable(path: string): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fileError(err, path) ?? err;
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new UserError('unreadableInput', `${path} is a directory; give a file.`);
    return { fd, size: stat.size };
  } catch (err) {
    closeSync(fd);
    throw fileError(err, path) ?? err;
  }
}

/**
 * A read-only file read with positioned reads through a page cache, so that a multi-GB core can be
 * read at random without ever loading it whole. The cache is two-way set associative over one
 * buffer: a lookup is two compares, a miss reuses the page it evicts, and nothing is allocated per
 * read, which matters when millions of objects are read in pointer order.
 */
export class PositionedFile {
  /** Every cached page, way by way: set s, way w is at ((s << 1) | w) × PAGE_SIZE. */
  private readonly store: Buffer;
  /** Page number held by each (set, way), -1 when empty. */
  private readonly tags: Float64Array;
  /** Per set, the way used last (the other one is evicted first). */
  private readonly recent: Uint8Array;
  private readonly setMask: number;
  /** Page number and store offset of the previous access: most reads hit it. */
  private lastPage = -1;
  private lastBase = 0;
  private fd: number;

  private constructor(readonly path: string, fd: number, readonly size: number) {
    this.fd = fd;
    let sets = 1;
    while (sets * 2 * PAGE_SIZE < Math.min(CACHE_BYTES, size)) sets *= 2;
    this.store = Buffer.allocUnsafeSlow(sets * 2 * PAGE_SIZE);
    this.tags = new Float64Array(sets * 2).fill(-1);
    this.recent = new Uint8Array(sets);
    this.setMask = sets - 1;
  }

  static open(path: string): PositionedFile {
    const { fd, size } = openReadable(path);
    return new PositionedFile(path, fd, size);
  }

  /** A fresh copy of the `length` bytes at `offset`; throws RangeError if they are not all in the file. */
  read(offset: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    this.readInto(offset, out, 0, length);
    return out;
  }

  /** Copies `length` bytes at `offset` into `target` at `targetOffset`. */
  readInto(offset: number, target: Buffer, targetOffset: number, length: number): void {
    this.checkRange(offset, length);
    if (length >= UNCACHED_READ) {
      this.readDirect(offset, target, targetOffset, length);
      return;
    }
    let done = 0;
    while (done < length) {
      const at = offset + done;
      const base = this.page(Math.floor(at / PAGE_SIZE));
      const inPage = at % PAGE_SIZE;
      const n = Math.min(length - done, PAGE_SIZE - inPage);
      this.store.copy(target, targetOffset + done, base + inPage, base + inPage + n);
      done += n;
    }
  }

  /** Unsigned little-endian words at `offset`; the fast path for the hot word reads of a core. */
  u8(offset: number): number {
    this.checkRange(offset, 1);
    return this.store[this.page(Math.floor(offset / PAGE_SIZE)) + (offset % PAGE_SIZE)]!;
  }

  u16(offset: number): number {
    this.checkRange(offset, 2);
    const inPage = offset % PAGE_SIZE;
    if (inPage + 2 > PAGE_SIZE) return this.read(offset, 2).readUInt16LE(0);
    return this.store.readUInt16LE(this.page(Math.floor(offset / PAGE_SIZE)) + inPage);
  }

  u32(offset: number): number {
    this.checkRange(offset, 4);
    const inPage = offset % PAGE_SIZE;
    if (inPage + 4 > PAGE_SIZE) return this.read(offset, 4).readUInt32LE(0);
    return this.store.readUInt32LE(this.page(Math.floor(offset / PAGE_SIZE)) + inPage);
  }

  /** Returns the low and high 32-bit halves through `out` to avoid BigInt and allocation. */
  u64Halves(offset: number, out: Uint32Array): void {
    this.checkRange(offset, 8);
    const inPage = offset % PAGE_SIZE;
    if (inPage + 8 <= PAGE_SIZE) {
      const at = this.page(Math.floor(offset / PAGE_SIZE)) + inPage;
      out[0] = this.store.readUInt32LE(at);
      out[1] = this.store.readUInt32LE(at + 4);
    } else {
      const b = this.read(offset, 8);
      out[0] = b.readUInt32LE(0);
      out[1] = b.readUInt32LE(4);
    }
  }

  close(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    this.tags.fill(-1);
    this.lastPage = -1;
  }

  private checkRange(offset: number, length: number): void {
    if (!(offset >= 0 && length >= 0 && offset + length <= this.size)) {
      throw new RangeError(`${this.path}: read of ${length} bytes at offset ${offset} is outside the file (${this.size} bytes)`);
    }
  }

  /** Where page `index` is in the store, loading it if it is not cached. */
  private page(index: number): number {
    if (index === this.lastPage) return this.lastBase;
    const set = index & this.setMask;
    let way: number;
    if (this.tags[set << 1] === index) way = 0;
    else if (this.tags[(set << 1) | 1] === index) way = 1;
    else {
      way = this.recent[set]! ^ 1;
      const slot = (set << 1) | way;
      // Unknown until loaded: a read that fails must not leave the old page under the new tag.
      this.tags[slot] = -1;
      const start = index * PAGE_SIZE;
      this.readDirect(start, this.store, slot * PAGE_SIZE, Math.min(PAGE_SIZE, this.size - start));
      this.tags[slot] = index;
    }
    this.recent[set] = way;
    this.lastPage = index;
    this.lastBase = ((set << 1) | way) * PAGE_SIZE;
    return this.lastBase;
  }

  private readDirect(offset: number, target: Buffer, targetOffset: number, length: number): void {
    if (this.fd < 0) throw new Error(`${this.path} is closed`);
    let done = 0;
    while (done < length) {
      const chunk = Math.min(length - done, MAX_SYSCALL_READ);
      const n = readSync(this.fd, target, targetOffset + done, chunk, offset + done);
      if (n === 0) {
        throw new UserError('unreadableInput', `${this.path} became shorter while being read; do not modify it during analysis.`);
      }
      done += n;
    }
  }
}
