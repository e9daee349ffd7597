import { type AddressSpace, MemoryFault } from './address-space.js';
import { u64 } from '../util/bytes.js';

/**
 * Bytes of an address space copied into one buffer reused from read to read (grown when a read is
 * larger), whose words are read as two aligned 32-bit halves: the heap scan and typing read every
 * word of the heap this way, without a Buffer per span or object.
 */
export class WordBuffer {
  /** The buffer's bytes; the first `length` are the last load's. */
  bytes = new Uint8Array(0);
  length = 0;
  private buffer = Buffer.alloc(0);
  private halves = new Uint32Array(0);

  /** Reads `length` bytes at `addr`; throws MemoryFault, before the buffer grows, when they are not all mapped. */
  load(mem: AddressSpace, addr: number, length: number): void {
    if (!mem.isMapped(addr, length)) throw new MemoryFault(addr, length);
    if (length > this.buffer.length) {
      // Its own ArrayBuffer: offset 0, so 8-aligned offsets are 4-aligned in `halves`.
      this.buffer = Buffer.allocUnsafeSlow(Math.max(length, 2 * this.buffer.length));
      this.bytes = new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length);
      this.halves = new Uint32Array(this.buffer.buffer, this.buffer.byteOffset, this.buffer.length >> 2);
    }
    mem.readInto(addr, this.buffer, length);
    this.length = length;
  }

  /** The little-endian word at `offset` of the loaded bytes. */
  word(offset: number): number {
    if ((offset & 3) !== 0) return u64(this.buffer, offset); // a misaligned slot, from damaged type data
    return this.halves[offset >> 2]! + this.halves[(offset >> 2) + 1]! * 0x1_0000_0000;
  }
}
