import { hex } from '../util/bytes.js';

/**
 * Read access to a 64-bit little-endian address space: a process image rebuilt from a core, or the
 * static image of an executable. Addresses are JS numbers (amd64 user space fits in 48 bits).
 */
export interface AddressSpace {
  /** Copies `length` bytes at `addr`; throws MemoryFault if any of them is not mapped. */
  read(addr: number, length: number): Buffer;
  /** Copies `length` bytes at `addr` into the start of `target` (zeros where the image maps zero pages); throws MemoryFault like read. */
  readInto(addr: number, target: Buffer, length: number): void;
  /** True when every byte of [addr, addr+length) is mapped. */
  isMapped(addr: number, length?: number): boolean;
  readU8(addr: number): number;
  readU16(addr: number): number;
  readU32(addr: number): number;
  /** An unsigned 64-bit word as a number: exact below 2^53, which covers every user-space pointer. */
  readU64(addr: number): number;
  /** A signed 64-bit word as a number (exact within ±2^53). */
  readI64(addr: number): number;
  /** A pointer-sized word; an alias of readU64 on amd64. */
  readPtr(addr: number): number;
}

/** The pointer-sized word at `addr`, or 0 where the image holds no memory (a word read from a core may point anywhere). */
export function wordOrZero(mem: AddressSpace, addr: number): number {
  return mem.isMapped(addr, 8) ? mem.readPtr(addr) : 0;
}

/** Thrown when a read touches an address the image does not hold. */
export class MemoryFault extends Error {
  constructor(readonly addr: number, readonly length: number) {
    super(`address ${hex(addr)} (+${length}) is not mapped`);
    this.name = 'MemoryFault';
  }
}
