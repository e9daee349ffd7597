import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { UserError, fileError } from '../errors.js';

const PAGE_SIZE = 64 * 1024;
const MAX_CACHED_PAGES = 256; // 16 MiB per open file
/** Reads longer than this skip the cache: they are rare (section data) and would evict hot pages. */
const UNCACHED_READ = 4 * PAGE_SIZE;
/** One read(2) call moves at most this much (Node rejects lengths above 2^31-1). */
const MAX_SYSCALL_READ = 1 << 30;

/**
 * A read-only file read with positioned reads through a small LRU page cache, so that a multi-GB
 * core can be read at random without ever loading it whole.
 */
export class PositionedFile {
  /** Cached pages by page number; Map iteration order is the LRU order (oldest first). */
  private readonly pages = new Map<number, Buffer>();
  /** The page of the previous access: most reads hit it, and it skips the LRU bookkeeping. */
  private lastIndex = -1;
  private lastPage: Buffer = Buffer.alloc(0);
  private fd: number;

  private constructor(readonly path: string, fd: number, readonly size: number) {
    this.fd = fd;
  }

  static open(path: string): PositionedFile {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw fileError(err, path) ?? err;
    }
    try {
      const stat = fstatSync(fd);
      if (stat.isDirectory()) throw new UserError('unreadableInput', `${path} is a directory; give a file.`);
      return new PositionedFile(path, fd, stat.size);
    } catch (err) {
      closeSync(fd);
      throw fileError(err, path) ?? err;
    }
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
      const page = this.page(Math.floor(at / PAGE_SIZE));
      const inPage = at % PAGE_SIZE;
      const n = Math.min(length - done, page.length - inPage);
      page.copy(target, targetOffset + done, inPage, inPage + n);
      done += n;
    }
  }

  /** Unsigned little-endian words at `offset`; the fast path for the hot word reads of a core. */
  u8(offset: number): number {
    this.checkRange(offset, 1);
    return this.page(Math.floor(offset / PAGE_SIZE))[offset % PAGE_SIZE]!;
  }

  u16(offset: number): number {
    this.checkRange(offset, 2);
    const inPage = offset % PAGE_SIZE;
    const page = this.page(Math.floor(offset / PAGE_SIZE));
    return inPage + 2 <= page.length ? page.readUInt16LE(inPage) : this.read(offset, 2).readUInt16LE(0);
  }

  u32(offset: number): number {
    this.checkRange(offset, 4);
    const inPage = offset % PAGE_SIZE;
    const page = this.page(Math.floor(offset / PAGE_SIZE));
    return inPage + 4 <= page.length ? page.readUInt32LE(inPage) : this.read(offset, 4).readUInt32LE(0);
  }

  /** Returns the low and high 32-bit halves through `out` to avoid BigInt and allocation. */
  u64Halves(offset: number, out: Uint32Array): void {
    this.checkRange(offset, 8);
    const inPage = offset % PAGE_SIZE;
    const page = this.page(Math.floor(offset / PAGE_SIZE));
    if (inPage + 8 <= page.length) {
      out[0] = page.readUInt32LE(inPage);
      out[1] = page.readUInt32LE(inPage + 4);
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
    this.pages.clear();
    this.lastIndex = -1;
  }

  private checkRange(offset: number, length: number): void {
    if (!(offset >= 0 && length >= 0 && offset + length <= this.size)) {
      throw new RangeError(`${this.path}: read of ${length} bytes at offset ${offset} is outside the file (${this.size} bytes)`);
    }
  }

  private page(index: number): Buffer {
    if (index === this.lastIndex) return this.lastPage;
    let page = this.pages.get(index);
    if (page) {
      // Move to the most-recently-used end.
      this.pages.delete(index);
      this.pages.set(index, page);
    } else {
      page = this.loadPage(index);
    }
    this.lastIndex = index;
    this.lastPage = page;
    return page;
  }

  private loadPage(index: number): Buffer {
    const start = index * PAGE_SIZE;
    const page = Buffer.allocUnsafe(Math.min(PAGE_SIZE, this.size - start));
    this.readDirect(start, page, 0, page.length);
    if (this.pages.size >= MAX_CACHED_PAGES) {
      this.pages.delete(this.pages.keys().next().value as number);
    }
    this.pages.set(index, page);
    return page;
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
